"""The shared payroll library: periods and contracts, law files, params, the inverse solver."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from plugins.payroll.law import LawBook, LawFileError
from plugins.payroll.model import (
    Contract,
    ContractKind,
    PayBasis,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodOutsideLaw,
)
from plugins.payroll.params import checked_params, decimal_param
from plugins.payroll.solve import gross_for_employer_cost

LAW = """
[meta]
country = "XX"
covers_from = 2026-01-01
covers_until = 2026-12-31

[[param]]
key = "rate.employee"
value = "10.5"
effective = 2026-01-01
until = 2026-06-30
source = "https://example.org/law#1"

[[param]]
key = "rate.employee"
value = "11"
effective = 2026-07-01
source = "https://example.org/law#2"
reference = "Art. 2"

[[param]]
key = "grid"
value = [["0", "0"], ["1000", "1.5"]]
effective = 2026-01-01
source = "https://example.org/grid"

[[param]]
key = "cap.days"
value = 30
effective = 2026-01-01
source = "https://example.org/cap"
"""


def law_file(tmp_path: Path, text: str = LAW) -> Path:
    path = tmp_path / "law.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_periods_parse_and_know_their_days() -> None:
    period = Period.parse("2026-02")
    assert (period.start, period.end, str(period)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        "2026-02",
    )
    assert Period.of(date(2024, 2, 10)).end == date(2024, 2, 29)
    for bad in ("2026-13", "2026-3", "March", "2026-00"):
        with pytest.raises(PayrollError):
            Period.parse(bad)


def test_contracts_refuse_what_cannot_be_paid() -> None:
    assert Contract().kind == ContractKind.OPEN_ENDED
    with pytest.raises(PayrollError, match="days worked"):
        Contract(basis=PayBasis.DAILY)
    with pytest.raises(PayrollError, match="start and end"):
        Contract(kind=ContractKind.FIXED_TERM)
    with pytest.raises(PayrollError, match="work_fraction"):
        Contract(work_fraction=Decimal("1.5"))
    with pytest.raises(PayrollError, match="end before"):
        Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 2), end=date(2026, 3, 1))


def test_law_values_are_dated_sourced_and_typed(tmp_path: Path) -> None:
    book = LawBook.load(law_file(tmp_path))
    march, july = book.at(date(2026, 3, 1)), book.at(date(2026, 7, 1))
    assert march.decimal("rate.employee") == Decimal("10.5")
    assert july.decimal("rate.employee") == Decimal("11")
    assert july.value("rate.employee").reference == "Art. 2"
    assert march.table("grid") == ((Decimal(0), Decimal(0)), (Decimal(1000), Decimal("1.5")))
    assert march.integer("cap.days") == 30
    with pytest.raises(PeriodOutsideLaw, match="not for 2027-01-01"):
        book.at(date(2027, 1, 1))
    with pytest.raises(PeriodOutsideLaw, match="no 'missing'"):
        march.decimal("missing")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('value = "10.5"', "value = 10.5"), "never floats"),
        (('source = "https://example.org/law#1"', 'source = "http://x"'), "https URL"),
        (("until = 2026-06-30", "until = 2026-07-01"), "overlap"),
        (('reference = "Art. 2"', 'reference = "Art. 2"\nrate = "1"'), "unknown fields"),
        (("covers_until = 2026-12-31", ""), "covers_until"),
    ],
)
def test_law_files_are_checked_strictly(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    with pytest.raises(LawFileError, match=problem):
        LawBook.load(law_file(tmp_path, LAW.replace(*change, 1)))


SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "category": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "headcount": {"type": "integer", "minimum": 1, "default": 10},
        "rate": decimal_param("A rate in percent.", default="0.70"),
        "flag": {"type": "boolean", "default": False},
    },
}


def test_params_from_text_are_typed_checked_and_completed() -> None:
    assert checked_params(SCHEMA, {}) == {
        "category": "a",
        "headcount": 10,
        "rate": Decimal("0.70"),
        "flag": False,
    }
    given = {"category": "b", "headcount": "20", "rate": "1.30", "flag": "yes"}
    assert checked_params(SCHEMA, given) == {
        "category": "b",
        "headcount": 20,
        "rate": Decimal("1.30"),
        "flag": True,
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"colour": "red"}, "unknown param colour (known: category, flag, headcount, rate)"),
        ({"headcount": "many"}, "param headcount: 'many' is not an integer"),
        ({"headcount": 0}, "param headcount: 0 is less than the minimum of 1"),
        ({"category": "c"}, "param category: 'c' is not one of ['a', 'b']"),
        ({"rate": "0,7"}, "param rate: '0,7' does not match"),
        ({"flag": "perhaps"}, "param flag: 'perhaps' is not true or false"),
    ],
)
def test_bad_params_are_one_clear_line(given: dict[str, object], message: str) -> None:
    with pytest.raises(PayrollError) as caught:
        checked_params(SCHEMA, given)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def flat_payslip(gross: Decimal) -> Payslip:
    """A toy law: 13.07 % employee and 27.3 % employer contributions, each rounded half up."""
    cent = Decimal("0.01")
    employee = (gross * Decimal("0.1307")).quantize(cent, ROUND_HALF_UP)
    employer = (gross * Decimal("0.273")).quantize(cent, ROUND_HALF_UP)
    line = PayslipLine(
        "social", "Social security", gross, Decimal("13.07"), employee, Decimal("27.3"), employer
    )
    return Payslip("XX", Period(2026, 1), "EUR", gross, (line,))


def test_the_payslip_totals_are_sums_of_its_lines() -> None:
    slip = flat_payslip(Decimal("2500.00"))
    assert (slip.employee_contributions, slip.employer_contributions) == (
        Decimal("326.75"),
        Decimal("682.50"),
    )
    assert (slip.net_before_tax, slip.net_pay, slip.employer_cost) == (
        Decimal("2173.25"),
        Decimal("2173.25"),
        Decimal("3182.50"),
    )
    shown = slip.as_dict()
    assert shown["employer_cost"] == "3182.50" and shown["lines"][0]["employee_rate"] == "13.07"


@pytest.mark.parametrize("gross", ["1801.80", "2500.00", "0.01", "12345.67"])
def test_the_inverse_finds_the_gross_back(gross: str) -> None:
    cost = flat_payslip(Decimal(gross)).employer_cost
    assert gross_for_employer_cost(flat_payslip, cost).gross == Decimal(gross)


def test_the_inverse_lands_within_one_step_of_any_budget() -> None:
    for budget in (Decimal("1000.00"), Decimal("3333.33"), Decimal("0.02")):
        found = gross_for_employer_cost(flat_payslip, budget)
        assert abs(found.employer_cost - budget) <= Decimal("0.01")
    with pytest.raises(PayrollError):
        gross_for_employer_cost(flat_payslip, Decimal(0))


def test_checked_params_can_be_checked_again() -> None:
    once = checked_params(SCHEMA, {"rate": "1.30", "headcount": "20"})
    assert checked_params(SCHEMA, once) == once
