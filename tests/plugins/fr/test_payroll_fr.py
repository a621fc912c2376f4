"""France's 2026 payroll (plugins/fr/payroll.py, law in plugins/fr/payroll_2026.toml).

Expected amounts marked "modele-social" were computed by evaluating URSSAF's own rules, the npm
package modele-social 11.1.0 with publicodes 1.10.3, in the situation each test states
(``date`` the 1st of the month, ``salaire brut``, ``statut cadre``, the effectif ``seuil``:
5 → "moins de 11", 20 → "moins de 50", 60 → "moins de 150", 300 → "plus de 250",
``établissement . taux ATMP``, the complementary health ``montant``, 0 unless stated). That
model rounds no line: its exact results are rounded half-up to the cent here. The broad grid
comparison is tests/plugins/fr/test_reference_urssaf.py.
"""

from __future__ import annotations

import itertools
import timeit
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from plugins.fr import France
from plugins.fr.payroll import FrancePayroll, _allocate, _band
from plugins.fr.reference import REFERENCE_CASES
from plugins.payroll.contract import ReferenceCase
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

D = Decimal
MARCH, JUNE = Period(2026, 3), Period(2026, 6)
BASE = {"category": "non_cadre", "headcount": 20, "at_rate": "0.70"}
SIRET = "73282932000074"
NIR = "295109912611193"


@pytest.fixture(scope="module")
def payroll() -> FrancePayroll:
    found = France.for_package("plugins.fr").payroll()
    assert isinstance(found, FrancePayroll)
    return found


def lines(slip: Payslip) -> dict[str, Any]:
    return {line.code: line for line in slip.lines}


def employer() -> Employer:
    return Employer("Coop SCOP", "FR", SIRET, "117000001234567", {"city": "Lyon"})


def worker(member_id: int = 7, national_id: str = NIR) -> Worker:
    return Worker(member_id, "Martin", "Lou", date(1995, 10, 3), national_id, "FR")


# -- agreement with URSSAF's rules ------------------------------------------------------------


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=lambda case: case.id)
def test_reference_cases_reproduce_modele_social(
    payroll: FrancePayroll, case: ReferenceCase
) -> None:
    assert case.gross is not None
    assert "modele-social 11.1.0" in case.source
    slip = payroll.payslip(case.period, case.gross, case.params, case.contract)
    by_code = lines(slip)
    for field, expected in case.expected.items():
        if field.startswith("line:"):
            _, code, attribute = field.split(":")
            got = getattr(by_code[code], attribute)
        else:
            got = getattr(slip, field)
        assert abs(got - expected) <= case.tolerance, (case.id, field, got, expected)


def test_a_cadre_payslip_line_by_line(payroll: FrancePayroll) -> None:
    """modele-social 11.1.0, 2026-03, 2,500 € cadre, effectif "moins de 50", AT/MP 0.70 %,
    complementary health 40 € a month (half paid by the employer)."""
    params = {**BASE, "category": "cadre", "health_premium": "40"}
    slip = payroll.payslip(MARCH, D("2500"), params)
    expected = {  # code: (employee, employer), modele-social's exact amounts
        "health": ("0", "325"),
        "atmp": ("0", "17.5"),
        "old_age_capped": ("172.5", "213.75"),
        "old_age_uncapped": ("10", "52.75"),
        "agirc_arrco_t1": ("78.75", "118"),
        "ceg_t1": ("21.5", "32.25"),
        "apec": ("0.6", "0.9"),
        "provident_cadre": ("0", "37.5"),
        "family": ("0", "131.25"),
        "unemployment": ("0", "100"),
        "ags": ("0", "6.25"),
        "csg_deductible": ("170.935", "0"),
        "csg_non_deductible": ("60.33", "0"),
        "crds": ("12.56875", "0"),
        "health_complementary": ("20", "20"),
        "fnal": ("0", "2.5"),
        "csa": ("0", "7.5"),
        "training": ("0", "25"),
        "apprenticeship_tax": ("0", "17"),
        "social_dialogue": ("0", "0.4"),
        "forfait_social": ("0", "4.6"),
        "rgdu": ("0", "-429.75"),
    }
    by_code = lines(slip)
    assert set(by_code) == set(expected)  # no tranche 2, CET, PEEC or transport line here
    for code, (employee, employer_amount) in expected.items():
        assert abs(by_code[code].employee_amount - D(employee)) <= D("0.01"), code
        assert abs(by_code[code].employer_amount - D(employer_amount)) <= D("0.01"), code
    assert slip.net_before_tax == D("1952.82")  # 1952.81625
    assert slip.employer_cost == D("3182.40")
    assert slip.extra["net_taxable"] == "2083.22"  # 2083.215
    assert slip.extra["rgdu_coefficient"] == "0.1719"
    assert by_code["rgdu"].employer_rate == D("17.19")
    assert slip.income_tax_withheld == D("72.91")  # neutral grid: 3.5 % from 2,060 €


def test_above_the_ceiling_every_tranche_appears(payroll: FrancePayroll) -> None:
    """modele-social 11.1.0, 2026-09, 9,000 € cadre, "moins de 150", AT/MP 1.10 %, versement
    mobilité 2.95 %: net before tax 7,163.23073, employer cost 13,242.4605, no RGDU."""
    params = {**BASE, "category": "cadre", "headcount": 60, "at_rate": "1.10"}
    slip = payroll.payslip(Period(2026, 9), D("9000"), {**params, "transport_rate": "2.95"})
    by_code = lines(slip)
    assert {"agirc_arrco_t2", "ceg_t2", "cet", "peec", "transport"} <= set(by_code)
    assert "rgdu" not in by_code
    assert by_code["agirc_arrco_t2"].base == D("4995.00")
    assert by_code["old_age_capped"].base == D("4005.00")
    assert by_code["fnal"].employer_rate == D("0.5")
    assert (slip.net_before_tax, slip.employer_cost) == (D("7163.23"), D("13242.46"))


# -- the contract's invariants ----------------------------------------------------------------


GRID = [D("1823.03") + D(step) * D("91.37") for step in range(0, 160)]


@pytest.mark.parametrize("category", ["cadre", "non_cadre"])
@pytest.mark.parametrize("headcount", [5, 20, 60, 300])
def test_net_gross_cost_order_and_monotony(
    payroll: FrancePayroll, category: str, headcount: int
) -> None:
    params = {**BASE, "category": category, "headcount": headcount, "health_premium": "45.55"}
    previous: Payslip | None = None
    for gross in GRID:
        slip = payroll.payslip(MARCH, gross, params)
        assert slip.net_pay <= slip.net_before_tax <= slip.gross <= slip.employer_cost
        if previous is not None:
            assert slip.net_before_tax >= previous.net_before_tax
            assert slip.employer_cost >= previous.employer_cost
        previous = slip


@pytest.mark.parametrize("around", ["1823.03", "4005.00", "5469.10", "16020.00"])
def test_monotony_cent_by_cent_at_the_thresholds(payroll: FrancePayroll, around: str) -> None:
    """Line rounding never makes a total go down by a cent (SMIC, PSS, 3 SMIC, 4 PSS).

    The one exception is the law's: the Agirc-Arrco CET (0.14 % employee) is due on the whole
    pay once it exceeds the PSS, so net before tax drops by 0.14 % × 4,005 € just above it (as
    in modele-social, whose rule is ``applicable si: assiette > plafond``).
    """
    params = {**BASE, "category": "cadre", "health_premium": "33.33"}
    start = D(around) - D("0.50")
    slips = [payroll.payslip(MARCH, start + D(i) / 100, params) for i in range(101)]
    for before, after in itertools.pairwise(slips):
        assert after.employer_cost >= before.employer_cost
        if before.gross == D("4005.00"):
            assert "cet" in lines(after) and "cet" not in lines(before)
            drop = before.net_before_tax - after.net_before_tax
            assert D("5.55") < drop < D("5.61")  # 5.61 of CET less the cent's other lines
            continue
        assert after.net_before_tax >= before.net_before_tax


def test_the_rgdu_stops_at_three_smic(payroll: FrancePayroll) -> None:
    below = lines(payroll.payslip(MARCH, D("5469.09"), BASE))
    at = lines(payroll.payslip(MARCH, D("5469.10"), BASE))  # 3 × 12.02 × 35 × 52 / 12
    assert below["rgdu"].employer_rate == D("2")  # Tmin
    assert "rgdu" not in at
    june = lines(payroll.payslip(JUNE, D("5469.10"), BASE))  # the SMIC rose on 1 June
    assert june["rgdu"].employer_amount < 0


@pytest.mark.parametrize(("headcount", "coefficient"), [(20, "0.3981"), (50, "0.4021")])
def test_the_rgdu_is_greatest_at_the_smic(
    payroll: FrancePayroll, headcount: int, coefficient: str
) -> None:
    slip = payroll.payslip(MARCH, D("1823.03"), {**BASE, "headcount": headcount})
    assert slip.extra["rgdu_coefficient"] == coefficient  # Tmin + Tdelta
    assert lines(slip)["rgdu"].employer_amount == -(D("1823.03") * D(coefficient)).quantize(
        D("0.01")
    )


def test_every_line_is_rounded_to_the_cent_and_near_base_times_rate(
    payroll: FrancePayroll,
) -> None:
    params = {**BASE, "category": "cadre", "headcount": 300, "health_premium": "61.17"}
    for gross in (D("1999.99"), D("4321.87"), D("12345.67")):
        slip = payroll.payslip(MARCH, gross, {**params, "transport_rate": "1.75"})
        for line in slip.lines:
            for rate, amount in (
                (line.employee_rate, line.employee_amount),
                (line.employer_rate, line.employer_amount),
            ):
                assert amount == amount.quantize(D("0.01")), (line.code, amount)
                if rate is not None:
                    exact = line.base * rate / 100 * (-1 if line.code == "rgdu" else 1)
                    assert abs(amount - exact) <= D("0.015"), (line.code, amount, exact)
        employee = sum((line.employee_amount for line in slip.lines), D(0))
        assert slip.net_before_tax == gross - employee


def test_decimal_only(payroll: FrancePayroll) -> None:
    with pytest.raises(TypeError):
        payroll.payslip(MARCH, 2500.0, BASE)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="not of type 'string'"):
        payroll.payslip(MARCH, D("2500"), {**BASE, "at_rate": 0.7})
    with pytest.raises(PayrollError, match="positive"):
        payroll.payslip(MARCH, D("-1"), BASE)


def test_same_input_same_payslip(payroll: FrancePayroll) -> None:
    one = payroll.payslip(MARCH, D("3210.55"), BASE)
    assert one == FrancePayroll().payslip(MARCH, D("3210.55"), dict(BASE))
    assert one.as_dict() == payroll.payslip(MARCH, D("3210.55"), payroll.params(BASE)).as_dict()


# -- params -----------------------------------------------------------------------------------


def test_params_defaults(payroll: FrancePayroll) -> None:
    assert payroll.params() == {
        "category": "non_cadre",
        "headcount": 1,
        "at_rate": D("2.08"),
        "transport_rate": None,
        "health_premium": D("0"),
        "health_employer_share": D("50"),
        "work_study_share": D("0"),
        "pas_rate": None,
    }
    assert payroll.params({"headcount": "60", "pas_rate": "7.5"})["headcount"] == 60


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"colour": "blue"}, "unknown param colour"),
        ({"category": "boss"}, "param category: 'boss' is not one of"),
        ({"headcount": "twenty"}, "param headcount: 'twenty' is not an integer"),
        ({"headcount": 2.5}, "param headcount: 2.5 is not of type 'integer'"),
        ({"headcount": 0}, "param headcount: 0 is less than the minimum of 1"),
        ({"at_rate": "-1"}, "param at_rate"),
        ({"at_rate": "150"}, "param at_rate: a percentage below 100"),
        ({"health_employer_share": "40"}, "param health_employer_share: the employer pays"),
        ({"pas_rate": "abc"}, "param pas_rate"),
    ],
)
def test_params_errors_are_one_line(
    payroll: FrancePayroll, given: dict[str, Any], message: str
) -> None:
    with pytest.raises(PayrollError, match=message) as raised:
        payroll.payslip(MARCH, D("2500"), {**BASE, **given})
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("period", [Period(2025, 12), Period(2027, 1)])
def test_periods_outside_the_law(payroll: FrancePayroll, period: Period) -> None:
    with pytest.raises(PeriodOutsideLaw):
        payroll.payslip(period, D("2500"), BASE)
    with pytest.raises(PeriodOutsideLaw):
        payroll.minimum_wage(period.start)


# -- thresholds and options -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headcount", "fnal", "training", "peec", "transport", "additional"),
    [
        (5, "0.1", "0.55", False, False, None),
        (11, "0.1", "1", False, True, None),
        (50, "0.5", "1", True, True, None),
        (250, "0.5", "1", True, True, "0.4"),
        (2000, "0.5", "1", True, True, "0.6"),
    ],
)
def test_headcount_thresholds(
    payroll: FrancePayroll,
    headcount: int,
    fnal: str,
    training: str,
    peec: bool,
    transport: bool,
    additional: str | None,
) -> None:
    params = {**BASE, "headcount": headcount, "transport_rate": "2"}
    by_code = lines(payroll.payslip(MARCH, D("6000"), params))
    assert by_code["fnal"].employer_rate == D(fnal)
    assert by_code["fnal"].base == (D("4005.00") if fnal == "0.1" else D("6000.00"))
    assert by_code["training"].employer_rate == D(training)
    assert ("peec" in by_code) is peec
    assert ("transport" in by_code) is transport
    found = by_code.get("apprenticeship_additional")
    assert (found and str(found.employer_rate)) == additional or (found is None is additional)


def test_work_study_employees_lower_the_additional_apprenticeship_contribution(
    payroll: FrancePayroll,
) -> None:
    params = {**BASE, "headcount": 300}
    rate = lines(payroll.payslip(MARCH, D("3000"), {**params, "work_study_share": "1.5"}))
    assert rate["apprenticeship_additional"].employer_rate == D("0.2")
    none = lines(payroll.payslip(MARCH, D("3000"), {**params, "work_study_share": "5"}))
    assert "apprenticeship_additional" not in none


def test_at_rate_below_the_minimum_is_raised_to_it(payroll: FrancePayroll) -> None:
    assert lines(payroll.payslip(MARCH, D("2000"), {**BASE, "at_rate": "0.3"}))[
        "atmp"
    ].employer_amount == D("10.00")


def test_complementary_health_and_forfait_social(payroll: FrancePayroll) -> None:
    params = {**BASE, "health_premium": "80", "health_employer_share": "75"}
    slip = payroll.payslip(MARCH, D("2500"), params)
    by_code = lines(slip)
    assert by_code["health_complementary"].employee_amount == D("20.00")
    assert by_code["health_complementary"].employer_amount == D("60.00")
    assert by_code["forfait_social"].employer_amount == D("4.80")  # 8 % from 11 employees
    assert by_code["csg_deductible"].base == D("2516.25")  # 98.25 % of 2,500 + 60
    small = lines(payroll.payslip(MARCH, D("2500"), {**params, "headcount": 10}))
    assert "forfait_social" not in small


def test_personal_withholding_rate(payroll: FrancePayroll) -> None:
    slip = payroll.payslip(MARCH, D("2500"), {**BASE, "pas_rate": "7.3"})
    taxable = D(slip.extra["net_taxable"])
    assert slip.extra["pas_method"] == "personal"
    assert slip.income_tax_withheld == (taxable * D("0.073")).quantize(D("0.01"))
    assert slip.net_pay == slip.net_before_tax - slip.income_tax_withheld


def test_neutral_grid_bands_are_half_open() -> None:
    grid = ((D(0), D(0)), (D(1635), D("0.5")), (D(1698), D("1.3")))
    assert _band(grid, D("1634.99")) == 0
    assert _band(grid, D("1635")) == D("0.5")
    assert _band(grid, D("1697.99")) == D("0.5")
    assert _band(grid, D("99999")) == D("1.3")


def test_allocation_keeps_the_rounded_total() -> None:
    exact = {"a": D("0.005"), "b": D("0.005"), "c": D("0.005"), "d": D("-1.2345")}
    rounded = _allocate(exact)
    assert sum(rounded.values()) == D("-1.22")  # the rounded exact total
    assert all(abs(rounded[k] - exact[k]) < D("0.01") for k in exact)


# -- contracts --------------------------------------------------------------------------------


def test_part_time_prorates_the_ceiling_and_the_smic(payroll: FrancePayroll) -> None:
    half = payroll.payslip(MARCH, D("900"), BASE, Contract(work_fraction=D("0.5")))
    assert half.extra["pss"] == "2002.50"
    assert half.extra["smic_rgdu"] == "911.52"
    assert lines(half)["rgdu"].employer_rate == D("39.81")  # at the prorated SMIC: the maximum


def test_a_month_entered_midway_prorates_by_calendar_days(payroll: FrancePayroll) -> None:
    slip = payroll.payslip(MARCH, D("1000"), BASE, Contract(start=date(2026, 3, 16)))
    assert slip.extra["pss"] == "2067.10"  # 4,005 × 16 / 31
    assert slip.extra["smic_rgdu"] == "940.92"
    assert slip.extra["proration"].startswith("16/31")
    left = payroll.payslip(
        MARCH,
        D("1000"),
        BASE,
        Contract(ContractKind.FIXED_TERM, start=date(2026, 1, 5), end=date(2026, 3, 10)),
    )
    assert left.extra["pss"] == "1291.94"  # 10 days of 31


def test_daily_and_hourly_contracts_use_the_daily_and_hourly_ceilings(
    payroll: FrancePayroll,
) -> None:
    period = dict(start=date(2026, 3, 2), end=date(2026, 3, 20))
    daily = Contract(ContractKind.FIXED_TERM, PayBasis.DAILY, days=5, **period)
    slip = payroll.payslip(MARCH, D("600"), BASE, daily)
    assert (slip.extra["pss"], slip.extra["smic_rgdu"]) == ("1100.00", "420.70")  # 5 × 220, 35 h
    assert lines(slip)["cpf_cdd"].employer_amount == D("6.00")
    hourly = Contract(ContractKind.FIXED_TERM, PayBasis.HOURLY, hours=D("20"), **period)
    slip = payroll.payslip(MARCH, D("300"), BASE, hourly)
    assert (slip.extra["pss"], slip.extra["smic_rgdu"]) == ("600.00", "240.40")  # 20 × 30
    many = Contract(ContractKind.FIXED_TERM, PayBasis.DAILY, days=25, **period)
    assert payroll.payslip(MARCH, D("5000"), BASE, many).extra["pss"] == "4005.00"


def test_a_contract_outside_the_period_is_refused(payroll: FrancePayroll) -> None:
    with pytest.raises(PayrollError, match="does not cover 2026-03"):
        payroll.payslip(MARCH, D("1000"), BASE, Contract(start=date(2026, 4, 1)))


def test_short_fixed_term_contracts_get_the_withholding_allowance(
    payroll: FrancePayroll,
) -> None:
    short = Contract(ContractKind.FIXED_TERM, start=date(2026, 3, 2), end=date(2026, 5, 1))
    slip = payroll.payslip(MARCH, D("2000"), BASE, short)
    allowance = D(slip.extra["net_taxable"]) - D(slip.extra["pas_base"])
    assert allowance == D("748")  # half the net taxable SMIC of 2026-03 (1,495.05), to the euro
    longer = Contract(ContractKind.FIXED_TERM, start=date(2026, 3, 2), end=date(2026, 5, 2))
    slip = payroll.payslip(MARCH, D("2000"), BASE, longer)
    assert slip.extra["pas_base"] == slip.extra["net_taxable"]


# -- the inverse, the minimum wage ------------------------------------------------------------


@pytest.mark.parametrize("budget", ["1900", "2500.55", "5600", "7000", "21000"])
def test_gross_for_employer_cost(payroll: FrancePayroll, budget: str) -> None:
    params = {**BASE, "category": "cadre", "headcount": 60}
    slip = payroll.gross_for_employer_cost(MARCH, D(budget), params)
    cent = D("0.01")
    below = payroll.payslip(MARCH, slip.gross - cent, params).employer_cost
    above = payroll.payslip(MARCH, slip.gross + cent, params).employer_cost
    gap = abs(slip.employer_cost - D(budget))
    assert gap <= abs(below - D(budget)) and gap <= abs(above - D(budget))
    if D(budget) < D("5400") or D(budget) > D("7800"):  # away from the RGDU's end at 3 SMIC
        assert gap <= cent


def test_minimum_wage(payroll: FrancePayroll) -> None:
    january = payroll.minimum_wage(date(2026, 1, 1))
    assert (january.monthly, january.hourly, january.currency) == (
        D("1823.03"),
        D("12.02"),
        "EUR",
    )
    assert january.source.startswith("https://")
    june = payroll.minimum_wage(date(2026, 6, 30))
    assert (june.monthly, june.hourly, june.effective) == (
        D("1867.02"),
        D("12.31"),
        date(2026, 6, 1),
    )


# -- declarations -----------------------------------------------------------------------------


def test_dpae_shape(payroll: FrancePayroll) -> None:
    contract = Contract(ContractKind.FIXED_TERM, start=date(2026, 4, 1), end=date(2026, 6, 30))
    declaration = payroll.pre_hire_declaration(
        employer(), worker(), contract, {"start_time": "08:30", "birth_place": "Lyon"}
    )
    assert (declaration.name, declaration.due_before) == ("DPAE", date(2026, 4, 1))
    assert declaration.schema.endswith("#dpae")
    payload = declaration.payload
    assert payload["format"] == "coopnode.fr.dpae/1"
    assert payload["employer"]["siret"] == SIRET and payload["employer"]["siren"] == SIRET[:9]
    assert payload["employee"]["nir"] == NIR and payload["employee"]["sex"] == "2"
    assert payload["employee"]["birth_date"] == "1995-10-03"
    assert payload["contract"] == {
        "start_date": "2026-04-01",
        "start_time": "08:30",
        "kind": "CDD",
        "end_date": "2026-06-30",
        "work_fraction": "1",
        "probation_days": None,
    }
    assert payload["due_before"] == "2026-04-01T08:30"
    open_ended = payroll.pre_hire_declaration(
        employer(), worker(), Contract(start=date(2026, 4, 1)), {}
    )
    assert open_ended.payload["contract"]["kind"] == "CDI"
    assert open_ended.payload["contract"]["end_date"] is None


@pytest.mark.parametrize(
    ("who", "contract", "params", "message"),
    [
        (None, Contract(), {}, "start date"),
        ("bad-nir", Contract(start=date(2026, 4, 1)), {}, "is not a NIR"),
        ("no-nir", Contract(start=date(2026, 4, 1)), {}, "NIR or birth place"),
        (None, Contract(start=date(2026, 4, 1)), {"start_time": "8h"}, "HH:MM"),
    ],
)
def test_dpae_refuses_what_is_missing(
    payroll: FrancePayroll,
    who: str | None,
    contract: Contract,
    params: dict[str, str],
    message: str,
) -> None:
    person = {"bad-nir": worker(national_id="123"), "no-nir": worker(national_id="")}.get(
        who or "", worker()
    )
    with pytest.raises(PayrollError, match=message):
        payroll.pre_hire_declaration(employer(), person, contract, params)
    with pytest.raises(PayrollError, match="is not a SIRET"):
        payroll.pre_hire_declaration(
            Employer("X", "FR", "123"), worker(), Contract(start=date(2026, 4, 1)), {}
        )


def test_dsn_shape(payroll: FrancePayroll) -> None:
    one = payroll.payslip(MARCH, D("2500"), {**BASE, "pas_rate": "4"})
    two = payroll.payslip(MARCH, D("4800"), {**BASE, "category": "cadre"})
    declaration = payroll.periodic_declaration(
        employer(), MARCH, [(worker(1), one), (worker(2), two)]
    )
    assert (declaration.name, declaration.period) == ("DSN mensuelle", "2026-03")
    payload = declaration.payload
    assert (payload["format"], payload["nature"], payload["period"]) == (
        "coopnode.fr.dsn/1",
        "01",
        "2026-03",
    )
    assert payload["employer"]["nic"] == SIRET[9:]
    first, second = payload["employees"]
    assert first["S21.G00.50"] == {
        "001": "2026-03-31",
        "002": one.extra["net_taxable"],
        "004": str(one.net_pay),
        "006": "4",
        "007": "01",
        "009": str(one.income_tax_withheld),
    }
    assert second["S21.G00.50"]["007"] == "13"
    assert first["S21.G00.51"] == [{"type": "001", "amount": "2500"}]
    assert {base["code"] for base in second["S21.G00.78"]} == {"02", "03", "04", "07"}
    assert [c["code"] for c in first["S21.G00.81"]] == [line.code for line in one.lines]
    totals = payload["totals"]
    assert D(totals["employer_contributions"]) == (
        one.employer_contributions + two.employer_contributions
    )
    rgdu = lines(one)["rgdu"].employer_amount + lines(two)["rgdu"].employer_amount
    assert D(totals["by_code"]["rgdu"]["employer"]) == rgdu
    with pytest.raises(PayrollError, match="not FR 2026-03"):
        payroll.periodic_declaration(
            employer(), MARCH, [(worker(), payroll.payslip(JUNE, D("2000")))]
        )


def test_posting_requirements(payroll: FrancePayroll) -> None:
    found = payroll.posting_requirements(date(2026, 7, 1))
    assert found.country == "FR" and "SIPSI" in found.declaration
    assert found.minimum_wage.hourly == D("12.31")
    assert any("A1" in document for document in found.documents)
    assert found.source.startswith("https://")


# -- the law file and speed -------------------------------------------------------------------


def test_every_line_names_law_keys_of_the_file(payroll: FrancePayroll) -> None:
    keys = {value.key for value in payroll.law.values}
    assert all(value.source.startswith("https://") for value in payroll.law.values)
    assert (payroll.law.country, payroll.law.covers_from, payroll.law.covers_until) == (
        "FR",
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    params = {**BASE, "category": "cadre", "headcount": 300, "health_premium": "40"}
    contract = Contract(ContractKind.FIXED_TERM, start=date(2026, 3, 1), end=date(2026, 9, 30))
    for gross in (D("1900"), D("9000")):
        slip = payroll.payslip(MARCH, gross, {**params, "transport_rate": "1"}, contract)
        for line in slip.lines:
            assert line.sources and set(line.sources) <= keys, line.code


def test_a_payslip_takes_well_under_a_millisecond(payroll: FrancePayroll) -> None:
    params = {**BASE, "category": "cadre", "health_premium": "40"}
    payroll.payslip(MARCH, D("2500"), params)
    runs = 300
    seconds = timeit.timeit(lambda: payroll.payslip(MARCH, D("2500"), params), number=runs)
    assert seconds / runs < 0.001


def test_the_one_fall_of_net_is_declared_where_the_law_makes_it(payroll: FrancePayroll) -> None:
    """Above the ceiling the CET is due on the whole pay: net before tax falls once, there."""
    fr = payroll
    (ceiling,) = fr.net_drops(MARCH)
    at = fr.payslip(MARCH, ceiling, {"category": "non_cadre"})
    above = fr.payslip(MARCH, ceiling + D("0.01"), {"category": "non_cadre"})
    assert above.net_before_tax < at.net_before_tax
    assert above.employer_cost > at.employer_cost
