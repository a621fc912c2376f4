"""Toyland payrolls each broken in one way, to show the conformance kit catches it.

Each attribute is a factory for ``--payroll-jurisdiction coop_toy_broken:<name>``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from coop_toy_payroll import CENT, ToyPayroll

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.law import LawBook, LawValue
from plugins.payroll.model import Contract, Payslip, PayslipLine, Period


class NonMonotonic(ToyPayroll):
    """Employer contributions drop from 20 % to 5 % above 3000: the employer cost falls."""

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        slip = super().payslip(period, gross, params, contract)
        if gross <= 3000:
            return slip
        first, *rest = slip.lines
        employer = (gross * 5 / 100).quantize(CENT, ROUND_HALF_UP)
        cheaper = PayslipLine(
            **{**first.__dict__, "employer_rate": Decimal(5), "employer_amount": employer}
        )
        return Payslip(**{**slip.__dict__, "lines": (cheaper, *rest)})


class UsesFloat(ToyPayroll):
    """Computes the employee contribution through a float (and rounds it, so only the Decimal
    check can tell)."""

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        slip = super().payslip(period, gross, params, contract)
        first, *rest = slip.lines
        employee = Decimal(float(gross) * 0.1).quantize(CENT, ROUND_HALF_UP)
        changed = PayslipLine(**{**first.__dict__, "employee_amount": employee})
        return Payslip(**{**slip.__dict__, "lines": (changed, *rest)})


class Unsourced(ToyPayroll):
    """Law built in code: one value without an https source, one dated after the law's range,
    and a line that names no law value."""

    @property
    def law(self) -> LawBook:
        book = super().law
        extra = (
            LawValue("bonus.rate", Decimal(1), date(2025, 1, 1), source="http://example.org/x"),
            LawValue("bonus.cap", Decimal(9), date(2027, 3, 1), source="https://example.org/y"),
        )
        return LawBook(book.country, book.covers_from, book.covers_until, book.values + extra)

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        slip = super().payslip(period, gross, params, contract)
        bonus = PayslipLine(code="bonus", label="Bonus levy", base=gross, sources=())
        return Payslip(**{**slip.__dict__, "lines": (*slip.lines, bonus)})


class WrongReference(ToyPayroll):
    """Publishes a reference case it does not reproduce."""

    def reference_cases(self) -> Iterable[ReferenceCase]:
        yield ReferenceCase(
            id="wrong-net",
            period=Period(2026, 3),
            params={},
            gross=Decimal("2000.00"),
            expected={"net_pay": Decimal("1750.00"), "line:nope:employee_amount": Decimal(1)},
            source="a made-up example",
        )


class BadSchema(ToyPayroll):
    """A float param, a default outside its enum, a param without description (all ignored by
    the computation, so only the schema check fails)."""

    def params_schema(self) -> dict[str, Any]:
        schema = super().params_schema()
        properties = dict(schema["properties"])
        properties["bonus"] = {"type": "number", "default": 0.5, "description": "A float."}
        properties["region"] = {
            "type": "string",
            "enum": ["north", "south"],
            "default": "east",
            "description": "Where the work is done.",
        }
        properties["undocumented"] = {"type": "integer", "default": 1}
        return {**schema, "properties": properties}


class InvalidSchema(ToyPayroll):
    """Not even a JSON Schema."""

    def params_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": {"rate": {"type": "decimal"}}}


class Moody(ToyPayroll):
    """Adds one cent of income tax every other computation: not deterministic."""

    _calls = itertools.count()

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        slip = super().payslip(period, gross, params, contract)
        tax = slip.income_tax_withheld + CENT * (next(self._calls) % 2)
        return Payslip(**{**slip.__dict__, "income_tax_withheld": tax})


class NetAboveGross(ToyPayroll):
    """Pays a negative employee contribution: net above gross."""

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        slip = super().payslip(period, gross, params, contract)
        first, *rest = slip.lines
        changed = PayslipLine(**{**first.__dict__, "employee_amount": -first.employee_amount})
        return Payslip(**{**slip.__dict__, "lines": (changed, *rest)})


class LawlessPeriods(ToyPayroll):
    """Computes payslips for any period, even outside its law."""

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        inside = (
            Period(2026, 1) if period > Period(2026, 12) or period < Period(2025, 1) else period
        )
        slip = super().payslip(inside, gross, params, contract)
        return Payslip(**{**slip.__dict__, "period": period})


non_monotonic = NonMonotonic
uses_float = UsesFloat
unsourced = Unsourced
wrong_reference = WrongReference
bad_schema = BadSchema
invalid_schema = InvalidSchema
moody = Moody
net_above_gross = NetAboveGross
lawless_periods = LawlessPeriods
