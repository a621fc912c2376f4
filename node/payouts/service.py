"""The payout primitive and what follows a payout: approval, cancellation, batches, bank debits.

Postings (one journal entry per event, keyed by the payout):

* committed (approved) — ``payout:{id}:commit``, kind ``payout.{kind}``: debit the payout's
  source (:func:`source_account`), credit ``payouts:pending`` (what the co-op owes but has not
  paid yet);
* paid (the bank's debit was matched, or staff confirmed it) — ``payout:{id}:paid``, kind
  ``payout.paid``: debit ``payouts:pending``, credit ``bank``;
* cancelled after approval — ``payout:{id}:cancel``: the reversal of the commit entry, so the
  amount goes back to the source it was taken from.

The source is the activity's budget, checked against its available budget under the activity's
lock. A refund of a client's over-payment (``payout(..., refund_of=payment)``) is paid out of
``clients:credit_balances`` instead — the money is the client's, not the activity's — and is
checked against what is still refundable on that payment (:func:`refund_balances`) under the
payment's lock; the activity's budget is neither checked nor touched.

A ``settlement`` pays the net of a settlement statement to a peer co-op
(:func:`settlement_payout`): it has no activity and is paid out of the clearing payable on that
peer (``source_key``), checked against what that account still owes under the caller's lock on
its statement (:mod:`node.settlement`); once the bank's debit is matched, the settlement is told
(:func:`mark_paid`).

A salary is paid with the liabilities its payslip charges to the budget
(``payout(..., charges=[Charge(SOCIAL, …), Charge(TAX, …)])``): its commit entry debits the
budget by the whole employer cost and credits ``payouts:pending`` with the net pay (what the bank
transfers) and each charge's account with its amount (social contributions, withholding tax).
The payout's amount stays the net pay (the second approval threshold applies to it);
``budget_charge_minor`` holds the total, which the available budget is checked against and which
a payout awaiting approval reserves. Cancelling reverses the whole entry.

A payroll run makes up to a thousand payouts per transaction: ``payout(..., batch=PayoutBatch(…))``
takes the same decisions from state read once for the whole chunk (:meth:`PayoutBatch.prepare`:
activities locked, available budgets, members, known keys) and leaves the inserts, the commit
entries (one :func:`node.ledger.service.post_batch`) and the audit to :meth:`PayoutBatch.flush`.

A payout above ``payouts.second_approval_above`` is recorded as ``pending_approval`` without a
posting, but it reserves its amount (out of the activity's available budget,
:mod:`node.payouts.available`, or out of the payment's refundable amount) until a second staff
member — never the requester — approves it (then it is posted) or someone cancels it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityStatus
from node.audit.models import AuditEntry
from node.banking.camt import parse_camt053
from node.banking.errors import CamtError, SepaError
from node.banking.matching import BankLine, SentPayout, bank_lines, match_debits
from node.banking.sepa import SEPA_CURRENCY, CreditTransfer, PaymentBatch, build_pain001
from node.db import locked
from node.db.bulk import insert_rows
from node.db.types import utcnow
from node.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from node.invoices.models import Invoice
from node.ledger import service as ledger
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import Account
from node.members.iban_changes import IbanChange, effective_iban
from node.members.identifiers import IdentifierError, Vault, check_iban
from node.members.models import Member
from node.money import MoneyError, from_minor, positive_minor, to_minor
from node.payments.models import ClientPayment
from node.payments.service import CREDIT_BALANCES
from node.payouts.available import available_minor, lock_activity, positions
from node.payouts.models import BatchStatus, Payout, PayoutKind, PayoutStatus
from node.payouts.models import PaymentBatch as BatchRow

PENDING = ledger.AccountSpec("payouts:pending", "Payouts to be paid", AccountType.LIABILITY)
BANK = ledger.AccountSpec("bank", "Bank", AccountType.ASSET)
#: Kinds paid to a member of the activity; the others may name any creditor and IBAN.
MEMBER_KINDS = frozenset({PayoutKind.SALARY, PayoutKind.EXPENSE})
LIVE_MEMBER_STATUSES = frozenset({"active", "guest", "suspended"})


@dataclass(frozen=True)
class Creditor:
    """Who is paid: a member (their IBAN on file), or a name and IBAN (refunds, settlements)."""

    member_id: int | None = None
    name: str | None = None
    iban: str | None = None


@dataclass(frozen=True)
class Charge:
    """A liability charged to the source together with a payout (a salary's social
    contributions, its withholding tax): the commit entry credits ``account`` with ``amount``
    and debits the source by the payout's amount plus every charge."""

    account: ledger.AccountSpec
    amount: Decimal


def today() -> date:
    return utcnow().date()


def _resolve_creditor(
    session: Session,
    activity: Activity,
    kind: PayoutKind,
    creditor: Creditor,
    vault: Vault,
    batch: PayoutBatch | None = None,
) -> tuple[int | None, str, str]:
    """``(member_id, name, encrypted IBAN)`` of the creditor, or 422 naming what is wrong."""
    if creditor.member_id is None and creditor.iban is None:
        leads = [m.member_id for m in activity.members if m.lead]
        creditor = Creditor(member_id=leads[0] if leads else None)
    if creditor.member_id is not None:
        member = (
            session.get(Member, creditor.member_id)
            if batch is None
            else batch.member(session, creditor.member_id)
        )
        if member is None or member.erased_at is not None:
            raise ValidationProblem.single("member_id", "No such member.", "unknown")
        if kind in MEMBER_KINDS and member.id not in {m.member_id for m in activity.members}:
            raise ValidationProblem.single(
                "member_id", "The member does not take part in this activity.", "not_in_activity"
            )
        if member.status not in LIVE_MEMBER_STATUSES:
            raise ValidationProblem.single(
                "member_id", f"The member's status is {member.status}.", "not_active"
            )
        if batch is None or not batch.iban_applied(member.id):
            effective_iban(session, vault, member, utcnow())  # apply a change past its hold
        if member.iban_encrypted is None:
            raise ValidationProblem.single(
                "member_id", "The member has no IBAN on file.", "no_iban"
            )
        return member.id, member.name, member.iban_encrypted
    if kind in MEMBER_KINDS:
        raise ValidationProblem.single(
            "member_id", f"A {kind} payout goes to a member of the activity.", "required"
        )
    return _named_creditor(creditor, vault)


def _named_creditor(creditor: Creditor, vault: Vault) -> tuple[None, str, str]:
    """A creditor by name and IBAN (not a member): 422 naming what is missing or wrong."""
    errors = []
    name = (creditor.name or "").strip()
    if not name:
        errors.append(FieldError("creditor_name", "The creditor's name is required.", "required"))
    try:
        compact = check_iban(creditor.iban or "", "creditor_iban")
    except IdentifierError as exc:
        errors.append(exc.error)
    if errors:
        raise ValidationProblem(errors)
    sealed = vault.seal(compact)
    assert sealed is not None
    return None, name[:200], sealed


def _digest(vault: Vault, content: dict[str, Any]) -> str:
    """A keyed digest of what an idempotency key stands for (it may contain an IBAN)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hmac.new(vault.hash_key, canonical.encode(), hashlib.sha256).hexdigest()


def payout(
    session: Session,
    activity: Activity,
    amount: Decimal,
    kind: str,
    idempotency_key: str,
    *,
    creditor: Creditor,
    actor: str,
    vault: Vault,
    second_approval_above: Decimal,
    description: str = "",
    refund_of: ClientPayment | None = None,
    charges: Sequence[Charge] = (),
    batch: PayoutBatch | None = None,
    request_id: str | None = None,
) -> tuple[Payout, bool]:
    """Commit ``amount`` of the activity's budget to a payout and queue its credit transfer.

    Returns ``(payout, created)``; the same key with the same request returns the payout already
    made (``created`` False), with another request 409. Refuses (409) an amount above the
    activity's available budget, read under the activity's lock. Above ``second_approval_above``
    the payout waits for a second approval (its amount reserved); otherwise it is approved and
    posted at once.

    With ``refund_of`` (a payment on one of the activity's invoices) the payout is a ``refund``
    of that payment's over-payment to the creditor named (never a member): paid out of
    ``clients:credit_balances`` and refused (409) above what is still refundable on the payment,
    read under the payment's lock; the activity's budget is not involved.

    With ``charges`` (a ``salary`` only) the budget is charged ``amount`` + the charges, each
    credited to its liability account; the available budget must cover that total.

    With ``batch`` the activity must be one :meth:`PayoutBatch.prepare` locked (else it is locked
    here); the payout is decided the same way but inserted, posted and audited by
    :meth:`PayoutBatch.flush` (its ``id`` is ``None`` until then).
    """
    try:
        payout_kind = PayoutKind(kind)
    except ValueError:
        raise ValidationProblem.single("kind", f"Unknown payout kind {kind!r}.") from None
    if payout_kind is PayoutKind.SETTLEMENT:
        raise ValidationProblem.single(
            "kind", "A settlement is paid out of a clearing account, not an activity.", "clearing"
        )
    if not idempotency_key.strip():
        raise ValidationProblem.single("idempotency_key", "An idempotency key is required.")
    minor = positive_minor(amount, activity.currency)
    charged = _charged(charges, payout_kind, refund_of, activity.currency)
    if refund_of is None:
        activity = (
            lock_activity(session, activity.id)
            if batch is None
            else batch.activity(session, activity.id)
        )
    else:
        refund_of = _refunded_payment(session, refund_of.id, activity, payout_kind, creditor)
    member_id, name, iban_sealed = _resolve_creditor(
        session, activity, payout_kind, creditor, vault, batch
    )
    text = " ".join(description.split())[:140]
    content = {
        "activity": activity.id,
        "amount": minor,
        "currency": activity.currency,
        "kind": payout_kind.value,
        "member": member_id,
        "name": name if member_id is None else None,
        "iban": vault.open(iban_sealed) if member_id is None else None,
        "description": text,
    }
    if refund_of is not None:
        content["client_payment"] = refund_of.id
    if charged:
        content["charges"] = charged
    digest = _digest(vault, content)
    existing = (
        batch.known(session, idempotency_key)
        if batch is not None
        else session.scalar(select(Payout).where(Payout.idempotency_key == idempotency_key))
    )
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict(
                "This idempotency key was already used for a different payout.",
                idempotency_key=idempotency_key,
            )
        return existing, False
    total = minor + sum(charged.values())
    if refund_of is None:
        _check_budget(session, activity, total, batch)
    else:
        _check_refundable(session, refund_of, minor)
    for spec in charges:
        if batch is None:
            ledger.ensure_account(session, spec.account, activity.currency)
        else:
            batch.ensure_account(session, spec.account, activity.currency)
    needs_second = amount > second_approval_above
    now = utcnow()
    row = Payout(
        activity_id=activity.id,
        kind=payout_kind.value,
        amount_minor=minor,
        currency=activity.currency,
        member_id=member_id,
        creditor_name=name,
        creditor_iban_encrypted=iban_sealed,
        description=text,
        status=(PayoutStatus.PENDING_APPROVAL if needs_second else PayoutStatus.APPROVED).value,
        idempotency_key=idempotency_key,
        request_digest=digest,
        requested_by=actor,
        requested_at=now,
        approved_by=None if needs_second else actor,
        approved_at=None if needs_second else now,
        end_to_end_id=f"CN-{secrets.token_hex(12).upper()}",
        client_payment_id=refund_of.id if refund_of is not None else None,
        budget_charge_minor=total if charged else None,
        charges=charged or None,
    )
    if batch is not None:  # inserted with the whole batch by PayoutBatch.flush
        batch.add(row, total if refund_of is None else 0)
        return row, True
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same key raced in from another activity: the request fails
        raise Conflict(
            "This idempotency key was already used for a different payout.",
            idempotency_key=idempotency_key,
        ) from None
    if not needs_second:
        _post_commit(session, row, actor)
    audit.record(
        session,
        actor=actor,
        action="payout.request",
        entity="payout",
        entity_id=row.id,
        changes=_request_changes(row),
        request_id=request_id,
    )
    return row, True


def settlement_payout(
    session: Session,
    source: ledger.AccountSpec,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    *,
    creditor: Creditor,
    actor: str,
    vault: Vault,
    second_approval_above: Decimal,
    description: str = "",
    request_id: str | None = None,
) -> tuple[Payout, bool]:
    """Pay a peer co-op ``amount_minor`` out of the clearing payable ``source`` (a liability).

    As :func:`payout` for the rest: idempotent by key, the same approval threshold, batched into
    pain.001 and matched to the bank's debit. Refused (409) above what ``source`` still owes,
    less settlements awaiting approval from it; the caller holds the lock that serialises
    settlements with that peer (its statement's)."""
    if amount_minor <= 0:
        raise ValidationProblem.single("amount", "Must be positive.", "sign")
    if creditor.member_id is not None:
        raise ValidationProblem.single(
            "creditor_iban", "A settlement goes to the peer co-op's account.", "required"
        )
    _none, name, iban_sealed = _named_creditor(creditor, vault)
    text = " ".join(description.split())[:140]
    content = {
        "source": source.key,
        "amount": amount_minor,
        "currency": currency,
        "kind": PayoutKind.SETTLEMENT.value,
        "name": name,
        "iban": vault.open(iban_sealed),
        "description": text,
    }
    digest = _digest(vault, content)
    existing = session.scalar(select(Payout).where(Payout.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict(
                "This idempotency key was already used for a different payout.",
                idempotency_key=idempotency_key,
            )
        return existing, False
    _check_owed(session, source, currency, amount_minor)
    needs_second = from_minor(amount_minor, currency) > second_approval_above
    now = utcnow()
    row = Payout(
        activity_id=None,
        source_key=source.key,
        kind=PayoutKind.SETTLEMENT.value,
        amount_minor=amount_minor,
        currency=currency,
        member_id=None,
        creditor_name=name,
        creditor_iban_encrypted=iban_sealed,
        description=text,
        status=(PayoutStatus.PENDING_APPROVAL if needs_second else PayoutStatus.APPROVED).value,
        idempotency_key=idempotency_key,
        request_digest=digest,
        requested_by=actor,
        requested_at=now,
        approved_by=None if needs_second else actor,
        approved_at=None if needs_second else now,
        end_to_end_id=f"CN-{secrets.token_hex(12).upper()}",
    )
    session.add(row)
    session.flush()
    if not needs_second:
        _post_commit(session, row, actor)
    audit.record(
        session,
        actor=actor,
        action="payout.request",
        entity="payout",
        entity_id=row.id,
        changes=_request_changes(row),
        request_id=request_id,
    )
    return row, True


def _check_owed(session: Session, source: ledger.AccountSpec, currency: str, minor: int) -> None:
    """409 unless the clearing payable ``source`` still owes ``minor`` after the settlements
    awaiting approval from it (those approved are posted against it already)."""
    found = session.scalar(
        select(Account).where(Account.key == source.key, Account.currency == currency)
    )
    owed = 0 if found is None else -ledger.balance_minor(session, found)
    waiting = session.scalar(
        select(func.coalesce(func.sum(Payout.amount_minor), 0)).where(
            Payout.source_key == source.key,
            Payout.currency == currency,
            Payout.status == PayoutStatus.PENDING_APPROVAL.value,
        )
    )
    if minor > owed - int(waiting or 0):
        raise Conflict(
            f"{source.key} owes {from_minor(max(owed, 0), currency)} {currency}; this "
            f"settlement asks for {from_minor(minor, currency)} {currency}.",
            currency=currency,
        )


def _charged(
    charges: Sequence[Charge], kind: PayoutKind, refund_of: ClientPayment | None, currency: str
) -> dict[str, int]:
    """``{account key: minor units}`` of the charges (those of zero left out); 422 for charges
    on anything but a salary, a negative or too fine amount, an account named twice."""
    if not charges:
        return {}
    if kind is not PayoutKind.SALARY or refund_of is not None:
        raise ValidationProblem.single(
            "charges", "Only a salary is paid with charges.", "salary_only"
        )
    charged: dict[str, int] = {}
    for index, charge in enumerate(charges):
        field = f"charges.{index}"
        try:
            minor = to_minor(charge.amount, currency)
        except MoneyError as exc:
            raise ValidationProblem.single(field, f"{exc}.", "precision") from None
        if minor < 0:
            raise ValidationProblem.single(field, "Must not be negative.", "sign")
        if charge.account.key in charged:
            raise ValidationProblem.single(field, "This account is charged twice.", "duplicate")
        charged[charge.account.key] = minor
    return {key: minor for key, minor in charged.items() if minor}


def _request_changes(row: Payout) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "activity_id": row.activity_id,
        "kind": row.kind,
        "amount": str(from_minor(row.amount_minor, row.currency)),
        "currency": row.currency,
        "member_id": row.member_id,
        "status": row.status,
    }
    if row.client_payment_id is not None:
        changes["client_payment_id"] = row.client_payment_id
    if row.charges:
        changes["charges"] = {
            key: str(from_minor(minor, row.currency)) for key, minor in sorted(row.charges.items())
        }
        changes["budget_charge"] = str(from_minor(row.charged_minor, row.currency))
    return audit.diff({}, changes)


class PayoutBatch:
    """Many payouts in one transaction (a payroll run's chunk), decided as :func:`payout` decides
    one, from state read once for all of them.

    :meth:`prepare` locks the activities (in id order, so two batches cannot deadlock), reads
    their available budgets, loads the members and applies their IBAN changes past the hold,
    and looks up the idempotency keys — each in a few queries for the whole chunk. Each
    :func:`payout` with ``batch=`` then takes its amount off the activity's running available
    budget. :meth:`flush` inserts the payouts, posts every commit entry with one
    :func:`node.ledger.service.post_batch` and records their audit entries.
    """

    def __init__(self, *, actor: str, vault: Vault, request_id: str | None = None) -> None:
        self.actor = actor
        self.vault = vault
        self.request_id = request_id
        self._activities: dict[int, Activity] = {}
        self._available: dict[int, int] = {}
        self._known: dict[str, Payout | None] = {}
        self._members: dict[int, Member] = {}  # held: the session's identity map is weak
        self._ibans: set[int] = set()
        self._accounts: set[tuple[str, str]] = set()
        self._rows: list[Payout] = []

    def prepare(
        self,
        session: Session,
        *,
        activity_ids: Iterable[int],
        member_ids: Iterable[int] = (),
        idempotency_keys: Iterable[str] = (),
    ) -> None:
        ids = sorted(set(activity_ids) - set(self._activities))
        for start in range(0, len(ids), 500):
            query = (
                select(Activity)
                .where(Activity.id.in_(ids[start : start + 500]))
                .order_by(Activity.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            self._activities.update((a.id, a) for a in session.scalars(query))
        found = [self._activities[i] for i in ids if i in self._activities]
        self._available.update(
            (i, position.available) for i, position in positions(session, found).items()
        )
        self._prepare_members(session, sorted(set(member_ids) - self._ibans))
        keys = sorted(set(idempotency_keys) - set(self._known))
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = session.scalars(select(Payout).where(Payout.idempotency_key.in_(chunk)))
            known = {row.idempotency_key: row for row in rows}
            self._known.update((key, known.get(key)) for key in chunk)

    def _prepare_members(self, session: Session, member_ids: list[int]) -> None:
        now = utcnow()
        for start in range(0, len(member_ids), 500):
            chunk = member_ids[start : start + 500]
            members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(chunk)))}
            self._members.update(members)
            due = session.scalars(
                select(IbanChange.member_id)
                .where(
                    IbanChange.member_id.in_(chunk),
                    IbanChange.cancelled_at.is_(None),
                    IbanChange.applied_at.is_(None),
                    IbanChange.effective_at.is_not(None),
                    IbanChange.effective_at <= now,
                )
                .distinct()
            )
            for member_id in sorted(set(due)):
                effective_iban(session, self.vault, members[member_id], now)
            self._ibans.update(chunk)

    def activity(self, session: Session, activity_id: int) -> Activity:
        """The locked activity (locked now if :meth:`prepare` did not)."""
        if activity_id not in self._activities:
            self.prepare(session, activity_ids=[activity_id])
        if activity_id not in self._activities:
            raise NotFound("No such activity.")
        return self._activities[activity_id]

    def available(self, activity_id: int) -> int:
        """What the activity may still pay out, after the payouts of this batch."""
        return self._available[activity_id]

    def iban_applied(self, member_id: int) -> bool:
        return member_id in self._ibans

    def member(self, session: Session, member_id: int) -> Member | None:
        """A member :meth:`prepare` loaded (else read now)."""
        return self._members.get(member_id) or session.get(Member, member_id)

    def known(self, session: Session, idempotency_key: str) -> Payout | None:
        if idempotency_key not in self._known:
            self.prepare(session, activity_ids=(), idempotency_keys=[idempotency_key])
        return self._known[idempotency_key]

    def ensure_account(self, session: Session, spec: ledger.AccountSpec, currency: str) -> None:
        if (spec.key, currency) not in self._accounts:
            ledger.ensure_account(session, spec, currency)
            self._accounts.add((spec.key, currency))

    def add(self, row: Payout, charged: int) -> None:
        self._rows.append(row)
        self._known[row.idempotency_key] = row
        if charged and row.activity_id is not None:
            self._available[row.activity_id] -= charged

    def flush(self, session: Session) -> list[Payout]:
        """Insert the batch's payouts, post the approved ones' commit entries, audit them all;
        returns them (with their ids), and empties the batch for more.

        The rows go in as multi-row inserts (Core ``executemany``, no per-object unit of work),
        their ids read back by idempotency key; the commit entries with one
        :func:`node.ledger.service.post_batch`. The returned payouts are not attached to the
        session: read them again to change them.
        """
        rows, self._rows = self._rows, []
        if not rows:
            return rows
        columns = [c.key for c in Payout.__table__.columns if c.key != "id"]
        try:
            insert_rows(session, Payout, [{c: getattr(row, c) for c in columns} for row in rows])
        except IntegrityError:
            raise Conflict(
                "An idempotency key of this batch was already used for a different payout."
            ) from None
        by_key = {row.idempotency_key: row for row in rows}
        keys = sorted(by_key)
        for start in range(0, len(keys), 500):
            found = select(Payout.idempotency_key, Payout.id).where(
                Payout.idempotency_key.in_(keys[start : start + 500])
            )
            for key, payout_id in session.execute(found):
                by_key[key].id = payout_id
        approved = [row for row in rows if row.status == PayoutStatus.APPROVED]
        for currency in sorted({row.currency for row in approved}):
            self.ensure_account(session, PENDING, currency)
        drafts = [_commit_draft(session, row) for row in approved]
        posted = ledger.post_batch(session, drafts, actor=self.actor) if drafts else []
        for row, entry_id in zip(approved, posted, strict=True):
            row.commit_entry_id = entry_id
        if approved:
            session.execute(
                update(Payout),
                [{"id": row.id, "commit_entry_id": row.commit_entry_id} for row in approved],
            )
        now = utcnow()
        insert_rows(
            session,
            AuditEntry,
            [
                {
                    "at": now,
                    "actor": self.actor,
                    "action": "payout.request",
                    "entity": "payout",
                    "entity_id": str(row.id),
                    "changes": _request_changes(row),
                    "request_id": self.request_id,
                }
                for row in rows
            ],
        )
        return rows


def _check_budget(
    session: Session, activity: Activity, minor: int, batch: PayoutBatch | None = None
) -> None:
    """409 unless the (locked) activity is open and its available budget covers ``minor``."""
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed; it pays nothing out.")
    available = (
        available_minor(session, activity) if batch is None else batch.available(activity.id)
    )
    if minor > available:
        currency = activity.currency
        raise Conflict(
            f"The activity's available budget is {from_minor(max(available, 0), currency)} "
            f"{currency}; this payout asks for {from_minor(minor, currency)} {currency}.",
            available=str(from_minor(available, currency)),
            requested=str(from_minor(minor, currency)),
            currency=currency,
        )


# --- what a payout is paid out of --------------------------------------------------------------


def source_account(session: Session, row: Payout) -> str:
    """The ledger account ``row`` is paid out of: debited by its commit entry (and so credited
    back by that entry's reversal when the approved payout is cancelled).

    The activity's budget, except for the refund of a client's over-payment: that money is the
    client's, held in ``clients:credit_balances``; and for a settlement, its ``source_key``.
    """
    if row.source_key is not None:
        return row.source_key
    if row.client_payment_id is not None:
        return CREDIT_BALANCES.key
    activity = session.get(Activity, row.activity_id)
    assert activity is not None
    return activity.budget_key


def _lock_source(session: Session, row: Payout) -> None:
    """Lock what ``row`` is paid out of (its activity, or the refunded client payment), as
    :func:`payout` did when it checked the amount, before the payout's amount moves. A
    settlement's caller holds its statement's lock."""
    if row.client_payment_id is not None:
        _lock_payment(session, row.client_payment_id)
    elif row.activity_id is not None:
        lock_activity(session, row.activity_id)


def _lock_payment(session: Session, payment_id: int) -> ClientPayment:
    return locked(session, ClientPayment, payment_id, "No such client payment.")


def _refunded_payment(
    session: Session,
    payment_id: int,
    activity: Activity,
    kind: PayoutKind,
    creditor: Creditor,
) -> ClientPayment:
    """The client payment a refund is paid out of, locked; 422/409 when it cannot be."""
    if kind is not PayoutKind.REFUND:
        raise ValidationProblem.single(
            "kind", "A payout out of a client's payment is a refund.", "refund_only"
        )
    payment = _lock_payment(session, payment_id)
    invoice = session.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    if invoice is None or invoice.activity_id != activity.id:
        raise Conflict("The payment was not made on an invoice of this activity.")
    if payment.currency != activity.currency:
        raise Conflict(
            f"The payment is in {payment.currency}, the activity in {activity.currency}."
        )
    if payment.amount_minor <= payment.applied_minor:
        raise Conflict(
            f"Payment #{payment.id} paid no more than the invoice asked: it has no over-payment "
            "to refund."
        )
    if creditor.member_id is not None or not creditor.iban:
        raise ValidationProblem.single(
            "creditor_iban", "A refund goes back to the client: give the client's IBAN.", "required"
        )
    return payment


@dataclass(frozen=True)
class RefundState:
    """What refunds take out of a client payment and what is left of its over-payment, in minor
    units of its currency."""

    refunded: int
    refundable: int


def refund_balances(
    session: Session, payments: Collection[ClientPayment]
) -> dict[int, RefundState]:
    """``{payment id: RefundState}`` for ``payments``, in one query.

    ``refunded`` is what refund payouts not cancelled take out of the payment (awaiting approval,
    posted or paid); ``refundable`` what is left of its over-payment:
    ``amount − applied − refunded``.
    """
    ids = sorted({payment.id for payment in payments})
    refunded: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(Payout.client_payment_id, func.sum(Payout.amount_minor))
            .where(
                Payout.client_payment_id.in_(ids[start : start + 500]),
                Payout.status != PayoutStatus.CANCELLED.value,
            )
            .group_by(Payout.client_payment_id)
        )
        refunded.update({key: int(total) for key, total in session.execute(query) if key})
    states = {}
    for payment in payments:
        taken = refunded.get(payment.id, 0)
        states[payment.id] = RefundState(
            taken, max(payment.amount_minor - payment.applied_minor - taken, 0)
        )
    return states


def _check_refundable(session: Session, payment: ClientPayment, minor: int) -> None:
    """409 unless what is still refundable on the (locked) payment covers ``minor``."""
    currency = payment.currency
    refundable = refund_balances(session, [payment])[payment.id].refundable
    if minor > refundable:
        raise Conflict(
            f"What is still refundable on payment #{payment.id} is "
            f"{from_minor(refundable, currency)} {currency}; this refund asks for "
            f"{from_minor(minor, currency)} {currency}.",
            refundable=str(from_minor(refundable, currency)),
            requested=str(from_minor(minor, currency)),
            currency=currency,
        )


def _commit_draft(session: Session, row: Payout) -> EntryDraft:
    """The commit entry of ``row``: debit its source by all it takes (the amount and any
    charges), credit ``payouts:pending`` with the amount and each charge's account with its own."""
    meta = {"payout_id": str(row.id)}
    if row.activity_id is not None:
        meta["activity_id"] = str(row.activity_id)
    if row.client_payment_id is not None:
        meta["client_payment_id"] = str(row.client_payment_id)
    postings = [
        PostingLine(source_account(session, row), row.currency, row.charged_minor),
        PostingLine(PENDING.key, row.currency, -row.amount_minor),
    ]
    postings += [
        PostingLine(key, row.currency, -minor) for key, minor in sorted((row.charges or {}).items())
    ]
    return EntryDraft(
        kind=f"payout.{row.kind}",
        occurred_on=today(),
        idempotency_key=f"payout:{row.id}:commit",
        description=f"Payout #{row.id} ({row.kind})",
        postings=tuple(postings),
        meta=meta,
    )


def _post_commit(session: Session, row: Payout, actor: str) -> None:
    ledger.ensure_account(session, PENDING, row.currency)
    row.commit_entry_id = ledger.post(session, _commit_draft(session, row), actor=actor).id


def locked_payout(session: Session, payout_id: int) -> Payout:
    return locked(session, Payout, payout_id, "No such payout.")


def approve(
    session: Session, payout_id: int, *, actor: str, request_id: str | None = None
) -> Payout:
    """Second approval of a payout: by staff other than its requester; idempotent once done."""
    row = locked_payout(session, payout_id)
    if row.status in (PayoutStatus.CANCELLED, PayoutStatus.RETURNED):
        raise Conflict(f"The payout is {row.status}; it cannot be approved.")
    if row.status != PayoutStatus.PENDING_APPROVAL:
        return row  # approved already (by the second approver, or under the threshold)
    if row.requested_by == actor:
        raise Forbidden(
            "A payout above the threshold needs a second staff member's approval; "
            "its requester cannot approve it."
        )
    _lock_source(session, row)
    row.status, row.approved_by, row.approved_at = PayoutStatus.APPROVED, actor, utcnow()
    _post_commit(session, row, actor)
    _audit_status(session, row, PayoutStatus.PENDING_APPROVAL, actor, request_id)
    return row


def cancel(
    session: Session, payout_id: int, *, actor: str, request_id: str | None = None
) -> Payout:
    """Cancel a payout not yet in a batch; its reservation or posting is released."""
    row = locked_payout(session, payout_id)
    if row.status == PayoutStatus.CANCELLED:
        return row
    if row.status not in (PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED):
        raise Conflict(
            f"The payout is {row.status} (batch {row.batch_id}); it can no longer be cancelled."
        )
    before = row.status
    _lock_source(session, row)
    if row.commit_entry_id is not None:  # back to source_account(row), which the commit debited
        ledger.reverse(
            session,
            row.commit_entry_id,
            on=today(),
            idempotency_key=f"payout:{row.id}:cancel",
            actor=actor,
        )
    row.status, row.cancelled_by = PayoutStatus.CANCELLED, actor
    _release_expense(session, row)
    _audit_status(session, row, before, actor, request_id)
    return row


def _release_expense(session: Session, row: Payout) -> None:
    """An expense whose reimbursement is cancelled goes back to be decided again."""
    from node.expenses.models import Expense, ExpenseStatus

    session.execute(
        update(Expense)
        .where(Expense.payout_id == row.id)
        .values(status=ExpenseStatus.SUBMITTED.value, payout_id=None, decided_by=None)
    )


def _audit_status(
    session: Session, row: Payout, before: str, actor: str, request_id: str | None
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"payout.{row.status}",
        entity="payout",
        entity_id=row.id,
        changes={"status": [str(before), str(row.status)]},
        request_id=request_id,
    )


def mark_paid(
    session: Session,
    payout_id: int,
    *,
    on: date,
    actor: str,
    bank_reference: str | None = None,
    request_id: str | None = None,
) -> tuple[Payout, bool]:
    """The payout left the bank: post it against the bank account (once). ``(payout, changed)``."""
    row = locked_payout(session, payout_id)
    if row.status == PayoutStatus.PAID:
        return row, False
    if row.status not in (PayoutStatus.BATCHED, PayoutStatus.SENT):
        raise Conflict(f"The payout is {row.status}; only a batched or sent payout can be paid.")
    ledger.ensure_account(session, BANK, row.currency)
    ledger.ensure_account(session, PENDING, row.currency)
    meta = {"payout_id": str(row.id), "end_to_end_id": row.end_to_end_id}
    if bank_reference:
        meta["bank_reference"] = bank_reference
    draft = EntryDraft(
        kind="payout.paid",
        occurred_on=on,
        idempotency_key=f"payout:{row.id}:paid",
        description=f"Payout #{row.id} paid",
        postings=(
            PostingLine(PENDING.key, row.currency, row.amount_minor),
            PostingLine(BANK.key, row.currency, -row.amount_minor),
        ),
        meta=meta,
    )
    before = row.status
    row.paid_entry_id = ledger.post(session, draft, actor=actor).id
    row.status, row.paid_on = PayoutStatus.PAID, on
    _reimbursed(session, row)
    if row.kind == PayoutKind.SETTLEMENT:
        from node.settlement.payment import after_payout_paid

        after_payout_paid(session, row)
    if row.batch_id is not None:
        _close_batch_if_paid(session, row.batch_id)
    _audit_status(session, row, before, actor, request_id)
    return row, True


def _reimbursed(session: Session, row: Payout) -> None:
    from node.expenses.models import Expense, ExpenseStatus

    session.execute(
        update(Expense)
        .where(Expense.payout_id == row.id)
        .values(status=ExpenseStatus.REIMBURSED.value)
    )


def _close_batch_if_paid(session: Session, batch_id: int) -> None:
    unpaid = session.scalar(
        select(Payout.id)
        .where(Payout.batch_id == batch_id, Payout.status != PayoutStatus.PAID)
        .limit(1)
    )
    batch = session.get(BatchRow, batch_id)
    if unpaid is None and batch is not None:
        batch.status = BatchStatus.PAID


# --- payment batches -------------------------------------------------------------------------


def make_batch(
    session: Session,
    *,
    execution_date: date,
    debtor_name: str,
    debtor_iban: str,
    vault: Vault,
    actor: str,
    currency: str = SEPA_CURRENCY,
    request_id: str | None = None,
) -> BatchRow:
    """Gather every approved payout in ``currency`` into one pain.001 file (validated against
    its XSD). A file has one currency: EUR is a SEPA batch, any other a domestic transfer batch;
    the API and CLI pass the node's currency unless told otherwise."""
    if not debtor_iban:
        raise Conflict(
            "No debtor account is configured: set payouts.debtor_iban "
            "(COOPNODE_PAYOUT_DEBTOR_IBAN) to the co-op's IBAN first."
        )
    created = utcnow()
    if execution_date < created.date():
        raise ValidationProblem.single(
            "execution_date", "The execution date cannot be in the past.", "past"
        )
    rows = list(
        session.scalars(
            select(Payout)
            .where(Payout.status == PayoutStatus.APPROVED, Payout.currency == currency)
            .order_by(Payout.id)
            .with_for_update()
        )
    )
    if not rows:
        raise Conflict(f"No approved {currency} payouts are waiting for a batch.")
    message_id = f"CN{created:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
    transfers = [
        CreditTransfer(
            end_to_end_id=row.end_to_end_id,
            creditor_name=row.creditor_name,
            creditor_iban=vault.open(row.creditor_iban_encrypted) or "",
            amount=from_minor(row.amount_minor, row.currency),
            currency=row.currency,
            remittance_text=(row.description or f"Payout {row.id}"),
        )
        for row in rows
    ]
    try:
        document = build_pain001(
            PaymentBatch(
                message_id=message_id,
                created_at=created,
                debtor_name=debtor_name,
                debtor_iban=debtor_iban,
                requested_execution_date=execution_date,
                payments=transfers,
                currency=currency,
            )
        )
    except SepaError as exc:
        raise ValidationProblem.single(_batch_field(exc.field, rows), exc.problem, "sepa") from None
    total = sum(row.amount_minor for row in rows)
    batch = BatchRow(
        message_id=message_id,
        created_at=created,
        created_by=actor,
        execution_date=execution_date,
        status=BatchStatus.CREATED.value,
        currency=currency,
        payment_count=len(rows),
        total_minor=total,
        pain001=document,
    )
    session.add(batch)
    session.flush()
    for row in rows:
        row.status, row.batch_id = PayoutStatus.BATCHED, batch.id
    audit.record(
        session,
        actor=actor,
        action="payment_batch.create",
        entity="payment_batch",
        entity_id=batch.id,
        changes=audit.diff(
            {},
            {
                "message_id": message_id,
                "payouts": [row.id for row in rows],
                "total": str(from_minor(total, currency)),
                "currency": currency,
                "execution_date": execution_date.isoformat(),
            },
        ),
        request_id=request_id,
    )
    return batch


def _batch_field(field: str, rows: list[Payout]) -> str:
    """``payments[2].creditor_iban`` -> ``payouts.<id>.creditor_iban`` (staff know payout ids)."""
    if field.startswith("payments["):
        index, _, rest = field.removeprefix("payments[").partition("]")
        if index.isdigit() and int(index) < len(rows):
            return f"payouts.{rows[int(index)].id}{rest}"
    if field == "debtor_iban":
        return "payouts.debtor_iban"
    return field


def get_batch(session: Session, batch_id: int) -> BatchRow:
    batch = session.get(BatchRow, batch_id)
    if batch is None:
        raise NotFound("No such payment batch.")
    return batch


def mark_batch_sent(
    session: Session, batch_id: int, *, actor: str, request_id: str | None = None
) -> BatchRow:
    """The treasurer uploaded the file to the bank: its payouts are sent (idempotent)."""
    batch = locked(session, BatchRow, batch_id, "No such payment batch.")
    if batch.status != BatchStatus.CREATED:
        return batch
    batch.status, batch.sent_at, batch.sent_by = BatchStatus.SENT, utcnow(), actor
    session.execute(
        update(Payout)
        .where(Payout.batch_id == batch.id, Payout.status == PayoutStatus.BATCHED)
        .values(status=PayoutStatus.SENT.value)
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        session,
        actor=actor,
        action="payment_batch.sent",
        entity="payment_batch",
        entity_id=batch.id,
        changes={"status": [BatchStatus.CREATED.value, BatchStatus.SENT.value]},
        request_id=request_id,
    )
    return batch


# --- bank debits -----------------------------------------------------------------------------


def _line(line: BankLine) -> dict[str, Any]:
    return {
        "statement_id": line.statement_id,
        "entry_index": line.entry_index,
        "entry_ref": line.entry_ref,
        "transaction_index": line.transaction_index,
        "end_to_end_id": line.end_to_end_id,
        "amount": line.amount,
        "currency": line.currency,
        "booking_date": line.booking_date,
    }


def import_debits(
    session: Session, data: bytes, *, actor: str, request_id: str | None = None
) -> dict[str, Any]:
    """Match a CAMT.053 file's debits to sent payouts by end-to-end id; matched ones are paid.

    A refused file (malformed, hostile, inconsistent) is a 422 naming the entry and changes
    nothing. Importing the same file again changes nothing: its payouts are already paid.
    """
    try:
        statements = parse_camt053(data)
    except CamtError as exc:
        raise ValidationProblem(
            [FieldError("statement", str(exc), "invalid_camt")],
            detail=str(exc),
        ) from None
    lines = bank_lines(statements)
    wanted = {line.end_to_end_id for line in lines if line.end_to_end_id}
    candidates = _payouts_by_end_to_end_id(session, wanted)
    sent = [
        SentPayout(
            str(row.id), row.end_to_end_id, from_minor(row.amount_minor, row.currency), row.currency
        )
        for row in candidates
    ]
    result = match_debits(sent, lines)
    by_id = {str(row.id): row for row in candidates}
    matched, already = [], []
    for match in result.matches:
        row = by_id[match.key]
        on = match.line.booking_date or today()
        if row.status == PayoutStatus.PAID:
            already.append({"payout_id": row.id, **_line(match.line)})
            continue
        mark_paid(
            session,
            row.id,
            on=on,
            actor=actor,
            bank_reference=match.line.entry_ref,
            request_id=request_id,
        )
        matched.append({"payout_id": row.id, **_line(match.line)})
    unmatched = [
        {**_line(item.line), "reason": item.reason.value, "detail": item.detail}
        for item in result.unmatched
    ]
    if matched:
        audit.record(
            session,
            actor=actor,
            action="bank_statement.debits",
            entity="bank_statement",
            entity_id=",".join(sorted({s.id for s in statements}))[:64],
            changes={"paid": [None, [m["payout_id"] for m in matched]]},
            request_id=request_id,
        )
    return {"matched": matched, "already_paid": already, "unmatched": unmatched}


def _payouts_by_end_to_end_id(session: Session, ids: Iterable[str]) -> list[Payout]:
    wanted = sorted(ids)
    found: list[Payout] = []
    for start in range(0, len(wanted), 500):
        found += session.scalars(
            select(Payout).where(
                Payout.end_to_end_id.in_(wanted[start : start + 500]),
                Payout.status.in_([PayoutStatus.BATCHED, PayoutStatus.SENT, PayoutStatus.PAID]),
            )
        )
    return found


def payouts(
    session: Session,
    *,
    status: str | None = None,
    activity_id: int | None = None,
    client_payment_id: int | None = None,
) -> list[Payout]:
    query = select(Payout).order_by(Payout.id)
    if status is not None:
        query = query.where(Payout.status == status)
    if activity_id is not None:
        query = query.where(Payout.activity_id == activity_id)
    if client_payment_id is not None:
        query = query.where(Payout.client_payment_id == client_payment_id)
    return list(session.scalars(query))


def get_payout(session: Session, payout_id: int) -> Payout:
    row = session.get(Payout, payout_id)
    if row is None:
        raise NotFound("No such payout.")
    return row
