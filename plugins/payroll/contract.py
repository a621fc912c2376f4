"""The payroll part of the jurisdiction contract: what a country plugin implements.

A country with payroll returns a :class:`Payroll` from
:meth:`plugins.jurisdiction.Jurisdiction.payroll`; the node (payslips, salary payouts,
declarations) and ``coopnode payslip`` only ever talk to this class. Each method's contract is
in its docstring; the conformance kit (``pytest -p plugins.payroll.kit``) checks the ones that
can be checked mechanically.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any, ClassVar, Generic, TypeVar

from plugins.payroll import solve
from plugins.payroll.law import LawAt, LawBook
from plugins.payroll.model import (
    Contract,
    Employer,
    MinimumWage,
    Payslip,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)
from plugins.payroll.params import checked_params


@dataclass(frozen=True)
class ReferenceCase:
    """A published example the country's computation must reproduce.

    ``gross`` or ``employer_cost`` is the input; ``expected`` maps result fields
    (``net_before_tax``, ``employer_cost``, a line code's ``employee_amount`` as
    ``"line:<code>:employee_amount"`` …) to amounts, each within ``tolerance``. ``source`` says
    where the example was published (URL, or the reference tool and its version).
    """

    id: str
    period: Period
    params: Mapping[str, Any]
    expected: Mapping[str, Decimal]
    source: str
    gross: Decimal | None = None
    employer_cost: Decimal | None = None
    contract: Contract = field(default_factory=Contract)
    tolerance: Decimal = Decimal("0.01")


class Payroll(abc.ABC):
    """Payroll law of one country: payslips, their inverse, minimum wage, declarations."""

    #: ISO 3166-1 alpha-2 code and the currency salaries are paid in.
    country: str
    currency: str
    minor_unit: int = 2

    # -- the law --------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def law(self) -> LawBook:
        """Every parameter value the computation uses, dated and sourced. Periods outside
        ``law.covers_from`` … ``law.covers_until`` raise
        :class:`~plugins.payroll.model.PeriodOutsideLaw`."""

    @abc.abstractmethod
    def params_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of the country's payroll params: an object whose
        properties carry ``type``, ``description`` and ``default`` where there is one. Decimal
        values (rates, amounts) are strings with ``"format": "decimal"``. Published in
        ``docs/payroll-params/<country>.json``."""

    def params(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``given`` (text or JSON values, or params already checked) checked by
        :meth:`check_params`, with defaults; :class:`~plugins.payroll.model.PayrollError` naming
        the first bad param. Each distinct set is checked once: payslips of a month, and the
        inverse's many trial payslips, share the same few sets."""
        text = {k: str(v) if isinstance(v, Decimal) else v for k, v in (given or {}).items()}
        try:  # the type is part of the key: True == 1, but only one of them is a boolean
            key = tuple(sorted((k, type(v).__name__, v) for k, v in text.items()))
            hash(key)
        except TypeError:
            return self.check_params(text)
        cache: dict[Any, dict[str, Any]] = self.__dict__.setdefault("_checked_params", {})
        found = cache.get(key)
        if found is None:
            found = self.check_params(text)
            if len(cache) < 4096:
                cache[key] = found
        return dict(found)

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` checked against :meth:`params_schema` with its defaults filled in. A country
        with rules across params overrides this, calling ``super()`` first."""
        return checked_params(self.params_schema(), given)

    # -- payslips -------------------------------------------------------------------------

    @abc.abstractmethod
    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        """The payslip of ``gross`` (this period's gross pay) under ``contract`` (default: a
        full-time open-ended monthly contract), with ``params`` checked by :meth:`params`.

        Contract: Decimal only (a float raises ``TypeError``); every line rounded to the minor
        unit; ``net_pay ≤ net_before_tax ≤ gross ≤ employer_cost``; employer cost never
        decreases when gross rises except across the thresholds listed by :meth:`cost_drops`,
        nor does net before tax except across those listed by :meth:`net_drops`; the same input
        gives the same payslip; each line names in ``sources`` the law parameters it used.
        """

    def net_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """Grosses (full-time open-ended monthly contract) just above which the law itself lowers
        net before tax — a contribution that becomes due on the whole pay once a ceiling is
        crossed (France: the Agirc-Arrco CET above the social-security ceiling). The conformance
        kit accepts a fall in net only there. None by default."""
        return ()

    def cost_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """Grosses (full-time open-ended monthly contract) just above which the law itself lowers
        the employer cost — flat-rate contributions of a marginal job that give way to lower
        proportional ones once its ceiling is crossed (Germany: the Minijob's flat rates up to
        603 EUR, the Übergangsbereich above). The conformance kit accepts a fall in employer cost
        only there. None by default."""
        return ()

    def gross_for_employer_cost(
        self,
        period: Period,
        employer_cost: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        """The inverse: the payslip whose employer cost is nearest ``employer_cost`` (within one
        step of gross). The default solves numerically with :meth:`payslip`; a country with a
        closed form may override it."""
        checked = self.params(params)

        def compute(gross: Decimal) -> Payslip:
            return self.payslip(period, gross, checked, contract)

        return solve.gross_for_employer_cost(compute, employer_cost, self.minor_unit)

    @abc.abstractmethod
    def minimum_wage(self, on: date) -> MinimumWage:
        """The legal minimum for full-time work in force on ``on``."""

    # -- declarations ---------------------------------------------------------------------

    @abc.abstractmethod
    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        """The declaration due before ``contract`` starts (France: DPAE; Belgium: Dimona), in
        the country's documented shape. Produced, never sent: submission is for adapters."""

    @abc.abstractmethod
    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The periodic payroll declaration covering ``period`` (France: the monthly DSN;
        Belgium: the quarterly DmfA, of which ``period`` is one month) with the given payslips,
        in the country's documented shape."""

    @abc.abstractmethod
    def posting_requirements(self, on: date) -> PostingRequirements:
        """What this country, as host, requires for a worker posted into it on ``on``."""

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        """Published examples the computation reproduces; the conformance kit runs them."""
        return ()


Law = TypeVar("Law")


class LawFilesPayroll(Payroll, Generic[Law]):
    """A payroll whose law is the data files of its own package, read into a typed ``Law``
    once per day.

    Most countries need nothing else from the law: the files named by ``law_files`` in the
    package ``law_package`` (``payroll_2026.toml`` …) make :attr:`law`, and
    :meth:`resolve_law` turns the values in force on a day into the country's own typed law
    (rates as ``Decimal``, brackets as tuples). :meth:`law_on` keeps each day's result: a
    payroll run computes thousands of payslips over the same few days.
    """

    law_package: ClassVar[str]
    law_files: ClassVar[tuple[str, ...]]

    def __init__(self, book: LawBook | None = None) -> None:
        package = files(self.law_package)
        self._book = book or LawBook.load(*(package.joinpath(name) for name in self.law_files))
        self._days: dict[date, Law] = {}

    @property
    def law(self) -> LawBook:
        return self._book

    @abc.abstractmethod
    def resolve_law(self, values: LawAt) -> Law:
        """The country's typed law from the values in force on one day."""

    def law_on(self, day: date) -> Law:
        """The law of ``day`` (:class:`~plugins.payroll.model.PeriodOutsideLaw` outside the
        files' coverage), resolved once and kept."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self.resolve_law(self._book.at(day))
        return found
