"""Payslip documents: a printable page and a PDF drawn on demand, in the member's language.

:func:`payslip_view` gathers what both show — employer and employee, period and contract, the
jurisdiction's lines, the totals, and a note when the payslip corrects another or was replaced —
with every label translated from the node's gettext catalogs (:mod:`node.i18n`) into the
payslip's language (the member's payroll profile, else the member's language) and amounts and
dates formatted for it (CLDR, via babel). :func:`render_html` and :func:`render_pdf` only lay
the view out, so the two documents cannot say different things. Line labels are the
jurisdiction's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from node import pdf as drawing
from node.i18n import _, use_language
from node.members.models import Member
from node.money import from_minor
from node.payouts.models import Payout
from node.payroll.models import EmploymentContract, Payslip, SalaryRequest
from plugins.payroll.model import Period

templates = Environment(
    loader=PackageLoader("node.payroll", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "same-origin",
}


def _kind(kind: str) -> str:
    return {"open_ended": _("Open-ended"), "fixed_term": _("Fixed-term")}.get(kind, kind)


def _basis(basis: str) -> str:
    return {"monthly": _("Monthly"), "daily": _("Daily"), "hourly": _("Hourly")}.get(basis, basis)


def payslip_view(session: Session, payslip: Payslip, settings: Any) -> dict[str, Any]:
    """What the payslip's page and PDF show, translated into the payslip's language."""
    member = session.get(Member, payslip.member_id)
    contract = session.get(EmploymentContract, payslip.contract_id)
    assert member is not None and contract is not None
    replaced_by = session.scalar(select(Payslip.id).where(Payslip.corrects_id == payslip.id))
    language = payslip.language
    data: Mapping[str, Any] = payslip.data
    currency = payslip.currency

    def money(minor: int) -> str:
        return format_currency(from_minor(minor, currency), currency, locale=language)

    def amount(text: str) -> str:
        return format_decimal(Decimal(text), format="#,##0.00", locale=language)

    def rate(text: str | None) -> str:
        return "" if text is None else f"{format_decimal(Decimal(text), locale=language)} %"

    def day(value: Any) -> str:
        return format_date(value, format="long", locale=language)

    with use_language(language):
        period = Period.parse(payslip.period)
        period_label = format_date(period.start, format="MMMM y", locale=language)
        title = " — ".join((_("Payslip"), period_label))
        notes = []
        if payslip.corrects_id is not None:
            notes.append(
                _("This payslip corrects payslip #{number}.").format(number=payslip.corrects_id)
            )
            if payslip.reason:
                notes.append(_("Reason: {reason}").format(reason=payslip.reason))
            payout = session.get(Payout, payslip.payout_id)
            if payout is not None and payout.amount_minor != payslip.net_pay_minor:
                notes.append(
                    _(
                        "Net pay already paid for this period: {paid}; paid with this "
                        "payslip: {now}."
                    ).format(
                        paid=money(payslip.net_pay_minor - payout.amount_minor),
                        now=money(payout.amount_minor),
                    )
                )
        if replaced_by is not None:
            notes.append(
                _("Replaced by payslip #{number}: this one no longer applies.").format(
                    number=replaced_by
                )
            )
        employer_lines = []
        if settings["node.legal_entity_number"]:
            company = _("Company number")
            employer_lines.append(f"{company} {settings['node.legal_entity_number']}")
        number = _("Member number")
        parties = [
            {"heading": _("Employer"), "name": settings["node.name"], "lines": employer_lines},
            {"heading": _("Employee"), "name": member.name, "lines": [f"{number} {member.id}"]},
        ]
        if contract.end_on is not None:
            dates = _("From {start} to {end}").format(
                start=day(contract.start_on), end=day(contract.end_on)
            )
        else:
            dates = _("From {start}").format(start=day(contract.start_on))
        facts = [
            (_("Period"), period_label),
            (_("Contract"), f"{_kind(contract.kind)}, {_basis(contract.basis)} — {dates}"),
            (_("Place of work"), contract.place_of_work),
            (_("Work fraction"), format_decimal(Decimal(contract.work_fraction), locale=language)),
        ]
        request_days = payslip_days(session, payslip, contract)
        if request_days[0] is not None:
            facts.append((_("Days worked"), str(request_days[0])))
        if request_days[1] is not None:
            facts.append(
                (_("Hours worked"), format_decimal(Decimal(request_days[1]), locale=language))
            )
        headings = [
            _("Item"),
            _("Base"),
            _("Employee rate"),
            _("Employee share"),
            _("Employer rate"),
            _("Employer share"),
        ]
        lines = [
            [
                str(line["label"]),
                amount(line["base"]),
                rate(line.get("employee_rate")),
                amount(line["employee_amount"]),
                rate(line.get("employer_rate")),
                amount(line["employer_amount"]),
            ]
            for line in data.get("lines", [])
        ]
        totals = [
            (_("Gross pay"), money(payslip.gross_minor), False),
            (_("Employee contributions"), money(payslip.employee_contributions_minor), False),
            (
                _("Net before tax"),
                money(payslip.gross_minor - payslip.employee_contributions_minor),
                False,
            ),
            (_("Income tax withheld"), money(payslip.income_tax_minor), False),
            (_("Net pay"), money(payslip.net_pay_minor), True),
            (_("Employer contributions"), money(payslip.employer_contributions_minor), False),
            (_("Employer cost"), money(payslip.employer_cost_minor), False),
        ]
    return {
        "language": language,
        "title": title,
        "notes": notes,
        "parties": parties,
        "facts": facts,
        "headings": headings,
        "lines": lines,
        "totals": totals,
        "created": payslip.created_at,
        "net_pay": str(from_minor(payslip.net_pay_minor, currency)),
        "currency": currency,
    }


def payslip_days(
    session: Session, payslip: Payslip, contract: EmploymentContract
) -> tuple[int | None, str | None]:
    """Days and hours the payslip paid for: the request's, else the contract's."""
    request = session.get(SalaryRequest, payslip.request_id)
    days = request.days if request is not None and request.days is not None else contract.days
    hours = request.hours if request is not None and request.hours is not None else contract.hours
    return days, hours


def render_html(view: Mapping[str, Any]) -> str:
    return templates.get_template("payslip.html").render(**view)


def render_pdf(view: Mapping[str, Any]) -> bytes:
    """The payslip's PDF (A4, DejaVu Sans; the same content as :func:`render_html`)."""
    pdf = drawing.new_document(view["title"], view["created"])
    for note in view["notes"]:
        pdf.set_text_color(*drawing.RED)
        drawing.text(pdf, note, bold=True)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
    drawing.text(pdf, view["title"], size=18, bold=True, height=9)
    pdf.ln(2)
    for party in view["parties"]:
        drawing.text(pdf, party["heading"], size=11, bold=True)
        drawing.text(pdf, "\n".join([party["name"], *party["lines"]]))
        pdf.ln(2)
    for label, value in view["facts"]:
        drawing.text(pdf, f"{label}: {value}")
    pdf.ln(3)
    drawing.table(
        pdf,
        view["headings"],
        view["lines"],
        widths=(54, 24, 20, 24, 20, 24),
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    drawing.totals(pdf, view["totals"])
    return bytes(pdf.output())
