"""The guarantee policy and the activity's share of what is open (pure: no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from node.guarantee.policy import GuaranteePolicy
from node.guarantee.position import OpenReceivable
from node.invoices.overdue import days_overdue
from node.payouts.available import BudgetPosition
from plugins.facts_jurisdiction import FactsJurisdiction


@pytest.mark.parametrize(
    ("clients", "standing", "covered"),
    [
        ("all", "standard", True),
        ("all", "approved", True),
        ("all", "excluded", False),
        ("approved", "standard", False),
        ("approved", "approved", True),
        ("approved", "excluded", False),
        ("none", "approved", False),
        ("none", "standard", False),
    ],
)
def test_which_clients_are_covered(clients: str, standing: str, covered: bool) -> None:
    policy = GuaranteePolicy(clients=clients)
    assert policy.covers(standing, Decimal("100.00")) is covered


def test_invoices_above_the_cap_are_not_covered() -> None:
    policy = GuaranteePolicy(max_invoice_gross=Decimal("800.00"))
    assert policy.covers("standard", Decimal("800.00"))
    assert not policy.covers("standard", Decimal("800.01"))


def test_default_starts_on_the_configured_day() -> None:
    policy = GuaranteePolicy(default_after_days=90)
    assert not policy.in_default(89)
    assert policy.in_default(90)
    assert days_overdue(date(2026, 1, 31), date(2026, 5, 1)) == 90
    assert days_overdue(date(2026, 5, 2), date(2026, 5, 1)) == 0
    assert days_overdue(None, date(2026, 5, 1)) == 0


def test_salary_is_due_in_working_days_of_the_jurisdiction() -> None:
    policy = GuaranteePolicy(salary_within_working_days=7)
    calendar = FactsJurisdiction.for_package("plugins.be")
    # Thursday 24 Dec 2026: Christmas (Fri 25), the weekend and New Year's Day (Fri 1 Jan) do
    # not count: 28, 29, 30, 31 Dec, 4, 5, 6 Jan.
    assert policy.salary_due_by(date(2026, 12, 24), calendar) == date(2027, 1, 6)
    # An ordinary week: Monday + 7 working days is the Wednesday of the next week.
    assert policy.salary_due_by(date(2026, 3, 2), calendar) == date(2026, 3, 11)


def receivable(gross: int, share: int, open_: int, written_off: bool = False) -> OpenReceivable:
    return OpenReceivable(
        invoice_id=1,
        number="2026-000001",
        activity_id=1,
        client_id=1,
        currency="EUR",
        covered=True,
        due_date=None,
        gross=gross,
        share=share,
        open=open_,
        written_off=written_off,
    )


def test_the_share_of_what_is_open_is_exact_at_both_ends_and_rounded_half_up_between() -> None:
    assert receivable(81065, 63070, 81065).open_share == 63070
    assert receivable(81065, 63070, 41065).open_share == 31949  # 31949.29… → 319.49
    assert receivable(200, 101, 100).open_share == 51  # 50.5 → 51
    assert receivable(81065, 63070, 0).open_share == 0
    assert receivable(81065, 63070, 81065, written_off=True).open_share == 0


def test_available_and_exposure_follow_their_definitions() -> None:
    # Held 630.70 from a covered invoice nobody paid; nothing paid out: no exposure.
    fresh = BudgetPosition("EUR", held=63070, awaiting_payment=0, covered_unpaid=63070, reserved=0)
    assert (fresh.available, fresh.guarantee_exposure) == (63070, 0)
    # All of it paid out: the fund stands behind all of it.
    spent = BudgetPosition("EUR", held=0, awaiting_payment=0, covered_unpaid=63070, reserved=0)
    assert (spent.available, spent.guarantee_exposure) == (0, 63070)
    # Uncovered turnover awaiting payment is not available and exposes nothing.
    waiting = BudgetPosition(
        "EUR", held=63070, awaiting_payment=63070, covered_unpaid=0, reserved=0
    )
    assert (waiting.available, waiting.guarantee_exposure) == (0, 0)
    # Reserved payouts lower what is available but are not yet paid out.
    reserved = BudgetPosition(
        "EUR", held=10000, awaiting_payment=0, covered_unpaid=0, reserved=2500
    )
    assert (reserved.available, reserved.guarantee_exposure) == (7500, 0)
