"""Dutch payroll 2026 (plugins/nl/): the white-table loonheffing and its params, the employer's
premiums and their ceiling, the holiday allowance, minimum wage, periods, the inverse, the
declarations and the ``coopnode payslip`` command."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from plugins.nl.payroll import NetherlandsPayroll
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
from tests.plugins.payroll_cli import Run


def dutch_payroll() -> NetherlandsPayroll:
    (netherlands,) = importlib.import_module("plugins.nl").coop_register_jurisdictions()
    payroll = netherlands.payroll()
    assert isinstance(payroll, NetherlandsPayroll)
    return payroll


NL = dutch_payroll()
MARCH = Period(2026, 3)
FIXED_TERM = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 1), end=date(2026, 8, 31))
EMPLOYER = Employer("Coop NL", "NL", "12345678", social_security_id="001234567L01")
WORKER = Worker(7, "Jansen", "Anna", date(1990, 5, 1), national_id="111222333")


def slip(gross: str, contract: Contract | None = None, **params: Any) -> Payslip:
    return NL.payslip(MARCH, Decimal(gross), params, contract)


def line(payslip: Payslip, code: str) -> PayslipLine:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> list[str]:
    return [each.code for each in payslip.lines]


# -- the employer's premiums --------------------------------------------------------------


def test_premiums_of_a_small_employer_open_ended_contract() -> None:
    payslip = slip("3000.00")
    expected = {
        "awf": ("2.74", "82.20"),
        "aof": ("6.27", "188.10"),
        "wko": ("0.50", "15.00"),
        "whk": ("1.52", "45.60"),
        "zvw_employer": ("6.10", "183.00"),
        "holiday_allowance_reserve": ("8", "240.00"),
    }
    for code, (rate, amount) in expected.items():
        found = line(payslip, code)
        assert (found.employer_rate, found.employer_amount) == (Decimal(rate), Decimal(amount))
        assert found.employee_amount == 0
    assert payslip.employee_contributions == 0
    assert payslip.net_before_tax == Decimal("3000.00")
    assert payslip.employer_cost == Decimal("3753.90")


def test_premiums_stop_at_the_monthly_maximum_premium_wage() -> None:
    payslip = slip("9000.00")
    for code in ("awf", "aof", "wko", "whk", "zvw_employer"):
        assert line(payslip, code).base == Decimal("6617.41")
    assert line(payslip, "awf").employer_amount == Decimal("181.32")  # 6617.41 × 2.74 %
    assert line(payslip, "zvw_employer").employer_amount == Decimal("403.66")  # × 6.10 %
    assert line(payslip, "holiday_allowance_reserve").base == Decimal("9000.00")
    above = slip("9500.00")
    assert line(above, "zvw_employer").employer_amount == Decimal("403.66")
    just_below = slip("6617.40")
    assert line(just_below, "awf").base == Decimal("6617.40")


def test_awf_rate_follows_the_contract_unless_forced() -> None:
    assert line(slip("3000.00", FIXED_TERM), "awf").employer_rate == Decimal("7.74")
    assert line(slip("3000.00", FIXED_TERM), "awf").employer_amount == Decimal("232.20")
    assert line(slip("3000.00", awf_rate="high"), "awf").employer_rate == Decimal("7.74")
    assert line(slip("3000.00", FIXED_TERM, awf_rate="low"), "awf").employer_rate == Decimal("2.74")
    assert "premium.awf_high" in line(slip("3000.00", FIXED_TERM), "awf").sources


def test_employer_size_and_whk_rate() -> None:
    assert line(slip("3000.00", employer_size="medium_or_large"), "aof").employer_rate == Decimal(
        "7.63"
    )
    whk = line(slip("3000.00", whk_rate="2.10"), "whk")
    assert (whk.employer_rate, whk.employer_amount) == (Decimal("2.10"), Decimal("63.00"))
    assert "premium.whk_average" not in whk.sources
    assert line(slip("3000.00", whk_rate=Decimal("0")), "whk").employer_amount == 0


def test_no_employee_insurance_premiums_at_the_aow_age() -> None:
    payslip = slip("3000.00", age_group="aow_from_1946")
    assert codes(payslip) == ["zvw_employer", "holiday_allowance_reserve"]


def test_wage_tax_does_not_change_with_the_employer_premiums() -> None:
    assert slip("3000.00", FIXED_TERM).income_tax_withheld == slip("3000.00").income_tax_withheld


# -- the holiday allowance ----------------------------------------------------------------


def test_holiday_allowance_paid_monthly_is_part_of_the_gross() -> None:
    payslip = slip("3240.00", holiday_allowance="paid_monthly")
    assert "holiday_allowance_reserve" not in codes(payslip)
    assert payslip.extra["holiday_allowance_included"] == "240.00"
    assert payslip.employer_cost == Decimal("3240.00") + sum(
        line(payslip, code).employer_amount for code in ("awf", "aof", "wko", "whk", "zvw_employer")
    )
    assert payslip.income_tax_withheld > slip("3000.00").income_tax_withheld


# -- the loonheffing ----------------------------------------------------------------------


def test_table_wage_rounds_down_to_the_rows_of_the_monthly_table() -> None:
    row = slip("4000.50")
    assert row.extra["annual_table_wage"] == "48006"
    assert slip("4004.99").income_tax_withheld == row.income_tax_withheld
    assert slip("4005.00").extra["annual_table_wage"] == "48060"
    assert slip("4005.00").income_tax_withheld > row.income_tax_withheld


def test_without_the_tax_credit_the_withholding_is_the_bracket_tax() -> None:
    payslip = slip("2700.00", apply_tax_credit=False)
    assert payslip.extra["tax_credits_applied"] == "0"
    # 32 400 × 35.75 % = 11 583 a year
    assert payslip.income_tax_withheld == Decimal("965.25")
    assert payslip.extra["wage_tax_without_credits"] == "965.25"
    assert slip("2700.00").income_tax_withheld < payslip.income_tax_withheld


def test_general_credit_phase_out_and_labour_credit_build_up() -> None:
    below = slip("2478.00")  # 29 736 a year, table wage 29 700: the full credit
    assert below.extra["annual_table_wage"] == "29700"
    assert below.extra["general_tax_credit"] == "3115"
    past = slip("2482.50")  # table wage 29 754: 3 115 − 18 × 6.398 % = 3 113.85, rounded up
    assert past.extra["annual_table_wage"] == "29754"
    assert past.extra["general_tax_credit"] == "3114"
    assert slip("3799.50").extra["labour_tax_credit"] == "5685"  # 45 594: the maximum
    assert slip("11092.50").extra["labour_tax_credit"] == "0"  # 133 110 ≥ 132 920


def test_credits_never_exceed_the_tax() -> None:
    low = slip("500.00")
    assert low.income_tax_withheld == 0
    assert Decimal(low.extra["tax_credits_applied"]) == Decimal(
        low.extra["annual_tax_before_credits"]
    )
    assert slip("0.00").income_tax_withheld == 0


def test_above_the_last_table_row_the_annual_wage_is_not_rounded() -> None:
    payslip = slip("15000.00")
    assert payslip.extra["annual_table_wage"] == "180000.00"
    assert payslip.extra["labour_tax_credit"] == "0"
    assert slip("15000.01").income_tax_withheld >= payslip.income_tax_withheld


def test_aow_age_groups_differ_in_the_first_bracket() -> None:
    after = slip("3500.00", age_group="aow_from_1946", apply_tax_credit=False)
    before = slip("3500.00", age_group="aow_before_1946", apply_tax_credit=False)
    young = slip("3500.00", apply_tax_credit=False)
    assert before.income_tax_withheld < after.income_tax_withheld < young.income_tax_withheld
    assert after.extra["elderly_tax_credit"] == "0"  # no credit applied at all
    with_credit = slip("3500.00", age_group="aow_from_1946")
    assert with_credit.extra["elderly_tax_credit"] == "2067"
    assert "wage_tax.elderly_credit" in with_credit.extra["wage_tax_sources"]


def test_single_elderly_credit_only_at_the_aow_age() -> None:
    assert slip("4000.50", single_elderly_credit=True).income_tax_withheld == Decimal("820.92")
    aow = slip("4000.50", age_group="aow_from_1946", single_elderly_credit=True)
    assert aow.extra["single_elderly_tax_credit"] == "540"


# -- params, periods, minimum wage, inverse ------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"whk_rate": "101"}, "param whk_rate: a percentage from 0 to 100"),
        ({"whk_rate": "1,5"}, "param whk_rate"),
        ({"age_group": "retired"}, "param age_group"),
        ({"apply_tax_credit": "maybe"}, "param apply_tax_credit: 'maybe' is not true or false"),
        ({"headcount": "3"}, "unknown param headcount"),
    ],
)
def test_bad_params_give_one_line(params: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError) as error:
        NL.payslip(MARCH, Decimal("3000.00"), params)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_params_from_text_like_the_command_line() -> None:
    checked = NL.params({"apply_tax_credit": "false", "whk_rate": "2.5"})
    assert checked["apply_tax_credit"] is False
    assert checked["whk_rate"] == Decimal("2.5")
    assert (
        NL.payslip(MARCH, Decimal("3000.00"), checked).income_tax_withheld
        == slip("3000.00", apply_tax_credit=False).income_tax_withheld
    )


def test_negative_gross_and_float_refused() -> None:
    with pytest.raises(PayrollError, match="negative"):
        slip("-1.00")
    with pytest.raises(TypeError):
        NL.payslip(MARCH, 3000.0, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("period", [Period(2025, 12), Period(2027, 1)])
def test_periods_outside_2026_are_refused(period: Period) -> None:
    with pytest.raises(PeriodOutsideLaw):
        NL.payslip(period, Decimal("3000.00"))


def test_minimum_wage_is_hourly_and_changes_in_july() -> None:
    january = NL.minimum_wage(date(2026, 1, 1))
    assert (january.hourly, january.monthly) == (Decimal("14.71"), Decimal("2549.73"))
    july = NL.minimum_wage(date(2026, 7, 1))
    assert (july.hourly, july.monthly) == (Decimal("14.99"), Decimal("2598.27"))
    assert july.effective == date(2026, 7, 1)
    assert july.source.startswith("https://www.rijksoverheid.nl/")


def test_employer_cost_inverts_to_the_gross() -> None:
    found = NL.gross_for_employer_cost(MARCH, Decimal("3753.90"), {})
    assert found.gross == Decimal("3000.00")
    fixed = NL.gross_for_employer_cost(
        MARCH, slip("3000.00", FIXED_TERM).employer_cost, {}, FIXED_TERM
    )
    assert fixed.gross == Decimal("3000.00")


def test_lines_name_law_keys_in_force() -> None:
    keys = {value.key for value in NL.law.values}
    payslip = slip("3000.00")
    for each in payslip.lines:
        assert each.sources and set(each.sources) <= keys
    assert set(payslip.extra["wage_tax_sources"].split(",")) <= keys


# -- declarations -------------------------------------------------------------------------


def test_eerstedagsmelding_when_required() -> None:
    contract = Contract(start=date(2026, 4, 1))
    declaration = NL.pre_hire_declaration(EMPLOYER, WORKER, contract, {"first_day_notice": True})
    assert declaration.name == "Eerstedagsmelding"
    assert declaration.due_before == date(2026, 4, 1)
    assert declaration.payload["worker"]["bsn"] == "111222333"
    assert declaration.payload["employer"]["loonheffingennummer"] == "001234567L01"
    plain = NL.pre_hire_declaration(EMPLOYER, WORKER, contract, {})
    assert plain.payload["declaration"] == "IDENTIFICATIE"
    assert plain.payload["required"] is False
    assert plain.payload["identity_check"]


def test_pre_hire_refuses_missing_data() -> None:
    with pytest.raises(PayrollError, match=r"contract\.start"):
        NL.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    anonymous = Worker(8, "Bakker", "Piet", None)
    with pytest.raises(PayrollError, match="BSN"):
        NL.pre_hire_declaration(EMPLOYER, anonymous, Contract(start=date(2026, 4, 1)), {})
    no_number = Employer("Coop NL", "NL", "12345678")
    with pytest.raises(PayrollError, match="loonheffingennummer"):
        NL.pre_hire_declaration(
            no_number, WORKER, Contract(start=date(2026, 4, 1)), {"first_day_notice": True}
        )


def test_monthly_wage_tax_return_totals() -> None:
    december = Period(2026, 12)
    first = NL.payslip(december, Decimal("3000.00"))
    second = NL.payslip(december, Decimal("9000.00"), {}, FIXED_TERM)
    other = Worker(9, "de Vries", "Sem", date(1985, 1, 1), national_id="123456782")
    declaration = NL.periodic_declaration(EMPLOYER, december, [(WORKER, first), (other, second)])
    payload = declaration.payload
    assert declaration.name == "Aangifte loonheffingen"
    assert payload["due_by"] == "2027-01-31"
    totals = payload["collectief"]
    assert totals["loon_lb_ph"] == "12000.00"
    assert Decimal(totals["ingehouden_loonheffing"]) == (
        first.income_tax_withheld + second.income_tax_withheld
    )
    assert totals["premie_awf"] == str(
        line(first, "awf").employer_amount + line(second, "awf").employer_amount
    )
    relations = payload["inkomstenverhoudingen"]
    assert [r["awf_hoog"] for r in relations] == [False, True]
    assert relations[1]["premieloon_werknemersverzekeringen"] == "6617.41"
    with pytest.raises(PayrollError, match="in the NL return"):
        NL.periodic_declaration(EMPLOYER, MARCH, [(WORKER, first)])


def test_posting_requirements_as_host() -> None:
    posting = NL.posting_requirements(date(2026, 9, 1))
    assert posting.country == "NL"
    assert posting.minimum_wage.hourly == Decimal("14.99")
    assert any("A1" in document for document in posting.documents)


# -- the command line ---------------------------------------------------------------------


def test_cli_payslip_json(run: Run) -> None:
    code, out, _ = run(
        "--country", "NL", "--period", "2026-03", "--gross", "4000.50", "--format", "json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["income_tax_withheld"] == "820.92"
    assert result["net_pay"] == "3179.58"
    assert {each["code"] for each in result["lines"]} >= {"awf", "zvw_employer"}


def test_cli_employer_cost_and_params(run: Run) -> None:
    code, out, _ = run(
        "--country",
        "NL",
        "--period",
        "2026-03",
        "--employer-cost",
        "3753.90",
        "--param",
        "whk_rate=1.52",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["gross"] == "3000.00"
    code, _, err = run(
        "--country", "NL", "--period", "2026-03", "--gross", "1.00", "--param", "whk_rate=x"
    )
    assert code == 2
    assert "whk_rate" in err


def test_cli_batch(run: Run) -> None:
    lines = [
        {"id": "a", "country": "NL", "period": "2026-03", "gross": "2700.00", "params": {}},
        {
            "id": "b",
            "country": "NL",
            "period": "2026-03",
            "gross": "2700.00",
            "params": {"apply_tax_credit": False},
        },
        {"id": "c", "country": "NL", "period": "2031-03", "gross": "2700.00", "params": {}},
    ]
    code, out, _ = run("--batch", "-", stdin="\n".join(json.dumps(each) for each in lines))
    results = [json.loads(each) for each in out.splitlines()]
    assert code == 1  # line c is outside the law
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["income_tax_withheld"] == "267.50"
    assert results[1]["income_tax_withheld"] == "965.25"
    assert "error" in results[2]
