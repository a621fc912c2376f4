"""The transactional outbox: business code writes outgoing messages in its own transaction.

:func:`enqueue` adds a message for a peer (validated against its schema now, so a bad body fails
at home, not at the peer); the delivery worker (:mod:`node.federation.delivery`) sends it later.
Within a conversation, messages carry ``seq`` 0, 1, 2 … and are delivered in that order.

The admin side lives here too: queue depth per peer, dead letters, retry and discard.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation import envelope
from federation.schemas import Catalogue, default_catalogue
from node import audit
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict
from node.federation.models import MessageState, OutboxMessage, Peer
from node.i18n import N_

# Receivers keep processed ids at least 8 days (docs/federation.md): a message older than this
# may have been forgotten by its receiver, so resending it could apply it twice.
SAFE_RESEND_AGE = timedelta(days=7)
UNDELIVERED = (MessageState.QUEUED.value, MessageState.IN_FLIGHT.value, MessageState.DEAD.value)


def enqueue(
    session: Session,
    peer: Peer,
    type: str,
    body: dict[str, Any],
    conversation: str | None = None,
    *,
    catalogue: Catalogue | None = None,
    signing_kid: str | None = None,
) -> OutboxMessage:
    """Queue ``body`` of message type ``type`` for ``peer`` in the caller's transaction.

    Without ``conversation`` the message starts one (named after its own id, ``seq`` 0); with
    it, the message comes after every message already queued in that conversation.
    ``signing_kid`` names the own key that must sign it (else the current key at each attempt).
    """
    (catalogue or default_catalogue()).validate_body(type, body)
    jti = envelope.new_message_id()
    if conversation is None:
        conversation, seq = jti, 0
    else:
        last = session.scalar(
            select(func.max(OutboxMessage.seq)).where(
                OutboxMessage.peer_id == peer.id, OutboxMessage.conversation == conversation
            )
        )
        seq = 0 if last is None else last + 1
    now = utcnow()
    message = OutboxMessage(
        peer_id=peer.id,
        jti=jti,
        type=type,
        conversation=conversation,
        seq=seq,
        body=body,
        signing_kid=signing_kid,
        state=MessageState.QUEUED.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def message_view(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "peer_id": message.peer_id,
        "jti": message.jti,
        "type": message.type,
        "conversation": message.conversation,
        "seq": message.seq,
        "signing_kid": message.signing_kid,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "last_error": message.last_error,
        "receipt": message.receipt,
        "created_at": message.created_at,
        "delivered_at": message.delivered_at,
    }


def queue_summary(session: Session) -> list[dict[str, Any]]:
    """Per peer: messages waiting, in flight and dead, the oldest undelivered, the breaker."""
    counts: dict[tuple[int, str], int] = {}
    oldest: dict[int, datetime] = {}
    rows = session.execute(
        select(
            OutboxMessage.peer_id,
            OutboxMessage.state,
            func.count(),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.state.in_(UNDELIVERED))
        .group_by(OutboxMessage.peer_id, OutboxMessage.state)
    )
    for peer_id, state, count, first in rows:
        counts[(peer_id, state)] = count
        oldest[peer_id] = min(first, oldest.get(peer_id, first))
    peers = session.scalars(select(Peer).order_by(Peer.id))
    return [
        {
            "peer_id": peer.id,
            "node_id": peer.node_id,
            "state": peer.state,
            "queued": counts.get((peer.id, MessageState.QUEUED.value), 0),
            "in_flight": counts.get((peer.id, MessageState.IN_FLIGHT.value), 0),
            "dead": counts.get((peer.id, MessageState.DEAD.value), 0),
            "oldest_undelivered": oldest.get(peer.id),
            "consecutive_failures": peer.consecutive_failures,
            "circuit_open_until": peer.circuit_open_until,
            "last_error": peer.last_error,
        }
        for peer in peers
    ]


def dead_letters(session: Session, limit: int = 200) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.state == MessageState.DEAD.value)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _dead(session: Session, message_id: int) -> OutboxMessage:
    message = locked(session, OutboxMessage, message_id, N_("No such outgoing message."))
    if message.state != MessageState.DEAD.value:
        raise Conflict(N_("Only a dead letter can be retried or discarded."))
    return message


def retry(
    session: Session, message_id: int, *, actor: str, request_id: str | None = None
) -> OutboxMessage:
    """Put a dead letter back in the queue with its attempts reset (same id, same body).

    It gets at least one more attempt; refused when older than :data:`SAFE_RESEND_AGE`.
    """
    message = _dead(session, message_id)
    now = utcnow()
    if now - message.created_at > SAFE_RESEND_AGE:
        raise Conflict(
            N_("This message is too old to resend safely; its receiver may have forgotten it.")
        )
    message.state = MessageState.QUEUED.value
    message.attempts = 0
    message.next_attempt_at = now
    message.lease_owner = message.lease_until = None
    audit.record(
        session,
        actor=actor,
        action="federation.outbox.retry",
        entity="federation_outbox",
        entity_id=message.id,
        request_id=request_id,
    )
    return message


def discard(
    session: Session, message_id: int, *, actor: str, request_id: str | None = None
) -> OutboxMessage:
    """Give up on a dead letter; later messages of its conversation may then go."""
    message = _dead(session, message_id)
    message.state = MessageState.DISCARDED.value
    message.lease_owner = message.lease_until = None
    audit.record(
        session,
        actor=actor,
        action="federation.outbox.discard",
        entity="federation_outbox",
        entity_id=message.id,
        request_id=request_id,
    )
    return message
