"""Hosting tables: missions this node asks a peer to host, and missions it hosts for a peer.

* :class:`HostingRequest` — at the member's home node (A): one request sent to a peer (B) to
  employ one of its members for a mission, B's answer and, once B completes it, the summary B
  reported (only the figures the member consented to share, ``share_back``).
* :class:`HostedMission` — at the host (B): one request received from a peer, the admin's
  decision, and once accepted the guest member and activity created for it; on completion the
  period and the summary sent home. The person's name and email are kept only until the request
  is decided: once accepted they live in the guest's member record (so a member's erasure covers
  them), once refused they are no longer needed.

Both move through :class:`HostingState`: ``requested`` → ``accepted`` | ``refused``, and
``accepted`` → ``completed``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class HostingState(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    COMPLETED = "completed"


class MissionColumns:
    """What both sides keep of a mission: the hosting id, its dates, the mission as sent, what
    may be reported home, where it stands, the answer and the summary."""

    hosting: Mapped[str] = mapped_column(String(36))
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), index=True)
    request_jti: Mapped[str] = mapped_column(String(64), unique=True)
    consent_jti: Mapped[str] = mapped_column(String(128))
    home_member_ref: Mapped[str] = mapped_column(String(128))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    mission: Mapped[dict[str, Any]] = mapped_column(JSON)
    share_back: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guest_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class HostingRequest(MissionColumns, Base):
    """A / home side: ``host`` is the peer's node id; ``decided_at`` is when its answer came."""

    __tablename__ = "hosting_requests"
    __table_args__ = (UniqueConstraint("hosting", name="uq_hosting_requests_hosting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(300))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HostedMission(MissionColumns, Base):
    """B / host side: ``home`` is the member's home node id; one consent token serves once."""

    __tablename__ = "hosted_missions"
    __table_args__ = (
        UniqueConstraint("home", "hosting", name="uq_hosted_missions_home_hosting"),
        UniqueConstraint("home", "consent_jti", name="uq_hosted_missions_home_consent_jti"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    home: Mapped[str] = mapped_column(String(300))
    member_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    member_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
