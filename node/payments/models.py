"""Client payment tables.

* :class:`ClientPayment` — money a client paid on an invoice, manual or read from a CAMT.053
  statement. ``amount_minor`` is what arrived; ``applied_minor`` the part that settled the
  receivable, the rest (an over-payment) is owed back to the client (``clients:credit_balances``).
  One row per idempotency key: for a statement line the key is derived from the account, the
  statement id, the entry's bank reference (or index) and the transaction's index, so importing
  the same file twice records nothing twice.
* :class:`UnmatchedCredit` — a booked credit that no open invoice claims (no, wrong or unknown
  reference, a reversal …). It is posted to ``clients:unallocated`` when imported (the money is in
  the bank) and waits for staff to assign it to an invoice or to send it back.

Counterparty IBANs are sealed with the node's vault like members' and payout creditors' IBANs.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class PaymentSource(StrEnum):
    CAMT = "camt"
    MANUAL = "manual"
    UNMATCHED = "unmatched"  # an unmatched credit assigned to the invoice by staff


class UnmatchedStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    REFUNDED = "refunded"


class ClientPayment(Base):
    __tablename__ = "client_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    applied_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    bank_reference: Mapped[str | None] = mapped_column(String(80))
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    counterparty_iban_encrypted: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    unmatched_credit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unmatched_credits.id"), unique=True
    )
    journal_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class UnmatchedCredit(Base):
    __tablename__ = "unmatched_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_key: Mapped[str] = mapped_column(String(200), unique=True)
    statement_id: Mapped[str] = mapped_column(String(80))
    entry_index: Mapped[int] = mapped_column(Integer)
    entry_ref: Mapped[str | None] = mapped_column(String(80))
    transaction_index: Mapped[int | None] = mapped_column(Integer)
    booking_date: Mapped[date | None] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(140))
    remittance_text: Mapped[str] = mapped_column(String(500), default="")
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    counterparty_iban_encrypted: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default=UnmatchedStatus.OPEN.value, index=True)
    journal_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
