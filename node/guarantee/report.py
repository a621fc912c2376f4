"""The salary guarantee fund's report: balance, exposure, defaults, write-offs and recoveries.

Every figure is computed from the ledger and the invoices as of the moment of the request (the
``as_of`` date only decides how many days an invoice is overdue): the fund's balance is the
``fund:guarantee`` account, its exposure is what activities have paid out against covered
turnover their clients have not paid yet (:class:`node.payouts.available.BudgetPosition`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.activities.models import Activity
from node.csvutil import to_csv
from node.guarantee.models import GuaranteeRecovery, GuaranteeWriteOff
from node.guarantee.policy import GuaranteePolicy
from node.guarantee.position import OpenReceivable, open_receivables
from node.invoices.models import Invoice
from node.invoices.overdue import days_overdue
from node.invoices.postings import GUARANTEE_FUND
from node.ledger.models import Account, JournalEntry, Posting
from node.money import from_minor
from node.payouts.available import position


def fund_report(session: Session, policy: GuaranteePolicy, as_of: date) -> dict[str, Any]:
    """The report, one section per currency the fund or its receivables use."""
    receivables = open_receivables(session)
    movements = _fund_movements(session)
    write_offs = write_off_views(session)
    currencies = sorted(
        set(movements) | {r.currency for r in receivables} | {w.row.currency for w in write_offs}
    )
    return {
        "as_of": as_of.isoformat(),
        "policy": {k: str(v) for k, v in policy.describe().items()},
        "funds": [
            _section(session, policy, as_of, currency, receivables, movements, write_offs)
            for currency in currencies
        ],
    }


def _section(
    session: Session,
    policy: GuaranteePolicy,
    as_of: date,
    currency: str,
    receivables: list[OpenReceivable],
    movements: dict[str, dict[str, int]],
    write_offs: list[WriteOffView],
) -> dict[str, Any]:
    def money(minor: int) -> str:
        return str(from_minor(minor, currency))

    by_kind = movements.get(currency, {})
    covered = [r for r in receivables if r.currency == currency and r.covered and not r.written_off]
    exposure = _exposure(session, {r.activity_id for r in covered}, currency)
    defaults = [
        {
            "invoice_id": r.invoice_id,
            "number": r.number,
            "activity_id": r.activity_id,
            "client_id": r.client_id,
            "open": money(r.open),
            "days_overdue": days_overdue(r.due_date, as_of),
        }
        for r in covered
        if policy.in_default(days_overdue(r.due_date, as_of))
    ]
    mine = [w for w in write_offs if w.row.currency == currency]
    return {
        "currency": currency,
        "balance": money(sum(by_kind.values())),
        "movements": {kind: money(total) for kind, total in sorted(by_kind.items())},
        "covered_receivables": money(sum(r.open for r in covered)),
        "exposure": money(sum(row["exposure_minor"] for row in exposure)),
        "exposure_by_activity": [
            {k: v for k, v in row.items() if k != "exposure_minor"} for row in exposure
        ],
        "in_default": defaults,
        "written_off": money(sum(w.row.amount_minor for w in mine)),
        "recovered": money(sum(w.recovered for w in mine)),
        "write_offs": [w.present() for w in mine],
    }


def _fund_movements(session: Session) -> dict[str, dict[str, int]]:
    """What flowed into the fund per currency and kind of event (into the fund: positive)."""
    rows = session.execute(
        select(Account.currency, JournalEntry.kind, func.sum(Posting.amount_minor))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Account.key == GUARANTEE_FUND.key)
        .group_by(Account.currency, JournalEntry.kind)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for currency, kind, total in rows:
        found[currency][kind] = -int(total)  # a liability: credits fill the fund
    return found


def _exposure(session: Session, activity_ids: set[int], currency: str) -> list[dict[str, Any]]:
    rows = []
    for activity in session.scalars(
        select(Activity).where(Activity.id.in_(activity_ids)).order_by(Activity.id)
    ):
        if activity.currency != currency:
            continue
        figures = position(session, activity)
        if figures.guarantee_exposure > 0:
            rows.append(
                {
                    "activity_id": activity.id,
                    "name": activity.name,
                    "covered_unpaid": str(from_minor(figures.covered_unpaid, currency)),
                    "exposure": str(from_minor(figures.guarantee_exposure, currency)),
                    "exposure_minor": figures.guarantee_exposure,
                }
            )
    return rows


@dataclass(frozen=True)
class WriteOffView:
    """A write-off with its invoice number and what has been recovered on it."""

    row: GuaranteeWriteOff
    number: str | None
    recovered: int

    def present(self) -> dict[str, Any]:
        row = self.row

        def money(minor: int) -> str:
            return str(from_minor(minor, row.currency))

        return {
            "id": row.id,
            "invoice_id": row.invoice_id,
            "number": self.number,
            "activity_id": row.activity_id,
            "currency": row.currency,
            "written_off_on": row.written_off_on.isoformat(),
            "days_overdue": row.days_overdue,
            "reason": row.reason,
            "journal_entry_id": row.journal_entry_id,
            "created_by": row.created_by,
            "amount": money(row.amount_minor),
            "recovered": money(self.recovered),
            "outstanding": money(row.amount_minor - self.recovered),
        }


def write_off_views(session: Session, write_off_id: int | None = None) -> list[WriteOffView]:
    """Write-offs (all, or one) with their invoice numbers and recoveries, oldest first."""
    recovered = (
        select(
            GuaranteeRecovery.write_off_id,
            func.sum(GuaranteeRecovery.amount_minor).label("total"),
        )
        .group_by(GuaranteeRecovery.write_off_id)
        .subquery()
    )
    query = (
        select(GuaranteeWriteOff, Invoice.number, func.coalesce(recovered.c.total, 0))
        .join(Invoice, Invoice.id == GuaranteeWriteOff.invoice_id)
        .outerjoin(recovered, recovered.c.write_off_id == GuaranteeWriteOff.id)
        .order_by(GuaranteeWriteOff.id)
    )
    if write_off_id is not None:
        query = query.where(GuaranteeWriteOff.id == write_off_id)
    return [WriteOffView(row, number, int(total)) for row, number, total in session.execute(query)]


CSV_COLUMNS = ("section", "currency", "activity_id", "invoice", "amount", "days_overdue", "note")


def fund_report_csv(report: dict[str, Any]) -> str:
    """The report flattened to one CSV: a summary row per figure, then a row per activity
    exposed, per invoice in default and per write-off."""
    rows: list[list[object]] = []
    for fund in report["funds"]:
        currency = fund["currency"]
        for figure in ("balance", "covered_receivables", "exposure", "written_off", "recovered"):
            rows.append(["summary", currency, "", "", fund[figure], "", figure])
        for kind, amount in fund["movements"].items():
            rows.append(["movement", currency, "", "", amount, "", kind])
        for item in fund["exposure_by_activity"]:
            rows.append(
                ["exposure", currency, item["activity_id"], "", item["exposure"], "", item["name"]]
            )
        for item in fund["in_default"]:
            rows.append(
                [
                    "in_default",
                    currency,
                    item["activity_id"],
                    item["number"],
                    item["open"],
                    item["days_overdue"],
                    "",
                ]
            )
        for item in fund["write_offs"]:
            rows.append(
                [
                    "write_off",
                    currency,
                    item["activity_id"],
                    item["number"],
                    item["amount"],
                    item["days_overdue"],
                    f"recovered {item['recovered']}; {item['reason']}",
                ]
            )
    return to_csv(CSV_COLUMNS, rows)
