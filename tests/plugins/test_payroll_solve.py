"""The inverse solver (``plugins.payroll.solve``): the same answers as a bisection over whole
minor units — nearest employer cost, ties to the lower gross; the largest gross within a budget —
in a handful of forward computations, whatever the seeds."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest

from plugins.payroll.model import PayrollError, Payslip, PayslipLine, Period
from plugins.payroll.solve import gross_for_employer_cost, gross_within_employer_cost

CENT = Decimal("0.01")
Cost = Callable[[Decimal], Decimal]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def flat(gross: Decimal) -> Decimal:
    """27.3 % employer contributions."""
    return gross + cents(gross * Decimal("0.273"))


def reduced(gross: Decimal) -> Decimal:
    """Contributions of 25 %, less a low-wage reduction fading out from 2,000 to 3,000, plus a
    lump sum above 4,000: piecewise linear, not proportional."""
    reduction = max(Decimal(0), min(Decimal(300), (3000 - gross) * Decimal("0.3")))
    lump = Decimal("45.50") if gross > 4000 else Decimal(0)
    return gross + cents(gross * Decimal("0.25") - reduction) + lump


def stairs(gross: Decimal) -> Decimal:
    """Flat stretches and jumps: contributions by bands of 50 (still never decreasing)."""
    return gross + (gross // 50) * 13


def curved(gross: Decimal) -> Decimal:
    """Far from linear: contributions rising with the square of the gross."""
    return gross + cents(gross * gross / 20000)


LAWS = [flat, reduced, stairs, curved]


class Counted:
    """The payslip of ``cost`` for a gross, counting the computations."""

    def __init__(self, cost: Cost) -> None:
        self.cost = cost
        self.calls = 0

    def __call__(self, gross: Decimal) -> Payslip:
        self.calls += 1
        employer = self.cost(gross) - gross
        line = PayslipLine("social", "Social", gross, None, Decimal(0), None, employer)
        return Payslip("XX", Period(2026, 3), "EUR", gross, (line,))


def bisection(cost: Cost, budget: Decimal) -> tuple[Decimal, Decimal]:
    """The reference: ``(nearest, within)`` grosses by bisection over cents, as the solver did
    before it interpolated — ``within`` the largest gross costing at most the budget (at least
    one cent), ``nearest`` it or the cent above when strictly nearer (ties: the lower)."""
    low, high = 1, max(int(budget / CENT), 1)
    while low < high:
        middle = (low + high + 1) // 2
        if cost(middle * CENT) <= budget:
            low = middle
        else:
            high = middle - 1
    below, above = low * CENT, (low + 1) * CENT
    nearest = above if abs(cost(above) - budget) < abs(budget - cost(below)) else below
    return nearest, below


def budgets() -> list[Decimal]:
    rng = random.Random(7)
    found = [Decimal("0.01"), Decimal("0.02"), Decimal("1.00"), Decimal("2500.00")]
    found += [Decimal(rng.randint(1, 1_200_000)).scaleb(-2) for _ in range(120)]
    found += [Decimal(rng.randint(1, 120_000) * 10) for _ in range(30)]  # round budgets
    return found


@pytest.mark.parametrize("cost", LAWS, ids=lambda law: law.__name__)
def test_the_answers_are_the_bisections(cost: Cost) -> None:
    for budget in budgets():
        nearest, within = bisection(cost, budget)
        assert gross_for_employer_cost(Counted(cost), budget).gross == nearest, budget
        found = gross_within_employer_cost(Counted(cost), budget)
        if cost(within) > budget:  # even one cent costs more
            assert found is None, budget
        else:
            assert found is not None and found.gross == within, budget


@pytest.mark.parametrize("cost", LAWS, ids=lambda law: law.__name__)
def test_seeds_guide_but_never_change_the_answer(cost: Cost) -> None:
    rng = random.Random(11)
    answers: list[tuple[Decimal, Decimal]] = []
    for budget in budgets():
        seeds = rng.choice(
            [
                answers[-2:],  # real answers of the same law
                [(Decimal("100.00"), Decimal("100.00")), (Decimal("200.00"), Decimal("100.00"))],
                [(Decimal("5.00"), Decimal("900000.00"))],  # wildly wrong
                [],
            ]
        )
        nearest, _within = bisection(cost, budget)
        assert gross_for_employer_cost(Counted(cost), budget, seeds=seeds).gross == nearest
        found = gross_within_employer_cost(Counted(cost), budget, seeds=seeds)
        if found is not None:
            answers.append((found.gross, found.employer_cost))


def test_a_few_computations_where_bisection_needs_twenty() -> None:
    def average(cost: Cost, seeded: bool) -> float:
        answers: list[tuple[Decimal, Decimal]] = []
        calls = 0
        spread = [Decimal(2000 + 37 * n) for n in range(100)]
        for budget in spread:
            counted = Counted(cost)
            seeds = sorted(answers, key=lambda a: abs(a[1] - budget))[:2] if seeded else []
            found = gross_within_employer_cost(counted, budget, seeds=seeds)
            assert found is not None
            answers.append((found.gross, found.employer_cost))
            calls += counted.calls
        return calls / len(spread)

    assert average(flat, seeded=False) <= 4
    assert average(reduced, seeded=False) <= 5
    assert average(flat, seeded=True) <= 2.7
    assert average(reduced, seeded=True) <= 2.7


@pytest.mark.parametrize("cost", LAWS, ids=lambda law: law.__name__)
def test_never_much_worse_than_bisection(cost: Cost) -> None:
    for budget in (Decimal("0.05"), Decimal("999.99"), Decimal("12345.67")):
        counted = Counted(cost)
        gross_for_employer_cost(counted, budget)
        steps = max(int(budget / CENT), 2).bit_length()
        assert counted.calls <= 3 * steps + 2, (budget, counted.calls)


def test_a_budget_must_be_positive() -> None:
    for solver in (gross_for_employer_cost, gross_within_employer_cost):
        with pytest.raises(PayrollError):
            solver(Counted(flat), Decimal(0))
