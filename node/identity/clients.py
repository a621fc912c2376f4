"""API clients: platforms that call the API with client credentials (OAuth 2.0, RFC 6749 §4.4).

An admin registers a client and receives its ``client_id`` and ``client_secret`` once; the node
keeps only the secret's SHA-256. The client trades its credentials for a short access token
(no refresh token: it can simply ask again) whose subject is ``client:<id>`` with the
``platform`` role. Revoking the client stops its tokens at once, because every request checks
that the client is still active.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node import audit
from node.config import Settings
from node.db import Database
from node.db.types import utcnow
from node.errors import NotFound, Unauthorized
from node.i18n import N_
from node.identity import throttle
from node.identity.models import ApiClient
from node.identity.roles import Role
from node.identity.tokens import CLIENT_PREFIX, hash_token, issue_access_token, new_token

WRONG_CREDENTIALS = N_("The client credentials are wrong.")


def create_client(
    session: Session, *, name: str, actor: str, request_id: str | None = None
) -> tuple[ApiClient, str]:
    """Register a client; returns it with its secret (shown once, never stored in clear)."""
    secret = new_token()
    client = ApiClient(
        client_id="pc_" + secrets.token_urlsafe(18),
        name=name.strip(),
        secret_hash=hash_token(secret),
        created_by=actor,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_client.create",
        entity="api_client",
        entity_id=client.id,
        changes=audit.diff({}, {"name": client.name, "client_id": client.client_id}),
        request_id=request_id,
    )
    return client, secret


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id)))


def revoke_client(
    session: Session, client_pk: int, *, actor: str, request_id: str | None = None
) -> ApiClient:
    client = session.get(ApiClient, client_pk)
    if client is None:
        raise NotFound(N_("No such API client."))
    if client.is_active:
        client.is_active = False
        client.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="api_client.revoke",
            entity="api_client",
            entity_id=client.id,
            changes={"is_active": [True, False]},
            request_id=request_id,
        )
    return client


def present_client(client: ApiClient) -> dict[str, Any]:
    return {
        "id": client.id,
        "client_id": client.client_id,
        "name": client.name,
        "is_active": client.is_active,
        "created_by": client.created_by,
        "created_at": client.created_at,
        "revoked_at": client.revoked_at,
    }


def issue_token(
    db: Database, settings: Settings, *, client_id: str, client_secret: str, address: str
) -> dict[str, Any]:
    """Client credentials to an access token; throttled like a password login."""
    account = f"{CLIENT_PREFIX}{client_id}"
    with db.reading() as session:
        throttle.check(session, settings, account=account, address=address)
        client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        ok = (
            client is not None
            and client.is_active
            and hmac.compare_digest(client.secret_hash, hash_token(client_secret))
        )
        client_pk = client.id if client is not None else None
    with db.transaction() as session:
        throttle.record(
            session,
            account=account,
            address=address,
            succeeded=ok,
            reason="client" if ok else "client-secret",
        )
    if not ok:
        raise Unauthorized(WRONG_CREDENTIALS)
    token, _expires = issue_access_token(
        settings, subject=f"{CLIENT_PREFIX}{client_pk}", role=Role.PLATFORM.value, session_id=None
    )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": settings["security.access_token_minutes"] * 60,
    }
