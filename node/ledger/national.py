"""The journal in the country's own format (France: the FEC), written by the jurisdiction.

The node hands the jurisdiction plain values (:class:`~plugins.jurisdiction.LedgerExtract`): the
entries of the period in chronological order, each posting with its account's place in the
chart, and every account's balance before the period. The format itself — columns, numbering,
encoding, file name — is the country plugin's business, so a country adds its format without
touching the ledger, and the formatting is tested without a database.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.errors import Conflict, NotFound, ValidationProblem
from node.ledger.chart import Chart
from node.ledger.models import Account, JournalEntry, Posting
from node.money import from_minor
from plugins.jurisdiction import (
    ExportRefused,
    JournalKind,
    LedgerEntry,
    LedgerExtract,
    LedgerLine,
    NationalExport,
)

if TYPE_CHECKING:
    from node.config import Settings
    from plugins.jurisdiction import Jurisdiction

SALES_KINDS = frozenset({"invoice", "credit_note"})
BANK_ACCOUNT = "bank"


def national_export(
    session: Session, jurisdiction: Jurisdiction, settings: Settings, *, start: date, end: date
) -> NationalExport:
    """The journal from ``start`` to ``end`` in the national format of ``jurisdiction``.

    404 when the country has none; 409 when the books cannot be written in it as they stand
    (the problem says why, e.g. which accounts have no number in the chart).
    """
    if end < start:
        raise ValidationProblem.single("end", "The end of the period is before its start.")
    chart = Chart(jurisdiction, on=end)
    extract = LedgerExtract(
        company_id=settings["node.legal_entity_number"],
        company_name=settings["node.name"],
        currency=settings["node.currency"],
        start=start,
        end=end,
        opening=opening_balances(session, chart, start),
        entries=entries_between(session, chart, start, end),
    )
    try:
        exported = jurisdiction.journal_export(extract)
    except ExportRefused as exc:
        raise Conflict(f"The journal cannot be exported in the national format: {exc}") from None
    if exported is None:
        raise NotFound(f"There is no national format for {jurisdiction.country}.")
    return exported


def opening_balances(session: Session, chart: Chart, start: date) -> tuple[LedgerLine, ...]:
    """Every account's non-zero balance from the postings dated before ``start``."""
    total = func.sum(Posting.amount_minor)
    query = (
        select(Account.key, Account.name, Account.chart_number, Posting.currency, total)
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.occurred_on < start)
        .group_by(Account.id, Account.key, Account.name, Account.chart_number, Posting.currency)
        .order_by(Account.key, Posting.currency)
    )
    return tuple(
        LedgerLine(
            key, name, currency, from_minor(int(amount), currency), chart.resolve(key, name, own)
        )
        for key, name, own, currency, amount in session.execute(query)
        if int(amount or 0)
    )


def entries_between(
    session: Session, chart: Chart, start: date, end: date
) -> Iterator[LedgerEntry]:
    """The entries dated ``start`` to ``end``, by date then ledger sequence, read in batches."""
    query = (
        select(
            JournalEntry.sequence,
            JournalEntry.occurred_on,
            JournalEntry.recorded_at,
            JournalEntry.kind,
            JournalEntry.description,
            JournalEntry.meta,
            Account.key,
            Account.name,
            Account.chart_number,
            Posting.currency,
            Posting.amount_minor,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.occurred_on >= start, JournalEntry.occurred_on <= end)
        .order_by(JournalEntry.occurred_on, JournalEntry.sequence, Posting.id)
        .execution_options(yield_per=1000)
    )
    for _sequence, rows in itertools.groupby(session.execute(query), key=lambda row: row[0]):
        yield _entry(chart, list(rows))


def _entry(chart: Chart, rows: list[tuple]) -> LedgerEntry:  # type: ignore[type-arg]
    sequence, occurred_on, recorded_at, kind, description, meta = rows[0][:6]
    lines = tuple(
        LedgerLine(key, name, currency, from_minor(amount, currency), chart.resolve(key, name, own))
        for *_head, key, name, own, currency, amount in rows
    )
    return LedgerEntry(
        number=sequence,
        occurred_on=occurred_on,
        recorded_on=recorded_at.date(),
        kind=kind,
        journal=journal_of(kind, lines),
        description=description,
        reference=str((meta or {}).get("number", "")),
        lines=lines,
    )


def journal_of(kind: str, lines: tuple[LedgerLine, ...]) -> JournalKind:
    """Invoices and credit notes are sales; other entries that move the bank are bank entries."""
    if kind in SALES_KINDS:
        return JournalKind.SALES
    if any(line.account == BANK_ACCOUNT for line in lines):
        return JournalKind.BANK
    return JournalKind.GENERAL
