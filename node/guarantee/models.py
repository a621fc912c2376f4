"""Write-offs of defaulted covered invoices and the recoveries paid on them later.

A write-off row is the business record of a ledger entry (``guarantee:write-off:{invoice}``): one
per invoice at most. A recovery row ties a client payment received on a written-off invoice to
the fund, so the fund report can show what came back without guessing from dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class GuaranteeWriteOff(Base):
    __tablename__ = "guarantee_write_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    # What the client still owed (VAT included) when the invoice was written off.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    written_off_on: Mapped[date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    journal_entry_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class GuaranteeRecovery(Base):
    __tablename__ = "guarantee_recoveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    write_off_id: Mapped[int] = mapped_column(ForeignKey("guarantee_write_offs.id"), index=True)
    client_payment_id: Mapped[int] = mapped_column(ForeignKey("client_payments.id"), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
