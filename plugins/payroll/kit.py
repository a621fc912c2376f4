"""The payroll conformance kit: the same mechanical checks on any country's payroll.

A pytest plugin, installed with coopnode (entry point ``pytest11``; without plugin autoloading
add ``-p plugins.payroll.kit``). It checks what :class:`~plugins.payroll.contract.Payroll`
promises and a machine can verify: net ≤ gross ≤ employer cost, employer cost and net before
tax monotonic in gross (except across the thresholds the country declares), the inverse within
one minor unit, determinism, Decimal only (a float anywhere in the computation fails, caught
with :class:`decimal.FloatOperation`), a valid params schema (JSON Schema draft 2020-12) whose
defaults validate, every law parameter sourced (https) and dated within the law's range, every
payslip line naming the law it used, and the country's own reference cases. Run it

* on installed countries: ``pytest --payroll-country FR --payroll-country BE``;
* on a plugin module (its ``coop_register_jurisdictions``) or any ``module:attribute`` that is
  a :class:`~plugins.jurisdiction.Jurisdiction`, a :class:`Payroll`, a list of them or a
  callable returning one: ``pytest --payroll-jurisdiction coopnode_pt``;
* from a plugin's own test suite, with a test module holding::

      from plugins.payroll.kit_checks import *  # noqa: F403

      PAYROLL_JURISDICTIONS = ["coopnode_pt"]  # or PAYROLL_COUNTRIES = ["PT"]

The options add the kit's tests (:mod:`plugins.payroll.kit_checks`) to the session; with no
test path given, only they run. Grosses go from the minimum wage to four times it; periods are
sampled months of the law's range (the first and last, each January and July, each month a
value changes); params are the defaults, then each ``enum`` value (and each boolean) of the
schema in turn. The ``check_*`` functions raise :class:`Nonconformity` with every problem
found, and are usable without pytest.
"""

from __future__ import annotations

import decimal
import importlib
import inspect
import itertools
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from plugins.jurisdiction import Jurisdiction
from plugins.payroll.contract import Payroll, ReferenceCase
from plugins.payroll.law import LawBook
from plugins.payroll.model import PayrollError, Payslip, Period, PeriodOutsideLaw

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
STEPS = 48  # grid points between the minimum wage and four times it
MAX_PERIODS = 6
INVERSE_SAMPLES = 6
SHOWN = 12  # problems listed in one failure
TOTALS = (
    "gross",
    "employee_contributions",
    "employer_contributions",
    "income_tax_withheld",
    "net_before_tax",
    "net_pay",
    "employer_cost",
)
LINE_FIELDS = ("base", "employee_rate", "employee_amount", "employer_rate", "employer_amount")
KIT_TESTS = Path(__file__).with_name("kit_checks.py")

T = TypeVar("T")


class Nonconformity(AssertionError):
    """A payroll breaks its contract; the message lists every problem found."""


class _Problems:
    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def raise_any(self) -> None:
        if not self.found:
            return
        shown = [f"  - {problem}" for problem in self.found[:SHOWN]]
        if len(self.found) > SHOWN:
            shown.append(f"  … and {len(self.found) - SHOWN} more")
        count = f"{len(self.found)} problem{'s' if len(self.found) > 1 else ''}"
        raise Nonconformity(f"{self.where}: {count}\n" + "\n".join(shown))


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    outside = [f for f in frames if Path(f.filename).name not in {"kit.py", "decimal.py"}]
    if not (outside or frames):
        return ""
    frame = (outside or frames)[-1]
    return f" (at {Path(frame.filename).name}:{frame.lineno})"


def _call(what: str, function: Callable[..., T], *args: Any) -> T:
    """Call plugin code; an exception becomes a :class:`Nonconformity` naming the call."""
    try:
        return function(*args)
    except Nonconformity:
        raise
    except Exception as exc:
        raise Nonconformity(f"{what} raised {type(exc).__name__}: {exc}{_where(exc)}") from exc


# -- what is checked ----------------------------------------------------------------------


@dataclass(eq=False)
class Subject:
    """One country's payroll under test (``error`` when it could not even be loaded)."""

    label: str
    spec: str
    payroll: Payroll | None = None
    jurisdiction: Jurisdiction | None = None
    error: str = ""
    scenarios: list[Scenario] = field(default_factory=list)
    cases: list[ReferenceCase] = field(default_factory=list)

    @property
    def ready(self) -> Payroll:
        if self.payroll is None:
            raise Nonconformity(self.error or f"{self.label}: no payroll")
        return self.payroll

    @property
    def unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.ready.minor_unit)


@dataclass(eq=False)
class Scenario:
    """A period and a set of params of one subject; its grid of payslips is computed once."""

    subject: Subject
    period: Period
    variant: str
    params: Mapping[str, Any]
    _grid: list[tuple[Decimal, Payslip]] | None = None

    @property
    def id(self) -> str:
        return f"{self.subject.label}-{self.period}-{self.variant}"

    @property
    def where(self) -> str:
        return f"{self.subject.label} {self.period} params {self.variant}"

    def payslip(self, gross: Decimal, params: Mapping[str, Any] | None = None) -> Payslip:
        given = dict(self.params if params is None else params)
        return _call(
            f"payslip({self.period}, {gross}, {given})",
            self.subject.ready.payslip,
            self.period,
            gross,
            given,
        )

    def net_drops(self) -> tuple[Decimal, ...]:
        """The thresholds where the country says its law lowers net before tax."""
        return tuple(self.subject.ready.net_drops(self.period, dict(self.params)))

    def cost_drops(self) -> tuple[Decimal, ...]:
        """The thresholds where the country says its law lowers the employer cost."""
        return tuple(self.subject.ready.cost_drops(self.period, dict(self.params)))

    def inverse(self, employer_cost: Decimal) -> Payslip:
        return _call(
            f"gross_for_employer_cost({self.period}, {employer_cost}, {dict(self.params)})",
            self.subject.ready.gross_for_employer_cost,
            self.period,
            employer_cost,
            dict(self.params),
        )

    def grosses(self) -> list[Decimal]:
        """From the minimum wage to four times it, each point also one minor unit up."""
        payroll, unit = self.subject.ready, self.subject.unit
        wage = _call(f"minimum_wage({self.period.start})", payroll.minimum_wage, self.period.start)
        if not isinstance(wage.monthly, Decimal) or wage.monthly <= 0:
            raise Nonconformity(
                f"{self.where}: minimum wage {wage.monthly!r} is no positive Decimal"
            )
        low = wage.monthly
        points = {
            (low + 3 * low * i / STEPS).quantize(unit, ROUND_HALF_UP) for i in range(STEPS + 1)
        }
        return sorted(points | {point + unit for point in points})

    def grid(self) -> list[tuple[Decimal, Payslip]]:
        if self._grid is None:
            self._grid = [(gross, self.payslip(gross)) for gross in self.grosses()]
        return self._grid

    def sample(self, count: int) -> list[tuple[Decimal, Payslip]]:
        """``count`` payslips spread over the grid, the lowest gross first."""
        grid = self.grid()
        step = max(len(grid) // count, 1)
        return grid[::step][:count]


def sample_periods(law: LawBook, limit: int = MAX_PERIODS) -> list[Period]:
    """Months wholly inside the law's range: first, last, each January and July, each month a
    value starts or ends in; at most ``limit`` of them, spread evenly, first and last kept."""
    first, last = Period.of(law.covers_from), Period.of(law.covers_until)
    if first.start < law.covers_from:
        first = _shift(first, 1)
    if last.end > law.covers_until:
        last = _shift(last, -1)
    if last < first:
        return []
    wanted = {first, last}
    for year in range(first.year, last.year + 1):
        wanted |= {Period(year, 1), Period(year, 7)}
    for value in law.values:
        wanted.add(Period.of(value.effective))
        if value.until is not None and value.until < date.max:
            wanted.add(Period.of(value.until + timedelta(days=1)))
    chosen = sorted(p for p in wanted if first <= p <= last)
    if len(chosen) > limit:
        picks = {round(i * (len(chosen) - 1) / (limit - 1)) for i in range(limit)}
        chosen = [chosen[i] for i in sorted(picks)]
    return chosen


def _shift(period: Period, months: int) -> Period:
    index = period.year * 12 + period.month - 1 + months
    return Period(index // 12, index % 12 + 1)


def param_variants(schema: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``("default", {})``, then one variant per other ``enum`` value or boolean of each param."""
    variants: list[tuple[str, dict[str, Any]]] = [("default", {})]
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        choices = list(spec.get("enum", ()))
        if not choices and spec.get("type") == "boolean":
            choices = [True, False]
        for choice in choices:
            if "default" not in spec or choice != spec["default"]:
                text = str(choice).lower() if isinstance(choice, bool) else str(choice)
                variants.append((f"{name}={text}", {name: choice}))
    return variants


# -- loading subjects ---------------------------------------------------------------------


def installed_jurisdictions() -> dict[str, Jurisdiction]:
    """The jurisdictions of the installed plugins (entry points), loaded without settings."""
    from node.pluginhost import PluginHost

    host = PluginHost()
    host.load()
    return host.jurisdictions(None)  # type: ignore[arg-type]  # no settings, as for commands


def load_country(code: str) -> list[Subject]:
    try:
        found = installed_jurisdictions()
    except Exception as exc:
        return [Subject(code, code, error=f"{code}: the installed plugins do not load: {exc}")]
    jurisdiction = found.get(code.upper())
    if jurisdiction is None:
        known = ", ".join(sorted(found)) or "none"
        return [Subject(code, code, error=f"no installed plugin provides {code} ({known})")]
    return [_subject(jurisdiction, code)]


def load_spec(spec: str) -> list[Subject]:
    """``module`` (a plugin: its ``coop_register_jurisdictions``) or ``module:attribute``."""
    module_name, _, attribute = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in filter(None, attribute.split(".")):
            target = getattr(target, part)
        found = list(_resolve(target, spec))
    except Exception as exc:
        return [Subject(spec, spec, error=f"{spec}: cannot load: {type(exc).__name__}: {exc}")]
    if not found:
        return [Subject(spec, spec, error=f"{spec} gives no jurisdiction or payroll")]
    return [_subject(item, spec) for item in found]


def _resolve(target: Any, spec: str, depth: int = 0) -> Iterator[Jurisdiction | Payroll]:
    if isinstance(target, Jurisdiction | Payroll):
        yield target
    elif isinstance(target, ModuleType):
        hook = getattr(target, "coop_register_jurisdictions", None)
        if hook is None:
            raise LookupError(f"module {target.__name__} has no coop_register_jurisdictions")
        accepted = inspect.signature(hook).parameters
        yield from _resolve(hook(**({"settings": None} if "settings" in accepted else {})), spec)
    elif isinstance(target, list | tuple):
        for item in target:
            yield from _resolve(item, spec, depth)
    elif callable(target) and depth < 2:
        yield from _resolve(target(), spec, depth + 1)
    else:
        raise TypeError(f"{target!r} is no Jurisdiction or Payroll")


def _subject(item: Jurisdiction | Payroll, spec: str) -> Subject:
    label = item.country
    if isinstance(item, Payroll):
        subject = Subject(label, spec, payroll=item)
    else:
        try:
            payroll = item.payroll()
        except Exception as exc:
            return Subject(label, spec, error=f"{label}: payroll() raised {exc!r}{_where(exc)}")
        if payroll is None:
            error = f"{label}: Jurisdiction.payroll() returned None, the country has no payroll"
            return Subject(label, spec, jurisdiction=item, error=error)
        subject = Subject(label, spec, payroll=payroll, jurisdiction=item)
    try:
        _plan(subject)
    except Exception as exc:
        subject.error = f"{label}: cannot plan the checks: {type(exc).__name__}: {exc}{_where(exc)}"
    return subject


def _plan(subject: Subject) -> None:
    payroll = subject.ready
    try:
        variants = param_variants(payroll.params_schema())
    except Exception:  # the schema check reports it
        variants = [("default", {})]
    periods = sample_periods(payroll.law)
    if not periods:
        raise Nonconformity(
            f"the law ({payroll.law.covers_from} … {payroll.law.covers_until}) covers no month"
        )
    subject.scenarios = [
        Scenario(subject, period, name, params) for period in periods for name, params in variants
    ]
    subject.cases = list(payroll.reference_cases())


def load_subjects(countries: Iterable[str], specs: Iterable[str]) -> list[Subject]:
    subjects = [s for code in countries for s in load_country(code)]
    subjects += [s for spec in specs for s in load_spec(spec)]
    labels = [s.label for s in subjects]
    for subject in subjects:
        if labels.count(subject.label) > 1 and subject.spec != subject.label:
            subject.label = f"{subject.label}~{subject.spec.rsplit(':', 1)[-1]}"
    return subjects


# -- checks of a subject ------------------------------------------------------------------


def check_provided(subject: Subject) -> None:
    """The country has a payroll, consistent with its jurisdiction and its law."""
    payroll = subject.ready
    problems = _Problems(subject.label)
    country = getattr(payroll, "country", None)
    if not (isinstance(country, str) and len(country) == 2 and country.isupper()):
        problems.add(f"Payroll.country {country!r} is not an ISO 3166-1 alpha-2 code")
    if subject.jurisdiction is not None:
        j = subject.jurisdiction
        for name in ("country", "currency", "minor_unit"):
            if getattr(payroll, name, None) != getattr(j, name):
                problems.add(
                    f"Payroll.{name} {getattr(payroll, name, None)!r} differs from the "
                    f"jurisdiction's {getattr(j, name)!r}"
                )
    law = _call("Payroll.law", lambda: payroll.law)
    if law.country != country:
        problems.add(f"the law files are for {law.country}, the payroll for {country}")
    if law.covers_until < law.covers_from:
        problems.add(f"the law covers nothing: {law.covers_from} … {law.covers_until}")
    problems.raise_any()


def check_params_schema(subject: Subject) -> None:
    """Valid JSON Schema draft 2020-12; typed, described properties; defaults that validate."""
    payroll = subject.ready
    problems = _Problems(f"{subject.label} params schema")
    schema = _call("params_schema()", payroll.params_schema)
    if not isinstance(schema, dict):
        raise Nonconformity(f"{subject.label}: params_schema() returned {type(schema).__name__}")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        at = "/".join(str(p) for p in exc.path) or "the root"
        problems.add(f"not a valid JSON Schema (draft 2020-12) at {at}: {exc.message}")
        problems.raise_any()
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        problems.add(f"$schema is {schema['$schema']!r}, not {DRAFT_2020_12!r}")
    if schema.get("type") != "object":
        problems.add('the schema must be {"type": "object", "properties": {...}}')
    properties = schema.get("properties", {})
    defaults: dict[str, Any] = {}
    for name, spec in properties.items():
        if not isinstance(spec.get("description"), str) or not spec["description"].strip():
            problems.add(f"param {name} has no description")
        kinds = spec.get("type")
        if kinds is None and "enum" not in spec and "const" not in spec:
            problems.add(f"param {name} has no type")
        if "number" in _kinds(kinds):
            problems.add(
                f'param {name} is a JSON number (a float): write decimals as strings with "format": "decimal"'
            )
        if spec.get("format") == "decimal" and "string" not in _kinds(kinds):
            problems.add(f'param {name} has "format": "decimal" but is not a string')
        if "default" in spec:
            defaults[name] = spec["default"]
            for error in Draft202012Validator(spec).iter_errors(spec["default"]):
                problems.add(
                    f"param {name}: its default {spec['default']!r} is invalid: {error.message}"
                )
    for error in Draft202012Validator(schema).iter_errors(defaults):
        problems.add(f"the defaults together are invalid: {error.message}")
    if _call("params_schema() again", payroll.params_schema) != schema:
        problems.add("params_schema() gives a different schema each time")
    try:
        checked = payroll.params({})
    except Exception as exc:
        problems.add(
            f"params({{}}) raised {type(exc).__name__}: {exc} (every required param needs a "
            "default, so that a payslip can be computed from the defaults)"
        )
    else:
        for name, spec in properties.items():
            if "default" in spec and name not in checked:
                problems.add(f"params({{}}) lacks param {name}, which has a default")
            if spec.get("format") == "decimal" and not isinstance(
                checked.get(name), Decimal | None
            ):
                problems.add(
                    f"params({{}})[{name!r}] is {type(checked[name]).__name__}, not Decimal"
                )
    for _variant, given in param_variants(schema)[1:]:
        try:
            payroll.params(given)
        except Exception as exc:
            problems.add(f"params({given}) raised {type(exc).__name__}: {exc}")
    problems.raise_any()


def _kinds(kinds: Any) -> list[Any]:
    return list(kinds) if isinstance(kinds, list) else [kinds]


def check_law(subject: Subject) -> None:
    """Every law value has an https source and an effective date within or before the range;
    the minimum wage of each sampled month is sourced, dated and in the payroll's currency."""
    payroll = subject.ready
    law = _call("Payroll.law", lambda: payroll.law)
    problems = _Problems(f"{subject.label} law ({law.covers_from} … {law.covers_until})")
    for value in law.values:
        name = f"{value.key or '(no key)'} (effective {value.effective})"
        if not value.key:
            problems.add(f"a law value has no key: {value!r}")
        if not isinstance(value.source, str) or not value.source.startswith("https://"):
            problems.add(f"{name} is not sourced: {value.source!r} is not an https URL")
        if not isinstance(value.effective, date):
            problems.add(f"{name} has no effective date")
            continue
        if value.effective > law.covers_until:
            problems.add(f"{name} takes effect after the law's range ends ({law.covers_until})")
        if value.until is not None and value.until < value.effective:
            problems.add(f"{name} ends on {value.until}, before it takes effect")
        if _has_float(value.value):
            problems.add(f"{name} is a float ({value.value!r}): write a decimal string")
    for period in {scenario.period for scenario in subject.scenarios}:
        on = period.start
        wage = _call(f"minimum_wage({on})", payroll.minimum_wage, on)
        if not isinstance(wage.monthly, Decimal) or wage.monthly <= 0:
            problems.add(f"minimum_wage({on}).monthly is {wage.monthly!r}, no positive Decimal")
        if wage.hourly is not None and not isinstance(wage.hourly, Decimal):
            problems.add(f"minimum_wage({on}).hourly is {type(wage.hourly).__name__}, not Decimal")
        if wage.currency != payroll.currency:
            problems.add(f"minimum_wage({on}) is in {wage.currency}, not {payroll.currency}")
        if not wage.source.startswith("https://"):
            problems.add(f"minimum_wage({on}) is not sourced: {wage.source!r}")
        if not isinstance(wage.effective, date) or wage.effective > on:
            problems.add(
                f"minimum_wage({on}) takes effect on {wage.effective}, after the day asked"
            )
    problems.raise_any()


def _has_float(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(_has_float(item) for item in value)
    return isinstance(value, float)


def check_refusals(subject: Subject) -> None:
    """Periods outside the law raise PeriodOutsideLaw; an unknown param raises PayrollError."""
    payroll = subject.ready
    problems = _Problems(subject.label)
    law = payroll.law
    gross = Decimal(3000).quantize(subject.unit)
    outside = [Period.of(law.covers_from - timedelta(days=1))]
    if law.covers_until < date(9999, 12, 1):
        outside.append(Period.of(law.covers_until + timedelta(days=1)))
    for period in outside:
        _expect(
            problems,
            PeriodOutsideLaw,
            f"payslip({period}, {gross})",
            payroll.payslip,
            period,
            gross,
        )
    period = subject.scenarios[0].period if subject.scenarios else outside[0]
    given = {"no_such_param_for_the_kit": "1"}
    _expect(
        problems,
        PayrollError,
        f"payslip({period}, {gross}, {given})",
        payroll.payslip,
        period,
        gross,
        given,
    )
    problems.raise_any()


def _expect(
    problems: _Problems, error: type[Exception], what: str, function: Callable[..., Any], *args: Any
) -> None:
    try:
        function(*args)
    except error:
        return
    except Exception as exc:
        problems.add(
            f"{what} raised {type(exc).__name__} ({exc}), not {error.__name__}{_where(exc)}"
        )
        return
    problems.add(f"{what} computed a payslip instead of raising {error.__name__}")


def check_reference_cases_exist(subject: Subject) -> None:
    """At least one reference case, each with a source, one input and expected figures."""
    subject.ready  # noqa: B018  # fails with the loading error, if any
    problems = _Problems(f"{subject.label} reference cases")
    if not subject.cases:
        problems.add(
            "none: publish at least one (Payroll.reference_cases) from an official example"
        )
    ids = [case.id for case in subject.cases]
    for case in subject.cases:
        if ids.count(case.id) > 1:
            problems.add(f"id {case.id!r} is used twice")
        if not case.source.strip():
            problems.add(f"{case.id} does not say where it was published (source)")
        if (case.gross is None) == (case.employer_cost is None):
            problems.add(f"{case.id} needs exactly one of gross and employer_cost")
        if not case.expected:
            problems.add(f"{case.id} expects nothing")
    problems.raise_any()


def check_reference_case(subject: Subject, case: ReferenceCase) -> None:
    """The country reproduces one of its published examples within the case's tolerance."""
    payroll = subject.ready
    problems = _Problems(f"{subject.label} reference case {case.id} ({case.source})")
    if case.employer_cost is not None:
        what = f"gross_for_employer_cost({case.period}, {case.employer_cost}, {dict(case.params)})"
        slip = _call(
            what,
            payroll.gross_for_employer_cost,
            case.period,
            case.employer_cost,
            case.params,
            case.contract,
        )
    else:
        what = f"payslip({case.period}, {case.gross}, {dict(case.params)})"
        slip = _call(what, payroll.payslip, case.period, case.gross, case.params, case.contract)
    for key, expected in case.expected.items():
        try:
            got = result_value(slip, key)
        except LookupError as exc:
            problems.add(str(exc))
            continue
        if got is None or abs(got - expected) > case.tolerance:
            difference = "" if got is None else f", off by {got - expected}"
            problems.add(f"{key}: expected {expected}, got {got}{difference}")
    problems.raise_any()


def result_value(slip: Payslip, key: str) -> Decimal | None:
    """A figure of a payslip by the names reference cases use: a total (``net_pay``), a line's
    field (``line:<code>:employee_amount``) or a country figure (``extra:<name>``)."""
    if key in TOTALS:
        return getattr(slip, key)  # type: ignore[no-any-return]
    kind, _, rest = key.partition(":")
    if kind == "extra":
        if rest not in slip.extra:
            raise LookupError(f"{key}: the payslip has no extra figure {rest!r}")
        return Decimal(slip.extra[rest])
    code, _, name = rest.partition(":")
    if kind == "line" and name in LINE_FIELDS:
        for line in slip.lines:
            if line.code == code:
                return getattr(line, name)  # type: ignore[no-any-return]
        raise LookupError(f"{key}: the payslip has no line {code!r}")
    raise LookupError(
        f"{key}: not a result field ({', '.join(TOTALS)}, line:<code>:<field>, extra:<name>)"
    )


# -- checks of a scenario (a period and params, over the grid of grosses) -----------------


def check_ordering(scenario: Scenario) -> None:
    """net pay ≤ net before tax ≤ gross ≤ employer cost; the payslip is the one asked for;
    amounts rounded to the minor unit; line codes unique."""
    payroll, unit = scenario.subject.ready, scenario.subject.unit
    problems = _Problems(scenario.where)
    for gross, slip in scenario.grid():
        at = f"at gross {gross}"
        if slip.gross != gross:
            problems.add(f"{at}: the payslip's gross is {slip.gross}")
        if (slip.country, slip.currency, slip.period) != (
            payroll.country,
            payroll.currency,
            scenario.period,
        ):
            problems.add(f"{at}: the payslip is for {slip.country} {slip.currency} {slip.period}")
        if not slip.net_pay <= slip.net_before_tax:
            problems.add(f"{at}: net pay {slip.net_pay} > net before tax {slip.net_before_tax}")
        if not slip.net_before_tax <= slip.gross:
            problems.add(f"{at}: net before tax {slip.net_before_tax} > gross {slip.gross}")
        if not slip.gross <= slip.employer_cost:
            problems.add(f"{at}: employer cost {slip.employer_cost} < gross {slip.gross}")
        amounts = [("income_tax_withheld", slip.income_tax_withheld)]
        for line in slip.lines:
            amounts += [
                (f"line {line.code} employee_amount", line.employee_amount),
                (f"line {line.code} employer_amount", line.employer_amount),
            ]
        for name, amount in amounts:
            if (
                isinstance(amount, Decimal)
                and amount.is_finite()
                and amount != amount.quantize(unit)
            ):
                problems.add(f"{at}: {name} {amount} is not rounded to {unit}")
        codes = [line.code for line in slip.lines]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            problems.add(f"{at}: two lines have the code {code!r}")
    problems.raise_any()


def check_monotonic(scenario: Scenario) -> None:
    """Neither employer cost nor net before tax decreases when gross rises, except across a
    threshold the country declares in ``cost_drops`` (employer cost) or ``net_drops`` (net
    before tax); both sides of each declared threshold are checked."""
    problems = _Problems(scenario.where)
    drops = {"employer_cost": scenario.cost_drops(), "net_before_tax": scenario.net_drops()}
    unit = scenario.subject.unit
    thresholds = sorted(set(drops["employer_cost"]) | set(drops["net_before_tax"]))
    edges = [(d, scenario.payslip(d)) for d in thresholds] + [
        (d + unit, scenario.payslip(d + unit)) for d in thresholds
    ]
    grid = sorted(scenario.grid() + edges, key=lambda pair: pair[0])
    for (low, before), (high, after) in itertools.pairwise(grid):
        for name, declared_drops in drops.items():
            declared = any(low <= d < high for d in declared_drops)
            if getattr(after, name) < getattr(before, name) and not declared:
                problems.add(
                    f"{name} falls from {getattr(before, name)} at gross {low} to "
                    f"{getattr(after, name)} at gross {high}"
                )
    problems.raise_any()


def check_inverse(scenario: Scenario) -> None:
    """gross_for_employer_cost finds back the gross of a payslip's employer cost within one
    minor unit, and for a round budget returns the payslip whose cost is nearest to it."""
    unit = scenario.subject.unit
    problems = _Problems(scenario.where)
    for gross, slip in scenario.sample(INVERSE_SAMPLES):
        target = slip.employer_cost
        found = scenario.inverse(target)
        if abs(found.employer_cost - target) > unit or abs(found.gross - gross) > unit:
            problems.add(
                f"employer cost {target} (of gross {gross}) inverts to gross {found.gross}, "
                f"employer cost {found.employer_cost}"
            )
        budget = (target / 10).quantize(Decimal(1), ROUND_HALF_UP) * 10
        nearest = scenario.inverse(budget)
        for neighbour in (nearest.gross - unit, nearest.gross + unit):
            other = scenario.payslip(neighbour)
            if abs(other.employer_cost - budget) < abs(nearest.employer_cost - budget):
                problems.add(
                    f"budget {budget} inverts to gross {nearest.gross} (employer cost "
                    f"{nearest.employer_cost}), but gross {neighbour} costs {other.employer_cost}, "
                    "nearer"
                )
    problems.raise_any()


def check_checked_params(scenario: Scenario) -> None:
    """payslip() accepts the params params() returns (gross_for_employer_cost passes them so)
    and computes the same payslip from them."""
    payroll = scenario.subject.ready
    gross, slip = scenario.sample(1)[0]
    checked = _call(f"params({dict(scenario.params)})", payroll.params, dict(scenario.params))
    try:
        again = payroll.payslip(scenario.period, gross, checked)
    except Exception as exc:
        raise Nonconformity(
            f"{scenario.where}: payslip() refuses the params that params() returned "
            f"({checked}): {type(exc).__name__}: {exc}{_where(exc)}. gross_for_employer_cost "
            "passes checked params to payslip(), so payslip() must accept them"
        ) from exc
    if again != slip:
        raise Nonconformity(
            f"{scenario.where}: at gross {gross}, payslip() with the checked params {checked} "
            "differs from payslip() with the params given"
        )


def check_deterministic(scenario: Scenario) -> None:
    """The same input gives the same payslip: again, in another order, params reordered, and
    from a fresh ``payroll()`` of the jurisdiction."""
    problems = _Problems(scenario.where)
    sample = scenario.sample(8)
    reordered = dict(reversed(list(scenario.params.items())))
    for gross, first in reversed(sample):
        again = scenario.payslip(gross, reordered)
        if again != first or again.as_dict() != first.as_dict():
            problems.add(
                f"at gross {gross}: a second computation differs: {_difference(first, again)}"
            )
    jurisdiction = scenario.subject.jurisdiction
    if jurisdiction is not None:
        fresh = _call("payroll()", jurisdiction.payroll)
        gross, first = sample[-1]
        if fresh is not None:
            other = _call(
                f"payslip({scenario.period}, {gross})",
                fresh.payslip,
                scenario.period,
                gross,
                dict(scenario.params),
            )
            if other != first:
                problems.add(
                    f"at gross {gross}: a fresh payroll() differs: {_difference(first, other)}"
                )
    problems.raise_any()


def _difference(first: Payslip, second: Payslip) -> str:
    one, two = first.as_dict(), second.as_dict()
    for key in one:
        if one[key] != two.get(key):
            return f"{key} {one[key]!r} then {two.get(key)!r}"
    return "equal dictionaries, unequal payslips"


def check_decimal_only(scenario: Scenario) -> None:
    """No float anywhere: a float gross raises TypeError, the computation never mixes floats
    with Decimals (FloatOperation trapped), every amount is a Decimal, the decimal context is
    left as it was."""
    payroll = scenario.subject.ready
    problems = _Problems(scenario.where)
    gross, _slip = scenario.sample(1)[0]
    try:
        payroll.payslip(scenario.period, float(gross), dict(scenario.params))  # type: ignore[arg-type]
    except TypeError:
        pass
    except Exception as exc:
        problems.add(f"a float gross raised {type(exc).__name__} ({exc}), not TypeError")
    else:
        problems.add(f"a float gross ({float(gross)!r}) was accepted: it must raise TypeError")
    before = _context_state(decimal.getcontext())
    for gross, slip in scenario.sample(4):
        with decimal.localcontext() as context:
            context.traps[decimal.FloatOperation] = True
            context.clear_flags()
            try:
                scenario.payslip(gross)
                if gross == scenario.sample(1)[0][0]:
                    scenario.inverse(slip.employer_cost)
            except Nonconformity as failure:
                if isinstance(failure.__cause__, decimal.FloatOperation):
                    problems.add(
                        f"at gross {gross}: the computation mixes float and Decimal{_where(failure.__cause__)}"
                    )
                    break
                raise
            if context.flags[decimal.FloatOperation]:
                problems.add(f"at gross {gross}: the computation compares a float with a Decimal")
        problems.found += [f"at gross {gross}: {p}" for p in _not_decimal(slip)]
    if _context_state(decimal.getcontext()) != before:
        problems.add("the computation changes the thread's decimal context (use localcontext())")
    problems.raise_any()


def _context_state(context: decimal.Context) -> tuple[Any, ...]:
    traps = tuple(sorted((s.__name__, v) for s, v in context.traps.items()))
    return (context.prec, context.rounding, context.Emin, context.Emax, context.clamp, traps)


def _not_decimal(slip: Payslip) -> Iterator[str]:
    for name in ("gross", "income_tax_withheld"):
        if not isinstance(getattr(slip, name), Decimal):
            yield f"{name} is {type(getattr(slip, name)).__name__}, not Decimal"
    for line in slip.lines:
        for name in LINE_FIELDS:
            value = getattr(line, name)
            optional = name.endswith("_rate")
            if not isinstance(value, Decimal) and not (optional and value is None):
                yield f"line {line.code} {name} is {type(value).__name__}, not Decimal"
    for name, text in slip.extra.items():
        if not isinstance(text, str):
            yield f"extra {name} is {type(text).__name__}, not a (decimal) string"
    for name, value in slip.params.items():
        if isinstance(value, float):
            yield f"param {name} is a float ({value!r})"


def check_lines_sourced(scenario: Scenario) -> None:
    """Every line names in ``sources`` the law values it used, each in force in the period."""
    law = scenario.subject.ready.law
    problems = _Problems(scenario.where)
    start, end = scenario.period.start, scenario.period.end
    keys = {value.key for value in law.values}
    seen: set[str] = set()
    for gross, slip in scenario.sample(8):
        for line in slip.lines:
            if not line.sources and line.code not in seen:
                problems.add(f"line {line.code} (at gross {gross}) names no law value in sources")
            for key in line.sources:
                if f"{line.code}:{key}" in seen:
                    continue
                if key not in keys:
                    problems.add(f"line {line.code} names {key!r}, which the law does not have")
                elif not any(
                    v.key == key and v.effective <= end and (v.until is None or v.until >= start)
                    for v in law.values
                ):
                    problems.add(
                        f"line {line.code} names {key!r}, not in force in {scenario.period}"
                    )
                seen.add(f"{line.code}:{key}")
            seen.add(line.code)
    problems.raise_any()


# -- the pytest plugin --------------------------------------------------------------------

_NEEDS = (
    "the payroll conformance kit needs --payroll-country CC or --payroll-jurisdiction "
    "MODULE[:ATTR] (or PAYROLL_COUNTRIES / PAYROLL_JURISDICTIONS in the test module)"
)
_SUBJECTS = pytest.StashKey[dict[tuple[tuple[str, ...], tuple[str, ...]], list[Subject]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("coopnode-payroll", "coopnode payroll conformance kit")
    group.addoption(
        "--payroll-country",
        action="append",
        default=[],
        metavar="CC",
        help="run the payroll conformance kit on an installed country (repeatable)",
    )
    group.addoption(
        "--payroll-jurisdiction",
        action="append",
        default=[],
        metavar="MODULE[:ATTR]",
        help="run the kit on a plugin module or a Jurisdiction/Payroll (factory) (repeatable)",
    )


def _options(config: pytest.Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    countries = tuple(config.getoption("payroll_country") or ())
    specs = tuple(config.getoption("payroll_jurisdiction") or ())
    return countries, specs


def pytest_configure(config: pytest.Config) -> None:
    """With ``--payroll-*`` options, add the kit's tests (alone when no path was given)."""
    named = any("kit_checks" in arg for arg in config.args)
    if named and not any(_options(config)):
        raise pytest.UsageError(_NEEDS)
    if named or not any(_options(config)):
        return
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args.append(str(KIT_TESTS))
    else:
        config.args[:] = [str(KIT_TESTS)]


def pytest_report_header(config: pytest.Config) -> str | None:
    countries, specs = _options(config)
    if countries or specs:
        return f"coopnode payroll kit: {', '.join(countries + specs)}"
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = {"payroll_subject", "payroll_scenario", "payroll_reference_case"}
    wanted = names & set(metafunc.fixturenames)
    if not wanted:
        return
    module = metafunc.module
    key = (
        tuple(getattr(module, "PAYROLL_COUNTRIES", ())),
        tuple(getattr(module, "PAYROLL_JURISDICTIONS", ())),
    )
    if not any(key):
        key = _options(metafunc.config)
    if not any(key):
        raise pytest.Collector.CollectError(_NEEDS)  # shown as this line, no traceback
    cache = metafunc.config.stash.setdefault(_SUBJECTS, {})
    if key not in cache:
        cache[key] = load_subjects(*key)
    subjects = cache[key]
    if "payroll_subject" in wanted:
        reports_errors = metafunc.function.__name__ == "test_payroll_is_provided"
        metafunc.parametrize(
            "payroll_subject",
            [p for s in subjects for p in _params(s, [(s.label, s)], reports_errors)],
        )
    if "payroll_scenario" in wanted:
        metafunc.parametrize(
            "payroll_scenario",
            [p for s in subjects for p in _params(s, [(x.id, x) for x in s.scenarios])],
        )
    if "payroll_reference_case" in wanted:
        metafunc.parametrize(
            "payroll_reference_case",
            [
                p
                for s in subjects
                for p in _params(s, [(f"{s.label}-{c.id}", (s, c)) for c in s.cases])
            ],
        )


def _params(subject: Subject, items: list[tuple[str, Any]], run_broken: bool = False) -> list[Any]:
    """One param per item; a subject that did not load is skipped, except by the one test
    that reports why (test_payroll_is_provided)."""
    if (subject.error and not run_broken) or not items:
        reason = f"{subject.label}: nothing to check"
        if subject.error:
            reason = (
                f"{subject.label} cannot be checked, see test_payroll_is_provided[{subject.label}]"
            )
        return [pytest.param(None, id=subject.label, marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(value, id=name) for name, value in items]


def verdict(check: Callable[..., None], *args: Any) -> None:
    """Run a check inside a test: a :class:`Nonconformity` fails it with its message alone."""
    try:
        check(*args)
    except Nonconformity as failure:
        message = str(failure)
    else:
        return
    pytest.fail(message, pytrace=False)  # outside the except: no "during handling" chain
