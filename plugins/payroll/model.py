"""The payroll vocabulary: periods, contracts, payslips, declarations (pure dataclasses).

Amounts are ``Decimal`` in the country's currency, rounded to its minor unit on each line;
rates are percentages (``Decimal("6.90")`` means 6.90 %). Nothing here knows a country.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal(0)
_new = object.__new__
_set = object.__setattr__


class PayrollError(ValueError):
    """Payroll input a country cannot compute; the message is one line a user can act on."""


class PeriodOutsideLaw(PayrollError):
    """The country's law data does not cover the period asked for."""


class PayrollNotSupported(PayrollError):
    """The country has no payroll computation (yet)."""


_PERIOD = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month of pay (``2026-03``)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9999:
            raise PayrollError(f"not a pay period: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text.strip())
        if match is None:
            raise PayrollError(f"a period is written YYYY-MM, not {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class ContractKind(StrEnum):
    """``open_ended``: CDI / contrat à durée indéterminée, paid monthly. ``fixed_term``: CDD /
    contrat à durée déterminée, the short contracts co-op members mostly work on."""

    OPEN_ENDED = "open_ended"
    FIXED_TERM = "fixed_term"


class PayBasis(StrEnum):
    """How the work is counted: a monthly salary, days worked or hours worked."""

    MONTHLY = "monthly"
    DAILY = "daily"
    HOURLY = "hourly"


@dataclass(frozen=True)
class Contract:
    """The employment the pay is for.

    ``work_fraction`` is the share of full time (``Decimal("0.5")`` for half time); for a daily
    or hourly contract ``days`` / ``hours`` are what was worked in the period. ``start`` and
    ``end`` bound the contract (``end`` is ``None`` when open-ended). The defaults are a
    full-time open-ended monthly contract, the case payroll references are published for.
    """

    kind: ContractKind = ContractKind.OPEN_ENDED
    basis: PayBasis = PayBasis.MONTHLY
    start: date | None = None
    end: date | None = None
    work_fraction: Decimal = Decimal(1)
    days: int | None = None
    hours: Decimal | None = None

    def __post_init__(self) -> None:
        if not ZERO < self.work_fraction <= 1:
            raise PayrollError("work_fraction must be above 0 and at most 1")
        if self.basis == PayBasis.DAILY and not self.days:
            raise PayrollError("a daily contract needs the days worked")
        if self.basis == PayBasis.HOURLY and not self.hours:
            raise PayrollError("an hourly contract needs the hours worked")
        if self.kind == ContractKind.FIXED_TERM and (self.start is None or self.end is None):
            raise PayrollError("a fixed-term contract needs its start and end dates")
        if self.start and self.end and self.end < self.start:
            raise PayrollError("a contract cannot end before it starts")


@dataclass(frozen=True)
class PayslipLine:
    """One line of a payslip: a contribution, a reduction (negative amounts) or the tax.

    ``code`` is stable (programs and declarations use it), ``label`` is for people. Rates are
    ``None`` where a line has no rate (a lump sum, a reduction computed by formula).
    ``sources`` names the law parameters the line was computed from (their keys in the
    country's data file), so each line is traceable to a dated, sourced value.
    """

    code: str
    label: str
    base: Decimal
    employee_rate: Decimal | None = None
    employee_amount: Decimal = ZERO
    employer_rate: Decimal | None = None
    employer_amount: Decimal = ZERO
    sources: tuple[str, ...] = ()

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> PayslipLine:
        """The line of ``fields``: every field by name, in order, as ``dataclasses.asdict``
        gives them. The line keeps the dict as its own: the caller no longer changes it. The
        cheapest way to make a line (a frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__``), for engines that fill in many; subclasses get ``__init__``."""
        if cls is not PayslipLine:
            return cls(**fields)
        line = _new(cls)
        _set(line, "__dict__", fields)
        return line

    @classmethod
    def all_from_fields(cls, many: Iterable[dict[str, Any]]) -> tuple[PayslipLine, ...]:
        """:meth:`from_fields` of each, the lines of a payslip at once."""
        if cls is not PayslipLine:
            return tuple(cls(**fields) for fields in many)
        lines = []
        for fields in many:
            line = _new(cls)
            _set(line, "__dict__", fields)
            lines.append(line)
        return tuple(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "base": str(self.base),
            "employee_rate": _text(self.employee_rate),
            "employee_amount": str(self.employee_amount),
            "employer_rate": _text(self.employer_rate),
            "employer_amount": str(self.employer_amount),
            "sources": list(self.sources),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Payslip:
    """A computed payslip. The totals are sums of the lines, so they always agree with them.

    ``gross`` − ``employee_contributions`` = ``net_before_tax``; minus ``income_tax_withheld``
    = ``net_pay``; ``gross`` + ``employer_contributions`` (after reductions) =
    ``employer_cost``. ``extra`` holds country figures that are not totals of lines (France's
    net taxable, Belgium's taxable remuneration …), as decimal strings.
    """

    country: str
    period: Period
    currency: str
    gross: Decimal
    lines: tuple[PayslipLine, ...]
    income_tax_withheld: Decimal = ZERO
    params: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Payslip:
        """The payslip of ``fields``, as :meth:`PayslipLine.from_fields` makes a line."""
        if cls is not Payslip:
            return cls(**fields)
        slip = _new(cls)
        _set(slip, "__dict__", fields)
        return slip

    @property
    def employee_contributions(self) -> Decimal:
        return sum((line.employee_amount for line in self.lines), ZERO)

    @property
    def employer_contributions(self) -> Decimal:
        return sum((line.employer_amount for line in self.lines), ZERO)

    @property
    def net_before_tax(self) -> Decimal:
        return self.gross - self.employee_contributions

    @property
    def net_pay(self) -> Decimal:
        return self.net_before_tax - self.income_tax_withheld

    @property
    def employer_cost(self) -> Decimal:
        return self.gross + self.employer_contributions

    def as_dict(self) -> dict[str, Any]:
        """The stable result shape of ``coopnode payslip`` (amounts as decimal strings)."""
        return {
            "country": self.country,
            "period": str(self.period),
            "currency": self.currency,
            "gross": str(self.gross),
            "employee_contributions": str(self.employee_contributions),
            "employer_contributions": str(self.employer_contributions),
            "income_tax_withheld": str(self.income_tax_withheld),
            "net_before_tax": str(self.net_before_tax),
            "net_pay": str(self.net_pay),
            "employer_cost": str(self.employer_cost),
            "params": {
                k: v if isinstance(v, bool | int | str) else str(v) for k, v in self.params.items()
            },
            "extra": dict(self.extra),
            "lines": [line.as_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class MinimumWage:
    """The legal minimum for full-time work in force on a day (``hourly`` may be ``None`` where
    the law sets only a monthly amount).

    ``statutory`` is false in countries whose law sets no general minimum (Austria, Italy,
    Sweden: collective agreements do): the amount is then a published reference floor, named in
    ``source`` — used for the conformance grid and posting information, never as the law.
    """

    monthly: Decimal
    hourly: Decimal | None
    currency: str
    source: str
    effective: date
    statutory: bool = True


@dataclass(frozen=True)
class Employer:
    """The co-op as employer, as declarations name it."""

    name: str
    country: str
    company_id: str
    social_security_id: str = ""  # URSSAF SIRET, Belgian ONSS/RSZ number …
    address: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Worker:
    """The member as employee, as declarations name them."""

    member_id: int
    family_name: str
    given_name: str
    birth_date: date | None
    national_id: str = ""
    nationality: str = ""
    address: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreHireDeclaration:
    """What must reach the social-security authority before work starts (France: DPAE;
    Belgium: Dimona). ``payload`` is the declaration in the country's documented shape; sending
    it is the job of an adapter plugin, not of the node."""

    country: str
    name: str
    due_before: date
    payload: Mapping[str, Any]
    schema: str = ""  # where the payload's shape is documented


@dataclass(frozen=True)
class PeriodicDeclaration:
    """The periodic payroll declaration of a period (France: DSN monthly; Belgium: DmfA
    quarterly), in the country's documented shape."""

    country: str
    name: str
    period: str
    payload: Mapping[str, Any]
    schema: str = ""


@dataclass(frozen=True)
class PostingRequirements:
    """What a host country asks of an employer posting a worker into it (EU Directive
    96/71/EC as amended by 2018/957): the prior declaration and its authority, the minimum pay
    that applies, and the documents to keep available."""

    country: str
    declaration: str
    authority: str
    minimum_wage: MinimumWage
    documents: tuple[str, ...]
    source: str
