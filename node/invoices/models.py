"""Invoice tables.

One table holds invoices and credit notes (``kind``): both are numbered in the same gapless series
per fiscal year (:mod:`node.invoices.numbering`), both freeze the document they issued in
``document`` and both post one journal entry. Only ``draft`` and ``issued`` are stored; whether an
invoice is overdue, paid or cancelled (fully credited) is computed from its credit notes, its due
date and (later) its payments, so those states can never disagree with the books.

Quantities are kept as decimal text (never a float); money as integers of the currency's minor
unit. An issued row is never edited or deleted: a correction is a credit note.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=InvoiceKind.INVOICE.value)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.DRAFT.value)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    situation: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    # Set when issued: the number ("2026-000123") is fiscal_year + sequence, gapless per year.
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(40))
    bank_iban: Mapped[str | None] = mapped_column(String(34))
    # Totals as issued (for a draft: an estimate at today's rates).
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # The co-op's contribution taken from (or, for a credit note, given back to) the activity,
    # and the guarantee fund's part of it.
    contribution_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fund_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whether the salary guarantee fund covers the invoice, decided once when it is issued
    # (:mod:`node.guarantee.policy`): a later change of policy does not rewrite the past.
    guarantee_covered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The caller's idempotency key of the issue (invoice) or of the creation (credit note).
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    journal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(120))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("fiscal_year", "sequence", name="uq_invoices_fiscal_year_sequence"),
    )


class LineColumns:
    """The columns of a priced line, shared by invoice and quote lines."""

    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[str] = mapped_column(String(24))  # a decimal as text, never a float
    unit_code: Mapped[str] = mapped_column(String(3))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    vat_tier: Mapped[str] = mapped_column(String(20))


class InvoiceLine(LineColumns, Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_position"),)


class InvoiceCounter(Base):
    """The last number issued in a fiscal year; its row is locked while a number is taken."""

    __tablename__ = "invoice_counters"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)
