"""Posting to the ledger: idempotent, gapless, chained, and only ever appended.

:func:`post` is the one way money moves in the books. Under the chain head's lock (a row lock on
PostgreSQL; SQLite's write transactions are already serial) it either returns the entry already
posted under the same idempotency key — or refuses a key reused for other content with 409 — or
appends the entry with the next sequence number and its chained hash. Callers post inside their
own transaction, so a business change and its entry commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from node.db.bulk import insert_rows
from node.db.types import utcnow
from node.errors import Conflict, FieldError, NotFound, ValidationProblem
from node.ledger.entries import (
    GENESIS_HASH,
    AccountType,
    EntryDraft,
    PostingLine,
    chain_hash,
    draft_errors,
    reversal_of,
    totals_by_currency,
)
from node.ledger.models import Account, JournalEntry, LedgerHead, Posting


@dataclass(frozen=True)
class AccountSpec:
    """What an account is, so services can ask for it by key and have it opened on first use."""

    key: str
    name: str
    type: AccountType
    chart_number: str | None = None


def ensure_account(session: Session, spec: AccountSpec, currency: str) -> Account:
    """The account ``spec.key`` in ``currency``, opened if it does not exist yet."""
    account = session.scalar(
        select(Account).where(Account.key == spec.key, Account.currency == currency)
    )
    if account is None:
        account = Account(
            key=spec.key,
            currency=currency,
            name=spec.name,
            type=spec.type.value,
            chart_number=spec.chart_number,
        )
        session.add(account)
        session.flush()
    elif account.type != spec.type.value:
        raise Conflict(f"Account {spec.key} exists with type {account.type}, not {spec.type}.")
    return account


def find_account(session: Session, key: str, currency: str) -> Account:
    account = session.scalar(
        select(Account).where(Account.key == key, Account.currency == currency)
    )
    if account is None:
        raise NotFound(f"No account {key} in {currency}.")
    return account


def post(session: Session, draft: EntryDraft, *, actor: str) -> JournalEntry:
    """Append ``draft`` (or return the entry already posted under its key)."""
    (entry_id,) = post_batch(session, [draft], actor=actor)
    entry = session.get(JournalEntry, entry_id)
    assert entry is not None
    return entry


def post_batch(session: Session, drafts: Sequence[EntryDraft], *, actor: str) -> list[int]:
    """Append many entries under one lock of the chain head; returns their ids in order.

    A draft whose key was already posted (before, or earlier in the same batch) with the same
    content yields that entry's id; with other content the whole batch is refused (409). Rows go
    in with two multi-row INSERTs, so a batch of a thousand entries costs a few statements.
    """
    accounts = _accounts_named(
        session, {(line.account_key, line.currency) for d in drafts for line in d.postings}
    )
    errors: list[FieldError] = []
    for index, draft in enumerate(drafts):
        problems = draft_errors(draft) + _resolve_accounts(session, draft.postings, accounts)
        prefix = f"entries.{index}." if len(drafts) > 1 else ""
        errors += [FieldError(prefix + e.field, e.message, e.code) for e in problems]
    if errors:
        raise ValidationProblem(errors)
    sequence, previous = session.execute(
        select(LedgerHead.sequence, LedgerHead.hash).where(LedgerHead.id == 1).with_for_update()
    ).one()
    known = _posted(session, [draft.idempotency_key for draft in drafts])
    ids: list[int | str] = []
    entry_rows: list[dict[str, Any]] = []
    posting_rows: list[tuple[str, PostingLine]] = []
    for draft in drafts:
        digest = draft.digest()
        if draft.idempotency_key in known:
            if known[draft.idempotency_key][1] != digest:
                raise Conflict(
                    "This idempotency key was already used for a different entry.",
                    idempotency_key=draft.idempotency_key,
                )
            ids.append(known[draft.idempotency_key][0])
            continue
        sequence += 1
        link, previous = previous, chain_hash(previous, sequence, draft.content())
        known[draft.idempotency_key] = (draft.idempotency_key, digest)
        ids.append(draft.idempotency_key)
        entry_rows.append(
            {
                "sequence": sequence,
                "kind": draft.kind,
                "occurred_on": draft.occurred_on,
                "recorded_at": utcnow(),
                "idempotency_key": draft.idempotency_key,
                "content_digest": digest,
                "description": draft.description,
                "reverses_entry_id": draft.reverses_entry_id,
                "meta": dict(draft.meta),
                "actor": actor,
                "previous_hash": link,
                "hash": previous,
            }
        )
        posting_rows += [(draft.idempotency_key, line) for line in draft.postings]
    if not entry_rows:
        return [int(i) for i in ids]
    return _insert(session, entry_rows, posting_rows, accounts, ids, (sequence, previous))


def _posted(session: Session, keys: list[str]) -> dict[str, tuple[int | str, str]]:
    """Entries already posted under any of ``keys``: key -> (id, content digest)."""
    found: dict[str, tuple[int | str, str]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(
            JournalEntry.idempotency_key, JournalEntry.id, JournalEntry.content_digest
        ).where(JournalEntry.idempotency_key.in_(chunk))
        for key, entry_id, digest in session.execute(query):
            found[key] = (entry_id, digest)
    return found


def _insert(
    session: Session,
    entry_rows: list[dict[str, Any]],
    posting_rows: list[tuple[str, PostingLine]],
    accounts: dict[tuple[str, str], Account],
    ids: list[int | str],
    head: tuple[int, str],
) -> list[int]:
    insert_rows(session, JournalEntry, entry_rows)
    first, last = entry_rows[0]["sequence"], entry_rows[-1]["sequence"]
    query = select(JournalEntry.sequence, JournalEntry.id).where(
        JournalEntry.sequence.between(first, last)
    )
    by_sequence = {sequence: entry_id for sequence, entry_id in session.execute(query)}
    new_ids = {row["idempotency_key"]: by_sequence[row["sequence"]] for row in entry_rows}
    insert_rows(
        session,
        Posting,
        [
            {
                "entry_id": new_ids[key],
                "account_id": accounts[(line.account_key, line.currency)].id,
                "currency": line.currency,
                "amount_minor": line.amount_minor,
            }
            for key, line in posting_rows
        ],
    )
    session.execute(
        update(LedgerHead).where(LedgerHead.id == 1).values(sequence=head[0], hash=head[1])
    )
    return [new_ids[i] if isinstance(i, str) else i for i in ids]


def _accounts_named(
    session: Session, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], Account]:
    """The accounts a batch posts to, read with one query per few hundred keys (not one each)."""
    found: dict[tuple[str, str], Account] = {}
    keys = sorted({key for key, _currency in wanted})
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for account in session.scalars(select(Account).where(Account.key.in_(chunk))):
            if (account.key, account.currency) in wanted:
                found[(account.key, account.currency)] = account
    return found


def _resolve_accounts(
    session: Session, postings: Iterable[PostingLine], cache: dict[tuple[str, str], Account]
) -> list[FieldError]:
    """Look up each posting's account into ``cache``; name the postings whose account is absent."""
    errors: list[FieldError] = []
    for index, line in enumerate(postings):
        key = (line.account_key, line.currency)
        if key not in cache:
            account = session.scalar(
                select(Account).where(Account.key == key[0], Account.currency == key[1])
            )
            if account is None:
                message = f"No account {line.account_key} in {line.currency}."
                errors.append(FieldError(f"postings.{index}.account", message, "unknown_account"))
                continue
            cache[key] = account
    return errors


def draft_of(entry: JournalEntry) -> EntryDraft:
    """Rebuild the draft an entry was posted from (for reversal and chain verification)."""
    return EntryDraft(
        kind=entry.kind,
        occurred_on=entry.occurred_on,
        idempotency_key=entry.idempotency_key,
        description=entry.description,
        postings=tuple(
            PostingLine(p.account.key, p.currency, p.amount_minor) for p in entry.postings
        ),
        reverses_entry_id=entry.reverses_entry_id,
        meta={str(k): str(v) for k, v in (entry.meta or {}).items()},
    )


def reverse(
    session: Session, entry_id: int, *, on: date, idempotency_key: str, actor: str
) -> JournalEntry:
    """Cancel an entry by posting its exact opposite (entries themselves never change)."""
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        raise NotFound(f"No journal entry {entry_id}.")
    if entry.kind == "reversal":
        raise Conflict("A reversal cannot itself be reversed; post a new entry instead.")
    already = session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id))
    if already is not None and already.idempotency_key != idempotency_key:
        raise Conflict(f"Entry {entry_id} is already reversed by entry {already.id}.")
    return post(session, reversal_of(entry_id, draft_of(entry), on, idempotency_key), actor=actor)


def balance_minor(session: Session, account: Account, *, until: date | None = None) -> int:
    """The account's balance as the sum of its postings (debits positive)."""
    query = select(func.coalesce(func.sum(Posting.amount_minor), 0)).where(
        Posting.account_id == account.id
    )
    if until is not None:
        query = query.join(JournalEntry).where(JournalEntry.occurred_on <= until)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    entry_id: int
    problem: str


def verify_chain(session: Session, batch: int = 1000) -> list[ChainProblem]:
    """Recompute every hash and balance in sequence order; list what does not hold."""
    problems: list[ChainProblem] = []
    previous, expected_sequence = GENESIS_HASH, 1
    query = select(JournalEntry).order_by(JournalEntry.sequence).execution_options(yield_per=batch)
    for entry in session.scalars(query):
        draft = draft_of(entry)
        if entry.sequence != expected_sequence:
            problems.append(
                ChainProblem(
                    entry.sequence, entry.id, f"sequence gap: expected {expected_sequence}"
                )
            )
        if entry.previous_hash != previous:
            problems.append(ChainProblem(entry.sequence, entry.id, "previous hash does not match"))
        if entry.content_digest != draft.digest():
            problems.append(ChainProblem(entry.sequence, entry.id, "content digest does not match"))
        if entry.hash != chain_hash(previous, entry.sequence, draft.content()):
            problems.append(ChainProblem(entry.sequence, entry.id, "hash does not match"))
        if any(total != 0 for total in totals_by_currency(list(draft.postings)).values()):
            problems.append(ChainProblem(entry.sequence, entry.id, "postings do not balance"))
        previous, expected_sequence = entry.hash, entry.sequence + 1
    head = session.get(LedgerHead, 1)
    if head is not None and (head.sequence, head.hash) != (expected_sequence - 1, previous):
        problems.append(ChainProblem(head.sequence, 0, "chain head does not match the last entry"))
    return problems
