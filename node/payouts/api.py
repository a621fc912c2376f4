"""HTTP API of payouts, payment batches (pain.001) and bank debits (CAMT.053); staff only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from node.activities.service import visible_activity
from node.errors import ValidationProblem
from node.members.identifiers import Vault, mask_iban
from node.money import from_minor
from node.payouts import service
from node.payouts.models import PaymentBatch, Payout, PayoutKind, PayoutStatus
from node.payouts.uploads import XML_TYPES, upload_route
from node.web.api import STAFF, Call, api_route
from node.web.validation import CURRENCY, DATE, DECIMAL, obj

TAG = "payouts"
KEY = {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]+$"}
REQUEST = obj(
    {
        "amount": DECIMAL,
        "kind": {"enum": [k.value for k in PayoutKind]},
        "idempotency_key": KEY,
        "member_id": {"type": "integer", "minimum": 1},
        "creditor_name": {"type": "string", "minLength": 1, "maxLength": 200},
        "creditor_iban": {"type": "string", "minLength": 5, "maxLength": 50},
        "description": {"type": "string", "maxLength": 140},
    },
    required=("amount", "kind", "idempotency_key"),
)
LIST_QUERY = obj(
    {
        "status": {"enum": [s.value for s in PayoutStatus]},
        "activity_id": {"type": "integer"},
        "client_payment_id": {"type": "integer"},
    }
)
BATCH = obj({"execution_date": DATE, "currency": CURRENCY}, required=("execution_date",))
PAID = obj({"paid_on": DATE})


def vault(call: Call) -> Vault:
    return Vault.from_settings(call.settings, call.node.cipher)


def present(row: Payout, keys: Vault) -> dict[str, Any]:
    iban = keys.open(row.creditor_iban_encrypted)
    return {
        "id": row.id,
        "activity_id": row.activity_id,
        "kind": row.kind,
        "amount": from_minor(row.amount_minor, row.currency),
        "currency": row.currency,
        "member_id": row.member_id,
        "creditor_name": row.creditor_name,
        "creditor_iban": mask_iban(iban) if iban else None,
        "description": row.description,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "approved_by": row.approved_by,
        "approved_at": row.approved_at,
        "end_to_end_id": row.end_to_end_id,
        "batch_id": row.batch_id,
        "paid_on": row.paid_on,
        "client_payment_id": row.client_payment_id,  # set on the refund of an over-payment
        # A salary takes its employer cost from the budget: the net pay above plus the charges
        # (contributions, withholding) credited to their liability accounts.
        "budget_charge": from_minor(row.charged_minor, row.currency),
        "charges": row.charges,
    }


def present_batch(batch: PaymentBatch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "message_id": batch.message_id,
        "created_at": batch.created_at,
        "created_by": batch.created_by,
        "execution_date": batch.execution_date,
        "status": batch.status,
        "currency": batch.currency,
        "payment_count": batch.payment_count,
        "total": from_minor(batch.total_minor, batch.currency),
        "sent_at": batch.sent_at,
    }


@api_route(
    "POST",
    "/api/v1/activities/{activity_id:int}/payouts",
    summary="Pay out of an activity's budget (checked against its available budget).",
    roles=STAFF,
    tag=TAG,
    body=REQUEST,
    status=201,
)
def request_payout(call: Call) -> dict[str, Any]:
    activity = visible_activity(call.session, call.caller(), call.path["activity_id"])
    body = call.body
    keys = vault(call)
    row, _created = service.payout(
        call.session,
        activity,
        Decimal(body["amount"]),
        body["kind"],
        body["idempotency_key"],
        creditor=service.Creditor(
            member_id=body.get("member_id"),
            name=body.get("creditor_name"),
            iban=body.get("creditor_iban"),
        ),
        actor=call.actor,
        vault=keys,
        second_approval_above=call.settings["payouts.second_approval_above"],
        description=body.get("description", ""),
        request_id=call.request_id,
    )
    return present(row, keys)


@api_route(
    "GET",
    "/api/v1/payouts",
    summary="Payouts (filter by status, activity or refunded client payment).",
    roles=STAFF,
    tag=TAG,
    query=LIST_QUERY,
)
def list_payouts(call: Call) -> list[dict[str, Any]]:
    keys = vault(call)
    rows = service.payouts(
        call.session,
        status=call.query.get("status"),
        activity_id=call.query.get("activity_id"),
        client_payment_id=call.query.get("client_payment_id"),
    )
    return [present(row, keys) for row in rows]


@api_route("GET", "/api/v1/payouts/{payout_id:int}", summary="One payout.", roles=STAFF, tag=TAG)
def get_payout(call: Call) -> dict[str, Any]:
    return present(service.get_payout(call.session, call.path["payout_id"]), vault(call))


@api_route(
    "POST",
    "/api/v1/payouts/{payout_id:int}/approve",
    summary="Second approval of a payout (never by its requester); idempotent.",
    roles=STAFF,
    tag=TAG,
)
def approve_payout(call: Call) -> dict[str, Any]:
    row = service.approve(
        call.session, call.path["payout_id"], actor=call.actor, request_id=call.request_id
    )
    return present(row, vault(call))


@api_route(
    "POST",
    "/api/v1/payouts/{payout_id:int}/cancel",
    summary="Cancel a payout before it is batched; its amount returns to where it came from.",
    roles=STAFF,
    tag=TAG,
)
def cancel_payout(call: Call) -> dict[str, Any]:
    row = service.cancel(
        call.session, call.path["payout_id"], actor=call.actor, request_id=call.request_id
    )
    return present(row, vault(call))


@api_route(
    "POST",
    "/api/v1/payouts/{payout_id:int}/paid",
    summary="Confirm by hand that a sent payout left the bank (when no statement shows it).",
    roles=STAFF,
    tag=TAG,
    body=PAID,
)
def mark_payout_paid(call: Call) -> dict[str, Any]:
    on = date.fromisoformat(call.body["paid_on"]) if "paid_on" in call.body else service.today()
    row, _changed = service.mark_paid(
        call.session, call.path["payout_id"], on=on, actor=call.actor, request_id=call.request_id
    )
    return present(row, vault(call))


@api_route(
    "POST",
    "/api/v1/payment-batches",
    summary="Gather the approved payouts of one currency (default: the node's) into a pain.001 "
    "batch: SEPA in EUR, a domestic transfer otherwise.",
    roles=STAFF,
    tag=TAG,
    body=BATCH,
    status=201,
)
def create_batch(call: Call) -> dict[str, Any]:
    batch = service.make_batch(
        call.session,
        execution_date=date.fromisoformat(call.body["execution_date"]),
        debtor_name=call.settings["node.name"],
        debtor_iban=call.settings["payouts.debtor_iban"],
        vault=vault(call),
        actor=call.actor,
        currency=call.body.get("currency", call.settings["node.currency"]),
        request_id=call.request_id,
    )
    return present_batch(batch)


@api_route("GET", "/api/v1/payment-batches", summary="Payment batches.", roles=STAFF, tag=TAG)
def list_batches(call: Call) -> list[dict[str, Any]]:
    return [
        present_batch(b)
        for b in call.session.scalars(select(PaymentBatch).order_by(PaymentBatch.id))
    ]


@api_route(
    "GET",
    "/api/v1/payment-batches/{batch_id:int}/pain001",
    summary="The batch's pain.001 file, to upload to the bank.",
    roles=STAFF,
    tag=TAG,
    media_type="application/xml",
)
def batch_file(call: Call) -> Response:
    batch = service.get_batch(call.session, call.path["batch_id"])
    return Response(
        batch.pain001,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{batch.message_id}.xml"'},
    )


@api_route(
    "POST",
    "/api/v1/payment-batches/{batch_id:int}/sent",
    summary="Record that the batch was uploaded to the bank.",
    roles=STAFF,
    tag=TAG,
)
def batch_sent(call: Call) -> dict[str, Any]:
    batch = service.mark_batch_sent(
        call.session, call.path["batch_id"], actor=call.actor, request_id=call.request_id
    )
    return present_batch(batch)


@upload_route(
    "POST",
    "/api/v1/bank-statements/debits",
    summary="Import a CAMT.053 statement: debits matched to sent payouts by end-to-end id.",
    roles=STAFF,
    tag=TAG,
    fields=obj({}),
    files=("statement",),
    raw_types=XML_TYPES,
)
def import_debits(call: Call) -> dict[str, Any]:
    upload = call.body
    data = upload.raw if upload.raw is not None else None
    if data is None:
        statement = upload.files.get("statement")
        if statement is None:
            raise ValidationProblem.single("statement", "Attach the CAMT.053 file.", "required")
        data = statement.data
    return service.import_debits(call.session, data, actor=call.actor, request_id=call.request_id)


ROUTES = [
    request_payout,
    list_payouts,
    get_payout,
    approve_payout,
    cancel_payout,
    mark_payout_paid,
    create_batch,
    list_batches,
    batch_file,
    batch_sent,
    import_debits,
]
