"""Quote tables.

A quote is made for an activity and a client; its lines are checked like an invoice's
(:func:`node.invoices.service.parse_lines`) and its totals are an estimate at the rates of the day
it was last written. ``digest`` is the SHA-256 of its canonical content (lines, amounts, client,
validity; :func:`node.quotes.service.digest_of`): every acceptance token carries the digest of the
quote it was issued for, so any change after sending invalidates the links already sent.

Quantities are kept as decimal text (never a float); money as integers of the currency's minor
unit. An acceptance token is recorded when issued (``jti``, the digest, its expiry) and marked
``used_at`` in the same transaction as the acceptance or refusal it carried; sending the quote
again revokes the older ones (``revoked_at``). Only the SHA-256 of the token text is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node.db import Base
from node.db.types import UTCDateTime, utcnow
from node.invoices.models import LineColumns


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXPIRED = "expired"  # shown for a sent quote past its validity (computed, never stored)
    INVOICED = "invoiced"


class AcceptedVia(StrEnum):
    LINK = "link"
    SIGNED_COPY = "signed_copy"


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # "Q2026-000012"
    status: Mapped[str] = mapped_column(String(16), default=QuoteStatus.DRAFT.value)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    situation: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date] = mapped_column(Date)
    # An estimate at the rates of the day the quote was last written.
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(120))
    # The client's answer: through the link (name and address of the signer) or a signed copy.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_via: Mapped[str | None] = mapped_column(String(16))
    accepted_by_name: Mapped[str | None] = mapped_column(String(200))
    accepted_from_ip: Mapped[str | None] = mapped_column(String(64))
    signed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(120))
    refused_by_name: Mapped[str | None] = mapped_column(String(200))
    refused_from_ip: Mapped[str | None] = mapped_column(String(64))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote",
        order_by="QuoteLine.position",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class QuoteLine(LineColumns, Base):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)

    quote: Mapped[Quote] = relationship(back_populates="lines")

    __table_args__ = (UniqueConstraint("quote_id", "position", name="uq_quote_lines_position"),)


class AcceptanceToken(Base):
    """One acceptance link issued for a quote (the token itself is never stored)."""

    __tablename__ = "quote_acceptance_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the exact token text
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
