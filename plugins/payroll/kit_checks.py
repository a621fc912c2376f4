"""The conformance kit's tests (see :mod:`plugins.payroll.kit`), parametrized by the kit.

Collected when the kit is given ``--payroll-country`` / ``--payroll-jurisdiction``, or imported
into a plugin's own test module with ``from plugins.payroll.kit_checks import *`` beside
``PAYROLL_JURISDICTIONS = [...]`` (or ``PAYROLL_COUNTRIES``). Each test runs one ``check_*`` of
the kit; a failure is the list of problems found, without a traceback.
"""

from __future__ import annotations

from typing import Any

from plugins.payroll import kit
from plugins.payroll.kit import Scenario, Subject

__all__ = [
    "test_decimal_only",
    "test_deterministic",
    "test_has_reference_cases",
    "test_inverse_within_one_minor_unit",
    "test_law_is_sourced_and_dated",
    "test_lines_name_the_law_they_use",
    "test_monotonic_in_gross",
    "test_net_le_gross_le_employer_cost",
    "test_params_schema_is_valid",
    "test_payroll_is_provided",
    "test_payslip_accepts_checked_params",
    "test_reference_case",
    "test_refuses_periods_outside_its_law_and_unknown_params",
]


def test_payroll_is_provided(payroll_subject: Subject) -> None:
    """The jurisdiction has a payroll, consistent with it (country, currency, minor unit)."""
    kit.verdict(kit.check_provided, payroll_subject)


def test_params_schema_is_valid(payroll_subject: Subject) -> None:
    """JSON Schema draft 2020-12, typed and described params, defaults that validate."""
    kit.verdict(kit.check_params_schema, payroll_subject)


def test_law_is_sourced_and_dated(payroll_subject: Subject) -> None:
    """Every law value has an https source and an effective date within or before the range."""
    kit.verdict(kit.check_law, payroll_subject)


def test_refuses_periods_outside_its_law_and_unknown_params(payroll_subject: Subject) -> None:
    """PeriodOutsideLaw before and after the law's range; PayrollError for an unknown param."""
    kit.verdict(kit.check_refusals, payroll_subject)


def test_has_reference_cases(payroll_subject: Subject) -> None:
    """The country publishes reference cases, each sourced."""
    kit.verdict(kit.check_reference_cases_exist, payroll_subject)


def test_reference_case(payroll_reference_case: Any) -> None:
    """One reference case is reproduced within its tolerance."""
    kit.verdict(kit.check_reference_case, *payroll_reference_case)


def test_net_le_gross_le_employer_cost(payroll_scenario: Scenario) -> None:
    """net pay ≤ net before tax ≤ gross ≤ employer cost; amounts rounded to the minor unit."""
    kit.verdict(kit.check_ordering, payroll_scenario)


def test_monotonic_in_gross(payroll_scenario: Scenario) -> None:
    """Employer cost and net before tax never decrease when gross rises, except across the
    thresholds the country declares (``cost_drops``, ``net_drops``)."""
    kit.verdict(kit.check_monotonic, payroll_scenario)


def test_inverse_within_one_minor_unit(payroll_scenario: Scenario) -> None:
    """gross_for_employer_cost inverts payslip within one minor unit (0.01)."""
    kit.verdict(kit.check_inverse, payroll_scenario)


def test_payslip_accepts_checked_params(payroll_scenario: Scenario) -> None:
    """payslip() accepts what params() returns, as gross_for_employer_cost passes it."""
    kit.verdict(kit.check_checked_params, payroll_scenario)


def test_deterministic(payroll_scenario: Scenario) -> None:
    """The same input gives the same payslip."""
    kit.verdict(kit.check_deterministic, payroll_scenario)


def test_decimal_only(payroll_scenario: Scenario) -> None:
    """No float: a float gross raises TypeError, the computation never touches a float."""
    kit.verdict(kit.check_decimal_only, payroll_scenario)


def test_lines_name_the_law_they_use(payroll_scenario: Scenario) -> None:
    """Each line's sources are law values in force in the period."""
    kit.verdict(kit.check_lines_sourced, payroll_scenario)
