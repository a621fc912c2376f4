"""Key changes between peers: announcing the node's own, applying a peer's.

Sending: :func:`announce_rotation` / :func:`announce_revocation` queue the key store's
announcements (:func:`keystore.announcements_for_rotation` / ``_for_revocation``) for every
active peer, in the caller's transaction, so a key change and its announcement commit together.
They go in one conversation per peer (:data:`CONVERSATION`), so a peer always learns a rotation
before a later revocation signed by the new key. A ``keys-rotated/1`` names the key it retires as
its ``signing_kid``: the delivery worker signs each attempt with that key, and only while the key
is inside its grace window (after that the message can never be sent and becomes a dead letter).

Receiving: :func:`handle_keys_rotated` / :func:`handle_keys_revoked` update the sender's
``Peer.jwks`` with :func:`federation.keys.accept_rotation` / :func:`accept_revocation` (their
validity rules: a rotation signed by the key it retires, grace capped at 7 days; a revocation
effective on receipt). The inbox runs them once per message; each change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from federation.errors import FederationError, Rejection
from federation.keys import (
    MAX_ROTATION_GRACE,
    KeySet,
    accept_revocation,
    accept_rotation,
    to_rfc3339,
)
from node import audit
from node.db import lock_row
from node.db.types import utcnow
from node.federation import keystore
from node.federation.inbox import BusinessRefusal
from node.federation.models import OutboxMessage, Peer, PeerState
from node.federation.outbox import enqueue

CONVERSATION = "federation-keys"
#: Peers cap a rotation's grace at 7 days (:data:`federation.keys.MAX_ROTATION_GRACE`).
MAX_GRACE_HOURS = int(MAX_ROTATION_GRACE.total_seconds() // 3600)
ENTITY = "federation_peer"


def active_peers(session: Session) -> list[Peer]:
    query = select(Peer).where(Peer.state == PeerState.ACTIVE.value).order_by(Peer.id)
    return list(session.scalars(query))


def _announce(
    session: Session,
    announcements: list[tuple[str, dict[str, Any]]],
    signing_kid: Callable[..., Any],
) -> list[OutboxMessage]:
    queued = []
    for peer in active_peers(session):
        for type, body in announcements:
            queued.append(
                enqueue(session, peer, type, body, CONVERSATION, signing_kid=signing_kid(body))
            )
    return queued


def announce_rotation(session: Session, rotation: keystore.Rotation) -> list[OutboxMessage]:
    """Queue one ``keys-rotated/1`` per retired key for every active peer, signed by that key."""
    announcements = keystore.announcements_for_rotation(rotation)
    return _announce(session, announcements, lambda body: body["retiring"])


def announce_revocation(session: Session, revocation: keystore.Revocation) -> list[OutboxMessage]:
    """Queue the ``keys-revoked/1`` for every active peer, signed by the current key."""
    announcements = keystore.announcements_for_revocation(revocation)
    return _announce(session, announcements, lambda body: None)


def rotate(
    session: Session, master: bytes, grace: timedelta, actor: str
) -> tuple[keystore.Rotation, list[OutboxMessage]]:
    """Rotate the node's key and queue its announcement, in the caller's transaction."""
    keystore.ensure_key(session, master, actor=actor)
    rotation = keystore.rotate(session, master, grace, actor=actor)
    return rotation, announce_rotation(session, rotation)


def revoke(
    session: Session, master: bytes, kid: str, reason: str, *, force: bool, actor: str
) -> tuple[keystore.Revocation, list[OutboxMessage]]:
    """Revoke one of the node's keys and queue its announcement, in the caller's transaction."""
    revocation = keystore.revoke(session, master, kid, reason, force=force, actor=actor)
    return revocation, announce_revocation(session, revocation)


def rotation_view(rotation: keystore.Rotation, queued: list[OutboxMessage]) -> dict[str, Any]:
    return {
        "new_kid": rotation.new.kid,
        "retired": [
            {"kid": old.kid, "verifies_until": to_rfc3339(old.not_after)}
            for old in rotation.retired
            if old.not_after is not None  # a retired key always has an end
        ],
        "announcements_queued": len(queued),
    }


def revocation_view(revocation: keystore.Revocation, queued: list[OutboxMessage]) -> dict[str, Any]:
    replacement = revocation.replacement
    return {
        "kid": revocation.revoked.kid,
        "reason": revocation.reason,
        "revoked_at": to_rfc3339(revocation.revoked_at),
        "new_kid": replacement.kid if replacement is not None else None,
        "announcements_queued": len(queued),
    }


def _sender(session: Session, message: Envelope) -> Peer:
    """The sender's Peer row, locked: two key changes of one peer never interleave."""
    found = session.scalars(select(Peer.id).where(Peer.node_id == message.iss)).one()
    peer = lock_row(session, Peer, found)
    assert peer is not None  # the inbox just resolved it in this transaction
    return peer


def _store(session: Session, peer: Peer, keys: KeySet, message: Envelope, action: str) -> None:
    before = KeySet.from_jwks(peer.jwks)
    if keys == before:
        return
    peer.jwks = keys.to_jwks()
    peer.updated_at = utcnow()
    audit.record(
        session,
        actor=f"peer:{peer.node_id}"[:100],
        action=action,
        entity=ENTITY,
        entity_id=peer.id,
        changes={
            key.kid: [None if old is None else old.status.value, key.status.value]
            for key in keys
            if (old := before.get(key.kid)) is None or old != key
        },
    )


def handle_keys_rotated(session: Session, message: Envelope) -> None:
    """Trust the announced key; the retiring key keeps verifying until its ``retire_at``."""
    peer = _sender(session, message)
    try:
        keys = accept_rotation(KeySet.from_jwks(peer.jwks), message.body, message.kid, utcnow())
    except Rejection as exc:
        raise BusinessRefusal(exc.code.value, exc.detail[:500]) from None
    _store(session, peer, keys, message, "federation.peer.keys_rotated")


def handle_keys_revoked(session: Session, message: Envelope) -> None:
    """Stop trusting the named key now, whatever time later messages claim."""
    peer = _sender(session, message)
    try:
        keys = accept_revocation(KeySet.from_jwks(peer.jwks), message.body, utcnow())
    except FederationError as exc:
        reason = exc.code.value if isinstance(exc, Rejection) else "invalid_revocation"
        raise BusinessRefusal(reason, str(exc)[:500]) from None
    _store(session, peer, keys, message, "federation.peer.keys_revoked")
