"""Admin API of identity: user logins and platform API clients (admins only).

The creation responses are the only place the generated secrets ever appear: a generated
password, the TOTP enrolment of staff and admins (secret and ``otpauth://`` URI), and an API
client's secret. Store them at once; the node keeps only hashes (or, for TOTP, ciphertext).
"""

from __future__ import annotations

from typing import Any

from node.identity import clients, service
from node.web.api import ADMIN, Call, api_route
from node.web.validation import EMAIL, LANGUAGE, STRING, obj

ROLE = {"type": "string", "enum": ["member", "staff", "admin"]}
CREATE_USER = obj(
    {
        "email": EMAIL,
        "display_name": STRING,
        "role": ROLE,
        "language": LANGUAGE,
        "password": {
            "type": "string",
            "minLength": 12,
            "maxLength": 1024,
            "description": "Omit to have one generated (returned once).",
        },
    },
    required=("email", "role"),
)


@api_route(
    "POST",
    "/api/v1/users",
    summary="Create a login (member, staff or admin).",
    roles=ADMIN,
    tag="users",
    body=CREATE_USER,
    status=201,
)
def create_user(call: Call) -> dict[str, Any]:
    """Staff and admins are enrolled in TOTP here: ``totp.secret``/``totp.uri`` appear once."""
    body = call.body
    created = service.create_user(
        call.session,
        call.settings,
        call.node.cipher,
        email=body["email"],
        display_name=body.get("display_name", ""),
        role=body["role"],
        password=body.get("password"),
        language=body.get("language", "en"),
        actor=call.actor,
        request_id=call.request_id,
    )
    result = service.present_user(created.user)
    if created.generated_password is not None:
        result["password"] = created.generated_password
    if created.totp_secret is not None:
        result["totp"] = {"secret": created.totp_secret, "uri": created.totp_uri}
    return result


@api_route(
    "GET",
    "/api/v1/users",
    summary="List logins.",
    roles=ADMIN,
    tag="users",
    query=obj({"role": ROLE}),
)
def list_users(call: Call) -> dict[str, Any]:
    users = service.list_users(call.session, call.query.get("role"))
    return {"items": [service.present_user(user) for user in users]}


@api_route(
    "POST",
    "/api/v1/users/{id:int}/deactivate",
    summary="Deactivate a login.",
    roles=ADMIN,
    tag="users",
)
def deactivate_user(call: Call) -> dict[str, Any]:
    """Its sessions end at once; the last active admin cannot be deactivated (409)."""
    user = service.deactivate_user(
        call.session, call.path["id"], actor=call.actor, request_id=call.request_id
    )
    return service.present_user(user)


@api_route(
    "POST",
    "/api/v1/api-clients",
    summary="Register a platform API client.",
    roles=ADMIN,
    tag="api-clients",
    body=obj({"name": STRING}, ("name",)),
    status=201,
)
def create_api_client(call: Call) -> dict[str, Any]:
    """``client_secret`` appears in this response only."""
    client, secret = clients.create_client(
        call.session, name=call.body["name"], actor=call.actor, request_id=call.request_id
    )
    return {**clients.present_client(client), "client_secret": secret}


@api_route(
    "GET",
    "/api/v1/api-clients",
    summary="List platform API clients.",
    roles=ADMIN,
    tag="api-clients",
)
def list_api_clients(call: Call) -> dict[str, Any]:
    return {"items": [clients.present_client(c) for c in clients.list_clients(call.session)]}


@api_route(
    "POST",
    "/api/v1/api-clients/{id:int}/revoke",
    summary="Revoke a platform API client.",
    roles=ADMIN,
    tag="api-clients",
)
def revoke_api_client(call: Call) -> dict[str, Any]:
    """Its access tokens stop working at once."""
    client = clients.revoke_client(
        call.session, call.path["id"], actor=call.actor, request_id=call.request_id
    )
    return clients.present_client(client)


ROUTES = [
    create_user,
    list_users,
    deactivate_user,
    create_api_client,
    list_api_clients,
    revoke_api_client,
]
