"""Federation tables: peers, received messages, the outbox and the bounded rejection log.

* :class:`Peer` — another node: its descriptor's facts, its key set (JWKS) as last fetched, the
  fingerprint its admin checked out of band, its state and the delivery circuit breaker.
* :class:`InboxRecord` — one received ``(iss, jti)`` with the digest of its body, its outcome and
  the signed receipt; the unique pair is what makes a message apply once.
* :class:`OutboxMessage` — one message to a peer, written in the business transaction and sent
  later by the delivery worker (state, attempts, lease, receipt).
* :class:`InboxRejection` — protocol rejections, for the admin; pruned to a fixed size.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class PeerState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class MessageState(StrEnum):
    QUEUED = "queued"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    REFUSED = "refused"
    DEAD = "dead"
    DISCARDED = "discarded"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Peer(Base):
    __tablename__ = "federation_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    inbox_url: Mapped[str] = mapped_column(String(500))
    jwks: Mapped[dict[str, Any]] = mapped_column(JSON)
    jwks_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(43))
    state: Mapped[str] = mapped_column(String(16), default=PeerState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Circuit breaker: failed requests in a row, and until when deliveries pause.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    circuit_open_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxRecord(Base):
    __tablename__ = "federation_inbox"
    __table_args__ = (UniqueConstraint("iss", "jti", name="uq_federation_inbox_iss_jti"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    iss: Mapped[str] = mapped_column(String(300))
    jti: Mapped[str] = mapped_column(String(64))
    body_digest: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(80))
    conversation: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    receipt_token: Mapped[str] = mapped_column(Text)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OutboxMessage(Base):
    __tablename__ = "federation_outbox"
    __table_args__ = (
        UniqueConstraint(
            "peer_id", "conversation", "seq", name="uq_federation_outbox_peer_id_conversation_seq"
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    conversation: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The own key that must sign it (a keys-rotated/1 is signed by the key it retires); None:
    # the current key at each attempt. Migration 0018.
    signing_kid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxRejection(Base):
    __tablename__ = "federation_rejections"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    remote: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_iss: Mapped[str | None] = mapped_column(String(300), nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500))
