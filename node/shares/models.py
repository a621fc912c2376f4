"""The share register: immutable subscription and redemption rows.

A member's holding is never a stored number: it is the sum of their subscriptions minus their
redemptions, so the register's history can always be replayed "as of" any date, and a mistake is
corrected by a new row, never by editing an old one. Amounts are integers in the currency's minor
unit next to the currency code, so sums are exact on every engine.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class ShareClass(StrEnum):
    """A: worker-members. B: staff, partners and clients who support the co-op."""

    A = "A"
    B = "B"


class ShareMovement(StrEnum):
    SUBSCRIPTION = "subscription"
    REDEMPTION = "redemption"


class ShareTransaction(Base):
    """One subscription or redemption of ``count`` shares of one class at a nominal unit value."""

    __tablename__ = "share_transactions"
    __table_args__ = (
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("unit_value_minor > 0", name="unit_value_positive"),
        CheckConstraint("share_class IN ('A', 'B')", name="share_class_known"),
        CheckConstraint("movement IN ('subscription', 'redemption')", name="movement_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    share_class: Mapped[str] = mapped_column(String(1))
    movement: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    unit_value_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    @property
    def signed_count(self) -> int:
        return self.count if self.movement == ShareMovement.SUBSCRIPTION else -self.count
