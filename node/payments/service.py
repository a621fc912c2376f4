"""Client payments: record them on invoices, import CAMT.053 credits, work the unmatched queue.

Postings (one journal entry per event, in the invoice's currency):

* a payment on an invoice — ``client-payment:{key}``, kind ``client_payment``: debit ``bank``
  (the amount received), credit ``receivables:clients`` (what settles the invoice: at most what
  is still open on it) and, for an over-payment, credit ``clients:credit_balances`` (a liability:
  the excess is owed back to the client); on an invoice the guarantee fund wrote off, what
  settles it credits ``fund:guarantee`` instead (a recovery, :mod:`node.guarantee.writeoffs`);
* a booked credit that matches no open invoice — ``unmatched-credit:{key}``, kind
  ``unmatched_credit``: debit ``bank``, credit ``clients:unallocated`` (a liability: received,
  not yet identified), so the bank account in the books always follows the bank's;
* assigning an unmatched credit to an invoice — a payment as above whose debit is
  ``clients:unallocated`` instead of ``bank`` (the money is already in the bank);
* sending an unmatched credit back — ``unmatched-credit:{id}:refund``, kind
  ``unmatched_credit.refund``: debit ``clients:unallocated``, credit ``bank``, once staff have
  returned it. (The payout primitive does not fit here: it debits an activity's budget under
  its available-budget check, and a payout row needs an activity, which an unidentified credit
  has none of.)

What is open on an invoice is ``gross − credited − applied``; a payment on a draft, a credit note
or a cancelled (fully credited) invoice is refused with 409 and posts nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.banking.camt import parse_camt053
from node.banking.errors import CamtError, InvalidReference
from node.banking.matching import (
    BankLine,
    OpenItem,
    Reason,
    Unmatched,
    bank_lines,
    match_credits,
)
from node.banking.references import StructuredReference, validate_reference
from node.banking.statement import Direction, EntryStatus
from node.chains import allocation as chain_allocation
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, FieldError, NotFound, ValidationProblem
from node.guarantee.writeoffs import record_recovery, write_off_of
from node.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from node.invoices.postings import GUARANTEE_FUND, RECEIVABLES
from node.invoices.service import credit_notes_of
from node.ledger import service as ledger
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.members.identifiers import Vault
from node.money import from_minor, positive_minor, to_minor
from node.payments.models import (
    ClientPayment,
    PaymentSource,
    UnmatchedCredit,
    UnmatchedStatus,
)

if TYPE_CHECKING:
    from node.settlement.models import Statement

BANK = ledger.AccountSpec("bank", "Bank", AccountType.ASSET)
CREDIT_BALANCES = ledger.AccountSpec(
    "clients:credit_balances", "Clients' credit balances (over-payments)", AccountType.LIABILITY
)
UNALLOCATED = ledger.AccountSpec(
    "clients:unallocated", "Receipts not yet identified (unmatched queue)", AccountType.LIABILITY
)
CANCELLED_INVOICE = "cancelled-invoice"


def today() -> date:
    return utcnow().date()


# -- what is open on an invoice ----------------------------------------------------------------


def _applied_minor(session: Session, invoice_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(ClientPayment.applied_minor), 0)).where(
            ClientPayment.invoice_id == invoice_id
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class InvoiceBalance:
    cancelled: bool
    open_minor: int  # the receivable still open; never below 0


def balance_of(session: Session, invoice: Invoice) -> InvoiceBalance:
    notes = credit_notes_of(session, invoice)
    cancelled = sum(n.net_minor for n in notes) >= invoice.net_minor
    credited = sum(n.gross_minor for n in notes)
    left = invoice.gross_minor - credited - _applied_minor(session, invoice.id)
    return InvoiceBalance(cancelled, max(left, 0))


def _locked_invoice(session: Session, invoice_id: int) -> Invoice:
    return locked(session, Invoice, invoice_id, "No such invoice.")


def _check_payable(session: Session, invoice: Invoice) -> InvoiceBalance:
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict("A credit note is not paid by the client.")
    if invoice.status != InvoiceStatus.ISSUED:
        raise Conflict("The invoice is a draft; only an issued invoice can be paid.")
    state = balance_of(session, invoice)
    if state.cancelled:
        raise Conflict(
            f"Invoice {invoice.number} is cancelled (fully credited); it takes no payment.",
            number=invoice.number,
        )
    return state


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- recording a payment -----------------------------------------------------------------------


@dataclass(frozen=True)
class Counterparty:
    name: str | None = None
    iban: str | None = None
    bank_reference: str | None = None


@dataclass(frozen=True)
class Recorded:
    payment: ClientPayment
    created: bool
    open_before: int
    open_after: int

    @property
    def outcome(self) -> str:
        if self.payment.amount_minor > self.payment.applied_minor:
            return "overpaid"
        return "settled" if self.open_after == 0 else "partial"


def record_payment(
    session: Session,
    invoice: Invoice,
    amount: int,
    received_on: date,
    key: str,
    actor: str,
    *,
    source: PaymentSource = PaymentSource.MANUAL,
    counterparty: Counterparty = Counterparty(),
    vault: Vault | None = None,
    unmatched: UnmatchedCredit | None = None,
    request_id: str | None = None,
) -> Recorded:
    """Record ``amount`` (minor units of the invoice's currency) paid on ``invoice``.

    The same ``key`` with the same content returns the payment already recorded (``created``
    False); with other content 409. 409 for a draft, a credit note or a cancelled invoice.
    """
    invoice = _locked_invoice(session, invoice.id)
    currency = invoice.currency
    digest = _digest(
        {"invoice": invoice.id, "amount": amount, "currency": currency, "on": received_on}
    )
    existing = session.scalar(select(ClientPayment).where(ClientPayment.idempotency_key == key))
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict("This idempotency key was already used for another payment.")
        state = balance_of(session, invoice)
        return Recorded(existing, False, state.open_minor, state.open_minor)
    if amount <= 0:
        raise ValidationProblem.single("amount", "Must be positive.", "sign")
    state = _check_payable(session, invoice)
    applied = min(amount, state.open_minor)
    excess = amount - applied
    sealed = vault.seal(counterparty.iban) if vault is not None and counterparty.iban else None
    payment = ClientPayment(
        invoice_id=invoice.id,
        amount_minor=amount,
        applied_minor=applied,
        currency=currency,
        received_on=received_on,
        source=source.value,
        bank_reference=(counterparty.bank_reference or None) and counterparty.bank_reference[:80],
        counterparty_name=(counterparty.name or None) and counterparty.name[:140],
        counterparty_iban_encrypted=sealed,
        idempotency_key=key,
        request_digest=digest,
        unmatched_credit_id=unmatched.id if unmatched is not None else None,
        created_by=actor,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("This idempotency key was already used for another payment.") from None
    debit = UNALLOCATED if unmatched is not None else BANK
    written_off = write_off_of(session, invoice.id)
    settled = GUARANTEE_FUND if written_off is not None else RECEIVABLES
    for spec in (debit, settled, CREDIT_BALANCES):
        ledger.ensure_account(session, spec, currency)
    lines = [
        PostingLine(debit.key, currency, amount),
        PostingLine(settled.key, currency, -applied),
        PostingLine(CREDIT_BALANCES.key, currency, -excess),
    ]
    meta = {"invoice_id": str(invoice.id), "payment_id": str(payment.id), "source": source.value}
    if counterparty.bank_reference:
        meta["bank_reference"] = counterparty.bank_reference[:80]
    entry = ledger.post(
        session,
        EntryDraft(
            kind="client_payment",
            occurred_on=received_on,
            idempotency_key=f"client-payment:{key}",
            description=f"Payment on invoice {invoice.number}",
            postings=tuple(line for line in lines if line.amount_minor),
            meta=meta,
        ),
        actor=actor,
    )
    payment.journal_entry_id = entry.id
    session.flush()
    if written_off is not None:
        record_recovery(session, written_off, payment)
    audit.record(
        session,
        actor=actor,
        action="client_payment.record",
        entity="invoice",
        entity_id=invoice.id,
        changes=audit.diff(
            {},
            {
                "payment_id": payment.id,
                "amount": str(from_minor(amount, currency)),
                "applied": str(from_minor(applied, currency)),
                "source": source.value,
            },
        ),
        request_id=request_id,
    )
    chain_allocation.after_payment(session, invoice.id)  # a value chain's shares (node.chains)
    return Recorded(payment, True, state.open_minor, state.open_minor - applied)


def pay_by_hand(
    session: Session,
    invoice_id: int,
    *,
    amount: Decimal,
    received_on: date,
    idempotency_key: str,
    actor: str,
    currency: str | None = None,
    request_id: str | None = None,
) -> Recorded:
    """A payment staff record by hand (``POST /api/v1/invoices/{id}/payments``)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.")
    if currency is not None and currency != invoice.currency:
        raise ValidationProblem.single(
            "currency", f"The invoice is in {invoice.currency}, not {currency}.", "currency"
        )
    minor = positive_minor(amount, invoice.currency)
    return record_payment(
        session,
        invoice,
        minor,
        received_on,
        f"manual:{idempotency_key}",
        actor,
        request_id=request_id,
    )


def payments_of(session: Session, invoice_id: int) -> list[ClientPayment]:
    return list(
        session.scalars(
            select(ClientPayment)
            .where(ClientPayment.invoice_id == invoice_id)
            .order_by(ClientPayment.id)
        )
    )


# -- CAMT.053 credits --------------------------------------------------------------------------


def line_key(iban: str, line: BankLine) -> str:
    """The idempotency key of a statement line: the account, the statement, the entry (by the
    bank's reference, else its position) and the transaction within it."""
    entry = f"ref:{line.entry_ref}" if line.entry_ref else f"index:{line.entry_index}"
    source = "\x1f".join((iban, line.statement_id, entry, str(line.transaction_index or 0)))
    return "camt:" + hashlib.sha256(source.encode()).hexdigest()


def _where(line: BankLine) -> dict[str, Any]:
    return {
        "statement_id": line.statement_id,
        "entry_index": line.entry_index,
        "entry_ref": line.entry_ref,
        "transaction_index": line.transaction_index,
        "amount": line.amount,
        "currency": line.currency,
        "booking_date": line.booking_date,
    }


def _reference_of(invoice: Invoice) -> StructuredReference | None:
    try:
        return validate_reference(invoice.payment_reference or "")
    except InvalidReference:
        return None


def import_camt_credits(
    session: Session,
    data: bytes,
    *,
    actor: str,
    vault: Vault | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Record the booked credits of a CAMT.053 file on the invoices their references name.

    A refused file (malformed, hostile, inconsistent) is a 422 naming the statement and entry and
    changes nothing. A booked credit naming a settlement statement this node is paid on (the
    payer's end-to-end id, or the statement's uuid in the remittance information) for exactly
    its net is that statement's receipt (``settlements``, :func:`node.settlement.payment.
    receive_credits`); with another amount it is queued. Booked non-reversal credits with a
    reference of an issued invoice become payments (partial, exact or over); other booked credits
    go to the unmatched queue with their reason; entries not booked yet are reported and left for
    a later statement. Lines already imported (by their idempotency key), or naming a statement
    already received, are reported as ``already_recorded``.
    """
    try:
        statements = parse_camt053(data)
    except CamtError as exc:
        raise ValidationProblem(
            [FieldError("statement", str(exc), "invalid_camt")], detail=str(exc)
        ) from None
    keyed: list[tuple[str, BankLine]] = []
    for statement in statements:
        keyed += [
            (line_key(statement.iban, line), line)
            for line in bank_lines([statement])
            if line.direction is Direction.CREDIT
        ]
    known = _known_keys(session, [key for key, _ in keyed])
    already, ignored, fresh = [], [], []
    seen: set[str] = set()
    for key, line in keyed:
        if key in known or key in seen:
            already.append(_where(line))
        elif line.status is not EntryStatus.BOOKED:
            ignored.append({**_where(line), "reason": Reason.NOT_BOOKED.value})
        else:
            fresh.append((key, line))
        seen.add(key)
    key_of = {id(line): key for key, line in fresh}
    from node.settlement import payment as settlement  # settlement -> payouts -> this module

    settled = settlement.receive_credits(
        session, [line for _, line in fresh], today=today(), actor=actor
    )
    already += [{**_where(line), **_statement(row)} for line, row in settled.already]
    received = [{**_where(line), **_statement(row)} for line, row in settled.received]
    invoices = _invoices_by_reference(session, settled.rest)
    open_items, cancelled = [], set()
    for reference, invoice in invoices.items():
        state = balance_of(session, invoice)
        if state.cancelled:
            cancelled.add(reference)
        else:
            outstanding = from_minor(state.open_minor, invoice.currency)
            open_items.append(OpenItem(str(invoice.id), reference, outstanding, invoice.currency))
    result = match_credits(open_items, settled.rest)
    by_id = {str(invoice.id): invoice for invoice in invoices.values()}
    matched: list[dict[str, Any]] = []
    for match in result.matches:
        line = match.line
        invoice = by_id[match.key]
        recorded = record_payment(
            session,
            invoice,
            to_minor(line.amount, line.currency),
            line.booking_date or today(),
            key_of[id(line)],
            actor,
            source=PaymentSource.CAMT,
            counterparty=Counterparty(
                line.counterparty_name, line.counterparty_iban, line.entry_ref or line.end_to_end_id
            ),
            vault=vault,
            request_id=request_id,
        )
        matched.append(
            {
                **_where(line),
                "invoice_id": invoice.id,
                "invoice_number": invoice.number,
                "payment_id": recorded.payment.id,
                "outcome": recorded.outcome,
                "outstanding": from_minor(recorded.open_after, invoice.currency),
            }
        )
    unmatched: list[dict[str, Any]] = []
    for item in [*settled.unmatched, *result.unmatched]:
        reason, detail = item.reason.value, item.detail
        if item.reason is Reason.UNKNOWN_REFERENCE and item.line.reference in cancelled:
            reason = CANCELLED_INVOICE
            detail = f"the invoice with the reference {item.line.reference} is cancelled"
        row = _queue(session, key_of[id(item.line)], item, reason, detail, actor, vault)
        unmatched.append({**_where(item.line), "id": row.id, "reason": reason, "detail": detail})
    if matched or unmatched or received:
        audit.record(
            session,
            actor=actor,
            action="bank_statement.credits",
            entity="bank_statement",
            entity_id=",".join(sorted({s.id for s in statements}))[:64],
            changes={
                "payments": [None, [m["payment_id"] for m in matched]],
                "unmatched": [None, [u["id"] for u in unmatched]],
                "settlements": [None, [r["statement_id"] for r in received]],
            },
            request_id=request_id,
        )
    return {
        "matched": matched,
        "unmatched": unmatched,
        "already_recorded": already,
        "ignored": ignored,
        "settlements_received": received,
    }


def _statement(row: Statement) -> dict[str, Any]:
    return {"statement_id": row.id, "statement": row.uid, "peer": row.peer_node}


def _known_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        found.update(
            session.scalars(
                select(ClientPayment.idempotency_key).where(
                    ClientPayment.idempotency_key.in_(chunk)
                )
            )
        )
        found.update(
            session.scalars(
                select(UnmatchedCredit.line_key).where(UnmatchedCredit.line_key.in_(chunk))
            )
        )
    return found


def _invoices_by_reference(
    session: Session, lines: Sequence[BankLine]
) -> dict[StructuredReference, Invoice]:
    """Issued invoices whose payment reference one of ``lines`` quotes, locked."""
    wanted = sorted({line.reference.formatted for line in lines if line.reference is not None})
    found: dict[StructuredReference, Invoice] = {}
    for start in range(0, len(wanted), 500):
        rows = session.scalars(
            select(Invoice)
            .where(
                Invoice.payment_reference.in_(wanted[start : start + 500]),
                Invoice.kind == InvoiceKind.INVOICE.value,
                Invoice.status == InvoiceStatus.ISSUED.value,
            )
            .order_by(Invoice.id)
            .with_for_update()
        )
        for invoice in rows:
            reference = _reference_of(invoice)
            if reference is not None:
                found.setdefault(reference, invoice)
    return found


def _queue(
    session: Session,
    key: str,
    item: Unmatched,
    reason: str,
    detail: str,
    actor: str,
    vault: Vault | None,
) -> UnmatchedCredit:
    line = item.line
    minor = to_minor(line.amount, line.currency)
    reference = line.reference.formatted if line.reference is not None else line.raw_reference
    sealed = vault.seal(line.counterparty_iban) if vault and line.counterparty_iban else None
    row = UnmatchedCredit(
        line_key=key,
        statement_id=line.statement_id[:80],
        entry_index=line.entry_index,
        entry_ref=line.entry_ref[:80] if line.entry_ref else None,
        transaction_index=line.transaction_index,
        booking_date=line.booking_date,
        amount_minor=minor,
        currency=line.currency,
        reference=reference[:140] if reference else None,
        remittance_text=line.remittance_text[:500],
        counterparty_name=line.counterparty_name[:140] if line.counterparty_name else None,
        counterparty_iban_encrypted=sealed,
        reason=reason,
        detail=detail[:300],
        status=UnmatchedStatus.OPEN.value,
        created_by=actor,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same statement is being imported in parallel: this one fails
        raise Conflict("This statement line is being imported by another request.") from None
    for spec in (BANK, UNALLOCATED):
        ledger.ensure_account(session, spec, line.currency)
    entry = ledger.post(
        session,
        EntryDraft(
            kind="unmatched_credit",
            occurred_on=line.booking_date or today(),
            idempotency_key=f"unmatched-credit:{key}",
            description=f"Unidentified receipt (statement {line.statement_id[:80]}, "
            f"entry {line.entry_index})",
            postings=(
                PostingLine(BANK.key, line.currency, minor),
                PostingLine(UNALLOCATED.key, line.currency, -minor),
            ),
            meta={"unmatched_credit_id": str(row.id), "reason": reason},
        ),
        actor=actor,
    )
    row.journal_entry_id = entry.id
    return row


# -- the unmatched queue -----------------------------------------------------------------------


def unmatched_credits(session: Session, status: str | None = None) -> list[UnmatchedCredit]:
    query = select(UnmatchedCredit).order_by(UnmatchedCredit.id)
    if status is not None:
        query = query.where(UnmatchedCredit.status == status)
    return list(session.scalars(query))


def _locked_credit(session: Session, credit_id: int) -> UnmatchedCredit:
    return locked(session, UnmatchedCredit, credit_id, "No such unmatched credit.")


def assigned_payment(session: Session, row: UnmatchedCredit) -> ClientPayment | None:
    return session.scalar(select(ClientPayment).where(ClientPayment.unmatched_credit_id == row.id))


def assign(
    session: Session,
    credit_id: int,
    invoice_id: int,
    *,
    actor: str,
    request_id: str | None = None,
) -> tuple[UnmatchedCredit, Recorded]:
    """Staff decide which invoice an unmatched credit pays. Idempotent for the same invoice."""
    row = _locked_credit(session, credit_id)
    if row.status == UnmatchedStatus.RESOLVED:
        payment = assigned_payment(session, row)
        if payment is not None and payment.invoice_id == invoice_id:
            invoice = session.get(Invoice, invoice_id)
            assert invoice is not None
            left = balance_of(session, invoice).open_minor
            return row, Recorded(payment, False, left, left)
        raise Conflict("The credit is already assigned to another invoice.")
    if row.status != UnmatchedStatus.OPEN:
        raise Conflict(f"The credit is {row.status}; it can no longer be assigned.")
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise ValidationProblem.single("invoice_id", "No such invoice.", "unknown")
    if invoice.currency != row.currency:
        raise ValidationProblem.single(
            "invoice_id",
            f"The invoice is in {invoice.currency}, the credit in {row.currency}.",
            "currency",
        )
    recorded = record_payment(
        session,
        invoice,
        row.amount_minor,
        row.booking_date or today(),
        f"unmatched:{row.id}",
        actor,
        source=PaymentSource.UNMATCHED,
        counterparty=Counterparty(row.counterparty_name, None, row.entry_ref),
        unmatched=row,
        request_id=request_id,
    )
    if row.counterparty_iban_encrypted:
        recorded.payment.counterparty_iban_encrypted = row.counterparty_iban_encrypted
    row.status = UnmatchedStatus.RESOLVED.value
    row.resolved_by, row.resolved_at = actor, utcnow()
    audit.record(
        session,
        actor=actor,
        action="unmatched_credit.assign",
        entity="unmatched_credit",
        entity_id=row.id,
        changes={"status": ["open", "resolved"], "invoice_id": [None, invoice.id]},
        request_id=request_id,
    )
    return row, recorded


def refund(
    session: Session,
    credit_id: int,
    *,
    refunded_on: date,
    actor: str,
    request_id: str | None = None,
) -> UnmatchedCredit:
    """Record that an unmatched credit was sent back to its payer (idempotent once done)."""
    row = _locked_credit(session, credit_id)
    if row.status == UnmatchedStatus.REFUNDED:
        return row
    if row.status != UnmatchedStatus.OPEN:
        raise Conflict("The credit is assigned to an invoice; it cannot be refunded from here.")
    for spec in (BANK, UNALLOCATED):
        ledger.ensure_account(session, spec, row.currency)
    entry = ledger.post(
        session,
        EntryDraft(
            kind="unmatched_credit.refund",
            occurred_on=refunded_on,
            idempotency_key=f"unmatched-credit:{row.id}:refund",
            description=f"Unidentified receipt #{row.id} sent back",
            postings=(
                PostingLine(UNALLOCATED.key, row.currency, row.amount_minor),
                PostingLine(BANK.key, row.currency, -row.amount_minor),
            ),
            meta={"unmatched_credit_id": str(row.id)},
        ),
        actor=actor,
    )
    row.refund_entry_id = entry.id
    row.status = UnmatchedStatus.REFUNDED.value
    row.resolved_by, row.resolved_at = actor, utcnow()
    audit.record(
        session,
        actor=actor,
        action="unmatched_credit.refund",
        entity="unmatched_credit",
        entity_id=row.id,
        changes={"status": ["open", "refunded"]},
        request_id=request_id,
    )
    return row
