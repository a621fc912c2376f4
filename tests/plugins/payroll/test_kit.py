"""The payroll conformance kit (plugins.payroll.kit): Toyland passes it, each broken Toyland
fails it where it is broken and says why, and its building blocks work on their own."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from defusedxml import ElementTree

from plugins.payroll import kit
from plugins.payroll.law import LawBook, LawValue
from plugins.payroll.model import Payslip, PayslipLine, Period

pytest_plugins = ["pytester"]

CHECKS = {
    "test_payroll_is_provided",
    "test_params_schema_is_valid",
    "test_law_is_sourced_and_dated",
    "test_refuses_periods_outside_its_law_and_unknown_params",
    "test_has_reference_cases",
    "test_reference_case",
    "test_net_le_gross_le_employer_cost",
    "test_monotonic_in_gross",
    "test_inverse_within_one_minor_unit",
    "test_payslip_accepts_checked_params",
    "test_deterministic",
    "test_decimal_only",
    "test_lines_name_the_law_they_use",
}

ONLY_JULY = "not 2025 and not 2026-01 and not 2026-12"  # the scenarios of 2026-07, and the rest


@dataclass(frozen=True)
class Outcome:
    test: str  # the kit's test function
    id: str  # its parameter id: "ZZ", "ZZ-2026-03-default", "ZZ-worker-2000"
    outcome: str  # passed, failed, skipped
    message: str

    @property
    def subject(self) -> str:
        return self.id.split("-")[0]


def run_kit(pytester: pytest.Pytester, *args: str) -> tuple[int, list[Outcome]]:
    """Run pytest with the kit in a subprocess; the outcome of every test, from JUnit XML."""
    report = pytester.path / "kit.xml"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--junitxml={report}", *args)
    outcomes = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name, _, ident = case.get("name", "").partition("[")
        verdict, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            found = case.find(tag)
            if found is not None:
                verdict = {"failure": "failed", "error": "failed"}.get(tag, tag)
                message = found.text or found.get("message", "")
        outcomes.append(Outcome(name, ident.rstrip("]"), verdict, message))
    return int(result.ret), outcomes


def test_a_conforming_country_passes_every_check(
    pytester: pytest.Pytester, toy_country: Path
) -> None:
    code, outcomes = run_kit(pytester, "--payroll-jurisdiction", "coop_toy_payroll")
    assert [o for o in outcomes if o.outcome != "passed"] == []
    assert code == 0
    assert {o.test for o in outcomes} == CHECKS
    scenarios = {o.id for o in outcomes if o.test == "test_monotonic_in_gross"}
    periods = {"2025-01", "2025-07", "2026-01", "2026-07", "2026-12"}  # 2026-07: a rate changes
    variants = {"default", "category=manager", "withholding=false"}  # enum and boolean values
    assert scenarios == {f"ZZ-{p}-{v}" for p in periods for v in variants}
    cases = {o.id for o in outcomes if o.test == "test_reference_case"}
    assert cases == {"ZZ-worker-2000", "ZZ-manager-3000-large", "ZZ-budget-2425"}


BROKEN = {
    # toy: (the checks it must fail, and nothing else when exact; a message they give)
    "non_monotonic": (
        {"test_monotonic_in_gross", "test_inverse_within_one_minor_unit"},
        True,
        "employer_cost falls from 3523.84 at gross 2906.26 to 3190.83 at gross 3003.13",
    ),
    "uses_float": (
        {"test_decimal_only"},
        True,
        "the computation mixes float and Decimal (at coop_toy_broken.py:",
    ),
    "unsourced": (
        {"test_law_is_sourced_and_dated", "test_lines_name_the_law_they_use"},
        True,
        "bonus.rate (effective 2025-01-01) is not sourced: 'http://example.org/x' is not an https URL",
    ),
    "wrong_reference": (
        {"test_reference_case"},
        True,
        "net_pay: expected 1750.00, got 1720.00, off by -30.00",
    ),
    "bad_schema": (
        {"test_params_schema_is_valid"},
        False,
        'param bonus is a JSON number (a float): write decimals as strings with "format": "decimal"',
    ),
    "invalid_schema": (
        {"test_params_schema_is_valid"},
        False,
        "not a valid JSON Schema (draft 2020-12) at properties/rate/type",
    ),
    "moody": (
        {"test_deterministic"},
        False,
        "a second computation differs: income_tax_withheld",
    ),
    "net_above_gross": (
        {"test_net_le_gross_le_employer_cost"},
        False,
        "at gross 1550.00: net before tax 1705.00 > gross 1550.00",
    ),
    "lawless_periods": (
        {"test_refuses_periods_outside_its_law_and_unknown_params"},
        True,
        "payslip(2024-12, 3000.00) computed a payslip instead of raising PeriodOutsideLaw",
    ),
}


def test_each_broken_country_fails_where_it_is_broken_with_a_clear_message(
    pytester: pytest.Pytester, toy_country: Path
) -> None:
    args = [f"--payroll-jurisdiction=coop_toy_broken:{name}" for name in BROKEN]
    args += ["--payroll-country=XX", "--payroll-jurisdiction=json"]
    code, outcomes = run_kit(pytester, *args, "-k", ONLY_JULY)  # one month is enough here
    assert code == 1
    failed: dict[str, set[str]] = defaultdict(set)
    messages: dict[str, str] = defaultdict(str)
    for outcome in outcomes:
        if outcome.outcome == "failed":
            failed[outcome.subject].add(outcome.test)
            messages[outcome.subject] += outcome.message + "\n"
    for name, (checks, exact, message) in BROKEN.items():
        subject = f"ZZ~{name}"
        assert checks <= failed[subject], f"{name} should fail {checks - failed[subject]}"
        assert not exact or failed[subject] == checks, f"{name} fails {failed[subject] - checks}"
        assert message in messages[subject], f"{name}: {message!r} not in\n{messages[subject]}"
    assert failed["XX"] == failed["json"] == {"test_payroll_is_provided"}
    assert "no installed plugin provides XX (AT, BE, DE" in messages["XX"]
    assert (
        "json: cannot load: LookupError: module json has no coop_register_jurisdictions"
        in (messages["json"])
    )
    skipped = [o for o in outcomes if o.subject == "XX" and o.outcome == "skipped"]
    assert len(skipped) == len(CHECKS) - 1
    assert "XX cannot be checked, see test_payroll_is_provided[XX]" in skipped[0].message


def test_failures_list_the_problems_without_a_traceback(
    pytester: pytest.Pytester, toy_country: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--payroll-jurisdiction=coop_toy_broken:unsourced",
        "-k", "test_law_is_sourced_and_dated",
    )  # fmt: skip
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*_ test_law_is_sourced_and_dated[[]ZZ[]] _*",
            "ZZ law (2025-01-01 … 2026-12-31): 2 problems",
            "  - bonus.rate (effective 2025-01-01) is not sourced: 'http://example.org/x' is not an https URL",
            "  - bonus.cap (effective 2027-03-01) takes effect after the law's range ends (2026-12-31)",
            "*= short test summary info =*",
        ],
        consecutive=True,
    )
    assert "Traceback" not in result.stdout.str() and "kit.py" not in result.stdout.str()


def test_the_kit_runs_from_a_plugins_own_test_module(
    pytester: pytest.Pytester, toy_country: Path
) -> None:
    pytester.makepyfile(
        test_conformance="""
        from plugins.payroll.kit_checks import *  # noqa: F403

        PAYROLL_JURISDICTIONS = ["coop_toy_payroll:ToyPayroll"]

        def test_my_own():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", ONLY_JULY)
    result.assert_outcomes(passed=1 + 5 + 3 + 7 * 3)  # own, per country, cases, 2026-07


def test_the_kit_without_a_country_says_what_it_needs(pytester: pytest.Pytester) -> None:
    needs = "*the payroll conformance kit needs --payroll-country CC or --payroll-jurisdiction*"
    named = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--pyargs", "plugins.payroll.kit_checks"
    )
    assert named.ret == pytest.ExitCode.USAGE_ERROR
    named.stderr.fnmatch_lines([f"ERROR: {needs}"])
    pytester.makepyfile(test_kit="from plugins.payroll.kit_checks import *  # noqa: F403")
    imported = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert imported.ret == pytest.ExitCode.INTERRUPTED
    imported.stdout.fnmatch_lines([needs])
    imported.stdout.no_fnmatch_line("*Traceback*")


def test_the_kit_stays_out_of_the_way_of_other_test_suites(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing_to_do_with_payroll(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# -- the building blocks --------------------------------------------------------------------


def value(key: str, effective: date, until: date | None = None) -> LawValue:
    return LawValue(key, Decimal(1), effective, "https://example.org/law", until=until)


def test_sampled_periods_cover_the_range_and_its_changes() -> None:
    law = LawBook(
        "ZZ",
        date(2025, 1, 15),  # January is not wholly covered
        date(2027, 3, 31),
        (
            value("a", date(2025, 1, 15), date(2025, 10, 9)),
            value("a", date(2025, 10, 10)),
            value("b", date(2024, 1, 1)),
        ),
    )
    assert [str(p) for p in kit.sample_periods(law, limit=20)] == [
        "2025-02", "2025-07", "2025-10", "2026-01", "2026-07", "2027-01", "2027-03",
    ]  # fmt: skip
    assert [str(p) for p in kit.sample_periods(law, limit=4)] == [
        "2025-02", "2025-10", "2026-07", "2027-03",
    ]  # fmt: skip
    assert kit.sample_periods(LawBook("ZZ", date(2026, 1, 2), date(2026, 1, 31), ())) == []


def test_param_variants_are_the_defaults_then_each_other_choice() -> None:
    schema = {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": ["a", "b", "c"], "default": "b"},
            "flag": {"type": "boolean", "default": False},
            "kind": {"enum": [1, 2]},
            "rate": {"type": "string", "format": "decimal", "default": "1.0"},
        },
    }
    assert kit.param_variants(schema) == [
        ("default", {}),
        ("category=a", {"category": "a"}),
        ("category=c", {"category": "c"}),
        ("flag=true", {"flag": True}),
        ("kind=1", {"kind": 1}),
        ("kind=2", {"kind": 2}),
    ]


def test_result_values_by_the_names_reference_cases_use() -> None:
    line = PayslipLine("ss", "Social security", Decimal(100), employee_amount=Decimal(10))
    slip = Payslip("ZZ", Period(2026, 1), "EUR", Decimal(100), (line,), extra={"net_taxable": "91"})
    assert kit.result_value(slip, "net_pay") == Decimal(90)
    assert kit.result_value(slip, "line:ss:employee_amount") == Decimal(10)
    assert kit.result_value(slip, "line:ss:employer_rate") is None
    assert kit.result_value(slip, "extra:net_taxable") == Decimal(91)
    for key, message in [
        ("line:nope:base", "no line 'nope'"),
        ("extra:nope", "no extra figure 'nope'"),
        ("line:ss:label", "not a result field"),
        ("net", "not a result field"),
    ]:
        with pytest.raises(LookupError, match=message):
            kit.result_value(slip, key)


def test_the_checks_work_without_pytest(toy_country: Path) -> None:
    (subject,) = kit.load_spec("coop_toy_broken:moody")
    kit.check_provided(subject)
    with pytest.raises(kit.Nonconformity, match=r"ZZ 2025-01 params default: \d+ problems?\n  - "):
        kit.check_deterministic(subject.scenarios[0])


def _toy_with_cost_drop_at(monkeypatch: pytest.MonkeyPatch, threshold: str) -> kit.Subject:
    """Toyland's employer cost falls above 3000 (``coop_toy_broken:non_monotonic``); this one
    declares a fall in employer cost just above ``threshold``."""
    from coop_toy_broken import NonMonotonic

    class DeclaresACostDrop(NonMonotonic):
        def cost_drops(
            self, period: Period, params: Mapping[str, Any] | None = None
        ) -> tuple[Decimal, ...]:
            return (Decimal(threshold),)

    module = ModuleType("coop_toy_cost_drop")
    module.declared = DeclaresACostDrop  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    (subject,) = kit.load_spec("coop_toy_cost_drop:declared")
    return subject


def test_a_fall_in_employer_cost_passes_only_where_the_country_declares_it(
    toy_country: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = _toy_with_cost_drop_at(monkeypatch, "3000.00")
    assert declared.scenarios
    for scenario in declared.scenarios:
        assert scenario.cost_drops() == (Decimal("3000.00"),)
        kit.check_monotonic(scenario)  # the fall between 3000.00 and 3000.01 is declared
    elsewhere = _toy_with_cost_drop_at(monkeypatch, "2500.00")
    with pytest.raises(kit.Nonconformity, match=r"employer_cost falls from [\d.]+ at gross 3000"):
        kit.check_monotonic(elsewhere.scenarios[0])


def test_a_declared_cost_drop_does_not_excuse_a_fall_in_net(
    toy_country: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = _toy_with_cost_drop_at(monkeypatch, "3000.00")
    scenario = subject.scenarios[0]
    payroll = subject.ready
    original = payroll.payslip

    def net_falls_too(
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Any = None,
    ) -> Payslip:
        slip = original(period, gross, params, contract)
        if gross <= 3000:
            return slip
        first, *rest = slip.lines
        dearer = PayslipLine(**{**first.__dict__, "employee_amount": first.employee_amount + 50})
        return Payslip(**{**slip.__dict__, "lines": (dearer, *rest)})

    monkeypatch.setattr(payroll, "payslip", net_falls_too)
    with pytest.raises(kit.Nonconformity, match=r"net_before_tax falls from [\d.]+ at gross 3000"):
        kit.check_monotonic(scenario)
