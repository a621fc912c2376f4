"""HTTP API of client payments, CAMT.053 credits and the unmatched queue; staff only.

==================================================  =========================================
``POST /api/v1/invoices/{id}/payments``             a payment recorded by hand (201; the same
                                                    key again: 200 with the same payment)
``GET  /api/v1/invoices/{id}/payments``             the invoice's payments
``POST /api/v1/bank-statements/credits``            a CAMT.053 file (raw XML or a multipart
                                                    ``statement`` file, like the debits)
``GET  /api/v1/unmatched-credits``                  the queue (``?status=open``)
``POST /api/v1/unmatched-credits/{id}/assign``      pay an invoice with it
``POST /api/v1/unmatched-credits/{id}/refund``      it was sent back to its payer
``POST /api/v1/payments/{id}/refund``               give (part of) an over-payment back: a
                                                    refund payout (201; the same key again:
                                                    200 with the same payout)
==================================================  =========================================

Payments show what refunds took from them (``refunded``) and what is left to refund
(``refundable``; see :mod:`node.payments.refunds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from node.errors import NotFound, ValidationProblem
from node.invoices.models import Invoice
from node.members.identifiers import Vault, mask_iban
from node.money import from_minor
from node.payments import refunds, service
from node.payments.models import ClientPayment, UnmatchedCredit, UnmatchedStatus
from node.payouts.api import REQUEST as PAYOUT_REQUEST
from node.payouts.api import present as present_payout
from node.payouts.service import RefundState, refund_balances
from node.payouts.uploads import XML_TYPES, Upload, upload_route
from node.web.api import STAFF, Call, api_route
from node.web.jsonenc import dumps
from node.web.validation import CURRENCY, DATE, DECIMAL, obj

TAG = "payments"
KEY = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^\S+$"}
PAYMENT = obj(
    {"amount": DECIMAL, "received_on": DATE, "idempotency_key": KEY, "currency": CURRENCY},
    required=("amount", "received_on", "idempotency_key"),
)
ASSIGN = obj({"invoice_id": {"type": "integer", "minimum": 1}}, required=("invoice_id",))
REFUND = obj({"refunded_on": DATE})
QUEUE = obj({"status": {"enum": [s.value for s in UnmatchedStatus]}})
REFUND_PAYMENT = obj(
    {
        name: PAYOUT_REQUEST["properties"][name]
        for name in ("amount", "idempotency_key", "creditor_name", "creditor_iban", "description")
    },
    required=("amount", "idempotency_key"),
)


def vault(call: Call) -> Vault:
    return Vault.from_settings(call.settings, call.node.cipher)


def _masked(keys: Vault, sealed: str | None) -> str | None:
    iban = keys.open(sealed) if sealed else None
    return mask_iban(iban) if iban else None


def present_payment(row: ClientPayment, keys: Vault, state: RefundState) -> dict[str, Any]:
    return {
        "id": row.id,
        "invoice_id": row.invoice_id,
        "amount": from_minor(row.amount_minor, row.currency),
        "applied": from_minor(row.applied_minor, row.currency),
        "credit_balance": from_minor(row.amount_minor - row.applied_minor, row.currency),
        "refunded": from_minor(state.refunded, row.currency),
        "refundable": from_minor(state.refundable, row.currency),
        "currency": row.currency,
        "received_on": row.received_on,
        "source": row.source,
        "bank_reference": row.bank_reference,
        "counterparty_name": row.counterparty_name,
        "counterparty_iban": _masked(keys, row.counterparty_iban_encrypted),
        "unmatched_credit_id": row.unmatched_credit_id,
        "journal_entry_id": row.journal_entry_id,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def present_payments(call: Call, rows: Sequence[ClientPayment]) -> list[dict[str, Any]]:
    keys, states = vault(call), refund_balances(call.session, rows)
    return [present_payment(row, keys, states[row.id]) for row in rows]


def present_credit(row: UnmatchedCredit, keys: Vault) -> dict[str, Any]:
    return {
        "id": row.id,
        "statement_id": row.statement_id,
        "entry_index": row.entry_index,
        "entry_ref": row.entry_ref,
        "transaction_index": row.transaction_index,
        "booking_date": row.booking_date,
        "amount": from_minor(row.amount_minor, row.currency),
        "currency": row.currency,
        "reference": row.reference,
        "remittance_text": row.remittance_text,
        "counterparty_name": row.counterparty_name,
        "counterparty_iban": _masked(keys, row.counterparty_iban_encrypted),
        "reason": row.reason,
        "detail": row.detail,
        "status": row.status,
        "journal_entry_id": row.journal_entry_id,
        "refund_entry_id": row.refund_entry_id,
        "created_at": row.created_at,
        "resolved_by": row.resolved_by,
        "resolved_at": row.resolved_at,
    }


def _replayed(body: dict[str, Any], created: bool) -> Any:
    """``body`` as it is (201) when the request made something, else with 200 (a replay)."""
    if not created:
        return Response(dumps(body), 200, media_type="application/json")
    return body


def _recorded(call: Call, recorded: service.Recorded) -> Any:
    invoice = call.session.get(Invoice, recorded.payment.invoice_id)
    assert invoice is not None
    body = {
        **present_payments(call, [recorded.payment])[0],
        "outcome": recorded.outcome,
        "invoice_outstanding": from_minor(recorded.open_after, invoice.currency),
    }
    return _replayed(body, recorded.created)


@api_route(
    "POST",
    "/api/v1/invoices/{invoice_id:int}/payments",
    summary="Record a client's payment on an issued invoice (partial or over-payment too).",
    roles=STAFF,
    tag=TAG,
    body=PAYMENT,
    status=201,
)
def record_payment(call: Call) -> Any:
    body = call.body
    recorded = service.pay_by_hand(
        call.session,
        call.path["invoice_id"],
        amount=Decimal(body["amount"]),
        received_on=date.fromisoformat(body["received_on"]),
        idempotency_key=body["idempotency_key"],
        currency=body.get("currency"),
        actor=call.actor,
        request_id=call.request_id,
    )
    return _recorded(call, recorded)


@api_route(
    "GET",
    "/api/v1/invoices/{invoice_id:int}/payments",
    summary="The payments recorded on an invoice.",
    roles=STAFF,
    tag=TAG,
)
def list_payments(call: Call) -> list[dict[str, Any]]:
    if call.session.get(Invoice, call.path["invoice_id"]) is None:
        raise NotFound("No such invoice.")
    return present_payments(call, service.payments_of(call.session, call.path["invoice_id"]))


def statement_bytes(upload: Upload) -> bytes:
    """The CAMT.053 file of an upload: the raw XML body or the multipart ``statement`` file."""
    if upload.raw is not None:
        return upload.raw
    statement = upload.files.get("statement")
    if statement is None:
        raise ValidationProblem.single("statement", "Attach the CAMT.053 file.", "required")
    return statement.data


@upload_route(
    "POST",
    "/api/v1/bank-statements/credits",
    summary="Import a CAMT.053 statement: credits matched to invoices by structured reference.",
    roles=STAFF,
    tag=TAG,
    fields=obj({}),
    files=("statement",),
    raw_types=XML_TYPES,
)
def import_credits(call: Call) -> dict[str, Any]:
    return service.import_camt_credits(
        call.session,
        statement_bytes(call.body),
        actor=call.actor,
        vault=vault(call),
        request_id=call.request_id,
    )


@api_route(
    "GET",
    "/api/v1/unmatched-credits",
    summary="Bank credits no invoice claimed (filter by status).",
    roles=STAFF,
    tag=TAG,
    query=QUEUE,
)
def list_unmatched(call: Call) -> list[dict[str, Any]]:
    keys = vault(call)
    rows = service.unmatched_credits(call.session, call.query.get("status"))
    return [present_credit(row, keys) for row in rows]


@api_route(
    "POST",
    "/api/v1/unmatched-credits/{credit_id:int}/assign",
    summary="Assign an unmatched credit to the invoice it pays.",
    roles=STAFF,
    tag=TAG,
    body=ASSIGN,
)
def assign_unmatched(call: Call) -> dict[str, Any]:
    row, recorded = service.assign(
        call.session,
        call.path["credit_id"],
        call.body["invoice_id"],
        actor=call.actor,
        request_id=call.request_id,
    )
    keys = vault(call)
    return {
        **present_credit(row, keys),
        "payment": present_payments(call, [recorded.payment])[0],
        "outcome": recorded.outcome,
    }


@api_route(
    "POST",
    "/api/v1/unmatched-credits/{credit_id:int}/refund",
    summary="Record that an unmatched credit was sent back to its payer.",
    roles=STAFF,
    tag=TAG,
    body=REFUND,
)
def refund_unmatched(call: Call) -> dict[str, Any]:
    on = call.body.get("refunded_on")
    row = service.refund(
        call.session,
        call.path["credit_id"],
        refunded_on=date.fromisoformat(on) if on else service.today(),
        actor=call.actor,
        request_id=call.request_id,
    )
    return present_credit(row, vault(call))


@api_route(
    "POST",
    "/api/v1/payments/{payment_id:int}/refund",
    summary="Refund (part of) a client's over-payment: a refund payout out of its credit balance.",
    roles=STAFF,
    tag=TAG,
    body=REFUND_PAYMENT,
    status=201,
)
def refund_payment(call: Call) -> Any:
    body, keys = call.body, vault(call)
    row, created = refunds.refund(
        call.session,
        call.path["payment_id"],
        Decimal(body["amount"]),
        body["idempotency_key"],
        actor=call.actor,
        vault=keys,
        second_approval_above=call.settings["payouts.second_approval_above"],
        creditor_name=body.get("creditor_name"),
        creditor_iban=body.get("creditor_iban"),
        description=body.get("description", ""),
        request_id=call.request_id,
    )
    return _replayed(present_payout(row, keys), created)


ROUTES = [
    record_payment,
    list_payments,
    import_credits,
    list_unmatched,
    assign_unmatched,
    refund_unmatched,
    refund_payment,
]
