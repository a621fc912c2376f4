"""Activity tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class ActivityStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=ActivityStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    members: Mapped[list[ActivityMember]] = relationship(
        back_populates="activity", order_by="ActivityMember.id", lazy="selectin"
    )

    @property
    def budget_key(self) -> str:
        """The ledger account that holds this activity's budget."""
        return f"activity:{self.id}:budget"


class ActivityMember(Base):
    """A member taking part in an activity; ``lead`` is the member who runs it."""

    __tablename__ = "activity_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    lead: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship(back_populates="members")

    __table_args__ = (
        UniqueConstraint("activity_id", "member_id", name="uq_activity_members_pair"),
    )
