"""HTTP API of internal purchases: the buyer's members propose, the seller's accept, staff record.

Members reach only the transfers of activities they belong to (bought or sold); any other
transfer answers 404, the same as one that does not exist.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from node.activities.service import LARGEST_ID
from node.money import from_minor
from node.transfers import service
from node.transfers.models import Transfer, TransferStatus
from node.web.api import ANY_USER, Call, api_route
from node.web.jsonenc import dumps
from node.web.validation import CURRENCY, DECIMAL, obj

TAG = "transfers"
ONE = "/api/v1/transfers/{transfer_id:int}"
ACTIVITY_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
KEY = {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]+$"}
RECORD = obj(
    {
        "buyer_activity_id": ACTIVITY_ID,
        "seller_activity_id": ACTIVITY_ID,
        "amount": DECIMAL,
        "currency": CURRENCY,
        "description": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"},
        "idempotency_key": KEY,
    },
    required=(
        "buyer_activity_id",
        "seller_activity_id",
        "amount",
        "description",
        "idempotency_key",
    ),
)
LIST_QUERY = obj(
    {"activity_id": {"type": "integer"}, "status": {"enum": [s.value for s in TransferStatus]}}
)


def present(row: Transfer) -> dict[str, Any]:
    return {
        "id": row.id,
        "buyer_activity_id": row.buyer_activity_id,
        "seller_activity_id": row.seller_activity_id,
        "amount": from_minor(row.amount_minor, row.currency),
        "currency": row.currency,
        "description": row.description,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "proposed_by": row.proposed_by,
        "proposed_at": row.proposed_at,
        "accepted_by": row.accepted_by,
        "accepted_at": row.accepted_at,
        "cancelled_by": row.cancelled_by,
        "cancelled_at": row.cancelled_at,
        "entry_id": row.entry_id,
    }


@api_route(
    "POST",
    "/api/v1/transfers",
    summary=(
        "Record an internal purchase from another activity (a member proposes it, staff post it"
        " at once); a retry with the same key answers 200."
    ),
    roles=ANY_USER,
    tag=TAG,
    body=RECORD,
    status=201,
)
def record_transfer(call: Call) -> Any:
    body = call.body
    row, created = service.record(
        call.session,
        call.caller(),
        buyer_activity_id=body["buyer_activity_id"],
        seller_activity_id=body["seller_activity_id"],
        amount=Decimal(body["amount"]),
        description=body["description"],
        idempotency_key=body["idempotency_key"],
        currency=body.get("currency"),
        request_id=call.request_id,
    )
    if not created:  # the same request again: the transfer already recorded
        return Response(dumps(present(row)), 200, media_type="application/json")
    return present(row)


@api_route(
    "GET",
    "/api/v1/transfers",
    summary="Internal purchases (a member: those of their activities, bought or sold).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=LIST_QUERY,
)
def list_transfers(call: Call) -> list[dict[str, Any]]:
    rows = service.transfers_of(
        call.session,
        call.caller(),
        activity_id=call.query.get("activity_id"),
        status=call.query.get("status"),
    )
    return [present(row) for row in rows]


@api_route("GET", ONE, summary="One internal purchase.", roles=ANY_USER, tag=TAG, own_records=True)
def get_transfer(call: Call) -> dict[str, Any]:
    return present(service.visible_transfer(call.session, call.caller(), call.path["transfer_id"]))


@api_route(
    "POST",
    ONE + "/accept",
    summary="Accept a proposed purchase (a member of the selling activity, or staff): posted.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def accept_transfer(call: Call) -> dict[str, Any]:
    row = service.accept(
        call.session, call.path["transfer_id"], call.caller(), request_id=call.request_id
    )
    return present(row)


@api_route(
    "POST",
    ONE + "/cancel",
    summary="Withdraw or decline a proposed purchase (either side, or staff).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def cancel_transfer(call: Call) -> dict[str, Any]:
    row = service.cancel(
        call.session, call.path["transfer_id"], call.caller(), request_id=call.request_id
    )
    return present(row)


ROUTES = [record_transfer, list_transfers, get_transfer, accept_transfer, cancel_transfer]
