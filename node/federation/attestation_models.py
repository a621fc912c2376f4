"""Member attestation tables: consents given at the home node, attestations asked by this node.

* :class:`MemberConsent` — at the member's home node: one consent token issued (its ``jti``, the
  member, the one node that may use it, purpose, allowed fields, expiry), and whether it was used
  (at most once) or revoked by the member. The token itself is not kept: it is handed out once.
* :class:`Attestation` — at the asking node: one request sent to a member's home node with the
  consent the member gave, and the answer when it comes (only the fields the consent allows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class MemberConsent(Base):
    __tablename__ = "federation_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(128), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # A random pseudonym per consent (never a national id, never the same twice).
    subject: Mapped[str] = mapped_column(String(128))
    audience: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # request jti
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Attestation(Base):
    __tablename__ = "federation_attestations"
    __table_args__ = (
        UniqueConstraint("home", "consent_jti", name="uq_federation_attestations_home_consent_jti"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    home: Mapped[str] = mapped_column(String(300))
    request_jti: Mapped[str] = mapped_column(String(64), unique=True)
    consent_jti: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(64))
    allowed_fields: Mapped[list[str]] = mapped_column(JSON)
    consent_issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    in_good_standing: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
