"""The activity statement as members and accountants read it: the budget's movements and the
available budget part by part (:class:`node.payouts.available.BudgetPosition`), as JSON or CSV.

Kept apart from :mod:`node.activities.service` because the available budget depends on payouts
and invoices, which themselves build on activities.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from node.activities.models import Activity
from node.activities.service import statement
from node.csvutil import to_csv
from node.payouts.available import position

CSV_COLUMNS = ("date", "kind", "description", "amount", "balance")


def full_statement(
    session: Session, activity: Activity, *, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    report = statement(session, activity, start=start, end=end)
    report["budget"] = position(session, activity).as_dict()
    return report


def statement_csv(report: dict[str, Any]) -> str:
    """One row per movement, then one ``budget`` row per part of the available budget."""
    rows: list[list[object]] = [[line[c] for c in CSV_COLUMNS] for line in report["lines"]]
    parts = report["budget"].items()
    rows += [["", "budget", part, amount, ""] for part, amount in parts if part != "currency"]
    return to_csv(CSV_COLUMNS, rows)
