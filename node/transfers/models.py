"""Transfer table: an internal purchase between two activities and its state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class TransferStatus(StrEnum):
    """``proposed`` waits for the seller (nothing posted, nothing reserved); ``posted`` has its
    journal entry; ``cancelled`` was withdrawn or declined before it was posted."""

    PROPOSED = "proposed"
    POSTED = "posted"
    CANCELLED = "cancelled"


class Transfer(Base):
    """One internal purchase: ``buyer_activity_id`` pays ``seller_activity_id`` from its budget."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    seller_activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_digest: Mapped[str] = mapped_column(String(64))
    proposed_by: Mapped[str] = mapped_column(String(120))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_by: Mapped[str | None] = mapped_column(String(120))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))

    __table_args__ = (
        # A retry is recognised by its key within the buying activity: a member never meets the
        # keys of activities they do not belong to.
        UniqueConstraint("buyer_activity_id", "idempotency_key", name="uq_transfers_buyer_key"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("buyer_activity_id <> seller_activity_id", name="two_activities"),
    )
