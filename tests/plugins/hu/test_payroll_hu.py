"""Hungarian payroll 2026 (plugins/hu/payroll.py): the published examples, the 18.5 % and its
minimum base, szocho, the income tax allowances and their order, the family contribution
relief, params, periods, the inverse, the T1041, the 08 return, posting and the CLI."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from node.money import minor_exponent, to_minor
from plugins.hu.payroll import HungaryPayroll
from plugins.payroll.contract import ReferenceCase
from plugins.payroll.kit import result_value
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

LAW_FILE = Path(__file__).parents[3] / "plugins" / "hu" / "payroll_2026.toml"


def hungary() -> tuple[Any, HungaryPayroll]:
    (jurisdiction,) = importlib.import_module("plugins.hu").coop_register_jurisdictions()
    payroll = jurisdiction.payroll()
    assert isinstance(payroll, HungaryPayroll)
    return jurisdiction, payroll


JURISDICTION, HU = hungary()
MARCH = Period(2026, 3)


def slip(
    gross: int | str, period: Period = MARCH, contract: Contract | None = None, **params: Any
) -> Payslip:
    return HU.payslip(period, Decimal(gross), params, contract)


def line(payslip: Payslip, code: str) -> Any:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> set[str]:
    return {each.code for each in payslip.lines}


# -- the jurisdiction and the money -------------------------------------------------------


def test_hungary_exposes_its_payroll_in_whole_forints() -> None:
    assert (HU.country, HU.currency, HU.minor_unit) == ("HU", "HUF", 0)
    assert JURISDICTION.minor_unit == HU.minor_unit == minor_exponent("HUF")
    assert HU.law.covers_from == date(2026, 1, 1)
    assert HU.law.covers_until == date(2026, 12, 31)
    assert hungary()[1] is HU


def test_every_amount_fits_the_node_money_of_huf() -> None:
    payslip = slip(322801, family_dependants=3, family_beneficiaries=2, under_25=True)
    for amount in (
        payslip.gross,
        payslip.net_pay,
        payslip.employer_cost,
        payslip.income_tax_withheld,
        payslip.employee_contributions,
    ):
        assert to_minor(amount, "HUF") == int(amount)


def test_fractional_forints_are_refused() -> None:
    with pytest.raises(PayrollError, match="whole forints"):
        slip("322800.50")
    assert slip("322800.00").gross == Decimal(322800)
    with pytest.raises(PayrollError, match="negative"):
        slip(-1)
    with pytest.raises(TypeError):
        HU.payslip(MARCH, 322800.0, {})  # type: ignore[arg-type]


def test_law_file_dates_and_sources_every_value() -> None:
    book = LawBook.load(LAW_FILE)
    assert book.country == "HU"
    for value in book.values:
        assert value.source.startswith("https://"), value.key
        assert value.reference, value.key
    keys = {value.key for value in book.values}
    for day in (date(2026, 1, 1), date(2026, 6, 30), date(2026, 12, 31)):
        law = book.at(day)
        for key in keys:
            law.value(key)


def test_every_line_names_law_values_that_exist() -> None:
    keys = {value.key for value in HU.law.values}
    for payslip in (slip(50000, family_dependants=3, family_beneficiaries=3), slip(900000)):
        for each in payslip.lines:
            assert each.sources and set(each.sources) <= keys, each.code
        assert set(payslip.extra["income_tax_sources"].split(",")) <= keys


# -- reference cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(HU.reference_cases()), ids=lambda case: case.id)
def test_reference_case(case: ReferenceCase) -> None:
    assert case.source and case.gross is not None
    assert case.tolerance <= 1
    payslip = HU.payslip(case.period, case.gross, case.params, case.contract)
    for key, expected in case.expected.items():
        got = result_value(payslip, key)
        assert got is not None and abs(got - expected) <= case.tolerance, (key, expected, got)


# -- minimum wage -------------------------------------------------------------------------


def test_minimum_wage_2026() -> None:
    wage = HU.minimum_wage(date(2026, 7, 1))
    assert (wage.monthly, wage.hourly, wage.currency) == (Decimal(322800), Decimal(1856), "HUF")
    assert wage.effective == date(2026, 1, 1)
    assert wage.source.startswith("https://njt.hu/")
    with pytest.raises(PeriodOutsideLaw):
        HU.minimum_wage(date(2025, 12, 31))


def test_applicable_minimum_follows_the_job_and_the_contract() -> None:
    assert slip(400000).extra["applicable_minimum_wage"] == "322800"
    assert slip(400000, secondary_education_job=True).extra["applicable_minimum_wage"] == "373200"
    half = Contract(work_fraction=Decimal("0.5"))
    assert slip(200000, contract=half).extra["applicable_minimum_wage"] == "161400"
    hourly = Contract(basis=PayBasis.HOURLY, hours=Decimal(100))
    assert slip(300000, contract=hourly).extra["applicable_minimum_wage"] == "185600"
    assert (
        slip(300000, contract=hourly, secondary_education_job=True).extra["applicable_minimum_wage"]
        == "214500"
    )


# -- contributions ------------------------------------------------------------------------


def test_contribution_and_szocho_have_no_ceiling() -> None:
    payslip = slip(10_000_000)
    assert line(payslip, "tb_jarulek").employee_amount == Decimal(1_850_000)
    assert line(payslip, "szocho").employer_amount == Decimal(1_300_000)
    assert payslip.income_tax_withheld == Decimal(1_500_000)
    assert payslip.net_pay == Decimal(6_650_000)


def test_contributions_round_half_up_to_the_forint() -> None:
    payslip = slip(100003)  # 18 500.555, 15 000.45, 13 000.39
    assert line(payslip, "tb_jarulek").employee_amount == Decimal(18501)
    assert payslip.income_tax_withheld == Decimal(15000)
    assert line(payslip, "szocho").employer_amount == Decimal(13000)


def test_pay_below_the_minimum_base_costs_the_employer_the_shortfall() -> None:
    payslip = slip(50000)
    assert payslip.extra["minimum_contribution_base"] == "96840"
    assert line(payslip, "tb_jarulek").employee_amount == Decimal(9250)
    top_up = line(payslip, "tb_jarulek_minimum_base")
    assert (top_up.base, top_up.employer_amount) == (Decimal(46840), Decimal(8665))
    szocho = line(payslip, "szocho")
    assert (szocho.base, szocho.employer_amount) == (Decimal(96840), Decimal(12589))
    assert payslip.employer_cost == Decimal(50000 + 8665 + 12589)
    assert payslip.net_before_tax == Decimal(50000 - 9250)


def test_the_minimum_base_is_pro_rata_of_the_insured_days() -> None:
    from_17th = Contract(start=date(2026, 3, 17))  # 15 days of March
    payslip = slip(30000, contract=from_17th)
    assert payslip.extra["insured_days"] == "15"
    assert payslip.extra["minimum_contribution_base"] == "48420"
    assert line(payslip, "tb_jarulek_minimum_base").base == Decimal(18420)
    assert slip(30000, contract=Contract(start=date(2026, 3, 1))).extra["insured_days"] == "30"


def test_exempt_workers_have_no_minimum_base() -> None:
    payslip = slip(50000, minimum_base_exempt=True)
    assert "tb_jarulek_minimum_base" not in codes(payslip)
    assert line(payslip, "szocho").employer_amount == Decimal(6500)
    assert slip(96840).employer_cost == slip(96840, minimum_base_exempt=True).employer_cost


def test_a_working_pensioner_pays_only_the_income_tax() -> None:
    payslip = slip(400000, pensioner=True)
    assert payslip.lines == ()
    assert payslip.income_tax_withheld == Decimal(60000)
    assert payslip.employer_cost == payslip.gross == payslip.net_before_tax
    assert slip(50000, pensioner=True).employer_cost == Decimal(50000)


# -- income tax allowances ----------------------------------------------------------------


def test_under_25_is_exempt_up_to_the_cap_only() -> None:
    assert slip(700000, under_25=True).income_tax_withheld == 0
    above = slip(800000, under_25=True)
    assert above.extra["under_25_exemption"] == "715765"
    assert above.income_tax_withheld == Decimal(12635)  # 15 % of 84 235, half up
    assert line(above, "tb_jarulek").employee_amount == Decimal(148000)


@pytest.mark.parametrize(
    "mother", ["four_or_more_children", "three_children", "two_children_under_40", "under_30"]
)
def test_mothers_exemptions_have_no_cap_and_keep_the_contribution(mother: str) -> None:
    payslip = slip(2_000_000, Period(2026, 1), mother_exemption=mother)
    assert payslip.income_tax_withheld == 0
    assert payslip.extra["mothers_exemption"] == "2000000"
    assert line(payslip, "tb_jarulek").employee_amount == Decimal(370000)


def test_family_allowance_by_dependants_and_beneficiaries() -> None:
    one = slip(1_000_000, family_dependants=1, family_beneficiaries=1)
    assert one.extra["family_allowance"] == "133340"
    assert one.income_tax_withheld == Decimal(129999)  # 15 % of 866 660
    two = slip(1_000_000, family_dependants=2, family_beneficiaries=2)
    assert two.extra["family_allowance"] == "533340"
    three_of_four = slip(2_000_000, family_dependants=4, family_beneficiaries=3)
    assert three_of_four.extra["family_allowance"] == "1320000"
    # a third dependant (a student, no family benefit) raises the amount for the other two
    assert (
        slip(1_000_000, family_dependants=3, family_beneficiaries=2).extra["family_allowance"]
        == "880000"
    )


def test_family_allowance_can_be_shared() -> None:
    half = slip(1_000_000, family_dependants=2, family_beneficiaries=2, family_allowance_share="50")
    assert half.extra["family_allowance"] == "266670"
    none = slip(1_000_000, family_dependants=2, family_beneficiaries=2, family_allowance_share="0")
    assert none.extra["family_allowance"] == "0" and none.income_tax_withheld == 150000


def test_unused_family_allowance_reduces_the_contribution() -> None:
    partial = slip(400000, family_dependants=2, family_beneficiaries=2)
    assert partial.income_tax_withheld == 0
    assert partial.extra["family_allowance_unused"] == "133340"
    relief = line(partial, "csaladi_jarulekkedvezmeny")
    assert relief.employee_amount == Decimal(-20001)  # 15 % of 133 340
    assert partial.net_before_tax == Decimal(400000 - 74000 + 20001)
    capped = slip(322800, family_dependants=3, family_beneficiaries=3)
    assert line(capped, "csaladi_jarulekkedvezmeny").employee_amount == Decimal(-59718)
    assert capped.net_pay == capped.gross


def test_first_marriage_and_personal_allowances() -> None:
    married = slip(400000, first_marriage=True)
    assert married.extra["first_marriage_allowance"] == "33335"
    assert married.income_tax_withheld == Decimal(55000)  # 15 % of 366 665, half up
    disabled = slip(400000, personal_allowance=True)
    assert disabled.extra["personal_allowance"] == "107600"  # a third of 322 800
    assert disabled.income_tax_withheld == Decimal(43860)


def test_allowances_apply_in_the_law_order() -> None:
    payslip = slip(800000, under_25=True, family_dependants=1, family_beneficiaries=1)
    assert payslip.extra["under_25_exemption"] == "715765"
    assert payslip.extra["family_allowance_used"] == "84235"
    assert payslip.income_tax_withheld == 0
    # the family allowance left over goes to the contribution: 148 000 − 15 % of 49 105
    assert line(payslip, "csaladi_jarulekkedvezmeny").employee_amount == Decimal(-7366)
    both = slip(200000, personal_allowance=True, first_marriage=True, family_dependants=1,
                family_beneficiaries=1)  # fmt: skip
    assert both.extra["personal_allowance"] == "107600"
    assert both.extra["first_marriage_allowance"] == "33335"
    assert both.extra["family_allowance_used"] == "59065"


def test_net_before_tax_never_falls_across_caps_and_reliefs() -> None:
    params = {"under_25": True, "family_dependants": 2, "family_beneficiaries": 2}
    previous = Decimal(-1)
    for gross in range(700000, 1_300_001, 997):
        net = HU.payslip(MARCH, Decimal(gross), params).net_before_tax
        assert net >= previous, gross
        previous = net


# -- params -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"family_beneficiaries": 2}, "family_beneficiaries: more than family_dependants"),
        ({"family_allowance_share": "150"}, "family_allowance_share: must be between 0 and 100"),
        ({"under_25": "maybe"}, "under_25"),
        ({"mother_exemption": "five"}, "mother_exemption"),
        ({"feor_code": "12"}, "feor_code"),
        ({"weekly_hours": 60}, "weekly_hours"),
        ({"no_such": 1}, "unknown param no_such"),
    ],
)
def test_bad_params_give_one_clear_line(params: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message) as caught:
        slip(400000, **params)
    assert "\n" not in str(caught.value)


def test_params_from_text_are_typed() -> None:
    checked = HU.params({"under_25": "yes", "family_dependants": "2", "feor_code": "2511"})
    assert checked["under_25"] is True and checked["family_dependants"] == 2
    assert checked["family_allowance_share"] == Decimal(100)


def test_periods_outside_the_law_are_refused() -> None:
    with pytest.raises(PeriodOutsideLaw):
        slip(400000, Period(2025, 12))
    with pytest.raises(PeriodOutsideLaw):
        slip(400000, Period(2027, 1))


# -- the inverse --------------------------------------------------------------------------


def test_employer_cost_finds_the_gross() -> None:
    assert HU.gross_for_employer_cost(MARCH, Decimal(364764)).gross == Decimal(322800)
    found = HU.gross_for_employer_cost(MARCH, Decimal(600000), {"under_25": True})
    assert abs(found.employer_cost - Decimal(600000)) <= 1


# -- declarations -------------------------------------------------------------------------

EMPLOYER = Employer("Kooperatíva Zrt.", "HU", "12345678-2-42")
WORKER = Worker(7, "Kiss", "Anna", date(1990, 5, 4), national_id="8123456789", nationality="HU")


def test_t1041_is_due_before_work_starts() -> None:
    contract = Contract(kind=ContractKind.FIXED_TERM, start=date(2026, 4, 1), end=date(2026, 6, 30))
    declaration = HU.pre_hire_declaration(
        EMPLOYER, WORKER, contract, {"feor_code": "2511", "taj_number": "123456789"}
    )
    assert declaration.name.startswith("T1041") and declaration.due_before == date(2026, 4, 1)
    payload = declaration.payload
    assert payload["form"] == "26T1041" and payload["fo_lap"]["adoszam"] == "12345678-2-42"
    (potlap,) = payload["potlapok"]
    assert potlap["bejelentes_tipusa"] == "U"
    assert potlap["biztositasi_jogviszony_kod"] == "1101"
    assert (potlap["feor"], potlap["heti_munkaora"], potlap["taj_szam"]) == (
        "2511",
        40,
        "123456789",
    )
    assert potlap["jogviszony_vege"] == "2026-06-30" and potlap["hatarozott_ideju"] is True
    assert declaration.schema.endswith("#t1041")


@pytest.mark.parametrize(
    ("employer", "worker", "contract", "params", "message"),
    [
        (EMPLOYER, WORKER, Contract(), {"feor_code": "2511"}, "contract.start"),
        (EMPLOYER, WORKER, Contract(start=date(2026, 4, 1)), {}, "feor_code"),
        (
            Employer("X", "HU", ""),
            WORKER,
            Contract(start=date(2026, 4, 1)),
            {"feor_code": "2511"},
            "adószám",
        ),
        (
            EMPLOYER,
            Worker(7, "Kiss", "Anna", None, national_id="1234"),
            Contract(start=date(2026, 4, 1)),
            {"feor_code": "2511"},
            "adóazonosító jel",
        ),
    ],
)
def test_t1041_refuses_what_it_cannot_declare(
    employer: Employer, worker: Worker, contract: Contract, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(PayrollError, match=message):
        HU.pre_hire_declaration(employer, worker, contract, params)


def test_the_08_return_sums_its_m_lapok() -> None:
    other = Worker(8, "Nagy", "Béla", None, national_id="8234567890")
    slips = [
        (WORKER, slip(400000, family_dependants=2, family_beneficiaries=2, feor_code="2511")),
        (other, slip(50000)),
    ]
    declaration = HU.periodic_declaration(EMPLOYER, MARCH, slips)
    payload = declaration.payload
    assert payload["form"] == "2608" and payload["due"] == "2026-04-12"
    assert len(payload["m_lapok"]) == 2
    first = payload["m_lapok"][0]
    assert (first["tb_jarulek"], first["csaladi_jarulekkedvezmeny"]) == ("74000", "20001")
    assert first["biztositasi_jogviszony_kod"] == "20" and first["feor"] == "2511"
    totals = payload["osszesito"]
    assert totals["tb_jarulek"] == "83250" and totals["tb_jarulek_also_hatar_kulonbozet"] == "8665"
    assert payload["befizetendo"]["tb_jarulek"] == str(83250 - 20001 + 8665)
    assert payload["befizetendo"]["szocho"] == str(52000 + 12589)
    december = HU.periodic_declaration(EMPLOYER, Period(2026, 12), [])
    assert december.payload["due"] == "2027-01-12"


def test_the_08_return_takes_only_its_period() -> None:
    with pytest.raises(PayrollError, match="2026-04"):
        HU.periodic_declaration(EMPLOYER, MARCH, [(WORKER, slip(400000, Period(2026, 4)))])


def test_posting_into_hungary() -> None:
    requirements = HU.posting_requirements(date(2026, 5, 1))
    assert requirements.country == "HU"
    assert requirements.minimum_wage.monthly == Decimal(322800)
    assert any("A1" in document for document in requirements.documents)
    assert requirements.source.startswith("https://")


# -- the command line ---------------------------------------------------------------------


def test_cli_payslip_json(run: Any) -> None:
    code, out, err = run(
        "--country", "HU", "--period", "2026-03", "--gross", "322800",
        "--param", "family_dependants=1", "--param", "family_beneficiaries=1",
        "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    expected = slip(322800, family_dependants=1, family_beneficiaries=1).as_dict()
    assert result == expected
    assert result["income_tax_withheld"] == "28419"  # 15 % of 322 800 − 133 340


def test_cli_employer_cost(run: Any) -> None:
    code, out, _ = run(
        "--country", "HU", "--period", "2026-03", "--employer-cost", "364764", "--format", "json"
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["gross"] == "322800"


def test_cli_refuses_filler_amounts(run: Any) -> None:
    code, _out, err = run("--country", "HU", "--period", "2026-03", "--gross", "322800.5")
    assert code != 0 and "HUF" in err


def test_cli_batch(run: Any) -> None:
    lines = [
        json.dumps({"id": "a", "country": "HU", "period": "2026-03", "gross": "322800"}),
        json.dumps(
            {
                "id": "b",
                "country": "HU",
                "period": "2026-03",
                "employer_cost": "565000",
                "params": {"under_25": True},
            }
        ),
        json.dumps({"id": "c", "country": "HU", "period": "2026-03", "gross": "1.5"}),
    ]
    code, out, _ = run("--batch", "-", stdin="\n".join(lines))
    results = [json.loads(each) for each in out.splitlines()]
    assert [each["id"] for each in results] == ["a", "b", "c"]
    assert results[0]["net_pay"] == "214662"
    assert results[1]["gross"] == "500000" and results[1]["income_tax_withheld"] == "0"
    assert "error" in results[2] and code == 1
