"""Germany's payroll (plugins/de): contributions and ceilings, each param, the withholding's
behaviour, refusals, the minimum wage, declarations and the ``coopnode payslip`` CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from plugins.de import Germany
from plugins.de.payroll import GermanyPayroll, germany_payroll
from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import (
    Contract,
    ContractKind,
    Employer,
    PayrollError,
    Payslip,
    Period,
    PeriodOutsideLaw,
    Worker,
)
from tests.plugins.payroll_cli import Run

MARCH = Period(2026, 3)
D = Decimal


def slip(gross: str, **params: Any) -> Payslip:
    return germany_payroll().payslip(MARCH, D(gross), params)


def line(payslip: Payslip, code: str) -> Any:
    return next(found for found in payslip.lines if found.code == code)


def extra(payslip: Payslip, name: str) -> Decimal:
    return D(payslip.extra[name])


# -- wiring and law --------------------------------------------------------------------------


def test_germany_exposes_its_payroll() -> None:
    payroll = Germany.for_package("plugins.de").payroll()
    assert isinstance(payroll, GermanyPayroll)
    assert (payroll.country, payroll.currency) == ("DE", "EUR")


def test_law_file_dates_and_sources_every_value() -> None:
    law = germany_payroll().law
    assert (law.covers_from, law.covers_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert len(law.values) > 40
    for value in law.values:
        assert value.source.startswith("https://") and value.reference, value.key
        assert value.effective == date(2026, 1, 1), value.key


@pytest.mark.parametrize("period", [Period(2025, 12), Period(2027, 1)])
def test_periods_outside_2026_are_refused(period: Period) -> None:
    with pytest.raises(PeriodOutsideLaw, match="known from 2026-01-01 to 2026-12-31"):
        germany_payroll().payslip(period, D("3000.00"))


# -- social insurance ------------------------------------------------------------------------


def test_contributions_of_a_3000_salary() -> None:
    payslip = slip("3000.00")
    expected = {
        "pension": ("9.3", "279.00", "279.00"),
        "unemployment": ("1.3", "39.00", "39.00"),
        "health": ("8.75", "262.50", "262.50"),
        "care": ("1.8", "54.00", "54.00"),
    }
    for code, (rate, employee, employer) in expected.items():
        found = line(payslip, code)
        assert (found.employee_rate, found.employee_amount, found.employer_amount) == (
            D(rate),
            D(employee),
            D(employer),
        ), code
    assert line(payslip, "levy_u2").employer_amount == D("12.90")
    assert line(payslip, "levy_insolvency").employer_amount == D("4.50")
    assert "levy_u1" not in {found.code for found in payslip.lines}
    assert payslip.employee_contributions == D("634.50")
    assert payslip.employer_cost == D("3000.00") + D("634.50") + D("12.90") + D("4.50")


def test_ceilings_cap_each_branch() -> None:
    at_ceiling, above = slip("8450.00"), slip("12000.00")
    for code in ("pension", "unemployment", "levy_insolvency", "levy_u2"):
        assert line(above, code).base == D("8450.00")
        assert line(above, code).employer_amount == line(at_ceiling, code).employer_amount
    assert line(above, "pension").employee_amount == D("785.85")
    for code in ("health", "care"):
        assert line(slip("5812.50"), code).base == line(above, code).base == D("5812.50")
    assert line(slip("5000.00"), "health").base == D("5000.00")
    assert line(above, "health").employee_amount == D("508.59")


def test_health_surcharge_is_split_half_and_half() -> None:
    payslip = slip("4000.00", health_surcharge="4.4")
    health = line(payslip, "health")
    assert health.employee_rate == health.employer_rate == D("9.5")
    assert health.employee_amount == D("380.00")


def test_care_insurance_family_and_saxony() -> None:
    def rates(**params: Any) -> tuple[Decimal, Decimal]:
        care = line(slip("3000.00", **params), "care")
        return care.employee_rate, care.employer_rate

    assert rates() == (D("1.8"), D("1.8"))
    assert rates(childless=True) == (D("2.4"), D("1.8"))
    assert rates(care_reduction_children=1) == (D("1.8"), D("1.8"))
    assert rates(care_reduction_children=2) == (D("1.55"), D("1.8"))
    assert (
        rates(care_reduction_children=5) == rates(care_reduction_children=9) == (D("0.8"), D("1.8"))
    )
    assert rates(state="SN") == (D("2.3"), D("1.3"))
    assert rates(state="SN", childless=True) == (D("2.9"), D("1.3"))


def test_u1_is_charged_when_given() -> None:
    levy = line(slip("3000.00", u1_rate="2.1"), "levy_u1")
    assert (levy.employer_rate, levy.employer_amount, levy.employee_amount) == (
        D("2.1"),
        D("63.00"),
        D(0),
    )
    assert "levy_u2" not in {found.code for found in slip("3000.00", u2_rate="0").lines}


# -- withholding -----------------------------------------------------------------------------


def test_withholding_is_lohnsteuer_soli_and_church_tax() -> None:
    payslip = slip("3500.00", church_member=True)
    assert extra(payslip, "lohnsteuer") == D("411.58")  # the PAP's LSTLZZ, see the grid test
    assert extra(payslip, "church_tax") == D("37.04")  # 9 % of 411.58, cut to the cent
    assert extra(payslip, "solidarity_surcharge") == 0
    assert payslip.income_tax_withheld == D("448.62")
    assert payslip.net_pay == payslip.net_before_tax - D("448.62")


def test_church_tax_rate_by_state_and_membership() -> None:
    assert extra(slip("5000.00", church_member=True, state="BY"), "church_tax_rate") == 8
    assert extra(slip("5000.00", church_member=True, state="BW"), "church_tax_rate") == 8
    assert extra(slip("5000.00", church_member=True, state="BE"), "church_tax_rate") == 9
    bavaria = slip("5000.00", church_member=True, state="BY")
    assert extra(bavaria, "church_tax") < extra(slip("5000.00", church_member=True), "church_tax")
    outside = slip("5000.00")
    assert extra(outside, "church_tax") == extra(outside, "church_tax_base") == 0


def test_tax_classes_order_the_withholding() -> None:
    tax = {c: extra(slip("4000.00", tax_class=c), "lohnsteuer") for c in range(1, 7)}
    assert tax[3] < tax[2] < tax[1] == tax[4] < tax[5] < tax[6]


def test_children_allowances_lower_soli_and_church_tax_not_lohnsteuer() -> None:
    none = slip("9000.00", church_member=True)
    two = slip("9000.00", church_member=True, children_allowances="2")
    assert extra(two, "lohnsteuer") == extra(none, "lohnsteuer")
    assert extra(two, "church_tax") < extra(none, "church_tax")
    assert extra(two, "solidarity_surcharge") < extra(none, "solidarity_surcharge")


def test_solidarity_surcharge_only_on_high_pay() -> None:
    assert extra(slip("6000.00"), "solidarity_surcharge") == 0
    assert extra(slip("9000.00"), "solidarity_surcharge") > 0
    assert extra(slip("9000.00", tax_class=3), "solidarity_surcharge") == 0


def test_care_situation_changes_the_vorsorgepauschale() -> None:
    plain = extra(slip("3000.00"), "lohnsteuer_vorsorgepauschale")
    assert extra(slip("3000.00", childless=True), "lohnsteuer_vorsorgepauschale") > plain
    assert extra(slip("3000.00", state="SN"), "lohnsteuer_vorsorgepauschale") > plain
    assert extra(slip("3000.00", care_reduction_children=3), "lohnsteuer_vorsorgepauschale") < plain


# -- refusals --------------------------------------------------------------------------------


def test_a_month_without_pay_is_all_zero() -> None:
    payslip = slip("0")
    assert payslip.employer_cost == payslip.net_pay == 0


def test_a_float_or_negative_gross_is_refused() -> None:
    with pytest.raises(TypeError):
        germany_payroll().payslip(MARCH, 3000.0)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="negative"):
        slip("-1")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"tax_class": 7}, "param tax_class"),
        ({"tax_class": "one"}, "param tax_class: 'one' is not an integer"),
        ({"children_allowances": "0.3"}, "steps of 0.5"),
        ({"children_allowances": "1", "tax_class": 5}, "classes 5 and 6"),
        ({"state": "XX"}, "param state"),
        ({"health_surcharge": "abc"}, "param health_surcharge"),
        ({"health_surcharge": "11"}, "param health_surcharge: a percentage from 0 to 10"),
        ({"u1_rate": "-1"}, "param u1_rate"),
        ({"childless": True, "care_reduction_children": 2}, "childless worker"),
        ({"church": True}, "unknown param church"),
        ({"activity_code": "12"}, "param activity_code"),
    ],
)
def test_bad_params_are_refused_with_their_name(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message) as error:
        slip("3000.00", **given)
    assert "\n" not in str(error.value)


def test_params_defaults() -> None:
    params = germany_payroll().params({})
    assert params["tax_class"] == 1 and params["state"] == "NW"
    assert params["health_surcharge"] == D("2.9") and params["children_allowances"] == 0
    assert germany_payroll().params(params) == params


# -- minimum wage and inverse ----------------------------------------------------------------


def test_minimum_wage_of_2026() -> None:
    wage = germany_payroll().minimum_wage(date(2026, 6, 1))
    assert (wage.hourly, wage.monthly, wage.effective) == (
        D("13.90"),
        D("2409.29"),
        date(2026, 1, 1),
    )
    assert wage.source.startswith("https://")


@pytest.mark.parametrize("gross", ["2409.29", "4321.09", "9999.99"])
def test_gross_for_employer_cost_finds_the_gross_back(gross: str) -> None:
    payroll = germany_payroll()
    cost = payroll.payslip(MARCH, D(gross), {"tax_class": 3}).employer_cost
    found = payroll.gross_for_employer_cost(MARCH, cost, {"tax_class": 3})
    assert abs(found.gross - D(gross)) <= D("0.01")


def test_reference_cases_are_sourced_and_reproduced() -> None:
    cases: list[ReferenceCase] = list(germany_payroll().reference_cases())
    assert len(cases) >= 5
    from plugins.payroll.kit import result_value

    for case in cases:
        assert case.source.startswith("https://")
        assert case.gross is not None
        payslip = germany_payroll().payslip(case.period, case.gross, case.params)
        for key, value in case.expected.items():
            assert abs(result_value(payslip, key) - value) <= case.tolerance, (case.id, key)  # type: ignore[operator]


# -- declarations ----------------------------------------------------------------------------

EMPLOYER = Employer(name="Coop eG", country="DE", company_id="HRB 1", social_security_id="12345678")
WORKER = Worker(
    member_id=7,
    family_name="Muster",
    given_name="Erika",
    birth_date=date(1990, 5, 1),
    national_id="65010590M123",
)
START = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 2), end=date(2026, 6, 30))


def test_deuev_anmeldung_is_due_within_six_weeks() -> None:
    declaration = germany_payroll().pre_hire_declaration(EMPLOYER, WORKER, START, {})
    assert declaration.name == "DEÜV-Anmeldung"
    assert declaration.due_before == date(2026, 4, 13)
    payload = declaration.payload
    assert (payload["meldegrund"], payload["personengruppe"], payload["beitragsgruppe"]) == (
        "10",
        "101",
        "1111",
    )
    assert payload["versicherungsnummer"] == "65010590M123"
    assert payload["befristet_bis"] == "2026-06-30"


def test_sofortmeldung_in_its_sectors_is_due_when_work_starts() -> None:
    declaration = germany_payroll().pre_hire_declaration(
        EMPLOYER, WORKER, START, {"sofortmeldung_sector": True}
    )
    assert (declaration.name, declaration.due_before) == ("Sofortmeldung", date(2026, 3, 2))
    assert declaration.payload["meldegrund"] == "20"


def test_registration_needs_a_start_and_a_betriebsnummer() -> None:
    payroll = germany_payroll()
    with pytest.raises(PayrollError, match=r"contract\.start"):
        payroll.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    anonymous = Employer(name="Coop eG", country="DE", company_id="HRB 1")
    with pytest.raises(PayrollError, match="Betriebsnummer"):
        payroll.pre_hire_declaration(anonymous, WORKER, START, {})


def test_monthly_declarations_sum_by_health_fund() -> None:
    payroll = germany_payroll()
    one = payroll.payslip(MARCH, D("3000.00"), {"health_fund": "AOK", "church_member": True})
    two = payroll.payslip(MARCH, D("4000.00"), {"health_fund": "TK"})
    three = payroll.payslip(MARCH, D("5000.00"), {"health_fund": "AOK"})
    declaration = payroll.periodic_declaration(
        EMPLOYER, MARCH, [(WORKER, one), (WORKER, two), (WORKER, three)]
    )
    payload = declaration.payload
    funds = {n["einzugsstelle"]: n for n in payload["beitragsnachweise"]}
    assert set(funds) == {"AOK", "TK"}
    aok_total = sum(
        (s.employee_contributions + s.employer_contributions for s in (one, three)), D(0)
    )
    assert D(funds["AOK"]["gesamtsumme"]) == aok_total
    pension = "0100 Rentenversicherung (voller Beitrag)"
    assert D(funds["TK"]["beitraege"][pension]) == D("744.00")
    tax = payload["lohnsteuer_anmeldung"]
    assert tax["kz86_zahl_der_arbeitnehmer"] == 3 and tax["due"] == "2026-04-10"
    withheld = one.income_tax_withheld + two.income_tax_withheld + three.income_tax_withheld
    assert D(tax["gesamtbetrag"]) == withheld
    assert D(tax["kirchensteuer_kz61_kz62"]) == D(one.extra["church_tax"]) > 0


def test_monthly_declaration_refuses_another_month() -> None:
    payroll = germany_payroll()
    april = payroll.payslip(Period(2026, 4), D("3000.00"))
    with pytest.raises(PayrollError, match="2026-04"):
        payroll.periodic_declaration(EMPLOYER, MARCH, [(WORKER, april)])


def test_posting_into_germany() -> None:
    rules = germany_payroll().posting_requirements(date(2026, 5, 1))
    assert rules.country == "DE" and "AEntG" in rules.declaration
    assert rules.minimum_wage.hourly == D("13.90")
    assert any("A1" in document for document in rules.documents)


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_json_payslip(run: Run) -> None:
    code, out, err = run(
        "--country", "DE", "--period", "2026-03", "--gross", "3500.00",
        "--param", "tax_class=3", "--param", "church_member=yes", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    expected = slip("3500.00", tax_class=3, church_member=True).as_dict()
    assert result == expected
    assert result["extra"]["church_tax_rate"] == "9"


def test_cli_employer_cost(run: Run) -> None:
    code, out, err = run(
        "--country", "DE", "--period", "2026-03", "--employer-cost", "5000.00", "--format", "json"
    )  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert abs(D(result["employer_cost"]) - D("5000.00")) <= D("0.02")
    assert D(result["gross"]) < D("5000.00")


def test_cli_batch(run: Run) -> None:
    cases = [
        {"id": 1, "country": "DE", "period": "2026-03", "gross": "3000.00"},
        {"id": 2, "country": "DE", "period": "2026-07", "employer_cost": "4000.00",
         "params": {"state": "SN", "childless": True}},
        {"id": 3, "country": "DE", "period": "2026-03", "gross": "1500.00",
         "params": {"tax_class": 9}},
        {"id": 4, "country": "DE", "period": "2026-03", "gross": "500.00"},
    ]  # fmt: skip
    code, out, err = run("--batch", "-", stdin="\n".join(json.dumps(c) for c in cases))
    assert (code, err) == (1, "")
    results = [json.loads(line) for line in out.splitlines()]
    assert results[0] == {"id": 1, **slip("3000.00").as_dict()}
    assert results[1]["params"]["state"] == "SN"
    assert "param tax_class" in results[2]["error"]
    assert results[3] == {"id": 4, **slip("500.00").as_dict()}
    assert results[3]["extra"]["employment"] == "minijob"
