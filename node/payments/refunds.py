"""Refunds of client over-payments, through the payout primitive.

A client who paid more than an invoice asked has the excess in ``clients:credit_balances`` (see
:func:`node.payments.service.record_payment`). Giving it back is a payout of kind ``refund`` of
the invoice's activity made with ``refund_of=payment`` (:func:`node.payouts.service.payout`):

* its commit entry debits ``clients:credit_balances`` (not the activity's budget, which is neither
  checked nor touched) and credits ``payouts:pending``; then it lives like any payout: a second
  approval above ``payouts.second_approval_above``, a pain.001 batch, the bank's CAMT.053 debit
  (``payout.paid``); cancelled after approval, its commit is reversed back to the credit balance;
* its amount is at most what is still refundable on the payment, ``amount − applied − refunded``,
  where ``refunded`` counts every refund payout of the payment not cancelled (one waiting for its
  second approval reserves its amount), read under the payment's row lock;
* it is paid to the client: the name and IBAN given, else the payer's name and IBAN recorded with
  the payment (a CAMT.053 credit has them; a payment entered by hand has not).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from node.activities.models import Activity
from node.errors import Conflict, NotFound
from node.invoices.models import Invoice
from node.members.identifiers import Vault
from node.payments.models import ClientPayment
from node.payouts import service as payouts
from node.payouts.models import Payout, PayoutKind


def refund(
    session: Session,
    payment_id: int,
    amount: Decimal,
    idempotency_key: str,
    *,
    actor: str,
    vault: Vault,
    second_approval_above: Decimal,
    creditor_name: str | None = None,
    creditor_iban: str | None = None,
    description: str = "",
    request_id: str | None = None,
) -> tuple[Payout, bool]:
    """Refund ``amount`` of a client payment's over-payment: ``(payout, created)``.

    404 for an unknown payment; 409 when the payment has no over-payment or less than ``amount``
    is still refundable; 422 for a bad amount or creditor. The same key with the same request
    returns the refund already made; with another request 409. Nothing is posted on a refusal.
    """
    payment = session.get(ClientPayment, payment_id)
    if payment is None:
        raise NotFound("No such client payment.")
    invoice = session.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    if invoice is None:
        raise Conflict("The payment is on no invoice; it has no over-payment to refund.")
    activity = session.get(Activity, invoice.activity_id)
    assert activity is not None
    creditor = payouts.Creditor(
        name=creditor_name or payment.counterparty_name,
        iban=creditor_iban or vault.open(payment.counterparty_iban_encrypted),
    )
    return payouts.payout(
        session,
        activity,
        amount,
        PayoutKind.REFUND.value,
        idempotency_key,
        creditor=creditor,
        actor=actor,
        vault=vault,
        second_approval_above=second_approval_above,
        description=description or f"Refund of over-payment, invoice {invoice.number}",
        refund_of=payment,
        request_id=request_id,
    )
