"""Clients: the companies and people the co-op quotes and invoices for its members' activities.

A client is never deleted (invoices will point at it and accounting keeps them for years); it is
archived instead, which hides it from new work. The billing address is what an invoice must show.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class ClientKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class GuaranteeStanding(StrEnum):
    """How the salary guarantee fund treats a client's invoices (with ``guarantee.clients``):
    ``standard`` follows the policy, ``approved`` is covered even when the policy covers only
    approved clients, ``excluded`` is never covered (e.g. a client known to pay late)."""

    STANDARD = "standard"
    APPROVED = "approved"
    EXCLUDED = "excluded"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    vat_number: Mapped[str | None] = mapped_column(String(20), index=True)
    company_id: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    billing_street: Mapped[str] = mapped_column(String(200))
    billing_postcode: Mapped[str] = mapped_column(String(20))
    billing_city: Mapped[str] = mapped_column(String(100))
    billing_country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    guarantee: Mapped[str] = mapped_column(
        String(16), default=GuaranteeStanding.STANDARD.value, server_default="standard"
    )
