"""Swedish payroll 2026 (plugins/se/payroll.py, plugins/se/tax.py): the published tax tables,
employer contributions by age and their youth ceiling, the withholding methods, params,
periods, the inverse, the declarations and the CLI."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.law import LawBook
from plugins.payroll.model import (
    Contract,
    ContractKind,
    Employer,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodOutsideLaw,
    Worker,
)
from plugins.se.payroll import SwedenPayroll
from tests.plugins.payroll_cli import Run

LAW_FILE = Path(__file__).parents[3] / "plugins" / "se" / "payroll_2026.toml"
MARCH, APRIL = Period(2026, 3), Period(2026, 4)


def sweden_payroll() -> SwedenPayroll:
    (sweden,) = importlib.import_module("plugins.se").coop_register_jurisdictions()
    payroll = sweden.payroll()
    assert isinstance(payroll, SwedenPayroll)
    return payroll


SE = sweden_payroll()


def slip(gross: str, period: Period = MARCH, **params: Any) -> Payslip:
    return SE.payslip(period, Decimal(gross), params)


def line(payslip: Payslip, code: str) -> PayslipLine:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> list[str]:
    return [each.code for each in payslip.lines]


def resolve(payslip: Payslip, key: str) -> Decimal:
    if key.startswith("line:"):
        _, code, field = key.split(":")
        return Decimal(getattr(line(payslip, code), field))
    if key.startswith("extra:"):
        return Decimal(payslip.extra[key.removeprefix("extra:")])
    return Decimal(getattr(payslip, key))


# -- the jurisdiction and its law ---------------------------------------------------------


def test_sweden_exposes_its_payroll() -> None:
    assert (SE.country, SE.currency, SE.minor_unit) == ("SE", "SEK", 2)
    assert (SE.law.covers_from, SE.law.covers_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert sweden_payroll() is SE


def test_law_file_dates_and_sources_every_value() -> None:
    book = LawBook.load(LAW_FILE)
    keys = {value.key for value in book.values}
    for value in book.values:
        assert value.source.startswith("https://"), value.key
        assert value.reference, value.key
        assert value.until is not None and value.until <= date(2026, 12, 31), value.key
    for day in (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 12, 31)):
        law = book.at(day)
        for key in keys:
            law.value(key)


def test_youth_rate_changes_on_the_first_of_april() -> None:
    assert SE.law.at(date(2026, 3, 31)).decimal("employer.youth_rate") == Decimal("31.42")
    assert SE.law.at(date(2026, 4, 1)).decimal("employer.youth_rate") == Decimal("20.81")


def test_every_line_and_the_tax_name_law_values_that_exist() -> None:
    keys = {value.key for value in SE.law.values}
    for payslip in (
        slip("30000"),
        slip("30000", APRIL, birth_year=2004),
        slip("30000", birth_year=1950, withholding="side_income_30"),
        slip("30000", birth_year=1950),
        slip("30000", tax_table=33),
        slip("30000", withholding="side_income_30"),
    ):
        for each in payslip.lines:
            assert each.sources and set(each.sources) <= keys, each.code
        assert set(payslip.extra["withholding_sources"].split(",")) <= keys, payslip.params


# -- reference cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(SE.reference_cases()), ids=lambda case: case.id)
def test_reference_case(case: ReferenceCase) -> None:
    assert case.source and case.gross is not None
    payslip = SE.payslip(case.period, case.gross, case.params, case.contract)
    for key, expected in case.expected.items():
        assert abs(resolve(payslip, key) - expected) <= case.tolerance, (key, expected)


def test_reference_cases_cover_the_tax_tables_and_the_employer_side() -> None:
    cases = list(SE.reference_cases())
    tables = {case.params.get("tax_table") for case in cases}
    assert {29, 30, 33} <= tables
    assert any(case.params.get("birth_year", 2000) < 1960 for case in cases)  # column 3
    keys = {key for case in cases for key in case.expected}
    assert {"income_tax_withheld", "employer_contributions"} <= keys
    assert "line:youth_reduction:employer_amount" in keys


# -- the tax table method -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "row"),
    [
        ("0.00", "2000"),
        ("2000.99", "2000"),
        ("2001.00", "2100"),
        ("2100.00", "2100"),
        ("19999.00", "20000"),
        ("20000.50", "20000"),
        ("20001.00", "20200"),
        ("79999.00", "80000"),
        ("80001.00", "80001"),
        ("123456.78", "123456"),
    ],
)
def test_the_pay_is_placed_in_its_table_row(gross: str, row: str) -> None:
    assert slip(gross, tax_table=33).extra["table_row_income"] == row


def test_one_row_one_tax_and_the_next_row_more() -> None:
    low, high = slip("29801", tax_table=33), slip("30000", tax_table=33)
    assert low.income_tax_withheld == high.income_tax_withheld == Decimal("5878")
    assert slip("30001", tax_table=33).income_tax_withheld == Decimal("5928")


def test_no_tax_up_to_2000_kr() -> None:
    assert slip("2000", tax_table=42).income_tax_withheld == 0
    assert slip("2000.99", tax_table=42).income_tax_withheld == 0


def test_the_pension_fee_is_shown_and_offset_in_full_at_ordinary_pay() -> None:
    extra = slip("30000").extra
    assert Decimal(extra["general_pension_fee"]) == Decimal("25200")  # 7 % of 360 000
    assert extra["general_pension_fee_credit"] == extra["general_pension_fee"]
    assert not any(each.employee_amount for each in slip("30000").lines)
    assert slip("30000").net_before_tax == Decimal("30000.00")


def test_the_pension_fee_is_capped_at_8_07_income_base_amounts() -> None:
    # 8.07 × 83 400 = 673 038; 7 % = 47 112.66, rounded to the nearest hundred
    assert slip("60000").extra["general_pension_fee"] == "47100"
    assert slip("90000").extra["general_pension_fee"] == "47100"


def test_state_tax_starts_above_the_skiktgrans() -> None:
    assert slip("55000").extra["state_tax"] == "0"  # taxable 643 000 at most
    above = slip("56000").extra
    taxable = Decimal(above["taxable_income"])
    assert taxable > 643000
    assert Decimal(above["state_tax"]) == ((taxable - 643000) * Decimal("0.2")).to_integral_value(
        rounding="ROUND_FLOOR"
    )


def test_public_service_fee_is_capped() -> None:
    assert slip("14700", tax_table=33).extra["public_service_fee"] == "1184"
    assert slip("80000").extra["public_service_fee"] == "1184"
    assert Decimal(slip("9000").extra["public_service_fee"]) < 1184


def test_the_municipal_rate_and_the_fees_change_the_tax() -> None:
    base = slip("35000").income_tax_withheld
    assert slip("35000", municipal_tax_rate="30.00").income_tax_withheld < base
    assert slip("35000", church_fee_rate="1.00").income_tax_withheld > base
    assert slip("35000", burial_fee_rate="0.07").income_tax_withheld < base


def test_a_table_number_overrides_the_rates() -> None:
    by_table = slip("35000", tax_table=33, municipal_tax_rate="20.00")
    assert by_table.income_tax_withheld == slip("35000", tax_table=33).income_tax_withheld
    assert by_table.extra["municipal_rate"] == "31.84"  # 33 less 1.16 of fees
    assert by_table.extra["fees_rate"] == "1.16"


def test_side_income_is_30_percent_in_whole_kronor() -> None:
    payslip = slip("12345.67", withholding="side_income_30")
    assert payslip.income_tax_withheld == Decimal("3703")


def test_no_withholding() -> None:
    payslip = slip("45000", withholding="none")
    assert payslip.income_tax_withheld == 0 and payslip.net_pay == Decimal("45000.00")


def test_older_workers_use_column_3() -> None:
    younger, older = slip("30000", birth_year=1960), slip("30000", birth_year=1959)
    assert (younger.extra["table_column"], older.extra["table_column"]) == ("1", "3")
    assert older.income_tax_withheld < younger.income_tax_withheld
    assert Decimal(older.extra["basic_deduction"]) > Decimal(younger.extra["basic_deduction"])
    assert "tax.basic_deduction_older" in older.extra["withholding_sources"]


# -- employer contributions ---------------------------------------------------------------


def test_full_rate() -> None:
    payslip = slip("30000")
    assert codes(payslip) == ["employer_contributions"]
    assert payslip.employer_contributions == Decimal("9426.00")
    assert payslip.extra["employer_contribution_category"] == "full"


def test_born_1938_to_1958_only_the_old_age_pension_fee() -> None:
    for year in (1938, 1958):
        payslip = slip("30000", birth_year=year, withholding="none")
        assert codes(payslip) == ["old_age_pension_fee"]
        assert payslip.employer_contributions == Decimal("3063.00")
    assert slip("30000", birth_year=1959, withholding="none").employer_contributions == Decimal(
        "9426.00"
    )


def test_born_1937_or_earlier_no_contributions() -> None:
    payslip = slip("30000", birth_year=1937, withholding="none")
    assert payslip.lines == () and payslip.employer_cost == Decimal("30000.00")


def test_youth_rate_from_april_on_up_to_25000() -> None:
    assert codes(slip("20000", MARCH, birth_year=2005)) == ["employer_contributions"]
    below = slip("20000", APRIL, birth_year=2005)
    assert below.employer_contributions == Decimal("4162.00")  # 20.81 %
    at = slip("25000", APRIL, birth_year=2005)
    assert line(at, "youth_reduction").employer_amount == Decimal("-2652.50")
    above = slip("40000", APRIL, birth_year=2005)
    assert line(above, "youth_reduction").base == Decimal("25000")
    assert above.employer_contributions == Decimal("5202.50") + Decimal("4713.00")
    assert above.extra["employer_contribution_category"] == "youth"


@pytest.mark.parametrize("year", [2002, 2008])
def test_youth_rate_only_for_those_born_2003_to_2007(year: int) -> None:
    assert codes(slip("20000", APRIL, birth_year=year)) == ["employer_contributions"]


def test_youth_employer_cost_never_falls_by_a_cent() -> None:
    grosses = [Decimal("24999.90") + Decimal("0.01") * i for i in range(25)]
    costs = [SE.payslip(APRIL, g, {"birth_year": 2005}).employer_cost for g in grosses]
    assert costs == sorted(costs)


# -- params and periods -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"birth_year": "old"}, "param birth_year: 'old' is not an integer"),
        ({"birth_year": 2030}, "param birth_year: 2030 is after 2026"),
        ({"withholding": "flat"}, "param withholding: 'flat' is not one of"),
        ({"municipal_tax_rate": "51"}, "param municipal_tax_rate: 51 is not a rate from 0 to 50"),
        ({"church_fee_rate": "x"}, "param church_fee_rate: 'x' does not match"),
        ({"tax_table": 28}, "param tax_table: 28 is not a table from 29 to 42"),
        ({"kommun": "Lund"}, "unknown param kommun"),
    ],
)
def test_bad_params_are_one_line_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError) as caught:
        SE.payslip(MARCH, Decimal("30000"), params)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_periods_outside_2026_are_refused() -> None:
    for period in (Period(2025, 12), Period(2027, 1)):
        with pytest.raises(PeriodOutsideLaw, match="known from 2026-01-01 to 2026-12-31"):
            SE.payslip(period, Decimal("30000"))


def test_negative_and_float_grosses_are_refused() -> None:
    with pytest.raises(PayrollError, match="must not be negative"):
        SE.payslip(MARCH, Decimal("-1"))
    with pytest.raises(TypeError):
        SE.payslip(MARCH, 30000.0)  # type: ignore[arg-type]


def test_the_contract_does_not_change_a_monthly_payslip() -> None:
    part_time = Contract(work_fraction=Decimal("0.5"))
    assert SE.payslip(MARCH, Decimal("15000"), {}, part_time) == slip("15000")


# -- the inverse --------------------------------------------------------------------------


def test_employer_cost_to_gross() -> None:
    found = SE.gross_for_employer_cost(MARCH, Decimal("39426.00"))
    assert found.gross == Decimal("30000.00")
    youth = SE.gross_for_employer_cost(APRIL, Decimal("30000.00"), {"birth_year": 2005})
    assert abs(youth.employer_cost - Decimal("30000.00")) <= Decimal("0.01")


# -- declarations -------------------------------------------------------------------------

EMPLOYER = Employer("Coop Sverige ek. för.", "SE", "7696321234")
WORKER = Worker(7, "Andersson", "Karin", date(1990, 5, 1), national_id="19900501-1234")


def test_no_pre_hire_declaration_but_the_record_says_why() -> None:
    contract = Contract(ContractKind.FIXED_TERM, start=date(2026, 5, 4), end=date(2026, 6, 30))
    record = SE.pre_hire_declaration(EMPLOYER, WORKER, contract, {})
    assert record.payload["required"] is False
    assert record.due_before == date(2026, 5, 4)
    assert record.payload["employer_registration"]["organisationsnummer"] == "7696321234"
    with pytest.raises(PayrollError, match=r"contract\.start"):
        SE.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})


def test_agi_has_the_field_codes_in_whole_kronor() -> None:
    one = slip("30000.75")
    two = slip("20000", birth_year=1937, withholding="none")
    other = Worker(8, "Berg", "Ola", None, national_id="193701011234")
    agi = SE.periodic_declaration(EMPLOYER, MARCH, [(WORKER, one), (other, two)])
    assert agi.name == "Arbetsgivardeklaration på individnivå (AGI)"
    head = agi.payload["huvuduppgift"]
    assert head["006"] == "202603" and head["201"] == "7696321234"
    assert head["487"] == int(one.employer_contributions)  # 9 426.24 → 9 426
    assert head["497"] == 5733
    first, second = (each["fields"] for each in agi.payload["individuppgifter"])
    assert first == {"570": "1", "215": "199005011234", "011": 30000, "001": 5733}
    assert second == {"570": "2", "215": "193701011234", "011": 20000, "001": 0}


def test_agi_refuses_missing_ids_and_foreign_payslips() -> None:
    with pytest.raises(PayrollError, match="organisationsnummer"):
        SE.periodic_declaration(Employer("X", "SE", ""), MARCH, [])
    with pytest.raises(PayrollError, match="personnummer"):
        SE.periodic_declaration(EMPLOYER, MARCH, [(Worker(9, "A", "B", None), slip("1000"))])
    with pytest.raises(PayrollError, match="in the SE AGI of 2026-03"):
        SE.periodic_declaration(EMPLOYER, MARCH, [(WORKER, slip("1000", APRIL))])


def test_posting_and_minimum_wage_say_there_is_no_statutory_minimum() -> None:
    wage = SE.minimum_wage(date(2026, 6, 1))
    assert wage.monthly == Decimal("20000.00") and wage.currency == "SEK"
    assert "eurofound" in wage.source
    note = SE.law.at(date(2026, 6, 1)).value("minimum_wage.reference_monthly").note
    assert note.startswith("NOT a legal minimum")
    posting = SE.posting_requirements(date(2026, 6, 1))
    assert posting.authority.startswith("Arbetsmiljöverket")


# -- the command line ---------------------------------------------------------------------


def test_cli_payslip_json(run: Run) -> None:
    code, out, err = run(
        "--country", "SE", "--period", "2026-03", "--gross", "30000.00",
        "--param", "tax_table=33", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result == slip("30000.00", tax_table=33).as_dict()
    assert result["income_tax_withheld"] == "5878.00"


def test_cli_employer_cost(run: Run) -> None:
    code, out, err = run(
        "--country", "SE", "--period", "2026-04", "--employer-cost", "30000.00",
        "--param", "birth_year=2005", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert abs(Decimal(result["employer_cost"]) - Decimal("30000.00")) <= Decimal("0.01")
    assert [each["code"] for each in result["lines"]] == [
        "employer_contributions",
        "youth_reduction",
    ]


def test_cli_batch(run: Run) -> None:
    lines = [
        {"id": 1, "country": "SE", "period": "2026-03", "gross": "30000.00"},
        {"id": 2, "country": "SE", "period": "2026-04", "employer_cost": "30000.00"},
        {"id": 3, "country": "SE", "period": "2026-03", "gross": "1", "params": {"tax_table": 7}},
    ]
    code, out, err = run("--batch", "-", stdin="\n".join(json.dumps(each) for each in lines))
    assert (code, err) == (1, "")
    results = [json.loads(each) for each in out.splitlines()]
    assert results[0] == {"id": 1, **slip("30000.00").as_dict()}
    assert (
        results[1]["gross"]
        == SE.gross_for_employer_cost(APRIL, Decimal("30000.00")).as_dict()["gross"]
    )
    assert results[2] == {"id": 3, "error": "param tax_table: 7 is not a table from 29 to 42"}


def test_cli_refuses_a_bad_param_in_one_line(run: Run) -> None:
    code, out, err = run("--country", "SE", "--period", "2026-03", "--gross", "1", "--param", "x=1")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "unknown param x" in err


def test_the_minimum_is_a_reference_floor_not_the_law() -> None:
    from datetime import date

    from plugins.se.payroll import sweden_payroll

    wage = sweden_payroll().minimum_wage(date(2026, 3, 1))
    assert wage.statutory is False and wage.monthly > 0
