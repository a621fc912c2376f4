"""Value chain tables, kept by the lead node and by every contributor node alike.

* :class:`Chain` — one client project (its uuid is the federation conversation): client, amount
  excluding VAT in the settlement currency, fee and default policies, and where it stands. At the
  lead node it also names the client record, the chain's activity (where the client's invoice
  is booked) and the invoice; at a contributor node, the lead's node id. ``proposal`` is the
  ``chain-proposal/1`` body as sent or received (a repeat must match it). ``own_rate`` and
  ``own_fund_points`` are this node's contribution rules, fixed when it took part (the lead when
  proposing, a contributor when its member accepted), so later allocations never depend on
  today's settings.
* :class:`ChainContributor` — one member's share (every contributor at the lead; only its own
  members at a contributor node, with the others' shares kept in ``proposal``). A member of this
  node has ``member_id`` and, once they accepted, the ``activity_id`` their share goes to.
  ``allocated_minor`` is the cumulative share allocated so far and ``allocated_net_minor`` what
  of it went on after the lead node's contribution (what the contributor's node is due), both in
  the settlement currency.
* :class:`ChainAllocation` — one allocation of one contributor's share: its uuid (the clearing
  item both nodes settle), its number ``seq`` for that contributor, what it moved and the
  journal entry that booked it.
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class ChainRole(StrEnum):
    LEAD = "lead"
    CONTRIBUTOR = "contributor"


class ChainState(StrEnum):
    PROPOSED = "proposed"  # waiting for every contributor's decision
    ACCEPTED = "accepted"  # everyone accepted: the lead may invoice
    INVOICED = "invoiced"
    DEFAULTED = "defaulted"  # the client defaulted; the default policy was applied
    CANCELLED = "cancelled"


class Decision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Basis(StrEnum):
    ISSUE = "issue"
    PAYMENT = "payment"
    DEFAULT = "default"


class Direction(StrEnum):
    PAYABLE = "payable"  # the lead node owes the contributor's node
    RECEIVABLE = "receivable"  # the lead node owes us (at a contributor node)
    LOCAL = "local"  # a member of this node, credited directly


class Chain(Base):
    __tablename__ = "value_chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    lead_node: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(500))
    client_name: Mapped[str] = mapped_column(String(200))
    client_country: Mapped[str] = mapped_column(String(2))
    client_vat_number: Mapped[str | None] = mapped_column(String(20))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    fee_kind: Mapped[str] = mapped_column(String(16))
    lead_rate: Mapped[str | None] = mapped_column(String(16))
    guarantee: Mapped[str] = mapped_column(String(16))
    default_policy: Mapped[str] = mapped_column(String(32))
    own_rate: Mapped[str | None] = mapped_column(String(16))
    own_fund_points: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=ChainState.PROPOSED.value)
    reason: Mapped[str | None] = mapped_column(String(64))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    invoiced_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contributors: Mapped[list[ChainContributor]] = relationship(
        back_populates="chain", order_by="ChainContributor.position", lazy="selectin"
    )


class ChainContributor(Base):
    __tablename__ = "value_chain_contributors"
    __table_args__ = (
        UniqueConstraint("chain_id", "position", name="uq_value_chain_contributors_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("value_chains.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(300))
    member_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    share_kind: Mapped[str] = mapped_column(String(16))
    share_value: Mapped[str] = mapped_column(String(32))
    full_minor: Mapped[int] = mapped_column(BigInteger)
    local: Mapped[bool] = mapped_column(Boolean)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    rate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(16), default=Decision.PENDING.value)
    reason: Mapped[str | None] = mapped_column(String(64))
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))
    allocated_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    allocated_net_minor: Mapped[int] = mapped_column(BigInteger, default=0)

    chain: Mapped[Chain] = relationship(back_populates="contributors")


class ChainAllocation(Base):
    __tablename__ = "value_chain_allocations"
    __table_args__ = (
        UniqueConstraint("contributor_id", "seq", name="uq_value_chain_allocations_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("value_chains.id"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("value_chain_contributors.id"))
    seq: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    peer_node: Mapped[str | None] = mapped_column(String(300), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    cumulative_minor: Mapped[int] = mapped_column(BigInteger)
    local_currency: Mapped[str | None] = mapped_column(String(3))
    local_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    self_billed_number: Mapped[str | None] = mapped_column(String(40))
    self_billed_on: Mapped[date | None] = mapped_column(Date)
    occurred_on: Mapped[date] = mapped_column(Date)
    journal_entry_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
