"""Host requirements as a posting answer states them: every shipped country's, the hourly minimum
(the plugin's own, or the monthly one converted with the country's working week)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from federation.schemas import default_catalogue
from node.postings.requirements import (
    WORKING_WEEKS,
    check_wage,
    hourly_minimum,
    requirements_body,
)
from plugins import at, be, de, es, fr, hu, it, nl, se
from plugins.payroll.model import MinimumWage

PAYROLLS = {
    module.__name__.rsplit(".", 1)[1].upper(): module.coop_register_jurisdictions()[0].payroll()
    for module in (at, be, de, es, fr, hu, it, nl, se)
}
ON = date(2026, 9, 1)


def minimum(monthly: str, hourly: str | None = None, **changes: object) -> MinimumWage:
    fields: dict[str, object] = {
        "monthly": Decimal(monthly),
        "hourly": None if hourly is None else Decimal(hourly),
        "currency": "EUR",
        "source": "https://law.example",
        "effective": date(2026, 1, 1),
    }
    fields.update(changes)
    return MinimumWage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("country", sorted(PAYROLLS))
def test_every_country_has_an_hourly_minimum_and_a_valid_answer(country: str) -> None:
    payroll = PAYROLLS[country]
    assert payroll is not None
    requirements = payroll.posting_requirements(ON)
    hourly, how = hourly_minimum(requirements.minimum_wage, country)
    assert hourly is not None and hourly > 0
    assert (how is None) == (requirements.minimum_wage.hourly is not None)
    assert (country in WORKING_WEEKS) == (requirements.minimum_wage.hourly is None)
    check = check_wage(
        requirements.minimum_wage, country, hourly, requirements.minimum_wage.currency
    )
    assert check.meets  # the minimum itself meets the minimum
    answer = {
        "posting": "6b1f3c2e-8d4a-4f0b-9a57-2e9c1d0f7a31",
        "requirements": requirements_body(requirements),
        "meets_minimum_wage": check.meets,
        "local_contact": {"name": "Desk", "email": "desk@coop.example"},
        "services": [],
        "warnings": list(check.warnings),
    }
    assert default_catalogue().errors("posting-answer", 1, answer) == []


def test_a_monthly_minimum_is_converted_with_the_working_week() -> None:
    # Belgium: 2233.61 × 12 / (52 × 38) = 13.5644…; Spain: 1221 × 14 payments / (52 × 40) = 8.2182…
    assert hourly_minimum(minimum("2233.61"), "BE")[0] == Decimal("13.56")
    hourly, how = hourly_minimum(minimum("1221.00"), "ES")
    assert hourly == Decimal("8.22")
    assert how is not None and "1221.00 × 14 payments / (52 weeks × 40 hours)" in how
    assert "art. 34.1" in how
    assert hourly_minimum(minimum("1867.02", "12.31"), "FR") == (Decimal("12.31"), None)
    assert hourly_minimum(minimum("1000.00"), "PT") == (None, None)


def test_the_check_says_why_it_did_not_compare_or_what_is_missing() -> None:
    below = check_wage(minimum("1867.02", "12.31"), "FR", Decimal("12.30"), "EUR")
    assert not below.meets and [w["code"] for w in below.warnings] == ["below_minimum_wage"]
    exact = check_wage(minimum("1867.02", "12.31"), "FR", Decimal("12.31"), "EUR")
    assert exact.meets and exact.warnings == ()
    unknown = check_wage(minimum("1000.00"), "PT", Decimal("50"), "EUR")
    assert not unknown.meets and unknown.warnings[-1]["code"] == "minimum_wage_not_compared"
    sweden = minimum("20000.00", currency="SEK", statutory=False)
    other = check_wage(sweden, "SE", Decimal("20.00"), "EUR")
    assert [w["code"] for w in other.warnings] == [
        "minimum_wage_not_statutory",
        "minimum_wage_converted",
        "minimum_wage_not_compared",
    ]
    assert not other.meets
