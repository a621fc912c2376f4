"""Gapless invoice numbers: one series per node and fiscal year, shared by invoices and credit
notes (one series is what Belgian and French practice allow, and it cannot leave a gap between
two series).

:func:`next_number` takes the year's counter row with ``SELECT … FOR UPDATE`` (PostgreSQL; on
SQLite write transactions are serial already), so concurrent issuers queue on it. The number is
taken in the transaction that stores the issued document and posts its journal entry: if anything
fails, the counter rolls back with everything else and the number is given to the next invoice.
A missing counter row is created with ``INSERT … ON CONFLICT DO NOTHING``, so two first issuers
of a year do not collide.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from node.invoices.models import InvoiceCounter

SEQUENCE_DIGITS = 6


def format_number(fiscal_year: int, sequence: int) -> str:
    """``2026``, ``123`` -> ``"2026-000123"``."""
    return f"{fiscal_year:04d}-{sequence:0{SEQUENCE_DIGITS}d}"


def lock_counter(session: Session, fiscal_year: int) -> int:
    """Lock the year's counter (creating it at 0) and return the last number issued."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(InvoiceCounter)
        .values(fiscal_year=fiscal_year, last_number=0)
        .on_conflict_do_nothing(index_elements=["fiscal_year"])
    )
    return int(
        session.execute(
            select(InvoiceCounter.last_number)
            .where(InvoiceCounter.fiscal_year == fiscal_year)
            .with_for_update()
        ).scalar_one()
    )


def take_next(session: Session, fiscal_year: int, last: int) -> int:
    """Record ``last + 1`` as issued (the counter must be locked by :func:`lock_counter`)."""
    number = last + 1
    session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.fiscal_year == fiscal_year)
        .values(last_number=number)
    )
    return number


def next_number(session: Session, fiscal_year: int) -> int:
    """The next number of ``fiscal_year``, taken under the counter's lock."""
    return take_next(session, fiscal_year, lock_counter(session, fiscal_year))
