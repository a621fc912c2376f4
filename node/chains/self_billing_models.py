"""Tables of the self-billed invoices the lead node of a value chain issues for other co-ops.

* :class:`SelfBillingCounter` — the last self-billed invoice number of a year: one gapless
  series per node and year, apart from the client invoices' series (a self-billed invoice is
  the supplier's invoice, issued by its customer; it must not take a number of the customer's
  own sales series).
* :class:`SelfBillingSupplier` — what a self-billed invoice must say of a peer co-op as its
  supplier (VAT Directive 2006/112/EC art. 226(5): full name and address; art. 226(3): VAT
  number) and where it receives e-invoices. Neither the peer record nor the descriptor carries
  these, so an admin records them once per peer, as part of the self-billing agreement the two
  co-ops made (art. 224).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class SelfBillingCounter(Base):
    """The last self-billed invoice number of a year; its row is locked while one is taken."""

    __tablename__ = "self_billing_counters"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class SelfBillingSupplier(Base):
    """A peer co-op as the supplier named on the self-billed invoices issued on its behalf."""

    __tablename__ = "self_billing_suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    company_id: Mapped[str] = mapped_column(String(40), default="")
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100))
    endpoint_scheme: Mapped[str] = mapped_column(String(4), default="")
    endpoint_id: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))
