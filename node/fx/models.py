"""The ``fx_rates`` table: exchange rates imported from ECB reference-rate files.

One row per publication day, pair and source. The rate is kept as the decimal string the file
gave (``"11.5340"``), so what is stored, shown and sent to peers is the published figure digit
for digit, on every engine (SQLite has no exact decimal type). Configured rates live in the
settings (``fx.rates``), not here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class FxRate(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (
        # Lookups name the source and the pair and ask for the latest day up to a date.
        UniqueConstraint("source", "base", "quote", "day", name="uq_fx_rates_source_pair_day"),
        Index("ix_fx_rates_source_day", "source", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
