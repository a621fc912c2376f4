"""The share register report: who holds how many shares of each class, as of a date.

Co-operative law asks for a register of members and their shares; the money core will post the
same movements to equity. The report is computed from the immutable movements, so asking "as of"
a past date gives exactly what the register said that evening. It can be downloaded as CSV for a
spreadsheet: text cells that a spreadsheet would run as a formula are escaped (CSV injection).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.csvutil import to_csv
from node.members.models import Member
from node.money import from_minor
from node.shares.models import ShareTransaction
from node.shares.service import SIGNED_COUNT
from node.shares.terms import Terms

CSV_COLUMNS = ("member_id", "name", "status", "share_class", "count", "capital", "currency")


def share_register(session: Session, terms: Terms, on: date) -> dict[str, Any]:
    """Holdings per member and class at the end of ``on`` (zero holdings left out), and totals."""
    count = func.sum(SIGNED_COUNT)
    capital = func.sum(SIGNED_COUNT * ShareTransaction.unit_value_minor)
    query = (
        select(
            Member.id,
            Member.name,
            Member.status,
            ShareTransaction.share_class,
            ShareTransaction.currency,
            count,
            capital,
        )
        .join(Member, Member.id == ShareTransaction.member_id)
        .where(ShareTransaction.effective_on <= on)
        .group_by(
            Member.id,
            Member.name,
            Member.status,
            ShareTransaction.share_class,
            ShareTransaction.currency,
        )
        .having(count != 0)
        .order_by(Member.id, ShareTransaction.share_class)
    )
    holders: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for member_id, name, status, share_class, currency, shares, minor in session.execute(query):
        holders.append(
            {
                "member_id": member_id,
                "name": name,
                "status": status,
                "share_class": share_class,
                "count": int(shares),
                "capital": from_minor(int(minor), currency),
                "currency": currency,
            }
        )
        total = totals.setdefault(
            (share_class, currency),
            {
                "share_class": share_class,
                "currency": currency,
                "holders": 0,
                "count": 0,
                "minor": 0,
            },
        )
        total["holders"] += 1
        total["count"] += int(shares)
        total["minor"] += int(minor)
    return {
        "on": on,
        "terms": terms.as_dict(),
        "holders": holders,
        "totals": [
            {
                **{k: v for k, v in t.items() if k != "minor"},
                "capital": from_minor(t["minor"], t["currency"]),
            }
            for _key, t in sorted(totals.items())
        ],
    }


def register_csv(report: dict[str, Any]) -> str:
    """The register as CSV: one row per holding, then one ``TOTAL`` row per class."""
    rows: list[list[object]] = [
        [row[column] for column in CSV_COLUMNS] for row in report["holders"]
    ]
    rows += [
        [
            "",
            "TOTAL",
            f"{t['holders']} holders",
            t["share_class"],
            t["count"],
            t["capital"],
            t["currency"],
        ]
        for t in report["totals"]
    ]
    return to_csv(CSV_COLUMNS, rows)
