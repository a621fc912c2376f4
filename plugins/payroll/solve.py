"""The inverse of a payslip computation: the gross whose employer cost is a given budget.

Works for any country, because it only needs the forward computation and that employer cost
rises with gross (which the conformance kit checks). Bisection over whole minor units: about
30 forward computations for any budget up to a million.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from plugins.payroll.model import PayrollError, Payslip


def gross_for_employer_cost(
    compute: Callable[[Decimal], Payslip], employer_cost: Decimal, minor_unit: int = 2
) -> Payslip:
    """The payslip whose employer cost is nearest ``employer_cost`` (ties: the lower gross).

    Employer cost rises faster than gross (contributions), so consecutive grosses differ by
    more than one minor unit of cost and the nearest one is within that step of the budget.
    A caller that must never exceed a budget compares the result's ``employer_cost`` with it.
    """
    if employer_cost <= 0:
        raise PayrollError("the employer cost must be positive")
    unit = Decimal(1).scaleb(-minor_unit)
    low, high = 1, max(int(employer_cost / unit), 1)  # employer cost ≥ gross: gross ≤ budget
    while low < high:  # the largest gross whose cost is ≤ the budget (or the smallest gross)
        middle = (low + high + 1) // 2
        if compute(middle * unit).employer_cost <= employer_cost:
            low = middle
        else:
            high = middle - 1
    below, above = compute(low * unit), compute((low + 1) * unit)
    if abs(above.employer_cost - employer_cost) < abs(employer_cost - below.employer_cost):
        return above
    return below
