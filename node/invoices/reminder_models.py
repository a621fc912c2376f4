"""The reminders (dunning letters) recorded for overdue invoices.

One row per reminder: the invoice, its level (1 for the first reminder, 2 for the second …) and
the day it was sent. ``(invoice_id, level)`` is unique, so a level is never sent twice, whoever
runs the reminders and however often. The row keeps what the letter said when it was made (days
overdue, amount open, language, whether it was the last level), so the letter rendered from it
later (:func:`node.invoices.reminders.letter_of`) is the one that was sent.

``channel`` says how it left: the node has no mail sender yet, so every reminder is ``recorded``
(staff send the rendered letter themselves); a mail sender will add ``email-queued``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class ReminderChannel(StrEnum):
    RECORDED = "recorded"


class InvoiceReminder(Base):
    __tablename__ = "invoice_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    final: Mapped[bool] = mapped_column(Boolean)
    sent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    days_overdue: Mapped[int] = mapped_column(Integer)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("invoice_id", "level", name="uq_invoice_reminders_invoice_id_level"),
    )
