"""The pay of a posted member under this node's law (the member stays employed at home).

A posting does not change who pays or which law computes the payslip: this node's jurisdiction
does (:meth:`plugins.payroll.contract.Payroll.payslip`). When a posting is declared, the node
computes the payslip of one full month of the posting so staff and the member see what the
declared hourly gross gives at home, next to the host's minimum:

* hours in the month = hours a week × 52 / 12, rounded to hundredths;
* gross = hourly gross × those hours, rounded half-up to the currency's minor unit;
* a fixed-term hourly contract from the posting's start to its end, the member's payroll
  params (their profile, checked by the country's schema), the period of the posting's first
  month — or, when the law data does not cover it yet, the latest month it covers (``period`` then differs from
  ``first_month``).

It is an estimate for the record: the real payslips come from salary requests as for any work.
When the law cannot compute it (params missing from the member's profile …) the posting is still
declared, with ``computed: false`` and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from node.money import minor_exponent
from plugins.payroll.contract import Payroll
from plugins.payroll.model import Contract, ContractKind, PayBasis, PayrollError, Period

WEEKS_A_MONTH = Decimal(52) / Decimal(12)
HUNDREDTH = Decimal("0.01")


def law_day(payroll: Payroll, on: date) -> date:
    """``on``, or the nearest day the country's law data covers."""
    return min(max(on, payroll.law.covers_from), payroll.law.covers_until)


def monthly_hours(hours_per_week: Decimal) -> Decimal:
    return (hours_per_week * WEEKS_A_MONTH).quantize(HUNDREDTH, ROUND_HALF_UP)


def estimate(
    payroll: Payroll | None,
    params: Mapping[str, Any],
    *,
    start: date,
    end: date,
    hours_per_week: Decimal,
    hourly_gross: Decimal,
    currency: str,
) -> dict[str, Any]:
    """The first month's payslip summary (decimal strings), or why there is none."""
    if payroll is None:
        return {"computed": False, "reason": "this node's country has no payroll computation"}
    hours = monthly_hours(hours_per_week)
    unit = Decimal(1).scaleb(-minor_exponent(currency))
    gross = (hourly_gross * hours).quantize(unit, ROUND_HALF_UP)
    day = law_day(payroll, start)
    period = Period(day.year, day.month)
    try:
        contract = Contract(
            kind=ContractKind.FIXED_TERM, basis=PayBasis.HOURLY, start=start, end=end, hours=hours
        )
        slip = payroll.payslip(period, gross, payroll.params(params), contract)
    except PayrollError as exc:
        return {"computed": False, "reason": str(exc)[:500]}
    return {
        "computed": True,
        "country": slip.country,
        "period": str(slip.period),
        "first_month": f"{start:%Y-%m}",  # differs from ``period`` when the law stops short
        "hours": str(hours),
        "currency": slip.currency,
        "gross": str(slip.gross),
        "net_pay": str(slip.net_pay),
        "employer_cost": str(slip.employer_cost),
    }
