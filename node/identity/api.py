"""HTTP API of identity: signing in and out, tokens, and who am I.

Who may call what:

====================================  =========================================
``POST /api/v1/auth/login``           anyone (password, + TOTP for staff/admin)
``POST /api/v1/auth/refresh``         anyone holding a refresh token
``POST /api/v1/auth/token``           anyone holding client credentials
``POST /api/v1/auth/logout``          member, staff, admin
``GET  /api/v1/me``                   member, staff, admin, platform
users and API clients                 admin (:mod:`node.identity.admin_api`)
====================================  =========================================

The sign-in endpoints run their own transactions (``database="none"``): a failed attempt is
recorded for throttling although the request fails.
"""

from __future__ import annotations

from typing import Any

from node.identity import clients, service, sessions
from node.identity.admin_api import ROUTES as ADMIN_ROUTES
from node.identity.models import ApiClient, User
from node.identity.roles import Role
from node.web.api import ANY_USER, PUBLIC, Call, api_route
from node.web.validation import obj

SECRET = {"type": "string", "minLength": 1, "maxLength": 1024}
LOGIN = obj(
    {
        "email": {"type": "string", "minLength": 1, "maxLength": 254},
        "password": SECRET,
        "totp": {
            "type": "string",
            "maxLength": 16,
            "description": "Authenticator code; required for staff and admins.",
        },
    },
    required=("email", "password"),
)
ACCESS = {
    "access_token": {"type": "string"},
    "token_type": {"const": "Bearer"},
    "expires_in": {"type": "integer", "description": "Seconds until the access token expires."},
}
TOKEN_PAIR = {
    "type": "object",
    "properties": {**ACCESS, "refresh_token": {"type": "string", "description": "Single-use."}},
    "required": [*ACCESS, "refresh_token"],
}
ACCESS_ONLY = {"type": "object", "properties": ACCESS, "required": list(ACCESS)}
EVERYONE_SIGNED_IN = ANY_USER | {Role.PLATFORM}


def client_address(call: Call) -> str:
    """The caller's address (uvicorn's proxy_headers makes it the real client behind a proxy)."""
    client = call.request.client
    return client.host if client else "unknown"


@api_route(
    "POST",
    "/api/v1/auth/login",
    summary="Sign in with e-mail and password (and TOTP).",
    roles=PUBLIC,
    tag="auth",
    body=LOGIN,
    response=TOKEN_PAIR,
    database="none",
)
def login(call: Call) -> dict[str, Any]:
    """Staff and admins must add ``totp``; without it the answer is 401 ``totp-required``.
    Too many failures for the address or account answer 429 with ``Retry-After``."""
    started = service.login(
        call.node.db,
        call.settings,
        call.node.cipher,
        email=call.body["email"],
        password=call.body["password"],
        code=call.body.get("totp"),
        address=client_address(call),
        kind=sessions.API,
    )
    assert started.tokens is not None
    return started.tokens.as_dict()


@api_route(
    "POST",
    "/api/v1/auth/refresh",
    summary="Trade a refresh token for a new token pair.",
    roles=PUBLIC,
    tag="auth",
    body=obj({"refresh_token": SECRET}, ("refresh_token",)),
    response=TOKEN_PAIR,
    database="none",
)
def refresh(call: Call) -> dict[str, Any]:
    """Each refresh token works once; presenting a used one ends the whole session."""
    return sessions.refresh(call.node.db, call.settings, call.body["refresh_token"]).as_dict()


@api_route(
    "POST",
    "/api/v1/auth/token",
    summary="Client credentials grant for platforms.",
    roles=PUBLIC,
    tag="auth",
    response=ACCESS_ONLY,
    database="none",
    body=obj(
        {
            "grant_type": {"const": "client_credentials"},
            "client_id": SECRET,
            "client_secret": SECRET,
        },
        ("grant_type", "client_id", "client_secret"),
    ),
)
def client_token(call: Call) -> dict[str, Any]:
    """Returns an access token with the ``platform`` role; no refresh token (ask again)."""
    return clients.issue_token(
        call.node.db,
        call.settings,
        client_id=call.body["client_id"],
        client_secret=call.body["client_secret"],
        address=client_address(call),
    )


@api_route(
    "POST",
    "/api/v1/auth/logout",
    summary="End this login session.",
    roles=ANY_USER,
    tag="auth",
    status=204,
)
def logout(call: Call) -> None:
    """Every access token and refresh token of the session stops working at once."""
    session_id = call.caller().session_id
    if session_id is not None:
        sessions.end(call.session, session_id)


@api_route("GET", "/api/v1/me", summary="Who the caller is.", roles=EVERYONE_SIGNED_IN, tag="auth")
def me(call: Call) -> dict[str, Any]:
    principal = call.caller()
    if principal.client_id is not None:
        client = call.session.get(ApiClient, principal.client_id)
        assert client is not None
        return {"role": principal.role.value, "client": clients.present_client(client)}
    user = call.session.get(User, principal.user_id)
    assert user is not None
    return {
        "role": principal.role.value,
        "user": service.present_user(user),
        "member_id": principal.member_id,
        "session": {"via_cookie": principal.via_cookie},
    }


ROUTES = [login, refresh, client_token, logout, me, *ADMIN_ROUTES]
