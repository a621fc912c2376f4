"""Member records: who belongs to the co-op, in which status, with which protected identifiers.

National ids and IBANs never sit in clear in the database: they are encrypted with the node's key
(:mod:`node.crypto`), and the national id also gets a keyed hash so uniqueness can be enforced by
the database without decrypting anything (see :mod:`node.members.identifiers`).

``user_id`` links a member record to a login (``users.id``); :mod:`node.web.auth` reads it to know
which member a signed-in user is.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class MemberStatus(StrEnum):
    """Where a member stands. ``guest`` is a member of another co-op working through this node."""

    APPLICANT = "applicant"
    ACTIVE = "active"
    GUEST = "guest"
    SUSPENDED = "suspended"
    LEFT = "left"


#: Allowed status changes; ``left`` is final (a returning member gets a new record).
TRANSITIONS: dict[MemberStatus, frozenset[MemberStatus]] = {
    MemberStatus.APPLICANT: frozenset({MemberStatus.ACTIVE, MemberStatus.LEFT}),
    MemberStatus.ACTIVE: frozenset({MemberStatus.SUSPENDED, MemberStatus.LEFT}),
    MemberStatus.SUSPENDED: frozenset({MemberStatus.ACTIVE, MemberStatus.LEFT}),
    MemberStatus.GUEST: frozenset({MemberStatus.LEFT}),
    MemberStatus.LEFT: frozenset(),
}


class MemberKind(StrEnum):
    """Which share class a member subscribes: worker-members hold class A; staff, partners and
    clients who join as supporters hold class B. Staff choose it when they create the member."""

    WORKER = "worker"
    SUPPORTER = "supporter"


class Member(Base):
    """One person in the member register (the personal data the co-op needs to employ them)."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    home_country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    home_node_url: Mapped[str | None] = mapped_column(String(255))
    national_id_encrypted: Mapped[str | None] = mapped_column(Text)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    iban_encrypted: Mapped[str | None] = mapped_column(Text)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
