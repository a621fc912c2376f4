"""HTTP API of postings (see :mod:`node.postings.service` and :mod:`node.postings.host`).

Members reach their own postings (404 for anyone else's); staff reach everyone's.

======  =====================================  =================================================
method  path                                   who
======  =====================================  =================================================
GET     ``/api/v1/postings``                   the member (own), staff — with limit warnings
POST    ``/api/v1/postings``                   the member (for themself), staff — declare; the
                                               notice is queued to the host node
GET     ``/api/v1/postings/{id}``              the member (own), staff
GET     ``/api/v1/postings/host``              staff — local contact and services offered
PUT     ``/api/v1/postings/host``              admin — set them
GET     ``/api/v1/postings/notices[/{id}]``    staff — peers' notices received and our answers
======  =====================================  =================================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from node.errors import NotFound, ValidationProblem
from node.payroll.service import visible_member
from node.postings import host, host_profile, service
from node.postings.models import PostingNotice
from node.web.api import ADMIN, ANY_USER, STAFF, Call, api_route
from node.web.validation import COUNTRY, DATE, DECIMAL, REQUIRED, STRING, obj

TAG = "postings"
ALL = "/api/v1/postings"
ONE = ALL + "/{posting_id:int}"
HOST = ALL + "/host"
NOTICES = ALL + "/notices"
ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string", "minLength": 1, "maxLength": 500}

POSTING_BODY = obj(
    {
        "member_id": {**ID, "description": "Staff: the member posted. A member: themself."},
        "host_node": {
            "type": "string",
            "minLength": 1,
            "maxLength": 300,
            "description": "Node id of the host country's node (an active peer).",
        },
        "a1_reference": {"type": "string", "minLength": 1, "maxLength": 100},
        "start": DATE,
        "end": DATE,
        "client": obj({"name": STRING, "country": COUNTRY}, required=("name", "country")),
        "place_of_work": obj(
            {
                "address": TEXT,
                "postal_code": {"type": "string", "minLength": 1, "maxLength": 20},
                "city": STRING,
                "country": {**COUNTRY, "description": "The host node's country (the default)."},
            },
            required=("address", "city"),
        ),
        "hours_per_week": DECIMAL,
        "hourly_gross": {**DECIMAL, "description": "In the node's currency."},
        "activity": {**TEXT, "description": "What the member does there."},
    },
    required=(
        "host_node",
        "a1_reference",
        "start",
        "end",
        "client",
        "place_of_work",
        "hours_per_week",
        "hourly_gross",
    ),
)
SERVICE = obj({"code": {"type": "string", "maxLength": 64}, "name": STRING}, ("code", "name"))
HOST_BODY = obj(
    {
        "local_contact": obj(
            {
                "name": STRING,
                "email": {"type": "string", "format": "email", "maxLength": 254},
                "phone": {"type": "string", "maxLength": 40},
            },
            required=("name", "email"),
        ),
        "services": {"type": "array", "items": SERVICE, "maxItems": host_profile.MAX_SERVICES},
    },
    required=("local_contact", "services"),
)
LIST_QUERY = obj({"member_id": ID})


def declaration(member_id: int, body: dict[str, Any]) -> service.Declaration:
    place, client = body["place_of_work"], body["client"]
    return service.Declaration(
        member_id=member_id,
        host_node=body["host_node"],
        a1_reference=body["a1_reference"],
        start=date.fromisoformat(body["start"]),
        end=date.fromisoformat(body["end"]),
        client_name=client["name"],
        client_country=client["country"],
        address=place["address"],
        city=place["city"],
        postal_code=place.get("postal_code"),
        place_country=place.get("country"),
        hours_per_week=Decimal(body["hours_per_week"]),
        hourly_gross=Decimal(body["hourly_gross"]),
        activity=body.get("activity"),
    )


def _posted_member(call: Call) -> int:
    """Staff name the member; a member declares for themself (another's id: the same 404)."""
    principal = call.caller()
    given = call.body.get("member_id")
    if principal.is_staff:
        if given is None:
            raise ValidationProblem.single("member_id", REQUIRED, "required")
        return int(given)
    member_id = principal.member_id if given is None else given
    return visible_member(call.session, principal, member_id or 0).id


@api_route(
    "GET",
    ALL,
    summary="Postings abroad (a member: their own), with each member's limit warnings.",
    roles=ANY_USER,
    tag=TAG,
    query=LIST_QUERY,
    own_records=True,
)
def list_postings(call: Call) -> list[dict[str, Any]]:
    rows = service.postings_of(call.session, call.caller(), call.query.get("member_id"))
    return service.views(call.session, rows)


@api_route(
    "POST",
    ALL,
    summary="Declare a posting abroad; its notice is queued to the host country's node.",
    roles=ANY_USER,
    tag=TAG,
    body=POSTING_BODY,
    status=201,
)
def declare_posting(call: Call) -> dict[str, Any]:
    row = service.declare(
        call.session,
        call.node,
        declaration(_posted_member(call), call.body),
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.views(call.session, [row])[0]


@api_route("GET", ONE, summary="One posting.", roles=ANY_USER, tag=TAG, own_records=True)
def read_posting(call: Call) -> dict[str, Any]:
    row = service.visible_posting(call.session, call.caller(), call.path["posting_id"])
    return service.views(call.session, [row])[0]


@api_route(
    "GET",
    HOST,
    summary="What this node offers posted members of peers: local contact and services.",
    roles=STAFF,
    tag=TAG,
)
def read_host_profile(call: Call) -> dict[str, Any]:
    return host_profile.profile_view(host_profile.profile(call.session))


@api_route(
    "PUT",
    HOST,
    summary="Set the local contact named in posting answers and the services offered "
    "(also advertised in the node's descriptor).",
    roles=ADMIN,
    tag=TAG,
    body=HOST_BODY,
)
def set_host_profile(call: Call) -> dict[str, Any]:
    contact = call.body["local_contact"]
    row = host_profile.set_profile(
        call.session,
        contact_name=contact["name"],
        contact_email=contact["email"],
        contact_phone=contact.get("phone"),
        services=call.body["services"],
        actor=call.actor,
        request_id=call.request_id,
    )
    return host_profile.profile_view(row)


@api_route(
    "GET",
    NOTICES,
    summary="Posting notices received from peers, newest first, with the answers sent.",
    roles=STAFF,
    tag=TAG,
)
def list_notices(call: Call) -> list[dict[str, Any]]:
    return [host.notice_view(row) for row in host.notices(call.session)]


@api_route(
    "GET",
    NOTICES + "/{id:int}",
    summary="One posting notice received, with the answer sent.",
    roles=STAFF,
    tag=TAG,
)
def read_notice(call: Call) -> dict[str, Any]:
    row = call.session.get(PostingNotice, call.path["id"])
    if row is None:
        raise NotFound("No such posting notice.")
    return host.notice_view(row)


ROUTES = [
    list_postings,
    declare_posting,
    read_posting,
    read_host_profile,
    set_host_profile,
    list_notices,
    read_notice,
]
