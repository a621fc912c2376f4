"""The completion summary the host reports home, computed from the host's own books.

Every figure is about the hosting's activity and its guest member, whatever the dates (an
invoice issued or a payslip computed after the mission's end still belongs to it):

* ``invoiced_total`` — issued invoices of the activity, net of VAT, less their issued credit
  notes (:mod:`node.invoices`);
* ``gross_pay_total`` / ``net_pay_total`` / ``payslips`` — the guest's payslips in force
  (corrected ones are replaced by their correction, :mod:`node.payroll`);
* ``days_worked`` — the days declared for payroll on daily contracts (each payslip's salary
  request, else its contract), plus, for contracts paid monthly or hourly, the working days of
  the host's calendar (its jurisdiction's public holidays excluded) the contracts cover within
  the completion period, each day counted once however many contracts cover it.

Only the figures in the request's ``share_back`` (what the member consented to) leave the host:
:func:`consented`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from node.money import from_minor
from node.payroll.models import EmploymentContract, Payslip, PayslipStatus, SalaryRequest
from plugins.payroll.model import PayBasis

Span = tuple[date, date | None]


def merged(spans: Iterable[Span], start: date, end: date) -> list[tuple[date, date]]:
    """The spans clipped to ``start``..``end`` and merged where they overlap or touch."""
    clipped = sorted(
        (max(first, start), min(last or end, end))
        for first, last in spans
        if first <= end and (last is None or last >= start)
    )
    result: list[tuple[date, date]] = []
    for first, last in clipped:
        if result and first <= result[-1][1] + timedelta(days=1):
            result[-1] = (result[-1][0], max(result[-1][1], last))
        else:
            result.append((first, last))
    return result


def covered_working_days(
    spans: Iterable[Span], start: date, end: date, is_working_day: Callable[[date], bool]
) -> int:
    """Working days inside ``start``..``end`` that at least one span covers."""
    count = 0
    for first, last in merged(spans, start, end):
        day = first
        while day <= last:
            count += is_working_day(day)
            day += timedelta(days=1)
    return count


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(from_minor(minor, currency)), "currency": currency}


def invoiced_minor(session: Session, activity_id: int) -> int:
    """Issued invoices net of VAT less issued credit notes, in the activity's currency."""
    rows = session.execute(
        select(Invoice.kind, func.coalesce(func.sum(Invoice.net_minor), 0))
        .where(Invoice.activity_id == activity_id, Invoice.status == InvoiceStatus.ISSUED.value)
        .group_by(Invoice.kind)
    )
    totals = {kind: int(total) for kind, total in rows}
    return totals.get(InvoiceKind.INVOICE.value, 0) - totals.get(InvoiceKind.CREDIT_NOTE.value, 0)


def _payslips(session: Session, member_id: int, activity_id: int) -> list[Any]:
    query = (
        select(Payslip, SalaryRequest.days, EmploymentContract.days, EmploymentContract.basis)
        .join(SalaryRequest, SalaryRequest.id == Payslip.request_id)
        .join(EmploymentContract, EmploymentContract.id == Payslip.contract_id)
        .where(
            Payslip.member_id == member_id,
            Payslip.activity_id == activity_id,
            Payslip.status == PayslipStatus.CURRENT.value,
        )
    )
    return list(session.execute(query))


def _spans(session: Session, member_id: int, activity_id: int) -> list[Span]:
    """Contracts of the guest on the activity that are not counted in days."""
    query = select(EmploymentContract.start_on, EmploymentContract.end_on).where(
        EmploymentContract.member_id == member_id,
        EmploymentContract.activity_id == activity_id,
        EmploymentContract.basis != PayBasis.DAILY.value,
    )
    return [(first, last) for first, last in session.execute(query)]


def figures(
    session: Session,
    *,
    member_id: int,
    activity_id: int,
    currency: str,
    period: tuple[date, date],
    is_working_day: Callable[[date], bool],
) -> dict[str, Any]:
    """Every figure the summary may carry (before the member's consent is applied)."""
    payslips = _payslips(session, member_id, activity_id)
    declared = sum(
        (asked if asked is not None else contract or 0)
        for _, asked, contract, basis in payslips
        if basis == PayBasis.DAILY.value
    )
    spans = _spans(session, member_id, activity_id)
    return {
        "days_worked": declared + covered_working_days(spans, *period, is_working_day),
        "invoiced_total": money(invoiced_minor(session, activity_id), currency),
        "gross_pay_total": money(sum(p.gross_minor for p, *_ in payslips), currency),
        "net_pay_total": money(sum(p.net_pay_minor for p, *_ in payslips), currency),
        "payslips": len(payslips),
    }


def consented(all_figures: Mapping[str, Any], share_back: Iterable[str]) -> dict[str, Any]:
    """Only the figures the member agreed to share."""
    allowed = set(share_back)
    return {name: value for name, value in all_figures.items() if name in allowed}
