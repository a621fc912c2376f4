"""Default write-offs charged to the salary guarantee fund, and recoveries returned to it.

A covered invoice unpaid ``guarantee.default_after_days`` past its due date is in default. Staff
write it off with one entry, ``guarantee:write-off:{invoice}`` (kind ``guarantee.write_off``)::

    debit   fund:guarantee        what the client still owes (VAT included)
    credit  receivables:clients   the same

The activity keeps the turnover it was credited when the invoice was issued: the fund, not the
member, bears the loss. The whole open amount is charged because the VAT on it was declared when
the invoice was issued; should the tax authority later grant bad-debt relief, an accountant posts
it as a manual entry back to the fund.

If the client pays after all, the payment settles the fund instead of the receivable (see
:mod:`node.payments.service`) and a recovery row records it.
Uncovered invoices are never written off here: they are cancelled with a credit note, which
takes the turnover back from the activity.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.db import locked
from node.errors import Conflict, ValidationProblem
from node.guarantee.models import GuaranteeRecovery, GuaranteeWriteOff
from node.guarantee.policy import GuaranteePolicy
from node.guarantee.position import open_receivables
from node.invoices.models import Invoice, InvoiceKind
from node.invoices.overdue import days_overdue
from node.invoices.postings import GUARANTEE_FUND, RECEIVABLES
from node.ledger import service as ledger
from node.ledger.entries import EntryDraft, PostingLine
from node.money import from_minor
from node.payments.models import ClientPayment


def write_off(
    session: Session,
    invoice_id: int,
    *,
    policy: GuaranteePolicy,
    as_of: date,
    reason: str,
    idempotency_key: str,
    actor: str,
    request_id: str | None = None,
) -> tuple[GuaranteeWriteOff, bool]:
    """Write a defaulted covered invoice off against the fund; returns ``(row, created)``.

    The same key for the same invoice returns the write-off already made; 409 when the key was
    used for another invoice, the invoice is not covered, not in default, already written off or
    has nothing open.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationProblem.single("reason", "Say why the invoice is written off.")
    if not idempotency_key.strip():
        raise ValidationProblem.single("idempotency_key", "An idempotency key is required.")
    invoice = locked(session, Invoice, invoice_id, "No such invoice.")
    existing = session.scalar(
        select(GuaranteeWriteOff).where(GuaranteeWriteOff.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if existing.invoice_id != invoice.id:
            raise Conflict("This idempotency key was already used for another write-off.")
        return existing, False
    _check_writable(session, invoice)
    (item,) = open_receivables(session, invoice_ids=[invoice.id]) or (None,)
    if item is None:
        raise Conflict("Nothing is open on this invoice; there is nothing to write off.")
    late = days_overdue(item.due_date, as_of)
    if not policy.in_default(late):
        raise Conflict(
            f"The invoice is {late} days overdue; it is in default after "
            f"{policy.default_after_days} days.",
            days_overdue=late,
        )
    for spec in (GUARANTEE_FUND, RECEIVABLES):
        ledger.ensure_account(session, spec, invoice.currency)
    entry = ledger.post(
        session,
        EntryDraft(
            kind="guarantee.write_off",
            occurred_on=as_of,
            idempotency_key=f"guarantee:write-off:{invoice.id}",
            description=f"Default of invoice {invoice.number} charged to the guarantee fund",
            postings=(
                PostingLine(GUARANTEE_FUND.key, invoice.currency, item.open),
                PostingLine(RECEIVABLES.key, invoice.currency, -item.open),
            ),
            meta={"invoice_id": str(invoice.id), "activity_id": str(invoice.activity_id)},
        ),
        actor=actor,
    )
    row = GuaranteeWriteOff(
        invoice_id=invoice.id,
        activity_id=invoice.activity_id,
        currency=invoice.currency,
        amount_minor=item.open,
        written_off_on=as_of,
        days_overdue=late,
        reason=reason[:500],
        idempotency_key=idempotency_key,
        journal_entry_id=entry.id,
        created_by=actor,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("This idempotency key was already used for another write-off.") from None
    audit.record(
        session,
        actor=actor,
        action="guarantee.write_off",
        entity="invoice",
        entity_id=invoice.id,
        changes=audit.diff(
            {},
            {"amount": str(from_minor(item.open, invoice.currency)), "reason": row.reason},
        ),
        request_id=request_id,
    )
    return row, True


def _check_writable(session: Session, invoice: Invoice) -> None:
    if invoice.kind != InvoiceKind.INVOICE or invoice.number is None:
        raise Conflict("Only an issued invoice can be written off.")
    if not invoice.guarantee_covered:
        raise Conflict(
            "The guarantee fund does not cover this invoice; cancel it with a credit note."
        )
    if write_off_of(session, invoice.id) is not None:
        raise Conflict("The invoice is already written off.")


def write_off_of(session: Session, invoice_id: int) -> GuaranteeWriteOff | None:
    return session.scalar(
        select(GuaranteeWriteOff).where(GuaranteeWriteOff.invoice_id == invoice_id)
    )


def record_recovery(
    session: Session, write_off: GuaranteeWriteOff, payment: ClientPayment
) -> GuaranteeRecovery | None:
    """Note that ``payment`` brought back part of a written-off amount (nothing if it applied
    nothing, e.g. a pure over-payment)."""
    if payment.applied_minor <= 0:
        return None
    row = GuaranteeRecovery(
        write_off_id=write_off.id,
        client_payment_id=payment.id,
        amount_minor=payment.applied_minor,
        received_on=payment.received_on,
    )
    session.add(row)
    session.flush()
    return row
