"""HTTP API of clients: staff only, for now.

Clients are not yet linked to the members whose activities serve them (activities come with the
money core), so letting members read them would show every member every other member's
customers. Until that link exists, staff manage clients for members; members will reach their own
clients through their activities. Clients are archived, never deleted (invoices refer to them).
"""

from __future__ import annotations

from typing import Any

from node.clients import service
from node.clients.models import Client, ClientKind, GuaranteeStanding
from node.errors import NotFound
from node.web.api import STAFF, Call, api_route
from node.web.validation import COUNTRY, EMAIL, obj

TAG = "clients"
ONE = "/api/v1/clients/{client_id:int}"
NAME = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
ADDRESS = obj(
    {
        "street": NAME,
        "postcode": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": r"\S"},
        "city": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
        "country": COUNTRY,
    },
    required=("street", "postcode", "city"),
)
IDENTIFIER = {"type": "string", "minLength": 1, "maxLength": 40}
FIELDS: dict[str, Any] = {
    "kind": {"type": "string", "enum": [k.value for k in ClientKind]},
    "name": NAME,
    "country": COUNTRY,
    "vat_number": IDENTIFIER,
    "company_id": IDENTIFIER,
    "email": EMAIL,
    "billing_address": ADDRESS,
    "guarantee": {"type": "string", "enum": [g.value for g in GuaranteeStanding]},
}
CLIENT_CREATE = obj(FIELDS, required=("kind", "name", "country", "billing_address"))
CLIENT_UPDATE = obj(
    {
        **FIELDS,
        **{
            name: {"anyOf": [FIELDS[name], {"type": "null"}]}
            for name in ("vat_number", "company_id", "email")
        },
    }
)
CLIENT_UPDATE["minProperties"] = 1
CLIENT_LIST_QUERY = obj(
    {
        "archived": {"type": "string", "enum": ["true", "false", "any"]},
        "country": COUNTRY,
        "q": {"type": "string", "minLength": 1, "maxLength": 100},
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "offset": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
    }
)


def _client(call: Call) -> Client:
    client = service.get_client(call.session, call.path["client_id"])
    if client is None:
        raise NotFound("No such client.")
    return client


@api_route(
    "POST",
    "/api/v1/clients",
    summary="Create a client (company or person; staff only: "
    "clients are not yet linked to members).",
    roles=STAFF,
    tag=TAG,
    body=CLIENT_CREATE,
    status=201,
)
def create_client(call: Call) -> dict[str, Any]:
    client = service.create_client(
        call.session,
        call.node.jurisdictions,
        actor=call.actor,
        request_id=call.request_id,
        hook=call.node.plugins.hook,
        **call.body,
    )
    return service.present(client)


@api_route(
    "GET",
    "/api/v1/clients",
    summary="List clients (default: not archived), by page.",
    roles=STAFF,
    tag=TAG,
    query=CLIENT_LIST_QUERY,
)
def list_clients(call: Call) -> dict[str, Any]:
    archived = {"true": True, "false": False, "any": None}[call.query.get("archived", "false")]
    limit, offset = call.query.get("limit", 50), call.query.get("offset", 0)
    clients, total = service.list_clients(
        call.session,
        archived=archived,
        country=call.query.get("country"),
        search=call.query.get("q"),
        limit=limit,
        offset=offset,
    )
    return {
        "items": [service.present(c) for c in clients],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@api_route("GET", ONE, summary="A client.", roles=STAFF, tag=TAG)
def read_client(call: Call) -> dict[str, Any]:
    return service.present(_client(call))


@api_route(
    "PATCH",
    ONE,
    summary="Change a client (the record must stay valid as a whole).",
    roles=STAFF,
    tag=TAG,
    body=CLIENT_UPDATE,
)
def update_client(call: Call) -> dict[str, Any]:
    client = service.update_client(
        call.session,
        call.node.jurisdictions,
        _client(call),
        call.body,
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.present(client)


@api_route(
    "POST",
    ONE + "/archive",
    summary="Archive a client (hidden from new work; never deleted).",
    roles=STAFF,
    tag=TAG,
)
def archive_client(call: Call) -> dict[str, Any]:
    client = service.set_archived(
        call.session,
        call.node.jurisdictions,
        _client(call),
        True,
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.present(client)


@api_route("POST", ONE + "/restore", summary="Restore an archived client.", roles=STAFF, tag=TAG)
def restore_client(call: Call) -> dict[str, Any]:
    client = service.set_archived(
        call.session,
        call.node.jurisdictions,
        _client(call),
        False,
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.present(client)


ROUTES = [create_client, list_clients, read_client, update_client, archive_client, restore_client]
