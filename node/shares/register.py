"""The share register report: who holds how many shares of each class, as of a date.

Co-operative law asks for a register of members and their shares; the money core will post the
same movements to equity. The report is computed from the immutable movements, so asking "as of"
a past date gives exactly what the register said that evening. It can be downloaded as CSV for a
spreadsheet: text cells that a spreadsheet would run as a formula are escaped (CSV injection).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.members.models import Member
from node.shares.models import ShareTransaction
from node.shares.service import SIGNED_COUNT
from node.shares.terms import Terms, from_minor

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


def escape_cell(value: object) -> str:
    """A cell as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def register_csv(report: dict[str, Any]) -> str:
    """The register as CSV: one row per holding, then one ``TOTAL`` row per class."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["holders"]:
        writer.writerow([escape_cell(row[column]) for column in CSV_COLUMNS])
    for total in report["totals"]:
        writer.writerow(
            [
                escape_cell(v)
                for v in (
                    "",
                    "TOTAL",
                    f"{total['holders']} holders",
                    total["share_class"],
                    total["count"],
                    total["capital"],
                    total["currency"],
                )
            ]
        )
    return buffer.getvalue()
