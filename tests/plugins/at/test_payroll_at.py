"""Austrian payroll 2026 (plugins/at/payroll.py): contributions and their ceilings, the reduced
unemployment rates, marginal employment, the special payments, the Lohnsteuer and its credits,
employer taxes, params, ELDA, mBGM, posting and the CLI."""

from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.at.payroll import AustriaPayroll
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


def austria_payroll() -> AustriaPayroll:
    (austria,) = importlib.import_module("plugins.at").coop_register_jurisdictions()
    payroll = austria.payroll()
    assert isinstance(payroll, AustriaPayroll)
    return payroll


AT = austria_payroll()
MARCH = Period(2026, 3)
EMPLOYER = Employer("Coop AT", "AT", "FN 123456a", social_security_id="123456789")
WORKER = Worker(7, "Huber", "Anna", date(1990, 5, 4), national_id="1234040590")


def slip(gross: str, period: Period = MARCH, **params: Any) -> Payslip:
    return AT.payslip(period, Decimal(gross), params)


def line(payslip: Payslip, code: str) -> PayslipLine:
    found = [each for each in payslip.lines if each.code == code]
    assert len(found) == 1, f"{code} not once in {[each.code for each in payslip.lines]}"
    return found[0]


def codes(payslip: Payslip) -> set[str]:
    return {each.code for each in payslip.lines}


def extra(payslip: Payslip, name: str) -> Decimal:
    return Decimal(payslip.extra[name])


# -- the jurisdiction and the law -------------------------------------------------------------


def test_austria_exposes_its_payroll_for_2026() -> None:
    assert (AT.country, AT.currency) == ("AT", "EUR")
    assert (AT.law.covers_from, AT.law.covers_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert austria_payroll() is AT
    with pytest.raises(PeriodOutsideLaw, match="known from 2026-01-01 to 2026-12-31"):
        slip("3000.00", Period(2027, 1))


def test_minimum_pay_is_the_collective_reference_floor() -> None:
    wage = AT.minimum_wage(date(2026, 5, 1))
    assert wage.monthly == Decimal("1700.00") and wage.hourly is None
    assert wage.source.startswith("https://bmaw.gv.at/")


# -- social insurance -----------------------------------------------------------------------


def test_employee_rates_add_up_to_18_07_percent_outside_vienna() -> None:
    payslip = slip("3000.00", state="tirol")
    assert payslip.employee_contributions == Decimal("542.10")  # 18.07 %
    assert line(payslip, "wbf").employer_amount == Decimal("15.00")


def test_vienna_raises_the_housing_contribution_to_0_75_each() -> None:
    payslip = slip("3000.00", state="wien")
    assert payslip.employee_contributions == Decimal("549.60")  # 18.32 %
    assert line(payslip, "wbf").employee_amount == line(payslip, "wbf").employer_amount
    assert line(payslip, "wbf").employer_amount == Decimal("22.50")


def test_contributions_stop_at_the_monthly_ceiling() -> None:
    at_ceiling, above = slip("6930.00"), slip("12000.00")
    assert line(above, "kv").base == Decimal("6930.00")
    assert above.employee_contributions == at_ceiling.employee_contributions
    # employer taxes and BV have no ceiling
    assert line(above, "db").base == Decimal("12000.00")
    assert line(above, "bv").employer_amount == Decimal("183.60")


@pytest.mark.parametrize(
    ("gross", "rate"),
    [("2225.00", "0"), ("2225.01", "1"), ("2427.01", "2"), ("2630.00", "2"), ("2630.01", "2.95")],
)
def test_unemployment_rate_is_reduced_for_low_pay(gross: str, rate: str) -> None:
    av = line(slip(gross), "av")
    assert av.employee_rate == Decimal(rate)
    assert av.employer_rate == Decimal("2.95")


def test_net_falls_only_at_the_declared_thresholds() -> None:
    drops = AT.net_drops(MARCH)
    assert drops == tuple(Decimal(x) for x in ("551.10", "2225.00", "2427.00", "2630.00"))
    for drop in drops:
        assert slip(str(drop + Decimal("0.01"))).net_before_tax < slip(str(drop)).net_before_tax


def test_marginal_employment_bears_accident_insurance_only() -> None:
    marginal = slip("551.10")
    assert codes(marginal) == {"uv", "bv", "db", "dz", "kommst"}
    assert marginal.employee_contributions == 0
    assert line(marginal, "uv").employer_amount == Decimal("6.06")
    assert marginal.extra["marginal_employment"] == "1"
    insured = slip("551.11")
    assert {"kv", "pv", "av", "ak", "wbf", "iesg"} <= codes(insured)
    assert insured.extra["marginal_employment"] == "0"


# -- special payments (13th / 14th salary) --------------------------------------------------


def test_first_special_payment_is_taxed_6_percent_after_620() -> None:
    payslip = slip("6000.00", Period(2026, 6), special_payment="first", state="tirol")
    assert {"kv_sz", "pv_sz", "av_sz", "uv_sz", "iesg_sz"} <= codes(payslip)
    assert "ak_sz" not in codes(payslip) and "wbf_sz" not in codes(payslip)
    sz_employee = sum(
        (each.employee_amount for each in payslip.lines if each.code.endswith("_sz")),
        Decimal(0),
    )
    assert sz_employee == Decimal("512.10")  # 17.07 % of 3 000
    assert extra(payslip, "tax_base_special") == Decimal("2487.90")
    assert extra(payslip, "tax_special") == Decimal("112.07")  # 6 % of (2487.90 - 620)
    regular = slip("3000.00", state="tirol")
    assert extra(payslip, "tax_regular") == regular.income_tax_withheld
    assert payslip.income_tax_withheld == regular.income_tax_withheld + Decimal("112.07")


def test_second_special_payment_has_no_allowance_left() -> None:
    payslip = slip("6000.00", Period(2026, 11), special_payment="second")
    assert extra(payslip, "tax_special") == Decimal("149.27")  # 6 % of 2487.90


def test_small_sixth_is_free_of_fixed_rate_tax() -> None:
    payslip = slip("2400.00", Period(2026, 6), special_payment="first")
    assert extra(payslip, "jahressechstel") == Decimal("2400.00")
    assert extra(payslip, "tax_special") == 0


def test_freigrenze_2026_is_2615_and_has_no_cap_above_it() -> None:
    """LStR Rz 1055a: no fixed-rate tax up to a Jahressechstel of 2 615 € (2 570 € in 2025).
    Just above, the whole special payment less 620 € bears 6 %: the 30 % cap on the excess
    (Einschleifregelung) is § 41 Abs. 4 EStG, for the annual assessment only."""
    at_limit = slip("2615.00", Period(2026, 6), special_payment="first")
    assert extra(at_limit, "jahressechstel") == Decimal("2615.00")
    assert extra(at_limit, "tax_special") == 0
    above = slip("2615.02", Period(2026, 6), special_payment="first")
    # 1 307.51 less 14.12 % (KV 3.87 + PV 10.25, AV 0 % at this base) = 1 122.89; 6 % of 502.89
    assert extra(above, "tax_base_special") == Decimal("1122.89")
    assert extra(above, "tax_special") == Decimal("30.17")


def test_special_payment_ceiling_counts_the_earlier_one() -> None:
    payslip = slip(
        "11000.00", Period(2026, 11), special_payment="second", special_payment_amount="8000.00"
    )
    assert line(payslip, "kv_sz").base == Decimal("5860.00")  # 13 860 - 8 000 paid before
    assert line(payslip, "kv").base == Decimal("3000.00")


def test_special_payment_beyond_the_sixth_is_taxed_with_the_tariff() -> None:
    payslip = slip(
        "4000.00", Period(2026, 6), special_payment="first", special_payment_amount="3000.00"
    )
    assert extra(payslip, "jahressechstel") == Decimal("2000.00")
    assert extra(payslip, "special_beyond_sixth") == Decimal("1000.00")
    assert extra(payslip, "tax_base_regular") > Decimal("1000.00") - line(payslip, "kv").base


def test_net_drops_follow_the_split_of_the_gross() -> None:
    drops = AT.net_drops(MARCH, {"special_payment": "first"})
    assert Decimal("1102.21") in drops and Decimal("4450.00") in drops


# -- Lohnsteuer -----------------------------------------------------------------------------


def test_tariff_of_2026() -> None:
    law = AT.law_on(MARCH.start)
    assert law.tariff(Decimal(13539)) == 0
    assert law.tariff(Decimal(21992)) == Decimal("1690.60")
    assert law.tariff(Decimal(36458)) == Decimal("1690.60") + Decimal("4339.80")


def test_income_tax_of_a_regular_month() -> None:
    payslip = slip("3000.00", state="tirol")
    # (3000 - 542.10) x 12 - 132 = 29 362.80; tariff 3 901.84 - 496 Verkehrsabsetzbetrag
    assert extra(payslip, "tax_base_regular") == Decimal("2457.90")
    assert payslip.income_tax_withheld == Decimal("283.82")


def test_family_bonus_half_and_never_below_zero() -> None:
    full = slip("4000.00", family_bonus_children_under_18=2)
    half = slip("4000.00", family_bonus_children_under_18=2, family_bonus_share="half")
    none = slip("4000.00")
    assert extra(full, "family_bonus") == Decimal("333.36")
    assert extra(half, "family_bonus") == Decimal("166.68")
    assert none.income_tax_withheld - half.income_tax_withheld == Decimal("166.68")
    low = slip("1700.00", family_bonus_children_under_18=3)
    assert low.income_tax_withheld == 0


def test_sole_earner_credit_needs_a_child() -> None:
    base = slip("4000.00")
    assert slip("4000.00", sole_earner_credit=True).income_tax_withheld == base.income_tax_withheld
    one = slip("4000.00", sole_earner_credit=True, family_bonus_children_18_plus=1)
    without = slip("4000.00", family_bonus_children_18_plus=1)
    assert without.income_tax_withheld - one.income_tax_withheld == Decimal("51.00")  # 612/12


# -- employer taxes -------------------------------------------------------------------------


def test_dz_depends_on_the_land_and_chamber_membership() -> None:
    assert line(slip("3000.00", state="oberoesterreich"), "dz").employer_rate == Decimal("0.31")
    assert line(slip("3000.00", state="burgenland"), "dz").employer_rate == Decimal("0.40")
    assert "dz" not in codes(slip("3000.00", chamber_member=False))
    payslip = slip("3000.00")
    assert line(payslip, "db").employer_amount == Decimal("111.00")
    assert line(payslip, "kommst").employer_amount == Decimal("90.00")


def test_inverse_finds_the_gross() -> None:
    target = slip("3456.78", state="salzburg")
    found = AT.gross_for_employer_cost(MARCH, target.employer_cost, {"state": "salzburg"})
    assert found.gross == Decimal("3456.78")


# -- params ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": "1"}, "unknown param nope"),
        ({"state": "bavaria"}, "param state: 'bavaria' is not one of"),
        ({"special_payment_amount": "100.00"}, "needs special_payment first or second"),
        (
            {"special_payment": "first", "special_payment_amount": "0"},
            "special_payment_amount: must be positive",
        ),
        ({"family_bonus_children_under_18": "-1"}, "param family_bonus_children_under_18"),
        ({"sole_earner_credit": "maybe"}, "param sole_earner_credit: 'maybe' is not true"),
    ],
)
def test_bad_params_are_one_line_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message) as caught:
        slip("3000.00", **params)
    assert "\n" not in str(caught.value)


def test_special_payment_above_the_gross_is_refused() -> None:
    with pytest.raises(PayrollError, match="above the gross"):
        slip("1000.00", special_payment="first", special_payment_amount="1500.00")


def test_float_and_negative_gross_are_refused() -> None:
    with pytest.raises(TypeError):
        AT.payslip(MARCH, 3000.0)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="must not be negative"):
        slip("-1")


# -- declarations ---------------------------------------------------------------------------


def test_elda_registration_is_due_before_work_starts() -> None:
    contract = Contract(
        kind=ContractKind.FIXED_TERM,
        start=date(2026, 4, 15),
        end=date(2026, 9, 30),
        work_fraction=Decimal("0.5"),
    )
    declaration = AT.pre_hire_declaration(EMPLOYER, WORKER, contract, {"category": "blue_collar"})
    assert declaration.name == "ELDA Anmeldung" and declaration.due_before == date(2026, 4, 15)
    employment = declaration.payload["employment"]
    assert employment["beschaeftigtengruppe"] == "Arbeiter"
    assert employment["arbeitszeit"] == "Teilzeit"
    assert employment["bv_beginn"] == "2026-05-01"
    assert declaration.payload["insured"]["versicherungsnummer"] == "1234040590"
    with pytest.raises(PayrollError, match=r"contract\.start"):
        AT.pre_hire_declaration(EMPLOYER, WORKER, Contract(), {})
    with pytest.raises(PayrollError, match="Beitragskontonummer"):
        AT.pre_hire_declaration(
            Employer("X", "AT", "FN 1"), WORKER, Contract(start=date(2026, 4, 1)), {}
        )


def test_mbgm_lists_bases_reductions_and_totals() -> None:
    low, special = slip("2300.00"), slip("6000.00", special_payment="first")
    declaration = AT.periodic_declaration(EMPLOYER, MARCH, [(WORKER, low), (WORKER, special)])
    assert declaration.name == "mBGM" and declaration.period == "2026-03"
    assert declaration.payload["faellig_bis"] == "2026-04-15"
    first, second = declaration.payload["versicherte"]
    assert first["tarifblock"]["abschlaege"] == ["A02"]
    assert second["tarifblock"]["abschlaege"] == []
    assert second["beitragsgrundlage_sonderzahlung"] == "3000.00"
    assert declaration.payload["summen"]["beitragsgrundlage"] == "5300.00"
    with pytest.raises(PayrollError, match="in the AT mBGM"):
        AT.periodic_declaration(EMPLOYER, Period(2026, 4), [(WORKER, low)])


def test_mbgm_marks_marginal_employment() -> None:
    declaration = AT.periodic_declaration(EMPLOYER, MARCH, [(WORKER, slip("500.00"))])
    (entry,) = declaration.payload["versicherte"]
    assert entry["tarifblock"]["beschaeftigtengruppe"] == "Angestellte geringfügig"
    assert entry["beitragsgrundlage_laufend"] == "500.00"


def test_posting_requires_zko3_and_collective_pay() -> None:
    posting = AT.posting_requirements(date(2026, 6, 1))
    assert "ZKO 3" in posting.declaration
    assert posting.minimum_wage == AT.minimum_wage(date(2026, 6, 1))
    assert any("A1" in document for document in posting.documents)


# -- the command line ------------------------------------------------------------------------


def test_cli_json_payslip(run: Any) -> None:
    code, out, err = run(
        "--country", "AT", "--period", "2026-03", "--gross", "3000.00",
        "--param", "state=tirol", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == slip("3000.00", state="tirol").as_dict()


def test_cli_employer_cost(run: Any) -> None:
    code, out, _ = run(
        "--country", "AT", "--period", "2026-03", "--employer-cost", "3888.00",
        "--param", "state=tirol", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["gross"] == "3000.00"


def test_cli_batch(run: Any, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    rows = [
        {"id": "a", "country": "AT", "period": "2026-03", "gross": "3000.00"},
        {
            "id": "b",
            "country": "AT",
            "period": "2026-06",
            "gross": "6000.00",
            "params": {"special_payment": "first"},
        },
    ]
    cases.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    code, out, err = run("--batch", str(cases))
    assert (code, err) == (0, "")
    first, second = (json.loads(text) for text in out.splitlines())
    assert first == {"id": "a", **slip("3000.00").as_dict()}
    assert second["extra"]["tax_special"] == "112.07"


def test_cli_refuses_a_bad_param_in_one_line(run: Any) -> None:
    code, out, err = run(
        "--country", "AT", "--period", "2026-03", "--gross", "1", "--param", "state=paris"
    )
    assert code == 2 and out == ""
    assert "param state: 'paris' is not one of" in err and err.count("\n") == 1


def test_each_side_is_rounded_as_a_whole() -> None:
    payslip = slip("3250.00", state="oberoesterreich")
    # line by line 125.78 + 333.13 + 95.88 + 16.25 + 16.25 = 587.29; the group rate once: 587.28
    assert payslip.employee_contributions == Decimal("587.28")
    assert line(payslip, "pv").employee_amount == Decimal("333.12")
    employer_sv = sum(
        (
            each.employer_amount
            for each in payslip.lines
            if each.code in {"kv", "pv", "av", "uv", "iesg", "wbf"}
        ),
        Decimal(0),
    )
    assert employer_sv == Decimal("681.85")  # 20.98 % of 3 250, rounded once


def test_the_minimum_is_a_reference_floor_not_the_law() -> None:
    wage = AT.minimum_wage(MARCH.start)
    assert wage.statutory is False and wage.monthly > 0
