"""Journal entries as plain values: what makes one valid, and its place in the hash chain.

Nothing here touches the database, so the rules (balance per currency, exact amounts, canonical
content for idempotency and tamper evidence) are tested on their own.

The hash chain: each entry's hash is SHA-256 over the previous entry's hash and the entry's
canonical content (sequence number, date, kind, key, description, reversal link and postings).
Changing, removing or reordering any committed entry breaks every hash after it, which
``coopnode ledger verify`` detects even though the database also forbids such changes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from node.errors import FieldError, ValidationProblem

GENESIS_HASH = "0" * 64
MAX_POSTINGS = 500


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        """Assets and expenses grow with debits; the others with credits."""
        return self in (AccountType.ASSET, AccountType.EXPENSE)


@dataclass(frozen=True)
class PostingLine:
    """One side of an entry: ``amount_minor`` > 0 debits the account, < 0 credits it."""

    account_key: str
    currency: str
    amount_minor: int

    def as_tuple(self) -> tuple[str, str, int]:
        return (self.account_key, self.currency, self.amount_minor)


@dataclass(frozen=True)
class EntryDraft:
    """An entry before it is posted: the business event it records and its postings."""

    kind: str
    occurred_on: date
    idempotency_key: str
    description: str
    postings: tuple[PostingLine, ...]
    reverses_entry_id: int | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def content(self) -> dict[str, object]:
        """What the idempotency key stands for (same key, same content: same entry)."""
        return {
            "kind": self.kind,
            "occurred_on": self.occurred_on.isoformat(),
            "description": self.description,
            "reverses": self.reverses_entry_id,
            "postings": sorted(p.as_tuple() for p in self.postings),
            "meta": dict(sorted(self.meta.items())),
        }

    def digest(self) -> str:
        return sha256_json(self.content())


def sha256_json(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_draft(draft: EntryDraft) -> None:
    """Refuse an entry that cannot be posted: too few postings, zero lines, unbalanced."""
    errors = draft_errors(draft)
    if errors:
        raise ValidationProblem(errors)


def draft_errors(draft: EntryDraft) -> list[FieldError]:
    """Everything wrong with a draft on its own (accounts are checked against the books)."""
    errors: list[FieldError] = []
    if not draft.idempotency_key.strip():
        errors.append(FieldError("idempotency_key", "An idempotency key is required.", "required"))
    if len(draft.postings) < 2:
        errors.append(FieldError("postings", "An entry needs at least two postings.", "too_few"))
    if len(draft.postings) > MAX_POSTINGS:
        errors.append(FieldError("postings", f"At most {MAX_POSTINGS} postings.", "too_many"))
    for index, line in enumerate(draft.postings):
        if line.amount_minor == 0:
            errors.append(FieldError(f"postings.{index}.amount", "Must not be zero.", "zero"))
    for currency, total in sorted(totals_by_currency(draft.postings).items()):
        if total != 0:
            errors.append(
                FieldError(
                    "postings",
                    f"Debits and credits in {currency} differ by {total} minor units.",
                    "unbalanced",
                )
            )
    return errors


def totals_by_currency(postings: tuple[PostingLine, ...] | list[PostingLine]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for line in postings:
        totals[line.currency] += line.amount_minor
    return dict(totals)


def chain_hash(previous_hash: str, sequence: int, draft_content: dict[str, object]) -> str:
    """The entry's link in the chain."""
    return sha256_json({"previous": previous_hash, "sequence": sequence, "entry": draft_content})


def reversal_of(entry_id: int, draft: EntryDraft, occurred_on: date, key: str) -> EntryDraft:
    """The entry that cancels ``draft`` exactly: every posting with the opposite sign."""
    return EntryDraft(
        kind="reversal",
        occurred_on=occurred_on,
        idempotency_key=key,
        description=f"Reversal of entry {entry_id}: {draft.description}"[:500],
        postings=tuple(
            PostingLine(p.account_key, p.currency, -p.amount_minor) for p in draft.postings
        ),
        reverses_entry_id=entry_id,
    )
