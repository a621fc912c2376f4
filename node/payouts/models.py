"""Payout and payment-batch tables.

A payout's creditor IBAN is a snapshot taken when it is requested, encrypted like members' IBANs:
what is approved is what is paid, even if the member's IBAN changes afterwards.

A payout with a ``client_payment_id`` is the refund of that client payment's over-payment: it is
paid out of ``clients:credit_balances``, not out of its activity's budget
(:func:`node.payouts.service.source_account`).

A ``settlement`` payout pays the net of a settlement statement to a peer co-op: it has no
activity, and ``source_key`` names the ledger account it is paid out of (the clearing payable on
that peer, :mod:`node.settlement`).

A salary payout's ``amount_minor`` is the net pay the bank transfers; ``charges`` lists the
liabilities charged with it (``{account key: minor units}``: social contributions, withholding
tax) and ``budget_charge_minor`` is what it takes from the budget in all (net pay + charges, the
payslip's employer cost). Both are empty for other payouts, which take their amount.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class PayoutKind(StrEnum):
    SALARY = "salary"
    EXPENSE = "expense"
    REFUND = "refund"
    SETTLEMENT = "settlement"
    OTHER = "other"


class PayoutStatus(StrEnum):
    """``pending_approval`` reserves the budget; ``approved`` has it posted to ``payouts:pending``;
    ``batched`` is in a pain.001 file; ``sent`` the file went to the bank; ``paid`` the bank's
    debit was seen (or staff confirmed it)."""

    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    BATCHED = "batched"
    SENT = "sent"
    PAID = "paid"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class BatchStatus(StrEnum):
    CREATED = "created"
    SENT = "sent"
    PAID = "paid"


class PaymentBatch(Base):
    """One pain.001 file: the approved payouts gathered for one execution date."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    execution_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.CREATED.value)
    currency: Mapped[str] = mapped_column(String(3))
    payment_count: Mapped[int] = mapped_column()
    total_minor: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(120))
    pain001: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class Payout(Base):
    """One payment out of an activity's budget to a member (or, for refunds, another party)."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    creditor_name: Mapped[str] = mapped_column(String(200))
    creditor_iban_encrypted: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(140))
    status: Mapped[str] = mapped_column(String(20), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    commit_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    paid_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    paid_on: Mapped[date | None] = mapped_column(Date)
    client_payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_payments.id"), index=True
    )
    budget_charge_minor: Mapped[int | None] = mapped_column(BigInteger)
    charges: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    source_key: Mapped[str | None] = mapped_column(String(120))

    @property
    def charged_minor(self) -> int:
        """What the payout takes from its source: the net amount plus its charges."""
        return self.amount_minor if self.budget_charge_minor is None else self.budget_charge_minor
