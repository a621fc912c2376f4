"""Hosting endpoints (rules in :mod:`node.hosting.home` and :mod:`node.hosting.host`).

At the member's home node (staff):

* ``POST /api/v1/hosting/requests`` — ask a peer to host a member (with the member's consent
  token for that peer, purpose ``guest_membership``);
* ``GET /api/v1/hosting/requests[/{id}]`` — the requests, the host's answer, the summary.

At the host:

* ``GET /api/v1/hosting/hosted[/{id}]`` — staff: every hosted mission; a guest: their own;
* ``POST /api/v1/hosting/hosted/{id}/accept`` (admin) — the guest member, their login (the
  generated password is in this answer only) and the mission's activity;
* ``POST /api/v1/hosting/hosted/{id}/refuse`` (admin) — with a reason code;
* ``POST /api/v1/hosting/hosted/{id}/complete`` (staff) — report the consented summary home.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from node.federation.signing import node_signer
from node.hosting import home, host, service
from node.web.api import ADMIN, ANY_USER, STAFF, Call, api_route
from node.web.validation import COUNTRY, DATE, STRING, obj

TAG = "hosting"
REQUESTS = "/api/v1/hosting/requests"
HOSTED = "/api/v1/hosting/hosted"
ONE_HOSTED = HOSTED + "/{hosted_id:int}"
TEXT = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"}

MISSION = obj(
    {
        "start": DATE,
        "end": DATE,
        "description": TEXT,
        "country": COUNTRY,
        "place_of_work": STRING,
        "client": obj({"name": STRING, "country": COUNTRY}, ("name",)),
    },
    ("start", "end", "description", "country"),
)
REQUEST_BODY = obj(
    {
        "member_id": {"type": "integer", "minimum": 1},
        "host": {
            "type": "string",
            "minLength": 1,
            "maxLength": 300,
            "description": "Node id of the peer asked to employ the member (an active peer).",
        },
        "consent": {
            "type": "string",
            "minLength": 1,
            "maxLength": 8192,
            "description": "The member's consent token for the host, purpose guest_membership.",
        },
        "mission": MISSION,
        "share_back": {
            "type": "array",
            "items": {"enum": list(service.SUMMARY_FIELDS)},
            "uniqueItems": True,
            "description": "The figures the member agreed the host may report home on "
            "completion: days_worked, invoiced_total, gross_pay_total, net_pay_total, payslips.",
        },
    },
    ("member_id", "host", "consent", "mission", "share_back"),
)
REFUSE_BODY = obj({"reason": {"enum": list(service.REFUSAL_REASONS)}}, ("reason",))
COMPLETE_BODY = obj({"end": DATE})


@api_route(
    "POST",
    REQUESTS,
    summary="Ask a peer to employ a member of this node for a mission under its law.",
    roles=STAFF,
    tag=TAG,
    body=REQUEST_BODY,
    status=201,
)
def request_hosting(call: Call) -> dict[str, Any]:
    row = home.request_hosting(
        call.session,
        node_signer(call.node).node_id,
        actor=call.actor,
        request_id=call.request_id,
        **call.body,
    )
    return home.request_view(call.session, row)


@api_route(
    "GET", REQUESTS, summary="Hosting requests sent to peers, newest first.", roles=STAFF, tag=TAG
)
def list_requests(call: Call) -> list[dict[str, Any]]:
    return [home.request_view(call.session, row) for row in home.requests(call.session)]


@api_route(
    "GET",
    REQUESTS + "/{request_id:int}",
    summary="One hosting request: requested, accepted, refused (with the reason), failed or "
    "completed (with only the figures the member consented to share).",
    roles=STAFF,
    tag=TAG,
)
def read_request(call: Call) -> dict[str, Any]:
    row = home.get_request(call.session, call.path["request_id"])
    return home.request_view(call.session, row)


@api_route(
    "GET",
    HOSTED,
    summary="Missions hosted for peers' members (a guest: their own), newest first.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def list_hosted(call: Call) -> list[dict[str, Any]]:
    rows = host.hosted_of(call.session, call.caller())
    return [host.hosted_view(call.session, row) for row in rows]


@api_route(
    "GET",
    ONE_HOSTED,
    summary="One hosted mission (a guest: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def read_hosted(call: Call) -> dict[str, Any]:
    row = host.visible(call.session, call.caller(), call.path["hosted_id"])
    return host.hosted_view(call.session, row)


@api_route(
    "POST",
    ONE_HOSTED + "/accept",
    summary="Accept a hosting request: the guest member, their login (password shown once) and "
    "the mission's activity; the home node is answered.",
    roles=ADMIN,
    tag=TAG,
)
def accept_hosted(call: Call) -> dict[str, Any]:
    row, password = host.accept(
        call.session,
        call.node,
        call.path["hosted_id"],
        actor=call.actor,
        request_id=call.request_id,
    )
    view = host.hosted_view(call.session, row)
    if password is not None:
        view["guest_login"] = {"email": view["member"]["email"], "password": password}
    return view


@api_route(
    "POST",
    ONE_HOSTED + "/refuse",
    summary="Refuse a hosting request with a reason code; the home node is answered.",
    roles=ADMIN,
    tag=TAG,
    body=REFUSE_BODY,
)
def refuse_hosted(call: Call) -> dict[str, Any]:
    row = host.refuse(
        call.session,
        call.path["hosted_id"],
        call.body["reason"],
        actor=call.actor,
        request_id=call.request_id,
    )
    return host.hosted_view(call.session, row)


@api_route(
    "POST",
    ONE_HOSTED + "/complete",
    summary="Mark a hosted mission complete and report home only the figures the member "
    "consented to share.",
    roles=STAFF,
    tag=TAG,
    body=COMPLETE_BODY,
)
def complete_hosted(call: Call) -> dict[str, Any]:
    end = (call.body or {}).get("end")
    row = host.complete(
        call.session,
        call.node,
        call.path["hosted_id"],
        end=date.fromisoformat(end) if end else None,
        actor=call.actor,
        request_id=call.request_id,
    )
    return host.hosted_view(call.session, row)


ROUTES = [
    request_hosting,
    list_requests,
    read_request,
    list_hosted,
    read_hosted,
    accept_hosted,
    refuse_hosted,
    complete_hosted,
]
