"""Settlement and reconciliation tables, kept alike by both nodes of a pair.

* :class:`Statement` — one settlement statement with one peer in one currency: its uuid (the
  federation conversation), whether this node sent or received it, the period, the totals from
  this node's side, who pays the net, where it stands, and the payment (the payout at the payer,
  the end-to-end id and the credit at the payee).
* :class:`StatementLine` — one clearing item the statement settles, as this node books it, with
  the receiver's verdict.
* :class:`SettledItem` — which statement takes an item: one row per item, unique, so two
  settlements started at once cannot both take it (the second insert fails). A statement holds
  its items while it is open or confirmed and after; a disputed or refused one lets them go.
* :class:`Reconciliation` — one ``clearing-query/1`` to a peer and, once its report arrived, the
  comparison (:func:`node.settlement.reconcile.reconcile`) stored as it was shown.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow
from node.ledger import models as _ledger_models  # noqa: F401  (journal_entries, referred to)
from node.payouts import models as _payout_models  # noqa: F401  (payouts, referred to)


class Role(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


class State(StrEnum):
    SENT = "sent"  # waiting for the peer's answer
    CONFIRMED = "confirmed"  # both sides netted; the net is due
    DISPUTED = "disputed"
    REFUSED = "refused"  # the peer refused it, or the peer's overlapping statement won
    PAID = "paid"  # the payer announced its transfer (payee side)
    CLOSED = "closed"  # this side's clearing balances for its items are zero


#: States in which a statement holds its items (see :class:`SettledItem`).
HOLDING = (State.SENT, State.CONFIRMED, State.PAID, State.CLOSED)


class Statement(Base):
    __tablename__ = "settlement_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    peer_node: Mapped[str] = mapped_column(String(300), index=True)
    role: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    receivable_minor: Mapped[int] = mapped_column(BigInteger)
    payable_minor: Mapped[int] = mapped_column(BigInteger)
    net_minor: Mapped[int] = mapped_column(BigInteger)  # > 0: the peer pays us
    payer: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default=State.SENT.value)
    reason: Mapped[str | None] = mapped_column(String(64))
    pay_to: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    netting_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    paid_on: Mapped[date | None] = mapped_column(Date)
    received_entry_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("journal_entries.id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[StatementLine]] = relationship(
        back_populates="statement", order_by="StatementLine.position", lazy="selectin"
    )


class StatementLine(Base):
    __tablename__ = "settlement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statements.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(16))  # this node's side: receivable|payable
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))

    statement: Mapped[Statement] = relationship(back_populates="lines")


class SettledItem(Base):
    __tablename__ = "settlement_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(36), unique=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statements.id"), index=True)


class Reconciliation(Base):
    __tablename__ = "settlement_reconciliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    peer_node: Mapped[str] = mapped_column(String(300), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # waiting | done
    balanced: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
