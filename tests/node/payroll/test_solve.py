"""``node.payroll.service.solve``: the payslip nearest the budget without exceeding it — the
jurisdiction's inverse stepped down a cent while it costs more — found directly, and from the
answers of earlier budgets, with the same result."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from node.payroll import service
from plugins.be.payroll import belgium_payroll
from plugins.payroll.contract import Payroll
from plugins.payroll.model import Contract, ContractKind, PayBasis, PayrollError, Payslip, Period
from tests.node.payroll.toy import ToyPayroll

MARCH = Period(2026, 3)
CENT = Decimal("0.01")
TERMS = [
    Contract(),
    Contract(work_fraction=Decimal("0.5")),
    Contract(
        ContractKind.FIXED_TERM,
        PayBasis.DAILY,
        start=date(2026, 3, 2),
        end=date(2026, 3, 13),
        days=10,
    ),
]


def stepped_down(
    payroll: Payroll, budget: Decimal, params: Mapping[str, Any], terms: Contract
) -> Payslip:
    """What ``solve`` is defined as: the inverse, then a cent lower while it costs more."""
    slip = payroll.gross_for_employer_cost(MARCH, budget, params, terms)
    while slip.employer_cost > budget:
        slip = payroll.payslip(MARCH, slip.gross - CENT, params, terms)
    return slip


class OwnInverse(ToyPayroll):
    """A country with its own inverse (here: the nearest payslip a cent above the generic one's,
    when it still fits), which ``solve`` must use as given."""

    def gross_for_employer_cost(
        self,
        period: Period,
        employer_cost: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        found = super().gross_for_employer_cost(period, employer_cost, params, contract)
        return self.payslip(period, found.gross + CENT, params, contract)


@pytest.mark.parametrize(
    ("payroll", "profiles"),
    [
        (ToyPayroll(), [{}, {"category": "executive"}]),
        (
            belgium_payroll(),
            [{}, {"category": "blue_collar"}, {"marital_status": "married_one_income"}],
        ),
        (OwnInverse(), [{}]),
    ],
    ids=["toy", "belgium", "own-inverse"],
)
def test_solve_is_the_stepped_down_inverse(payroll: Payroll, profiles: list[Any]) -> None:
    rng = random.Random(3)
    for _ in range(150):
        params = payroll.params(rng.choice(profiles))
        terms = rng.choice(TERMS)
        budget = Decimal(rng.randint(150_000, 700_000)).scaleb(-2)
        found = service.solve(payroll, MARCH, budget, params, terms)
        expected = stepped_down(payroll, budget, params, terms)
        assert (found.gross, found.employer_cost) == (expected.gross, expected.employer_cost)
        assert found == payroll.payslip(MARCH, found.gross, params, terms)
        assert found.employer_cost <= budget


def test_a_budget_too_small_for_a_cent_of_salary() -> None:
    payroll = ToyPayroll()
    with pytest.raises(PayrollError, match="too small"):
        service.solve(payroll, MARCH, Decimal("0.005"), payroll.params({}), Contract())
