"""Italian payroll 2026 (plugins/it/payroll.py): INPS lines, floor and ceilings, IRPEF and the
cuneo fiscale, surcharges, extra monthly payments, TFR, params, UNILAV, UniEmens/F24, the CLI."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from plugins.it.payroll import ItalyPayroll
from plugins.payroll.model import (
    Contract,
    ContractKind,
    Employer,
    PayBasis,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodOutsideLaw,
    Worker,
)
from tests.plugins.payroll_cli import Run


def italy_payroll() -> ItalyPayroll:
    (italy,) = importlib.import_module("plugins.it").coop_register_jurisdictions()
    payroll = italy.payroll()
    assert isinstance(payroll, ItalyPayroll)
    return payroll


IT = italy_payroll()
MARCH = Period(2026, 3)


def slip(gross: str, contract: Contract | None = None, **params: Any) -> Payslip:
    return IT.payslip(MARCH, Decimal(gross), params, contract)


def line(payslip: Payslip, code: str) -> PayslipLine:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> set[str]:
    return {each.code for each in payslip.lines}


def extra(payslip: Payslip, name: str) -> Decimal:
    return Decimal(payslip.extra[name])


# -- INPS contributions ---------------------------------------------------------------------


def test_default_lines_and_totals_at_2500() -> None:
    s = slip("2500.00")
    ivs = line(s, "inps_ivs")
    assert (ivs.employee_amount, ivs.employer_amount) == (Decimal("229.75"), Decimal("595.25"))
    assert line(s, "inps_fis").employee_amount == Decimal("4.17")  # 0.50 % / 3
    assert line(s, "inps_fis").employer_amount == Decimal("8.33")
    assert line(s, "inps_sickness").employer_amount == Decimal("61.00")
    assert s.employee_contributions == Decimal("233.92")
    assert extra(s, "taxable_income") == Decimal("2266.08")
    assert "inps_ivs_additional" not in codes(s)
    assert "inps_naspi_fixed_term" not in codes(s)


def test_additional_one_percent_above_the_first_pension_bracket() -> None:
    assert "inps_ivs_additional" not in codes(slip("4685.00"))
    above = line(slip("5000.00"), "inps_ivs_additional")
    assert (above.base, above.employee_amount) == (Decimal("315.00"), Decimal("3.15"))
    assert above.employer_amount == 0


def test_contributory_ceiling_only_when_asked() -> None:
    assert extra(slip("12000.00"), "inps_base") == Decimal("12000.00")
    capped = slip("12000.00", contributory_ceiling=True)
    assert extra(capped, "inps_base") == Decimal("10191.25")  # 122 295 / 12
    assert line(capped, "inps_ivs").employee_amount == Decimal("936.58")


def test_contribution_floor_by_basis() -> None:
    assert extra(slip("1000.00"), "inps_base") == Decimal("1511.38")  # 58.13 × 26
    half = Contract(work_fraction=Decimal("0.5"))
    assert extra(slip("700.00", half), "inps_base") == Decimal("755.69")
    hourly = Contract(basis=PayBasis.HOURLY, hours=Decimal(80))
    assert extra(slip("600.00", hourly), "inps_base") == Decimal("697.60")  # 8.72 × 80
    assert extra(slip("1000.00", contribution_floor=False), "inps_base") == Decimal("1000.00")
    assert extra(slip("1000.00", payslip_kind="tredicesima"), "inps_base") == Decimal("1000.00")
    assert slip("0.00").employee_contributions == 0


def test_fis_rate_by_headcount() -> None:
    small = line(slip("3000.00", employer_headcount=5), "inps_fis")
    large = line(slip("3000.00", employer_headcount=6), "inps_fis")
    assert small.employee_rate == Decimal("0.1667") and small.employer_rate == Decimal("0.3333")
    assert large.employee_rate == Decimal("0.2667") and large.employer_rate == Decimal("0.5333")
    assert large.employee_amount == Decimal("8.00") and large.employer_amount == Decimal("16.00")
    reduced = line(slip("3000.00", fis_reduced=True), "inps_fis")
    assert (reduced.employee_amount, reduced.employer_amount) == (Decimal("3.00"), Decimal("6.00"))
    assert "inps.fis_rate_small_reduced" in reduced.sources
    assert line(slip("3000.00", fis_reduced=True, employer_headcount=6), "inps_fis") == large


def test_sickness_insurance_param() -> None:
    assert "inps_sickness" not in codes(slip("2500.00", sickness_insurance=False))


def test_fixed_term_naspi_surcharge_and_renewals() -> None:
    contract = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 1), end=date(2026, 8, 31))
    first = line(slip("2000.00", contract), "inps_naspi_fixed_term")
    assert (first.employer_rate, first.employer_amount) == (Decimal("1.40"), Decimal("28.00"))
    renewed = line(slip("2000.00", contract, fixed_term_renewals=2), "inps_naspi_fixed_term")
    assert renewed.employer_rate == Decimal("2.40")


def test_other_rates_and_inail_lines() -> None:
    s = slip("2000.00", employer_other_rate="0.60", employee_other_rate="0.30", inail_rate="0.40")
    other = line(s, "other_contributions")
    assert (other.employee_amount, other.employer_amount) == (Decimal("6.00"), Decimal("12.00"))
    assert line(s, "inail").employer_amount == Decimal("8.00")
    assert s.employee_contributions == slip("2000.00").employee_contributions + Decimal("6.00")
    assert {"other_contributions", "inail"}.isdisjoint(codes(slip("2000.00")))


def test_tfr_accrual_line_less_the_ivs_offset() -> None:
    tfr = line(slip("2500.00"), "tfr_accrual")
    assert tfr.employer_amount == Decimal("172.69")  # 2500 / 13.5 − 0.50 % × 2500
    without = slip("2500.00", tfr_accrual=False)
    assert "tfr_accrual" not in codes(without)
    assert slip("2500.00").employer_cost - without.employer_cost == Decimal("172.69")


# -- IRPEF, deductions, cuneo fiscale -------------------------------------------------------


def test_irpef_with_monthly_brackets_and_deduction_shares() -> None:
    s = slip("2500.00")
    assert extra(s, "annual_income") == Decimal("29459.04")  # 2266.08 × 13
    assert extra(s, "irpef_gross") == Decimal("521.20")  # 23 % of 2266.08
    # art. 13: 1910 × 0.9336 + 65, a twelfth; the ratio (50 000 − 29 459.04) / 22 000 =
    # 0.933680 is cut to four decimals (TUIR art. 13 c. 6): 154.01, not 154.03
    assert extra(s, "employment_deduction") == Decimal("154.01")
    assert extra(s, "additional_deduction") == Decimal("83.33")  # 1 000 / 12
    assert extra(s, "irpef") == Decimal("283.85")
    assert extra(s, "regional_surcharge") == Decimal("27.87")  # 1.23 % of 2266.08
    assert s.income_tax_withheld == Decimal("311.72")


def test_second_bracket_is_33_percent_and_third_43_in_2026() -> None:
    month = Decimal(12)
    first, second = Decimal(28000) / month, Decimal(50000) / month
    middle = slip("4000.00")
    taxable = extra(middle, "taxable_income")
    expected = first * Decimal("0.23") + (taxable - first) * Decimal("0.33")
    assert abs(extra(middle, "irpef_gross") - expected) <= Decimal("0.01")
    top = slip("6000.00")
    taxable = extra(top, "taxable_income")
    expected = (
        first * Decimal("0.23")
        + (second - first) * Decimal("0.33")
        + (taxable - second) * Decimal("0.43")
    )
    assert abs(extra(top, "irpef_gross") - expected) <= Decimal("0.01")
    assert extra(top, "employment_deduction") == 0  # above 50 000 a year


def test_additional_months_change_the_annual_income() -> None:
    twelve = slip("2500.00", additional_months=0)
    fourteen = slip("2500.00", additional_months=2)
    assert extra(twelve, "annual_income") == Decimal("27192.96")
    assert extra(fourteen, "annual_income") == Decimal("31725.12")
    assert extra(twelve, "employment_deduction") > extra(fourteen, "employment_deduction")


def test_exempt_sum_bands_and_end() -> None:
    low = slip("1200.00", contribution_floor=False)  # about 14 000 a year: 5.3 %
    assert line(low, "cuneo_exempt_sum").employee_rate == Decimal("5.3")
    mid = slip("1600.00")  # about 18 900 a year: 4.8 %
    exempt = line(mid, "cuneo_exempt_sum")
    assert exempt.employee_rate == Decimal("4.8")
    assert exempt.employee_amount == -(extra(mid, "taxable_income") * Decimal("0.048")).quantize(
        Decimal("0.01")
    )
    assert mid.net_before_tax == mid.gross - mid.employee_contributions
    assert "cuneo_exempt_sum" not in codes(slip("1800.00"))


def test_net_drops_are_where_the_exempt_sum_falls() -> None:
    drops = IT.net_drops(MARCH)
    assert len(drops) == 3
    end = drops[-1]
    before, after = slip(str(end)), slip(str(end + Decimal("0.01")))
    assert extra(before, "annual_income") <= 20000 < extra(after, "annual_income")
    assert "cuneo_exempt_sum" in codes(before) and "cuneo_exempt_sum" not in codes(after)
    assert extra(after, "additional_deduction") > 0
    assert after.net_before_tax < before.net_before_tax
    assert IT.net_drops(MARCH, {"other_annual_income": "30000"}) == drops[:2]


def test_other_income_removes_the_exempt_sum() -> None:
    assert "cuneo_exempt_sum" in codes(slip("1600.00"))
    assert "cuneo_exempt_sum" not in codes(slip("1600.00", other_annual_income="5000"))


def test_tredicesima_has_no_deductions() -> None:
    s = slip("2500.00", payslip_kind="tredicesima")
    assert extra(s, "employment_deduction") == 0 and extra(s, "additional_deduction") == 0
    assert extra(s, "irpef") == extra(s, "irpef_gross")
    assert s.income_tax_withheld > slip("2500.00").income_tax_withheld


def test_surcharges_follow_their_params_and_need_irpef_due() -> None:
    s = slip("2500.00", regional_surcharge_rate="1.73", municipal_surcharge_rate="0.80")
    assert extra(s, "regional_surcharge") == Decimal("39.20")
    assert extra(s, "municipal_surcharge") == Decimal("18.13")
    poor = slip("650.00", contribution_floor=False)  # no IRPEF due over the year
    assert extra(poor, "irpef") == 0
    assert extra(poor, "regional_surcharge") == 0 and poor.income_tax_withheld == 0


def test_daily_contract_annualises_by_days() -> None:
    contract = Contract(
        kind=ContractKind.FIXED_TERM,
        basis=PayBasis.DAILY,
        days=30,
        start=date(2026, 3, 1),
        end=date(2026, 3, 30),
    )
    s = slip("3000.00", contract)
    assert extra(s, "employment_income_annual") == (extra(s, "taxable_income") * 365 / 30).quantize(
        Decimal("0.01")
    )
    assert extra(s, "inps_base") == Decimal("3000.00")  # above 30 × 58.13


# -- params, periods, inverse ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"no_such": "1"}, "unknown param no_such"),
        ({"payslip_kind": "bonus"}, "param payslip_kind"),
        ({"additional_months": "3"}, "param additional_months"),
        ({"employer_headcount": "0"}, "param employer_headcount"),
        ({"regional_surcharge_rate": "-1"}, "param regional_surcharge_rate"),
        ({"regional_surcharge_rate": "25"}, "not a plausible rate"),
        ({"municipal_surcharge_rate": "0.90"}, "at most 0.80"),
        ({"inail_rate": "x"}, "param inail_rate"),
        ({"tfr_accrual": "maybe"}, "param tfr_accrual"),
    ],
)
def test_bad_params_are_one_line_errors(params: dict[str, str], message: str) -> None:
    with pytest.raises(PayrollError) as error:
        IT.payslip(MARCH, Decimal("2000.00"), params)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_periods_outside_the_law_and_bad_input() -> None:
    with pytest.raises(PeriodOutsideLaw, match="known from 2026-01-01 to 2026-12-31"):
        IT.payslip(Period(2025, 12), Decimal("2000.00"))
    with pytest.raises(PayrollError, match="negative"):
        IT.payslip(MARCH, Decimal("-1"))
    with pytest.raises(TypeError):
        IT.payslip(MARCH, 2000.0)  # type: ignore[arg-type]


def test_inverse_finds_the_gross_back() -> None:
    target = slip("2345.67", employer_headcount=8)
    found = IT.gross_for_employer_cost(MARCH, target.employer_cost, {"employer_headcount": 8})
    assert found.gross == Decimal("2345.67")


def test_minimum_wage_is_the_inps_floor() -> None:
    wage = IT.minimum_wage(date(2026, 6, 1))
    assert (wage.monthly, wage.hourly) == (Decimal("1511.38"), Decimal("8.72"))
    assert wage.source.startswith("https://") and wage.effective == date(2026, 1, 1)


def test_reference_cases_cite_their_circulars() -> None:
    cases = {case.id: case for case in IT.reference_cases()}
    assert len(cases) == 4
    assert all("https://" in case.source for case in cases.values())
    assert all("4/E" in cases[id].source for id in cases if id.startswith("ade-4e-2025"))
    assert all("n. 6 del 30 gennaio 2026" in cases[id].source for id in cases if "inps" in id)


# -- declarations ---------------------------------------------------------------------------

EMPLOYER = Employer("Coop Smart Italia", "IT", "12345678901", "1234567890")
WORKER = Worker(7, "Rossi", "Maria", date(1990, 5, 17), "RSSMRA90E57H501X", "IT")


def test_unilav_due_before_start() -> None:
    contract = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 4, 1), end=date(2026, 6, 30))
    unilav = IT.pre_hire_declaration(EMPLOYER, WORKER, contract, {"ccnl": "H011"})
    assert unilav.due_before == date(2026, 4, 1)
    assert unilav.payload["rapporto"]["tipologia_contrattuale"] == "A.02.00"
    assert unilav.payload["rapporto"]["ccnl"] == "H011"
    assert unilav.payload["lavoratore"]["codice_fiscale"] == "RSSMRA90E57H501X"
    with pytest.raises(PayrollError, match=r"contract\.start"):
        IT.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    nameless = Worker(8, "Bianchi", "Luca", None)
    with pytest.raises(PayrollError, match="codice fiscale"):
        IT.pre_hire_declaration(EMPLOYER, nameless, contract, {})


def test_uniemens_and_f24_totals() -> None:
    one, two = slip("2500.00"), slip("1600.00", municipal_surcharge_rate="0.5")
    declaration = IT.periodic_declaration(EMPLOYER, MARCH, [(WORKER, one), (WORKER, two)])
    payload = declaration.payload
    assert declaration.name == "UniEmens + F24" and declaration.period == "2026-03"
    assert payload["uniemens"]["denuncia_aziendale"]["imponibile"] == "4100.00"
    inps = sum(
        (
            x.employee_amount + x.employer_amount
            for s in (one, two)
            for x in s.lines
            if x.code.startswith("inps_")
        ),
        Decimal(0),
    )
    assert payload["f24"]["sezione_inps"][0]["importo_a_debito"] == str(inps)
    irpef = extra(one, "irpef") + extra(two, "irpef")
    assert payload["f24"]["sezione_erario"][0] == {
        "codice_tributo": "1001",
        "anno": 2026,
        "importo": str(irpef),
    }
    assert payload["f24"]["scadenza"] == "2026-04-16"
    assert payload["f24"]["credito_somma_esente_cuneo"] == str(extra(two, "exempt_sum"))
    with pytest.raises(PayrollError, match="2026-04"):
        IT.periodic_declaration(EMPLOYER, Period(2026, 4), [(WORKER, one)])


def test_december_declaration_is_due_in_january() -> None:
    december = IT.payslip(Period(2026, 12), Decimal("2000.00"))
    payload = IT.periodic_declaration(EMPLOYER, Period(2026, 12), [(WORKER, december)]).payload
    assert payload["f24"]["scadenza"] == "2027-01-16"


def test_posting_requirements_as_host() -> None:
    posting = IT.posting_requirements(date(2026, 9, 1))
    assert posting.country == "IT" and posting.minimum_wage.monthly == Decimal("1511.38")
    assert any("A1" in document for document in posting.documents)
    assert "136/2016" in posting.declaration


# -- the command line ---------------------------------------------------------------------


def test_cli_payslip_json(run: Run) -> None:
    code, out, _ = run(
        "--country", "IT", "--period", "2026-03", "--gross", "2500", "--format", "json"
    )
    assert code == 0
    result = json.loads(out)
    assert result == slip("2500.00").as_dict()
    assert result["income_tax_withheld"] == "311.72"


def test_cli_employer_cost_and_params(run: Run) -> None:
    target = slip("2500.00", employer_headcount=10)
    code, out, _ = run(
        "--country", "IT", "--period", "2026-03", "--employer-cost", str(target.employer_cost),
        "--param", "employer_headcount=10", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["gross"] == "2500.00"
    code, _, err = run(
        "--country", "IT", "--period", "2026-03", "--gross", "1", "--param", "inail_rate=x"
    )
    assert code == 2 and "inail_rate" in err


def test_cli_batch(run: Run) -> None:
    cases = [
        {"id": "a", "country": "IT", "period": "2026-03", "gross": "2500.00"},
        {
            "id": "b",
            "country": "IT",
            "period": "2026-03",
            "gross": "2500.00",
            "params": {"payslip_kind": "tredicesima"},
        },
        {"id": "c", "country": "IT", "period": "2027-03", "gross": "2500.00"},
    ]
    code, out, _ = run("--batch", "-", stdin="\n".join(json.dumps(each) for each in cases))
    results = [json.loads(each) for each in out.splitlines()]
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["net_pay"] == slip("2500.00").as_dict()["net_pay"]
    assert results[1]["params"]["payslip_kind"] == "tredicesima"
    assert "error" in results[2] and code == 1


def test_integrative_treatment_is_reported_not_paid() -> None:
    # about 13 000 a year: gross tax above the art. 13 deduction less 75, so 100 a month
    low = slip("1050.00", contribution_floor=False)
    assert extra(low, "annual_income") <= 15000
    assert extra(low, "integrative_treatment_due") == Decimal("100.00")
    assert "integrative" not in " ".join(codes(low))
    assert extra(slip("650.00", contribution_floor=False), "integrative_treatment_due") == 0
    assert extra(slip("1600.00"), "integrative_treatment_due") == 0  # above 15 000
    assert extra(slip("1050.00", payslip_kind="tredicesima"), "integrative_treatment_due") == 0


def test_the_minimum_is_the_contribution_floor_not_a_legal_minimum() -> None:
    wage = IT.minimum_wage(MARCH.start)
    assert wage.statutory is False and wage.monthly > 0
