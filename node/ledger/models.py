"""Ledger tables. Journal entries and postings are append-only: database triggers refuse any
UPDATE or DELETE on them (see migration 0004), so a correction is always a reversal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class Account(Base):
    """An account in one currency, named by a stable ``key`` (e.g. ``bank``, ``vat:payable``,
    ``activity:12:budget``). Its number in the country's chart of accounts is resolved from the
    key by the jurisdiction when the books are read (:mod:`node.ledger.chart`); ``chart_number``
    holds only a number an accountant gave explicitly, which then wins."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    chart_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("key", "currency", name="uq_ledger_accounts_key_currency"),)


class JournalEntry(Base):
    """One business event's balanced postings, chained to the previous entry by ``hash``."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_digest: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), unique=True
    )
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(120))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )


class Posting(Base):
    """A signed amount on one account: positive debits, negative credits (minor units)."""

    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_postings_account_id", "account_id"),
        Index("ix_postings_entry_id", "entry_id"),
    )


class LedgerHead(Base):
    """The end of the hash chain: one row, locked by each posting so sequences stay gapless."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
