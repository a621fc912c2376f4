"""Spanish payroll 2026 (plugins/es): contributions and their bases, the AEAT withholding
algorithm, each param, refusals, declarations and the ``coopnode payslip`` command."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.es.payroll import SpainPayroll
from plugins.payroll.contract import ReferenceCase
from plugins.payroll.law import LawBook
from plugins.payroll.model import (
    Contract,
    ContractKind,
    Employer,
    PayBasis,
    PayrollError,
    Payslip,
    Period,
    PeriodOutsideLaw,
    Worker,
)

LAW_FILE = Path(__file__).parents[3] / "plugins" / "es" / "payroll_2026.toml"
MARCH = Period(2026, 3)
TWELVE = {"annual_payments": 12}


def spain_payroll() -> SpainPayroll:
    (spain,) = importlib.import_module("plugins.es").coop_register_jurisdictions()
    payroll = spain.payroll()
    assert isinstance(payroll, SpainPayroll)
    return payroll


ES = spain_payroll()


def slip(gross: str, contract: Contract | None = None, **params: Any) -> Payslip:
    return ES.payslip(MARCH, Decimal(gross), params, contract)


def line(payslip: Payslip, code: str) -> Any:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def extra(payslip: Payslip, key: str) -> Decimal:
    return Decimal(payslip.extra[key])


def resolve(payslip: Payslip, key: str) -> Decimal:
    if key.startswith("line:"):
        _, code, field = key.split(":")
        return Decimal(getattr(line(payslip, code), field))
    if key.startswith("extra:"):
        return extra(payslip, key.removeprefix("extra:"))
    return Decimal(getattr(payslip, key))


FIXED_SHORT = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 1), end=date(2026, 8, 31))
FIXED_LONG = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 1, 1), end=date(2027, 1, 31))


# -- the jurisdiction and its law ------------------------------------------------------------


def test_spain_exposes_its_payroll() -> None:
    assert ES.country == "ES" and ES.currency == "EUR"
    assert (ES.law.covers_from, ES.law.covers_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert spain_payroll() is ES


def test_law_file_dates_sources_and_cites_every_value() -> None:
    book = LawBook.load(LAW_FILE)
    assert book.country == "ES"
    for value in book.values:
        assert value.source.startswith("https://"), value.key
        assert value.reference, value.key
        assert value.until == date(2026, 12, 31), value.key


def test_every_line_names_law_values_that_exist() -> None:
    keys = {value.key for value in ES.law.values}
    for payslip in (slip("2000"), slip("9000", FIXED_SHORT, contribution_group=9)):
        for each in payslip.lines:
            assert each.sources and set(each.sources) <= keys, each.code
        assert set(payslip.extra["withholding_sources"].split(",")) <= keys


@pytest.mark.parametrize("case", list(ES.reference_cases()), ids=lambda case: case.id)
def test_reference_case(case: ReferenceCase) -> None:
    assert case.source and case.gross is not None
    payslip = ES.payslip(case.period, case.gross, case.params, case.contract)
    for key, expected in case.expected.items():
        assert abs(resolve(payslip, key) - expected) <= case.tolerance, (key, expected)


# -- contributions ------------------------------------------------------------------------


def test_each_contribution_at_its_2026_rate() -> None:
    payslip = slip("2000.00", **TWELVE)
    expected = {
        "contingencias_comunes": ("94.00", "472.00"),
        "mei": ("3.00", "15.00"),
        "desempleo": ("31.00", "110.00"),
        "formacion_profesional": ("2.00", "12.00"),
        "fogasa": ("0", "4.00"),
        "at_ep": ("0", "20.00"),
    }
    for code, (employee, employer) in expected.items():
        each = line(payslip, code)
        assert each.base == Decimal("2000.00")
        assert (each.employee_amount, each.employer_amount) == (
            Decimal(employee),
            Decimal(employer),
        ), code
    assert payslip.employee_contributions == Decimal("130.00")  # 6.50 %
    assert payslip.employer_cost == Decimal("2633.00")  # 31.65 % with AT/EP 1.00
    assert "solidaridad" not in {each.code for each in payslip.lines}


def test_fixed_term_contracts_pay_the_higher_unemployment_rate() -> None:
    each = line(slip("2000.00", FIXED_LONG, **TWELVE), "desempleo")
    assert (each.employee_rate, each.employer_rate) == (Decimal("1.60"), Decimal("6.70"))
    assert (each.employee_amount, each.employer_amount) == (Decimal("32.00"), Decimal("134.00"))


def test_fourteen_payments_add_the_prorrata_to_the_base() -> None:
    payslip = slip("2400.00")  # default: 14 payments
    assert extra(payslip, "remuneration_base") == Decimal("2800.00")
    assert line(payslip, "contingencias_comunes").base == Decimal("2800.00")
    assert extra(payslip, "annual_remuneration") == Decimal("33600.00")
    assert extra(slip("2400.00", **TWELVE), "annual_remuneration") == Decimal("28800.00")


def test_an_extra_payment_bears_tax_but_no_contribution() -> None:
    ordinary, extra_payment = slip("2400.00"), slip("2400.00", payslip_kind="extra")
    assert extra_payment.lines == ()
    assert extra_payment.employer_cost == extra_payment.gross
    assert extra_payment.extra["withholding_rate"] == ordinary.extra["withholding_rate"]
    assert extra_payment.income_tax_withheld == ordinary.income_tax_withheld > 0


def test_the_minimum_base_follows_the_contribution_group() -> None:
    for group, base in ((1, "1989.30"), (2, "1649.70"), (3, "1435.20"), (7, "1424.40")):
        payslip = slip("1300.00", contribution_group=group, **TWELVE)
        assert extra(payslip, "common_base") == Decimal(base), group
        assert extra(payslip, "professional_base") == Decimal("1424.40"), group
    half = Contract(work_fraction=Decimal("0.5"))
    assert extra(slip("600.00", half, contribution_group=1, **TWELVE), "common_base") == Decimal(
        "994.65"
    )


def test_daily_contracts_count_their_days() -> None:
    ten_days = Contract(basis=PayBasis.DAILY, days=10)
    low = slip("100.00", ten_days, contribution_group=10, **TWELVE)
    assert extra(low, "common_base") == Decimal("474.80")  # 47.48 × 10
    high = slip("2000.00", ten_days, **TWELVE)
    assert extra(high, "common_base") == Decimal("1700.40")  # 170.04 × 10
    assert extra(high, "solidarity_excess") == Decimal("299.60")


def test_the_maximum_base_and_the_solidarity_tranches() -> None:
    at_max = slip("5101.20", **TWELVE)
    assert extra(at_max, "solidarity_excess") == 0
    just_above = slip("5101.21", **TWELVE)
    assert extra(just_above, "common_base") == Decimal("5101.20")
    assert line(just_above, "solidaridad").base == Decimal("0.01")
    three = line(slip("10000.00", **TWELVE), "solidaridad")
    # 510.12 × 0.19 % + 2 040.48 × 0.21 % + 2 348.20 × 0.24 % (each rounded)
    assert three.employee_amount == Decimal("0.97") + Decimal("4.29") + Decimal("5.64")
    assert three.employer_amount == Decimal("4.90") + Decimal("21.22") + Decimal("28.65")


def test_the_at_rate_param_sets_the_at_ep_premium() -> None:
    assert line(slip("2000.00", at_rate="3.70", **TWELVE), "at_ep").employer_amount == Decimal(
        "74.00"
    )


def test_no_pay_no_contribution() -> None:
    assert slip("0").lines and slip("0").employee_contributions == 0


def test_net_before_tax_never_falls_one_cent_up() -> None:
    for start in ("1221.00", "1986.25", "4372.45", "5101.19", "5611.30", "7651.79"):
        before = slip(start)
        for cents in range(1, 40):
            after = slip(str(Decimal(start) + Decimal(cents) / 100))
            assert after.net_before_tax >= before.net_before_tax, after.gross
            assert after.employer_cost >= before.employer_cost, after.gross
            before = after


# -- withholding --------------------------------------------------------------------------


def rate(gross: str, contract: Contract | None = None, **params: Any) -> Decimal:
    return extra(slip(gross, contract, **params), "withholding_rate")


def test_withholding_by_the_algorithm_and_its_rounding() -> None:
    payslip = slip("2000.00")
    assert extra(payslip, "quota_2") == Decimal("1054.50")  # 5 550 × 19 %
    assert extra(payslip, "other_expenses") == Decimal("2000.00")
    withheld = (payslip.gross * extra(payslip, "withholding_rate") / 100).quantize(Decimal("0.01"))
    assert payslip.income_tax_withheld == withheld
    assert extra(payslip, "withholding_rate").as_tuple().exponent == -2  # truncated to 0.01


def test_the_exclusion_limit_and_the_43_percent_limit() -> None:
    assert rate("1323.00", **TWELVE) == 0  # 15 876 a year: excluded
    assert slip("1323.00", **TWELVE).extra["excluded"] == "yes"
    assert slip("1324.00", **TWELVE).extra["excluded"] == "no"
    # 12 above the limit: at most 43 % of 12 = 5.16 a year
    assert extra(slip("1324.00", **TWELVE), "withholding_quota") <= Decimal("5.16")


def test_the_work_reduction_falls_with_income() -> None:
    low, mid, high = (extra(slip(g, **TWELVE), "work_reduction") for g in ("1300", "1500", "2500"))
    assert low == Decimal("7302.00") and 0 < mid < low and high == 0


def test_family_params_lower_the_rate() -> None:
    base = rate("2500")
    assert rate("2500", descendants=1) < base
    assert rate("2500", descendants=1, descendants_whole=True) < rate("2500", descendants=1)
    assert rate("2500", descendants=2, descendants_under_3=1) < rate("2500", descendants=2)
    three = slip("2500", descendants=3)
    assert (
        extra(three, "withholding_base")
        == extra(slip("2500", descendants=2), "withholding_base") - 600
    )
    assert rate("2500", age_band="65_to_74") < base
    assert rate("2500", age_band="75_plus") < rate("2500", age_band="65_to_74")
    assert rate("2500", disability="33_to_65") < base
    assert rate("2500", disability="65_plus") < rate("2500", disability="33_to_65_assisted")
    assert rate("2500", geographic_mobility=True) < base


def test_family_situation_sets_the_exclusion_limit() -> None:
    limits = {
        situation: extra(slip("1400", family_situation=situation, descendants=1), "exclusion_limit")
        for situation in ("1", "2", "3")
    }
    assert limits == {"1": 17644, "2": 18130, "3": 16342}
    # situation 1 without a descendant: situation 3's limit
    assert extra(slip("1400", family_situation="1"), "exclusion_limit") == 15876
    assert extra(slip("1400", family_situation="2"), "exclusion_limit") == 17197


def test_minimum_rates_of_short_contracts_artists_and_special_relationships() -> None:
    low = "1160.00"  # 16 240 a year: a rate under 2 % (43 % limit)
    assert 0 < rate(low) < 2
    assert rate(low, FIXED_SHORT) == Decimal("2.00")
    assert rate(low, FIXED_LONG) < 2  # more than a year: no minimum
    assert rate(low, relationship="artist") == Decimal("2.00")
    assert rate(low, relationship="other_special") == Decimal("15.00")
    assert rate("1000.00", FIXED_SHORT) == 0  # excluded: the minimum does not apply


def test_a_short_contract_declares_its_annual_remuneration() -> None:
    whole_year = rate("2500.00", FIXED_SHORT)
    six_months = slip("2500.00", FIXED_SHORT, annual_remuneration="17500.00")
    assert extra(six_months, "annual_remuneration") == Decimal("17500.00")
    assert extra(six_months, "withholding_rate") < whole_year
    assert extra(slip("2500", FIXED_SHORT, annual_remuneration="15000"), "withholding_rate") == 0


def test_a_requested_rate_applies_when_higher() -> None:
    assert rate("2000", requested_rate="25") == Decimal("25")
    assert rate("2000", requested_rate="1") == rate("2000")
    assert rate("2000", requested_rate="60") == Decimal("47.00")  # the algorithm's highest


# -- params -------------------------------------------------------------------------------


def test_params_defaults_and_schema() -> None:
    checked = ES.params({})
    assert checked["contribution_group"] == 7 and checked["annual_payments"] == 14
    assert checked["at_rate"] == Decimal("1.00") and checked["family_situation"] == "3"
    assert "annual_remuneration" not in checked and "requested_rate" not in checked
    assert ES.params({"contribution_group": "3", "at_rate": "2.5"})["contribution_group"] == 3
    schema = ES.params_schema()["properties"]
    assert schema["at_rate"]["format"] == "decimal" and "default" in schema["at_rate"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"colour": "blue"}, "unknown param colour"),
        ({"contribution_group": 12}, "param contribution_group"),
        ({"contribution_group": "x"}, "param contribution_group: 'x' is not an integer"),
        ({"annual_payments": 13}, "param annual_payments"),
        ({"family_situation": "4"}, "param family_situation"),
        ({"descendants": 1, "descendants_under_3": 2}, "descendants_under_3: more than"),
        ({"payslip_kind": "extra", "annual_payments": 12}, "needs annual_payments=14"),
        ({"at_rate": "25"}, "param at_rate: must be between 0 and 20"),
        ({"requested_rate": "150"}, "param requested_rate: must be between 0 and 100"),
        ({"annual_remuneration": "abc"}, "param annual_remuneration"),
    ],
)
def test_bad_params_are_refused_in_one_line(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message) as error:
        ES.payslip(MARCH, Decimal("2000"), given)
    assert "\n" not in str(error.value)


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError):
        ES.payslip(MARCH, 2000.0)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="negative"):
        slip("-1")
    for period in (Period(2025, 12), Period(2027, 1)):
        with pytest.raises(PeriodOutsideLaw):
            ES.payslip(period, Decimal("2000"))


def test_minimum_wage_of_2026() -> None:
    wage = ES.minimum_wage(date(2026, 6, 1))
    assert wage.monthly == Decimal("1221.00") and wage.currency == "EUR"
    assert wage.effective == date(2026, 1, 1) and "/rd/2026/02/18/126/" in wage.source


def test_gross_for_employer_cost_within_a_cent() -> None:
    for target in ("1800.00", "3000.00", "9000.00"):
        found = ES.gross_for_employer_cost(MARCH, Decimal(target), {"descendants": 1})
        assert abs(found.employer_cost - Decimal(target)) <= Decimal("0.05")


# -- declarations -------------------------------------------------------------------------

EMPLOYER = Employer("Cooperativa Ejemplo", "ES", "F12345678", "28/1234567/89")
WORKER = Worker(7, "García", "Lucía", date(1990, 5, 4), national_id="12345678Z")


def test_alta_and_contrata_are_due_before_work_starts() -> None:
    declaration = ES.pre_hire_declaration(EMPLOYER, WORKER, FIXED_SHORT, {"contribution_group": 5})
    assert declaration.due_before == date(2026, 3, 1)
    alta = declaration.payload["alta"]
    assert alta["ccc"] == "28/1234567/89" and alta["grupo_cotizacion"] == 5
    assert alta["clave_contrato"] == "402" and alta["fecha_fin_contrato"] == "2026-08-31"
    assert alta["earliest_submission"] == "2025-12-31"
    assert declaration.payload["contrata"]["clave_contrato"] == "402"
    part_time = Contract(start=date(2026, 4, 1), work_fraction=Decimal("0.5"))
    assert (
        ES.pre_hire_declaration(EMPLOYER, WORKER, part_time, {}).payload["alta"]["clave_contrato"]
        == "200"
    )


def test_alta_needs_a_start_and_identities() -> None:
    with pytest.raises(PayrollError, match=r"contract\.start"):
        ES.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    with pytest.raises(PayrollError, match="CCC"):
        ES.pre_hire_declaration(Employer("X", "ES", "F1"), WORKER, FIXED_SHORT, {})
    with pytest.raises(PayrollError, match="DNI/NIE"):
        ES.pre_hire_declaration(EMPLOYER, Worker(1, "A", "B", None), FIXED_SHORT, {})


def test_siltra_and_modelo_111_sum_the_payslips() -> None:
    first, second = slip("2000.00"), slip("6000.00", FIXED_LONG, **TWELVE)
    other = Worker(8, "Pérez", "Juan", None, national_id="X1234567L")
    declaration = ES.periodic_declaration(EMPLOYER, MARCH, [(WORKER, first), (other, second)])
    payload = declaration.payload
    assert payload["due_by"] == "2026-04-30"
    assert [row["ipf"] for row in payload["rnt"]] == ["12345678Z", "X1234567L"]
    assert payload["rnt"][1]["base_solidaridad"] == "898.80"
    employee = first.employee_contributions + second.employee_contributions
    assert payload["rlc"]["cuota_trabajadores"] == str(employee)
    model = payload["modelo_111"]
    assert model["periodo"] == "2026-1T" and model["casilla_01_perceptores"] == 2
    assert model["casilla_02_percepciones_dinerarias"] == "8000.00"
    assert model["casilla_03_retenciones"] == str(
        first.income_tax_withheld + second.income_tax_withheld
    )
    with pytest.raises(PayrollError, match="ES SILTRA"):
        ES.periodic_declaration(EMPLOYER, Period(2026, 4), [(WORKER, first)])


def test_posting_into_spain() -> None:
    requirements = ES.posting_requirements(date(2026, 5, 1))
    assert "Ley 45/1999" in requirements.declaration
    assert requirements.minimum_wage.monthly == Decimal("1221.00")
    assert requirements.source.startswith("https://www.boe.es/")


# -- the command line ---------------------------------------------------------------------


def test_cli_payslip_json(run: Any) -> None:
    code, out, _ = run(
        "--country", "ES", "--period", "2026-03", "--gross", "2000",
        "--param", "annual_payments=12", "--param", "descendants=1", "--format", "json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result == slip("2000.00", annual_payments=12, descendants=1).as_dict()
    assert result["employee_contributions"] == "130.00"


def test_cli_employer_cost_and_bad_param(run: Any) -> None:
    code, out, _ = run(
        "--country", "ES", "--period", "2026-03", "--employer-cost", "2633.00",
        "--param", "annual_payments=12", "--format", "json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["gross"] == "2000.00"
    code, _, err = run(
        "--country",
        "ES",
        "--period",
        "2026-03",
        "--gross",
        "2000",
        "--param",
        "contribution_group=0",
    )
    assert code == 2 and "contribution_group" in err and err.count("\n") == 1


def test_cli_batch(run: Any, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    rows = [
        {"id": "a", "country": "ES", "period": "2026-03", "gross": "2000.00"},
        {"id": "b", "country": "ES", "period": "2026-07", "employer_cost": "2633.00",
         "params": {"annual_payments": 12}},
    ]  # fmt: skip
    cases.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    code, out, err = run("--batch", str(cases))
    assert (code, err) == (0, "")
    first, second = (json.loads(row) for row in out.splitlines())
    assert first == {"id": "a", **slip("2000.00").as_dict()}
    assert second["id"] == "b" and second["gross"] == "2000.00"
