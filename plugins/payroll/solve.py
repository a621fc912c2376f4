"""The inverse of a payslip computation: the gross whose employer cost is a given budget.

Works for any country, because it only needs the forward computation and that employer cost
rises with gross (which the conformance kit checks). Employer cost is nearly proportional to
gross — contributions are rates, piecewise linear between thresholds — so the search
interpolates: one trial payslip gives the ratio, a second lands within a cent or two of the
budget, a third confirms the neighbour: three to five forward computations where a bisection
over whole minor units needs about 25 — two or three when the caller passes answers found
before on the same cost line (``seeds``). Every guess stays inside the bracket known so far, and
the search halves the bracket whenever three interpolations in a row did not, so a country
whose costs are far from linear costs at most about three times a bisection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_FLOOR, Decimal

from plugins.payroll.model import PayrollError, Payslip

#: The first trial gross, as a share of the budget: employer costs run 1.1 to 1.5 times gross.
FIRST_TRIAL = Decimal("0.8")
#: Interpolations allowed in a row without halving the bracket before the search halves it.
PATIENCE = 3


def gross_for_employer_cost(
    compute: Callable[[Decimal], Payslip],
    employer_cost: Decimal,
    minor_unit: int = 2,
    seeds: Sequence[tuple[Decimal, Decimal]] = (),
) -> Payslip:
    """The payslip whose employer cost is nearest ``employer_cost`` (ties: the lower gross).

    Employer cost rises faster than gross (contributions), so consecutive grosses differ by
    more than one minor unit of cost and the nearest one is within that step of the budget.
    A caller that must never exceed a budget compares the result's ``employer_cost`` with it
    (or asks :func:`gross_within_employer_cost`).

    The answer is the one a bisection gives: the largest gross (in whole minor units, at least
    one) whose cost is at most the budget, or the gross one unit above it when that one's cost
    is strictly nearer.

    ``seeds``: up to two ``(gross, employer cost)`` pairs known of the same computation (other
    budgets solved before), the first guess interpolating them: with points on the same stretch
    of the cost line it lands on the answer. They only guide the search: its answer is
    computed and checked here all the same.
    """
    search = _Search(compute, employer_cost, minor_unit)
    low, high = search.bracket(seeds)
    if low == 0:  # even the smallest gross costs more than the budget
        return search.slip(1)
    below, above = search.slip(low), search.slip(high)
    if abs(above.employer_cost - employer_cost) < abs(employer_cost - below.employer_cost):
        return above
    return below


def gross_within_employer_cost(
    compute: Callable[[Decimal], Payslip],
    employer_cost: Decimal,
    minor_unit: int = 2,
    seeds: Sequence[tuple[Decimal, Decimal]] = (),
) -> Payslip | None:
    """The payslip of the largest gross (whole minor units) whose employer cost is at most
    ``employer_cost``; ``None`` when even one minor unit of gross costs more.

    What :func:`gross_for_employer_cost` followed by stepping the gross down one unit while
    the cost exceeds the budget gives, without computing the neighbour above (``seeds``: as
    there).
    """
    search = _Search(compute, employer_cost, minor_unit)
    low, _high = search.bracket(seeds)
    return search.slip(low) if low else None


class _Search:
    """The boundary gross of a budget: ``cost(low) ≤ budget < cost(low + 1)``, in minor units."""

    def __init__(
        self, compute: Callable[[Decimal], Payslip], employer_cost: Decimal, minor_unit: int
    ) -> None:
        if employer_cost <= 0:
            raise PayrollError("the employer cost must be positive")
        self.compute = compute
        self.unit = Decimal(1).scaleb(-minor_unit)
        self.budget = employer_cost / self.unit  # in minor units (of cost)
        self.slips: dict[int, Payslip] = {}

    def slip(self, gross: int) -> Payslip:
        found = self.slips.get(gross)
        if found is None:
            found = self.slips[gross] = self.compute(gross * self.unit)
        return found

    def cost(self, gross: int) -> Decimal:
        return self.slip(gross).employer_cost / self.unit

    def bracket(self, seeds: Sequence[tuple[Decimal, Decimal]] = ()) -> tuple[int, int]:
        """``(low, low + 1)``: ``low`` the largest gross costing at most the budget, 0 if none.

        The bracket's ends start virtual (gross 0 costs nothing; gross ``top + 1`` costs more
        than the budget, employer cost being at least gross) and are computed only when
        reached. Each guess interpolates the two latest points — at first the seeds, or the
        origin and a trial at :data:`FIRST_TRIAL` of the budget — kept strictly inside the
        bracket.
        """
        budget = self.budget
        low, high = 0, max(int(budget), 1) + 1
        # the two latest (gross, cost) points, in minor units: computed here, or seeds
        points = [(int(gross / self.unit), cost / self.unit) for gross, cost in seeds[-2:]]
        widths = [high - low]  # the bracket's width after each step
        halve = False
        while high - low > 1:
            guess = None if halve else _interpolate(points, budget)
            if guess is None:
                guess = (low + high) // 2 if self.slips else _trial(budget)
            guess = min(max(guess, low + 1), high - 1)
            found = self.cost(guess)
            points = [*points[-1:], (guess, found)]
            if found <= budget:
                low = guess
            else:
                high = guess
            widths.append(high - low)
            stalled = len(widths) > PATIENCE and 2 * widths[-1] > widths[-1 - PATIENCE]
            halve = not halve and stalled
        return low, high


def _trial(budget: Decimal) -> int:
    return int((budget * FIRST_TRIAL).to_integral_value(ROUND_FLOOR))


def _interpolate(points: list[tuple[int, Decimal]], budget: Decimal) -> int | None:
    """The gross (minor units, rounded down) where the line through the two latest points — or
    through the origin and the only one — reaches ``budget``; ``None`` without points or on a
    flat stretch (the caller makes its first trial, or halves the bracket)."""
    if not points:
        return None
    (g0, c0) = points[0] if len(points) == 2 else (0, Decimal(0))
    (g1, c1) = points[-1]
    if c1 == c0:
        return None
    estimate = g1 + (budget - c1) * (g1 - g0) / (c1 - c0)
    return int(estimate.to_integral_value(ROUND_FLOOR))
