"""HTTP API of capital shares.

Staff record subscriptions and redemptions (the co-op receives or pays the money, so the co-op
records it) and read the register; a member reads their own holdings and history (another
member's answers 404, like an id that does not exist); anyone signed in reads the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from node.members.api import visible_member
from node.members.checks import today
from node.shares import register, service
from node.shares.models import ShareClass
from node.shares.terms import Terms
from node.web.api import ANY_USER, STAFF, Call, api_route
from node.web.validation import DATE, obj

TAG = "shares"
MEMBER_SHARES = "/api/v1/members/{member_id:int}/shares"
MOVEMENT = obj(
    {
        "share_class": {"type": "string", "enum": [c.value for c in ShareClass]},
        "count": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "on": DATE,
        "idempotency_key": {
            "type": "string",
            "minLength": 8,
            "maxLength": 100,
            "pattern": "^[A-Za-z0-9._:-]+$",
        },
    },
    required=("share_class", "count", "idempotency_key"),
)
REGISTER_QUERY = obj({"on": DATE, "format": {"type": "string", "enum": ["json", "csv"]}})


def _terms(call: Call) -> Terms:
    return Terms.from_settings(call.settings)


@api_route(
    "GET",
    "/api/v1/shares/terms",
    summary="The share rules in force (nominal value, minimum and maximum holdings).",
    roles=ANY_USER,
    tag=TAG,
)
def share_terms(call: Call) -> dict[str, Any]:
    return _terms(call).as_dict()


@api_route(
    "GET",
    MEMBER_SHARES,
    summary="A member's holdings per class and their history (members: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def member_shares(call: Call) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    return service.present_holdings(call.session, _terms(call), member.id)


def _movement(call: Call, record: Any) -> dict[str, Any]:
    member = visible_member(call, call.path["member_id"])
    row, _new = record(
        call.session,
        _terms(call),
        member,
        actor=call.actor,
        request_id=call.request_id,
        **call.body,
    )
    return service.present_transaction(row)


@api_route(
    "POST",
    MEMBER_SHARES + "/subscriptions",
    summary="Record a subscription of shares (idempotent by key).",
    roles=STAFF,
    tag=TAG,
    body=MOVEMENT,
    status=201,
)
def subscribe_shares(call: Call) -> dict[str, Any]:
    return _movement(call, service.subscribe)


@api_route(
    "POST",
    MEMBER_SHARES + "/redemptions",
    summary="Record a redemption of shares (idempotent by key).",
    roles=STAFF,
    tag=TAG,
    body=MOVEMENT,
    status=201,
)
def redeem_shares(call: Call) -> dict[str, Any]:
    return _movement(call, service.redeem)


@api_route(
    "GET",
    "/api/v1/shares/register",
    summary="The share register as of a date "
    "(?on=YYYY-MM-DD, default today; ?format=csv for a spreadsheet).",
    roles=STAFF,
    tag=TAG,
    query=REGISTER_QUERY,
)
def share_register(call: Call) -> dict[str, Any] | Response:
    on = date.fromisoformat(call.query["on"]) if "on" in call.query else today()
    report = register.share_register(call.session, _terms(call), on)
    if call.query.get("format") == "csv":
        return Response(
            register.register_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="share-register-{on.isoformat()}.csv"'
            },
        )
    return report


ROUTES = [share_terms, member_shares, subscribe_shares, redeem_shares, share_register]
