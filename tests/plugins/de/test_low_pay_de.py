"""Germany's payroll below 2,000 EUR a month: the Minijob (up to 603 EUR) and the
Übergangsbereich (603.01 to 2,000 EUR), their boundaries, params, declarations, the fall in
employer cost above the Minijob and the inverse around it."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from node.cli.main import main
from plugins.de.lohnsteuer import TaxInput, TaxLaw, withholding
from plugins.de.payroll import germany_payroll
from plugins.payroll.model import Employer, PayrollError, Payslip, Period, Worker

MARCH = Period(2026, 3)
D = Decimal
F = D("0.6619")


def slip(gross: str, **params: Any) -> Payslip:
    return germany_payroll().payslip(MARCH, D(gross), params)


def line(payslip: Payslip, code: str) -> Any:
    return next(found for found in payslip.lines if found.code == code)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


# -- where each kind of job starts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "employment", "codes"),
    [
        ("0.01", "minijob", {"minijob_health", "minijob_pension", "flat_tax"}),
        ("603.00", "minijob", {"minijob_health", "minijob_pension", "flat_tax"}),
        ("603.01", "übergangsbereich", {"pension", "unemployment", "health", "care"}),
        ("2000.00", "übergangsbereich", {"pension", "unemployment", "health", "care"}),
        ("2000.01", "regular", {"pension", "unemployment", "health", "care"}),
    ],
)
def test_the_gross_picks_the_kind_of_job(gross: str, employment: str, codes: set[str]) -> None:
    payslip = slip(gross)
    assert payslip.extra["employment"] == employment
    assert codes <= {found.code for found in payslip.lines}
    assert ("transition_total_base" in payslip.extra) == (employment == "übergangsbereich")


# -- Minijob -----------------------------------------------------------------------------------


def test_minijob_flat_rates_are_the_employers() -> None:
    payslip = slip("550.00", u1_rate="1.5")
    employer = {found.code: found.employer_amount for found in payslip.lines}
    assert employer == {
        "minijob_health": D("71.50"),  # 13 %
        "minijob_pension": D("82.50"),  # 15 %
        "flat_tax": D("11.00"),  # 2 %
        "levy_u1": D("4.40"),  # the Minijob-Zentrale's 0.8 %, not the fund's 1.5 %
        "levy_u2": D("1.21"),  # the Minijob-Zentrale's 0.22 %, not the fund's 0.43 %
        "levy_insolvency": D("0.83"),
    }
    assert payslip.employer_cost == D("550.00") + sum(employer.values(), D(0))


def test_minijob_worker_tops_the_pension_up_and_pays_no_tax() -> None:
    payslip = slip("603.00", tax_class=6, church_member=True)
    pension = line(payslip, "minijob_pension")
    assert (pension.employee_rate, pension.employee_amount) == (D("3.6"), D("21.71"))
    assert payslip.employee_contributions == D("21.71")
    assert payslip.income_tax_withheld == 0 and payslip.extra["lohnsteuer"] == "0"
    assert payslip.extra["withholding_sources"] == "marginal.flat_tax_rate"
    assert payslip.net_pay == D("581.29")


def test_minijob_pension_has_a_minimum_base() -> None:
    pension = line(slip("100.00"), "minijob_pension")
    assert pension.base == D("175.00")
    assert pension.employer_amount == D("15.00")  # 15 % of the actual pay
    assert pension.employee_amount == D("32.55") - D("15.00")  # the rest of 18.6 % of 175


def test_pension_opt_out_drops_the_top_up() -> None:
    payslip = slip("603.00", pension_opt_out=True)
    codes = {found.code for found in payslip.lines}
    assert "minijob_pension" not in codes
    assert line(payslip, "minijob_pension_flat").employer_amount == D("90.45")
    assert payslip.net_pay == D("603.00")
    assert payslip.employer_cost == slip("603.00").employer_cost


def test_a_privately_insured_minijobber_costs_no_flat_health_rate() -> None:
    private = slip("400.00", minijob_statutory_health=False)
    assert "minijob_health" not in {found.code for found in private.lines}
    assert slip("400.00").employer_cost - private.employer_cost == D("52.00")


def test_minijob_taxed_by_tax_class_instead_of_the_flat_tax() -> None:
    law = TaxLaw.read(germany_payroll().law.at(MARCH.start))
    by_class = slip("603.00", minijob_flat_tax=False)
    assert "flat_tax" not in {found.code for found in by_class.lines}
    assert by_class.income_tax_withheld == 0  # class I: far below the basic allowance
    assert slip("603.00").employer_cost - by_class.employer_cost == D("12.06")
    sixth = slip("603.00", minijob_flat_tax=False, tax_class=6, church_member=True)
    assert D(sixth.extra["lohnsteuer"]) > 0 and D(sixth.extra["church_tax"]) > 0
    plain = TaxInput(6, D(0), D("2.9"), False, False, 0, True)
    # no health, care or unemployment part in the Vorsorgepauschale: the worker pays none
    assert D(sixth.extra["lohnsteuer"]) > withholding(law, plain, D("603.00")).lohnsteuer
    exempt = slip("603.00", minijob_flat_tax=False, tax_class=6, pension_opt_out=True)
    assert D(exempt.extra["lohnsteuer"]) > D(sixth.extra["lohnsteuer"])


# -- Übergangsbereich ----------------------------------------------------------------------------


def _bases(gross: str) -> tuple[Decimal, Decimal]:
    """The two bases by § 20 Abs. 2a SGB IV, written out with F = 0.6619, G = 603, UG = 2000."""
    ae, g, ug = D(gross), D(603), D(2000)
    total = F * g + (ug / (ug - g) - g / (ug - g) * F) * (ae - g)
    return cents(total), cents(ug / (ug - g) * (ae - g))


@pytest.mark.parametrize("gross", ["603.01", "777.77", "1000.00", "1500.00", "2000.00"])
def test_transition_bases_follow_the_formulas(gross: str) -> None:
    payslip = slip(gross)
    total, employee = _bases(gross)
    assert D(payslip.extra["transition_total_base"]) == total
    assert D(payslip.extra["transition_employee_base"]) == employee
    assert {found.base for found in payslip.lines} == {total}


def test_transition_splits_each_branch_between_the_bases() -> None:
    payslip = slip("1000.00", health_surcharge="2.5")
    total, employee = _bases("1000.00")
    for code, rate in (("pension", D("18.6")), ("unemployment", D("2.6"))):
        found = line(payslip, code)
        assert found.employee_amount == cents(employee * rate / 200)
        assert found.employee_amount + found.employer_amount == 2 * cents(total * rate / 200)
        assert found.employer_rate is None
    health = line(payslip, "health")
    whole = 2 * cents(total * D("7.3") / 100) + 2 * cents(total * D("1.25") / 100)
    assert health.employee_amount + health.employer_amount == whole
    assert health.employee_amount == cents(employee * D("7.3") / 100) + cents(
        employee * D("1.25") / 100
    )


def test_transition_starts_near_zero_for_the_worker() -> None:
    payslip = slip("603.01")
    assert payslip.employee_contributions == 0
    assert payslip.net_before_tax == D("603.01")
    # the employer pays the whole contribution on BE = F × G
    share = payslip.employer_contributions / payslip.gross
    assert D("0.27") < share < D("0.30")


def test_childless_surcharge_is_on_the_whole_base_and_the_workers_alone() -> None:
    total, employee = _bases("1000.00")
    plain, childless = line(slip("1000.00"), "care"), line(slip("1000.00", childless=True), "care")
    surcharge = cents(total * D("0.6") / 100)
    assert childless.employee_amount - plain.employee_amount == surcharge == D("5.12")
    assert childless.employer_amount == plain.employer_amount
    assert plain.employee_amount == cents(employee * D("1.8") / 100)


@pytest.mark.parametrize(
    "params",
    [{}, {"childless": True}, {"state": "SN"}, {"care_reduction_children": 4}, {"u1_rate": "2"}],
)
def test_transition_meets_the_regular_shares_at_2000(params: dict[str, Any]) -> None:
    """At 2,000 EUR both bases are the gross: each share is the regular one (of 2,000.01 less
    a cent's worth), so neither the worker nor the employer jumps at the upper limit."""
    upper, regular = slip("2000.00", **params), slip("2000.01", **params)
    for found in upper.lines:
        other = line(regular, found.code)
        assert abs(found.employee_amount - other.employee_amount) <= D("0.01"), found.code
        assert abs(found.employer_amount - other.employer_amount) <= D("0.01"), found.code
    assert D(0) <= regular.employer_cost - upper.employer_cost <= D("0.05")
    assert D(0) <= regular.net_before_tax - upper.net_before_tax <= D("0.05")


def test_saxony_and_children_in_the_transition() -> None:
    total, employee = _bases("1200.00")
    saxony = line(slip("1200.00", state="SN"), "care")
    assert saxony.employee_amount == cents(employee * D("2.3") / 100)
    assert saxony.employee_amount + saxony.employer_amount == 2 * cents(total * D("1.8") / 100)
    three = line(slip("1200.00", care_reduction_children=3), "care")
    assert three.employee_amount == cents(employee * D("1.3") / 100)
    whole = 2 * cents(total * D("1.8") / 100) - cents(total * D("0.5") / 100)
    assert three.employee_amount + three.employer_amount == whole


def test_transition_levies_are_on_the_whole_base() -> None:
    payslip = slip("1000.00", u1_rate="2.0")
    total, _ = _bases("1000.00")
    assert line(payslip, "levy_u1").employer_amount == cents(total * D("2.0") / 100)
    assert line(payslip, "levy_u2").employer_amount == cents(total * D("0.43") / 100)
    assert line(payslip, "levy_insolvency").employer_amount == cents(total * D("0.15") / 100)


def test_transition_lohnsteuer_is_on_the_actual_gross() -> None:
    law = TaxLaw.read(germany_payroll().law.at(MARCH.start))
    payslip = slip("1800.00", tax_class=5)
    expected = withholding(law, TaxInput(5, D(0), D("2.9"), False, False, 0, False), D("1800"))
    assert D(payslip.extra["lohnsteuer"]) == expected.lohnsteuer > 0


@pytest.mark.parametrize("params", [{}, {"childless": True, "state": "SN"}])
def test_cost_and_net_rise_euro_by_euro_below_2000(params: dict[str, Any]) -> None:
    """Monotonic at euro steps (the law's separate roundings of two bases can take a cent or
    two off from one cent of gross to the next, see docs/payroll-de.md)."""
    previous = slip("603.01", **params)
    for euros in range(604, 2001, 7):
        current = slip(f"{euros}.00", **params)
        assert current.employer_cost > previous.employer_cost, euros
        assert current.net_before_tax > previous.net_before_tax, euros
        previous = current


# -- the fall in employer cost above the Minijob, and the inverse ------------------------------


@pytest.mark.parametrize(
    ("params", "falls"),
    [
        ({}, True),
        ({"pension_opt_out": True}, True),
        ({"minijob_flat_tax": False}, False),  # without the 2 % the Minijob costs less
        ({"minijob_statutory_health": False}, False),
    ],
)
def test_employer_cost_falls_above_the_minijob_when_its_flat_rates_are_due(
    params: dict[str, Any], falls: bool
) -> None:
    payroll = germany_payroll()
    mini, midi = slip("603.00", **params), slip("603.01", **params)
    assert (midi.employer_cost < mini.employer_cost) is falls
    assert payroll.cost_drops(MARCH, params) == ((D("603.00"),) if falls else ())
    assert payroll.net_drops(MARCH, params) == ()
    assert midi.net_before_tax >= mini.net_before_tax


def test_inverse_takes_the_highest_gross_when_two_reach_the_budget() -> None:
    payroll = germany_payroll()
    low, high = slip("603.01").employer_cost, slip("603.00").employer_cost
    budget = cents((low + high) / 2)
    found = payroll.gross_for_employer_cost(MARCH, budget)
    assert found.gross > D("603.00") and found.extra["employment"] == "übergangsbereich"
    assert abs(found.employer_cost - budget) <= D("0.02")
    assert slip(str(found.gross + D("0.05"))).employer_cost > budget
    below = payroll.gross_for_employer_cost(MARCH, low - D(10))
    assert below.gross < D("603.00") and below.extra["employment"] == "minijob"
    assert abs(below.employer_cost - (low - D(10))) <= D("0.02")
    above = payroll.gross_for_employer_cost(MARCH, high + D(5))
    assert above.gross > D("603.00") and abs(above.employer_cost - high - D(5)) <= D("0.02")


@pytest.mark.parametrize("gross", ["100.00", "450.50", "603.00", "603.01", "999.99", "2000.00"])
def test_inverse_finds_low_grosses_back(gross: str) -> None:
    payroll = germany_payroll()
    cost = slip(gross, childless=True).employer_cost
    found = payroll.gross_for_employer_cost(MARCH, cost, {"childless": True})
    assert abs(found.employer_cost - cost) <= D("0.03")
    if gross != "603.00":  # its cost is also reached by a Midijob gross, which wins
        assert abs(found.gross - D(gross)) <= D("0.03")


# -- params, declarations, CLI -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"pension_opt_out": "maybe"}, "param pension_opt_out"),
        ({"minijob_flat_tax": 2}, "param minijob_flat_tax"),
        ({"minijob_statutory_health": None}, "param minijob_statutory_health"),
    ],
)
def test_bad_low_pay_params_are_refused(given: dict[str, Any], message: str) -> None:
    with pytest.raises(PayrollError, match=message) as error:
        slip("500.00", **given)
    assert "\n" not in str(error.value)


def test_low_pay_params_defaults() -> None:
    params = germany_payroll().params({})
    assert params["pension_opt_out"] is False
    assert params["minijob_flat_tax"] is True and params["minijob_statutory_health"] is True


def test_minijob_contributions_go_to_the_minijob_zentrale() -> None:
    payroll = germany_payroll()
    employer = Employer(name="Coop eG", country="DE", company_id="HRB 1", social_security_id="1")
    worker = Worker(
        member_id=1, family_name="Muster", given_name="Max", birth_date=date(1990, 1, 1)
    )
    mini = slip("500.00", health_fund="AOK")
    midi = slip("1500.00", health_fund="AOK")
    payload = payroll.periodic_declaration(employer, MARCH, [(worker, mini), (worker, midi)])
    funds = {n["einzugsstelle"]: n for n in payload.payload["beitragsnachweise"]}
    assert set(funds) == {"Minijob-Zentrale", "AOK"}
    groups = funds["Minijob-Zentrale"]["beitraege"]
    assert D(groups["6000 Krankenversicherung (Pauschalbeitrag)"]) == D("65.00")
    assert D(groups["0100 Rentenversicherung (voller Beitrag)"]) == D("93.00")
    assert D(groups["Einheitliche Pauschsteuer"]) == D("10.00")
    assert D(funds["AOK"]["gesamtsumme"]) == midi.employee_contributions + (
        midi.employer_contributions
    )


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``coopnode payslip --country DE --period 2026-03 …`` in-process, without configuration."""
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.chdir(tmp_path)
    assert main(["payslip", "--country", "DE", "--period", "2026-03", *args]) in (0, None)


def test_cli_minijob_and_midijob(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(["--gross", "603.00", "--param", "pension_opt_out=yes", "--format", "json"],
         monkeypatch, tmp_path)  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result == slip("603.00", pension_opt_out=True).as_dict()
    _run(["--employer-cost", "780.00", "--format", "json"], monkeypatch, tmp_path)
    result = json.loads(capsys.readouterr().out)
    assert D(result["gross"]) > D("603.00") and result["extra"]["employment"] == "übergangsbereich"
