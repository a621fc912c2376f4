"""Belgian payroll 2026 (plugins/be/payroll.py): the contract's invariants, the published
examples, blue-collar 108 %, double holiday pay, params, periods, the inverse, Dimona, DmfA."""

from __future__ import annotations

import importlib
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.be.payroll import BelgiumPayroll
from plugins.payroll.contract import ReferenceCase
from plugins.payroll.law import LawBook
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

LAW_FILE = Path(__file__).parents[3] / "plugins" / "be" / "payroll_2026.toml"
CENT = Decimal("0.01")


def belgium_payroll() -> BelgiumPayroll:
    (belgium,) = importlib.import_module("plugins.be").coop_register_jurisdictions()
    payroll = belgium.payroll()
    assert isinstance(payroll, BelgiumPayroll)
    return payroll


BE = belgium_payroll()
SEPTEMBER = Period(2026, 9)


def slip(gross: str, period: Period = SEPTEMBER, **params: Any) -> Payslip:
    return BE.payslip(period, Decimal(gross), params)


def line(payslip: Payslip, code: str) -> Any:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> set[str]:
    return {each.code for each in payslip.lines}


def resolve(payslip: Payslip, key: str) -> Decimal:
    """A reference case's expected field: a payslip total, ``line:<code>:<field>`` or
    ``extra:<key>``."""
    if key.startswith("line:"):
        _, code, field = key.split(":")
        return Decimal(getattr(line(payslip, code), field))
    if key.startswith("extra:"):
        return Decimal(payslip.extra[key.removeprefix("extra:")])
    return Decimal(getattr(payslip, key))


# -- the jurisdiction ---------------------------------------------------------------------


def test_belgium_exposes_its_payroll() -> None:
    assert BE.country == "BE" and BE.currency == "EUR"
    assert BE.law.covers_from == date(2026, 1, 1)
    assert BE.law.covers_until == date(2026, 12, 31)
    assert belgium_payroll() is BE


def test_law_file_dates_and_sources_every_value() -> None:
    book = LawBook.load(LAW_FILE)
    assert book.country == "BE"
    for value in book.values:
        assert value.source.startswith("https://"), value.key
        assert value.reference, value.key
        assert value.until is not None and value.until <= date(2026, 12, 31), value.key
    # every day of 2026 has every key exactly once (no gap between the dated periods)
    keys = {value.key for value in book.values}
    for day in (date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 30), date(2026, 12, 31)):
        law = book.at(day)
        for key in keys:
            law.value(key)


def test_every_line_names_law_values_that_exist() -> None:
    keys = {value.key for value in BE.law.values}
    payslips = [
        slip("2300"),
        slip("3000", category="blue_collar", employer_headcount=25, employer_other_rate="0.4"),
        slip("2760", payslip_kind="double_holiday_pay"),
    ]
    for payslip in payslips:
        for each in payslip.lines:
            assert each.sources, each.code
            assert set(each.sources) <= keys, each.code
        assert set(payslip.extra["withholding_sources"].split(",")) <= keys


# -- reference cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(BE.reference_cases()), ids=lambda case: case.id)
def test_reference_case(case: ReferenceCase) -> None:
    assert case.source, "a reference case says where it was published"
    assert case.tolerance == CENT
    assert case.gross is not None
    payslip = BE.payslip(case.period, case.gross, case.params, case.contract)
    for key, expected in case.expected.items():
        assert abs(resolve(payslip, key) - expected) <= case.tolerance, (key, expected)


def test_reference_cases_cover_tax_social_and_employer_side() -> None:
    keys = {key for case in BE.reference_cases() for key in case.expected}
    assert "income_tax_withheld" in keys
    assert "line:work_bonus_b:employee_amount" in keys
    assert "line:structural_reduction:employer_amount" in keys
    assert "line:holiday_fund_quarterly:employer_amount" in keys


# -- invariants ---------------------------------------------------------------------------

PARAM_SETS: list[dict[str, Any]] = [
    {},
    {"category": "blue_collar"},
    {"arts_worker": True},
    {"marital_status": "married_one_income", "dependent_children": 2},
    {"marital_status": "married_two_incomes", "dependent_children": 3, "disabled_children": 1},
    {"marital_status": "married_spouse_low_income", "other_dependants": 1},
    {"marital_status": "married_spouse_low_pension", "dependants_65_care": 1},
    {"single_parent": True, "dependent_children": 1, "disabled": True},
    {"employer_headcount": 50, "employer_other_rate": "0.35"},
]
GROSSES = ["0", "0.01", "500", "1095.10", "1945.39", "2154.11", "2300.62", "2640.37", "2937.93"]
GROSSES += ["3000", "3336.98", "3403.63", "4100", "6038.83", "9999.99", "25000"]


@pytest.mark.parametrize("params", PARAM_SETS, ids=str)
@pytest.mark.parametrize("period", [Period(2026, m) for m in (1, 3, 4, 7, 9, 12)], ids=str)
def test_payslip_invariants(period: Period, params: dict[str, Any]) -> None:
    for gross in GROSSES:
        payslip = BE.payslip(period, Decimal(gross), params)
        assert payslip.net_pay <= payslip.net_before_tax <= payslip.gross
        assert payslip.gross <= payslip.employer_cost
        assert payslip.income_tax_withheld >= 0
        amounts = [payslip.gross, payslip.income_tax_withheld]
        for each in payslip.lines:
            amounts += [each.base, each.employee_amount, each.employer_amount]
        for amount in amounts:
            assert isinstance(amount, Decimal)
            assert amount == amount.quantize(CENT)
        assert payslip == BE.payslip(period, Decimal(gross), params), "deterministic"
        assert all(isinstance(value, str) for value in payslip.extra.values())


@pytest.mark.parametrize("params", PARAM_SETS[:4] + PARAM_SETS[-1:], ids=str)
@pytest.mark.parametrize("period", [Period(2026, m) for m in (1, 3, 4, 7, 9)], ids=str)
def test_cost_and_net_before_tax_never_fall_as_gross_rises(
    period: Period, params: dict[str, Any]
) -> None:
    grosses = [Decimal(cents) / 100 for cents in range(0, 900_000, 1337)]
    # every cent around the work-bonus and special-contribution thresholds
    for around in ("1945.38", "2190.18", "2218.73", "2300.62", "2833.36", "2937.93", "3271.48"):
        middle = int(Decimal(around) * 100)
        grosses += [Decimal(cents) / 100 for cents in range(middle - 300, middle + 300)]
    grosses.sort()
    previous = None
    for gross in grosses:
        payslip = BE.payslip(period, gross, params)
        if previous is not None:
            assert payslip.employer_cost >= previous.employer_cost, gross
            assert payslip.net_before_tax >= previous.net_before_tax, gross
        previous = payslip


def test_a_float_gross_is_refused() -> None:
    with pytest.raises(TypeError):
        BE.payslip(SEPTEMBER, 3000.0, {})  # type: ignore[arg-type]
    with pytest.raises(PayrollError):
        BE.payslip(SEPTEMBER, Decimal("-1"), {})


# -- the computation ----------------------------------------------------------------------


def test_white_collar_lines_and_the_key_formula() -> None:
    payslip = slip("3500", Period(2026, 10))
    assert codes(payslip) == {
        "onss_employee",
        "special_social_security",
        "onss_employer",
        "structural_reduction",
    }
    assert line(payslip, "onss_employee").employee_amount == Decimal("457.45")
    assert line(payslip, "special_social_security").employee_amount == Decimal("24.74")
    assert payslip.extra["annual_taxable"] == "36510.60"
    assert payslip.extra["professional_expenses"] == "6070.00"
    assert payslip.income_tax_withheld == Decimal("617.41")
    assert payslip.net_pay == Decimal("3500") - Decimal("457.45") - Decimal("24.74") - Decimal(
        "617.41"
    )


def test_blue_collar_contributions_are_on_108_percent() -> None:
    white = slip("3000")
    blue = slip("3000", category="blue_collar")
    assert line(blue, "onss_employee").base == Decimal("3240.00")
    assert line(blue, "onss_employee").employee_amount == Decimal("423.47")
    assert line(blue, "onss_employer").employer_amount == Decimal("810.00")
    assert line(blue, "holiday_fund_quarterly").employer_amount == Decimal("180.47")
    assert line(blue, "holiday_fund_annual").employer_amount == Decimal("332.75")
    assert "holiday_fund_quarterly" not in codes(white)
    # blue-collar work bonus column (volet A: 137.74 instead of 127.54)
    assert line(slip("2900", category="blue_collar"), "work_bonus_a").employee_amount == Decimal(
        "-137.74"
    )
    assert line(slip("2900"), "work_bonus_a").employee_amount == Decimal("-127.54")
    # taxable remuneration is the 100 % gross less the 108 % contribution (net of the bonus)
    assert line(blue, "work_bonus_a").employee_amount == Decimal(
        "-119.38"
    )  # 137.74 − 0.2958 × 62.07
    assert blue.extra["taxable_remuneration"] == "2695.91"  # 3 000 − (423.47 − 119.38)
    # structural reduction works on the wage at 100 %
    assert line(blue, "structural_reduction").base == line(white, "structural_reduction").base


def test_arts_workers_follow_the_manual_workers_holiday_regime() -> None:
    artist = slip("3000", arts_worker=True)
    blue = slip("3000", category="blue_collar")
    assert artist.lines == blue.lines
    with pytest.raises(PayrollError, match="holiday fund"):
        slip("2760", arts_worker=True, payslip_kind="double_holiday_pay")


def test_work_bonus_is_cut_to_the_contribution_b_first() -> None:
    payslip = slip("2000")
    onss = line(payslip, "onss_employee").employee_amount
    assert onss == Decimal("261.40")
    assert line(payslip, "work_bonus_a").employee_amount == Decimal("-127.54")
    assert line(payslip, "work_bonus_b").employee_amount == Decimal("-133.86")
    assert payslip.extra["onss_net"] == "0.00"
    # the fiscal work bonus (33.14 % of A, 52.54 % of B) comes off the withholding
    assert payslip.extra["withholding_before_work_bonus"] == "167.01"
    assert payslip.extra["fiscal_work_bonus"] == "112.60"  # 42.27 + 70.33
    assert payslip.income_tax_withheld == Decimal("54.41")


def test_work_bonus_follows_the_2026_periods() -> None:
    gross = "3300"
    january = line(slip(gross, Period(2026, 1)), "onss_employee")
    assert january.employee_amount == Decimal("431.31")
    assert "work_bonus_a" not in codes(slip(gross, Period(2026, 1)))  # above 3 271,48
    march = line(slip(gross, Period(2026, 3)), "work_bonus_a").employee_amount
    assert march == -(Decimal("123.00") - Decimal("0.2442") * Decimal("466.64")).quantize(CENT)
    september = line(slip(gross, Period(2026, 9)), "work_bonus_a").employee_amount
    assert september == Decimal("-28.37")  # 127.54 − 0.2739 × 362.07


def test_part_time_scales_the_work_bonus_and_the_structural_reduction() -> None:
    half = Contract(work_fraction=Decimal("0.5"))
    part = BE.payslip(SEPTEMBER, Decimal("1500"), {}, half)
    full = slip("3000")
    assert part.extra["work_bonus_reference_wage"] == "3000.00"
    assert line(part, "work_bonus_a").employee_amount == Decimal("-55.27")  # 110.54 / 2
    assert line(part, "structural_reduction").employer_amount == Decimal("-82.40")
    assert line(full, "structural_reduction").employer_amount == Decimal("-164.80")


def test_structural_reduction_never_exceeds_the_employer_contributions() -> None:
    payslip = slip("100")
    reduction = -line(payslip, "structural_reduction").employer_amount
    assert reduction == line(payslip, "onss_employer").employer_amount
    assert payslip.employer_cost == payslip.gross


def test_ten_workers_or_more_pay_the_unemployment_contribution() -> None:
    small = slip("4000", employer_headcount=9)
    large = slip("4000", employer_headcount=10)
    assert "onss_employer_unemployment" not in codes(small)
    assert line(large, "onss_employer_unemployment").employer_amount == Decimal("67.60")
    other = slip("4000", employer_other_rate="0.50")
    assert line(other, "employer_other").employer_amount == Decimal("20.00")


def test_special_social_security_contribution_by_household() -> None:
    def csss(gross: str, status: str) -> Decimal:
        payslip = slip(gross, marital_status=status)
        found = [each for each in payslip.lines if each.code == "special_social_security"]
        return found[0].employee_amount if found else Decimal(0)

    assert csss("1945.38", "single") == 0
    assert csss("2190.18", "single") == Decimal("10.33")
    assert csss("4100", "single") == Decimal("39.62")  # 27.35 + 3.38 % × 363
    assert csss("4100.01", "single") == Decimal("39.61")  # the legal scale steps down a cent
    assert csss("7000", "single") == Decimal("60.94")
    assert csss("1095.09", "married_two_incomes") == 0
    assert csss("1500", "married_two_incomes") == Decimal("5.15")
    assert csss("7000", "married_two_incomes") == Decimal("51.64")
    assert csss("1500", "married_one_income") == 0
    assert csss("7000", "married_one_income") == Decimal("60.94")


def test_family_situation_lowers_the_withholding() -> None:
    single = slip("4000").income_tax_withheld
    one_income = slip("4000", marital_status="married_one_income").income_tax_withheld
    two_children = slip("4000", dependent_children=2).income_tax_withheld
    disabled_child = slip("4000", dependent_children=2, disabled_children=1).income_tax_withheld
    assert single == Decimal("826.70")
    assert one_income < single
    assert two_children == single - (Decimal(1656) / 12).quantize(CENT)
    assert disabled_child == single - (Decimal(4404) / 12).quantize(CENT)  # counts as three
    assert slip("4000", dependent_children=1, single_parent=True).income_tax_withheld == (
        single - (Decimal(624 + 624) / 12).quantize(CENT)
    )
    # reductions never make the tax negative
    assert slip("2500", dependent_children=8).income_tax_withheld == 0


def test_double_holiday_pay_of_a_white_collar_worker() -> None:
    payslip = slip("2760", payslip_kind="double_holiday_pay")  # 92 % of 3 000
    onss = line(payslip, "onss_double_holiday_pay")
    assert onss.base == Decimal("2550.00")  # 85 % of the monthly salary
    assert onss.employee_amount == Decimal("333.29")
    assert payslip.employer_contributions == 0
    assert payslip.employer_cost == payslip.gross
    assert payslip.extra["annual_reference_remuneration"] == "36000.00"
    assert payslip.extra["withholding_rate"] == "42.39"
    assert payslip.income_tax_withheld == Decimal("1028.68")  # 42.39 % of 2 426.71
    lower = slip("2760", payslip_kind="double_holiday_pay", annual_reference_remuneration="20000")
    assert lower.extra["withholding_rate"] == "26.25"
    exempt = slip("1300", payslip_kind="double_holiday_pay", dependent_children=1)
    assert exempt.extra["withholding_children_relief"] == "100"
    assert exempt.income_tax_withheld == 0


# -- params -------------------------------------------------------------------------------


def test_params_defaults_and_schema() -> None:
    schema = BE.params_schema()
    assert schema["type"] == "object"
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name
    defaults = BE.params()
    assert defaults["category"] == "white_collar"
    assert defaults["marital_status"] == "single"
    assert defaults["dependent_children"] == 0
    assert defaults["payslip_kind"] == "monthly"
    assert defaults["employer_other_rate"] == Decimal("0.00")
    # text from the command line, and already-checked params, are both accepted
    assert BE.params({"dependent_children": "2"})["dependent_children"] == 2
    assert BE.params(defaults) == defaults


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"colour": "blue"}, "unknown param colour"),
        ({"category": "manager"}, "category"),
        ({"marital_status": "complicated"}, "marital_status"),
        ({"dependent_children": "many"}, "dependent_children"),
        ({"dependent_children": -1}, "dependent_children"),
        ({"dependent_children": 1, "disabled_children": 2}, "disabled_children"),
        ({"employer_other_rate": "abc"}, "employer_other_rate"),
        ({"joint_committee": "two hundred"}, "joint_committee"),
        ({"arts_worker": "perhaps"}, "arts_worker"),
    ],
)
def test_bad_params_are_refused_with_their_name(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message):
        BE.payslip(SEPTEMBER, Decimal("3000"), given)


# -- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [Period(2025, 12), Period(2027, 1)], ids=str)
def test_periods_outside_2026_are_refused(period: Period) -> None:
    with pytest.raises(PeriodOutsideLaw):
        BE.payslip(period, Decimal("3000"), {})
    with pytest.raises(PeriodOutsideLaw):
        BE.minimum_wage(period.start)


def test_minimum_wage_of_2026() -> None:
    assert BE.minimum_wage(date(2026, 2, 1)).monthly == Decimal("2154.11")
    assert BE.minimum_wage(date(2026, 5, 1)).monthly == Decimal("2189.81")
    july = BE.minimum_wage(date(2026, 7, 1))
    assert july.monthly == Decimal("2233.61")
    assert july.effective == date(2026, 7, 1)
    assert july.currency == "EUR" and july.source.startswith("https://")


# -- the inverse --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "params"),
    [
        ("2233.61", {}),
        ("2500.00", {}),
        ("3000.00", {"category": "blue_collar", "employer_headcount": 12}),
        ("4321.09", {"marital_status": "married_one_income"}),
        ("12000.00", {}),
        ("2760.00", {"payslip_kind": "double_holiday_pay"}),
    ],
)
def test_gross_for_employer_cost_finds_the_gross_within_a_cent(
    gross: str, params: dict[str, Any]
) -> None:
    forward = slip(gross, **params)
    found = BE.gross_for_employer_cost(SEPTEMBER, forward.employer_cost, params)
    assert abs(found.gross - forward.gross) <= CENT
    assert abs(found.employer_cost - forward.employer_cost) <= CENT


def test_gross_for_a_round_budget() -> None:
    found = BE.gross_for_employer_cost(SEPTEMBER, Decimal("4000.00"))
    below = slip(str(found.gross - CENT))
    above = slip(str(found.gross + CENT))
    assert below.employer_cost < found.employer_cost < above.employer_cost
    assert abs(found.employer_cost - Decimal("4000.00")) <= Decimal("0.02")


# -- performance --------------------------------------------------------------------------


def test_a_payslip_takes_well_under_a_millisecond() -> None:
    params = {"marital_status": "married_one_income", "dependent_children": 2}
    BE.payslip(SEPTEMBER, Decimal("3000"), params)
    runs = 300
    started = time.perf_counter()
    for cents in range(runs):
        BE.payslip(SEPTEMBER, Decimal(250_000 + cents) / 100, params)
    assert (time.perf_counter() - started) / runs < 0.001


# -- declarations -------------------------------------------------------------------------

EMPLOYER = Employer(
    name="Coop SCRL", country="BE", company_id="0403170701", social_security_id="123456789"
)
WORKER = Worker(
    member_id=7,
    family_name="Peeters",
    given_name="An",
    birth_date=date(1990, 5, 17),
    national_id="90051712345",
)


def test_dimona_in_is_due_before_work_starts() -> None:
    contract = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 3, 2), end=date(2026, 6, 30))
    declaration = BE.pre_hire_declaration(
        EMPLOYER, WORKER, contract, {"joint_committee": "304", "arts_worker": True}
    )
    assert declaration.country == "BE" and declaration.name == "Dimona IN"
    assert declaration.due_before == date(2026, 3, 2)
    assert declaration.schema.startswith("docs/payroll-be.md")
    assert declaration.payload == {
        "declaration": "DIMONA_IN",
        "employer": {
            "onss_number": "123456789",
            "enterprise_number": "0403170701",
            "name": "Coop SCRL",
        },
        "worker": {
            "inss": "90051712345",
            "family_name": "Peeters",
            "given_name": "An",
            "birth_date": "1990-05-17",
        },
        "occupation": {
            "start_date": "2026-03-02",
            "end_date": "2026-06-30",
            "worker_type": "OTH",
            "joint_committee": "304",
        },
    }
    open_ended = BE.pre_hire_declaration(
        EMPLOYER, WORKER, Contract(start=date(2026, 1, 5)), {"dimona_worker_type": "STU"}
    )
    assert open_ended.payload["occupation"]["end_date"] is None
    assert open_ended.payload["occupation"]["worker_type"] == "STU"


def test_dimona_needs_a_start_date_and_identities() -> None:
    with pytest.raises(PayrollError, match="start"):
        BE.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    nobody = Worker(member_id=8, family_name="X", given_name="Y", birth_date=None)
    with pytest.raises(PayrollError, match="INSZ"):
        BE.pre_hire_declaration(EMPLOYER, nobody, Contract(start=date(2026, 1, 5)), {})
    with pytest.raises(PayrollError, match="dimona_worker_type"):
        BE.pre_hire_declaration(
            EMPLOYER, WORKER, Contract(start=date(2026, 1, 5)), {"dimona_worker_type": "XYZ"}
        )


def test_dmfa_lists_each_worker_with_remuneration_contributions_and_reductions() -> None:
    white = slip("3000")
    blue = slip("2500", category="blue_collar", joint_committee="100")
    other = Worker(member_id=9, family_name="Dubois", given_name="Luc", birth_date=None)
    declaration = BE.periodic_declaration(EMPLOYER, SEPTEMBER, [(WORKER, white), (other, blue)])
    assert declaration.name == "DmfA" and declaration.period == "2026-Q3"
    payload = declaration.payload
    assert payload["declaration"] == "DMFA"
    assert "not the ONSS XML" in payload["format"]
    assert payload["quarter"] == "2026-3" and payload["month"] == "2026-09"
    assert payload["employer"]["onss_number"] == "123456789"
    first, second = payload["workers"]
    assert first["inss"] == "90051712345" and first["worker_code"] == "495"
    assert second["worker_code"] == "015" and second["joint_committee"] == "100"
    assert first["remuneration"] == [
        {
            "remuneration_code": "1",
            "amount": "3000.00",
            "declared_at": "100%",
            "onss_base": "3000.00",
        }
    ]
    assert second["remuneration"][0]["declared_at"] == "108%"
    assert {entry["code"] for entry in first["reductions"]} == {
        "work_bonus_a",
        "structural_reduction",
    }
    assert "onss_employee" in {entry["code"] for entry in first["contributions"]}
    totals = payload["totals"]
    assert Decimal(totals["remuneration"]) == Decimal("5500.00")
    assert Decimal(totals["withholding_tax"]) == (
        white.income_tax_withheld + blue.income_tax_withheld
    )
    reductions = sum(
        -(each.employee_amount + each.employer_amount)
        for payslip in (white, blue)
        for each in payslip.lines
        if each.code in {"work_bonus_a", "work_bonus_b", "structural_reduction"}
    )
    assert Decimal(totals["reductions"]) == reductions


def test_dmfa_refuses_a_payslip_of_another_month() -> None:
    with pytest.raises(PayrollError, match="2026-08"):
        BE.periodic_declaration(EMPLOYER, SEPTEMBER, [(WORKER, slip("3000", Period(2026, 8)))])


def test_posting_into_belgium_needs_limosa() -> None:
    requirements = BE.posting_requirements(date(2026, 9, 1))
    assert requirements.country == "BE"
    assert "Limosa" in requirements.declaration
    assert requirements.minimum_wage.monthly == Decimal("2233.61")
    assert any("joint committee" in document for document in requirements.documents)
    assert requirements.source.startswith("https://")


def test_belgium_has_a_statutory_minimum() -> None:
    from datetime import date

    from plugins.be.payroll import belgium_payroll

    assert belgium_payroll().minimum_wage(date(2026, 3, 1)).statutory is True
