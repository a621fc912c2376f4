"""Views of the books, all computed from postings: trial balance, account statement, journal.

Nothing here stores a balance; every figure is a sum of immutable postings, so a report can be
recomputed at any time and for any past date. Accounts are shown with their number in the
country's chart (:mod:`node.ledger.chart`) when a :class:`~node.ledger.chart.Chart` is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from node.csvutil import to_csv
from node.ledger.chart import Chart, sort_key
from node.ledger.models import Account, JournalEntry, Posting
from node.money import from_minor


def _amount(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))


def trial_balance(
    session: Session, *, until: date | None = None, chart: Chart | None = None
) -> dict[str, Any]:
    """Debit and credit totals per account, with totals per currency (which must be equal),
    in the order of the chart of accounts (accounts without a number last)."""
    chart = chart or Chart(on=until)
    debit = func.sum(case((Posting.amount_minor > 0, Posting.amount_minor), else_=0))
    credit = func.sum(case((Posting.amount_minor < 0, -Posting.amount_minor), else_=0))
    query = (
        select(Account, debit, credit)
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .group_by(Account.id)
    )
    if until is not None:
        query = query.where(JournalEntry.occurred_on <= until)
    rows = []
    totals: dict[str, list[int]] = {}
    for account, debits, credits in session.execute(query):
        debits, credits = int(debits), int(credits)
        rows.append(
            {
                "account": account.key,
                "name": account.name,
                "type": account.type,
                **chart.fields(account),
                "currency": account.currency,
                "debit": _amount(debits, account.currency),
                "credit": _amount(credits, account.currency),
                "balance": _amount(debits - credits, account.currency),
            }
        )
        pair = totals.setdefault(account.currency, [0, 0])
        pair[0] += debits
        pair[1] += credits
    rows.sort(key=lambda row: (row["currency"], *sort_key(row["chart_number"], row["account"])))
    return {
        "until": until.isoformat() if until else None,
        "chart": chart.name,
        "accounts": rows,
        "totals": [
            {"currency": c, "debit": _amount(d, c), "credit": _amount(k, c), "balanced": d == k}
            for c, (d, k) in sorted(totals.items())
        ],
    }


def account_statement(
    session: Session,
    account: Account,
    *,
    start: date | None = None,
    end: date | None = None,
    chart: Chart | None = None,
) -> dict[str, Any]:
    """An account's postings in date order with the running balance (opening balance first);
    with a ``chart``, the account's number in it too (callers that show no number pass none)."""
    base = (
        select(JournalEntry, Posting.amount_minor)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(Posting.account_id == account.id)
    )
    opening = 0
    if start is not None:
        opening = int(
            session.scalar(
                select(func.coalesce(func.sum(Posting.amount_minor), 0))
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                .where(Posting.account_id == account.id, JournalEntry.occurred_on < start)
            )
            or 0
        )
        base = base.where(JournalEntry.occurred_on >= start)
    if end is not None:
        base = base.where(JournalEntry.occurred_on <= end)
    running, lines = opening, []
    for entry, amount in session.execute(
        base.order_by(JournalEntry.occurred_on, JournalEntry.sequence)
    ):
        running += amount
        lines.append(
            {
                "entry": entry.id,
                "sequence": entry.sequence,
                "date": entry.occurred_on.isoformat(),
                "kind": entry.kind,
                "description": entry.description,
                "amount": _amount(amount, account.currency),
                "balance": _amount(running, account.currency),
            }
        )
    return {
        "account": account.key,
        "name": account.name,
        **(chart.fields(account) if chart else {}),
        "currency": account.currency,
        "opening_balance": _amount(opening, account.currency),
        "lines": lines,
        "closing_balance": _amount(running, account.currency),
    }


JOURNAL_COLUMNS = (
    "sequence",
    "entry",
    "date",
    "kind",
    "description",
    "account",
    "chart_number",
    "auxiliary",
    "currency",
    "debit",
    "credit",
    "hash",
)


def journal_rows(session: Session, chart: Chart | None = None) -> Iterator[list[object]]:
    chart = chart or Chart()
    query = (
        select(JournalEntry, Posting, Account)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Account.id == Posting.account_id)
        .order_by(JournalEntry.sequence, Posting.id)
        .execution_options(yield_per=1000)
    )
    for entry, posting, account in session.execute(query):
        amount = posting.amount_minor
        place = chart.of(account)
        yield [
            entry.sequence,
            entry.id,
            entry.occurred_on.isoformat(),
            entry.kind,
            entry.description,
            account.key,
            place.number if place else "",
            place.auxiliary if place else "",
            posting.currency,
            _amount(amount, posting.currency) if amount > 0 else "",
            _amount(-amount, posting.currency) if amount < 0 else "",
            entry.hash,
        ]


def journal_csv(session: Session, chart: Chart | None = None) -> str:
    """The whole journal, one row per posting, cells escaped against formula injection."""
    return to_csv(JOURNAL_COLUMNS, journal_rows(session, chart))
