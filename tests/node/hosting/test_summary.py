"""The completion summary: working days covered by contracts (pure), and every figure computed
from the host's books — issued invoices less credit notes, payslips in force, declared days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from node.hosting import summary
from node.invoices.models import Invoice
from node.runtime import Node
from tests.node.hosting.hosting_helpers import HOME
from tests.node.invoices.test_invoices import credit, issued_invoice_of
from tests.node.member_helpers import Crew
from tests.node.payouts.payout_helpers import credit_budget
from tests.node.payroll.payroll_helpers import ask_salary, contract, use_toy_payroll
from tests.node.transfers.transfer_helpers import open_activity as transfer_activity

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def weekday(day: date) -> bool:
    return day.weekday() < 5


def test_spans_are_clipped_and_merged() -> None:
    spans = [
        (date(2026, 2, 20), date(2026, 3, 3)),  # starts before the period
        (date(2026, 3, 4), date(2026, 3, 6)),  # touches the first
        (date(2026, 3, 5), date(2026, 3, 10)),  # overlaps the second
        (date(2026, 3, 20), None),  # open-ended
        (date(2026, 4, 2), date(2026, 4, 9)),  # after the period
    ]
    assert summary.merged(spans, *MARCH) == [
        (date(2026, 3, 1), date(2026, 3, 10)),
        (date(2026, 3, 20), date(2026, 3, 31)),
    ]


def test_a_day_covered_twice_counts_once_and_only_working_days_count() -> None:
    twice = [(date(2026, 3, 2), date(2026, 3, 8)), (date(2026, 3, 2), date(2026, 3, 6))]
    assert summary.covered_working_days(twice, *MARCH, weekday) == 5  # Mon 2 .. Fri 6
    holiday = date(2026, 3, 4)
    assert summary.covered_working_days(twice, *MARCH, lambda d: weekday(d) and d != holiday) == 4
    assert summary.covered_working_days([], *MARCH, weekday) == 0


def test_consent_keeps_only_the_shared_figures() -> None:
    figures = {"days_worked": 3, "payslips": 1, "net_pay_total": {"amount": "1.00"}}
    assert summary.consented(figures, ["payslips", "invoiced_total"]) == {"payslips": 1}
    assert summary.consented(figures, []) == {}


def _guest_with_an_invoice(crew: Crew) -> tuple[dict[str, Any], int, int]:
    """A guest of HOME, one issued invoice of theirs (637.50 net) and its activity."""
    guest = crew.create_member(status="guest", home_node_url=HOME)
    invoice_id = issued_invoice_of(crew, guest)
    with crew.node.db.reading() as session:
        return guest, invoice_id, session.get_one(Invoice, invoice_id).activity_id


def _paid(crew: Crew, activity_id: int, member_id: int, amount: str, **terms: Any) -> Any:
    """A payslip of ``member_id`` on a contract of the activity (toy payroll)."""
    use_toy_payroll(crew.node)
    profile = crew.client.patch(
        f"/api/v1/members/{member_id}/payroll-profile",
        json={"birth_date": "1990-05-17"},
        headers=crew.staff,
    )
    assert profile.status_code == 200, profile.text
    response = ask_salary(crew, contract(crew, activity_id, member_id=member_id, **terms), amount)
    assert response.status_code == 201, response.text
    return response.json()["payslip"]


def test_every_figure_comes_from_the_hosts_books(crew: Crew, node: Node) -> None:
    guest, invoice_id, activity_id = _guest_with_an_invoice(crew)
    two_hours = {"description": "Not done", "quantity": "2", "unit_price": "85.00"}
    assert credit(crew, invoice_id, lines=[two_hours]).status_code == 201  # 170.00 net
    credit_budget(crew, activity_id, "5000.00")
    daily = _paid(crew, activity_id, guest["id"], "1000.00")  # 10 days, 2–13 March
    monthly = _paid(
        crew,
        activity_id,
        guest["id"],
        "800.00",
        basis="monthly",
        days=None,
        start="2026-03-16",
        end="2026-03-31",
    )
    other, _ = crew.member_login(status="active")  # another member's pay is not the guest's
    _paid(crew, transfer_activity(crew, [other["id"]], "3000.00"), other["id"], "1000.00")
    with node.db.reading() as session:
        figures = summary.figures(
            session,
            member_id=guest["id"],
            activity_id=activity_id,
            currency="EUR",
            period=MARCH,
            is_working_day=node.jurisdiction.is_working_day,
        )
    assert figures == {
        "days_worked": 10 + 12,  # declared days, then 16–31 March's working days in Belgium
        "invoiced_total": {"amount": "467.50", "currency": "EUR"},  # 637.50 − 170.00
        "gross_pay_total": {"amount": _sum(daily, monthly, "gross"), "currency": "EUR"},
        "net_pay_total": {"amount": _sum(daily, monthly, "net_pay"), "currency": "EUR"},
        "payslips": 2,
    }


def _sum(first: dict[str, Any], second: dict[str, Any], figure: str) -> str:
    return str(Decimal(first[figure]) + Decimal(second[figure]))
