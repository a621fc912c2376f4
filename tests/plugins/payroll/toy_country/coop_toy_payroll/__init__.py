"""Toyland (ZZ): a made-up country whose payroll passes the conformance kit.

Flat contributions on gross (10 % employee, 20 % employer), a pension for managers, an accident
insurance rate given as a param, a training levy that depends on headcount and changes on
2026-07-01, and a flat income tax above an allowance. Law in ``law/*.toml``, dated and sourced.
The kit's own tests run on it, and ``coopnode payslip`` tests load it as a plugin module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from typing import Any

from plugins import hookimpl
from plugins.facts import FACTS_FILE, load_facts
from plugins.facts_jurisdiction import FactsJurisdiction
from plugins.jurisdiction import Jurisdiction, require_decimal
from plugins.payroll.contract import Payroll, ReferenceCase
from plugins.payroll.law import LawAt, LawBook
from plugins.payroll.model import (
    Contract,
    Employer,
    MinimumWage,
    PayrollError,
    PayrollNotSupported,
    Payslip,
    PayslipLine,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)
from plugins.payroll.params import decimal_param

COOPNODE_HOOK_API = 1

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(base: Decimal, rate: Decimal) -> Decimal:
    return (base * rate / HUNDRED).quantize(CENT, ROUND_HALF_UP)


class ToyPayroll(Payroll):
    country = "ZZ"
    currency = "EUR"
    minor_unit = 2

    def __init__(self) -> None:
        self._checked: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    @functools.cached_property
    def law(self) -> LawBook:
        folder = files(__name__).joinpath("law")
        return LawBook.load(folder.joinpath("2025.toml"), folder.joinpath("2026.toml"))

    def params_schema(self) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "category": {
                    "type": "string",
                    "enum": ["worker", "manager"],
                    "default": "worker",
                    "description": "Managers pay into the managers' pension.",
                },
                "headcount": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 1,
                    "description": "Employees of the employer; 11 or more pay the large levy.",
                },
                "at_rate": decimal_param("Accident insurance rate of the employer, %.", "1.00"),
                "withholding": {
                    "type": "boolean",
                    "default": True,
                    "description": "Whether income tax is withheld at source.",
                },
            },
        }

    def params(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Checked params, cached by value. checked_params refuses the Decimal values it returns
        itself: take them back as text, so that payslip() may check params that
        gross_for_employer_cost() already checked."""
        text = {k: str(v) if isinstance(v, Decimal) else v for k, v in (given or {}).items()}
        key = tuple(sorted(text.items()))
        try:
            found = self._checked.get(key)
        except TypeError:  # a list or an object as a value: let the schema refuse it
            return super().params(text)
        if found is None:
            found = self._checked[key] = super().params(text)
        return dict(found)

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        require_decimal(gross)
        if gross < 0:
            raise PayrollError("gross pay cannot be negative")
        values = self.params(params)
        law = self.law.at(period.start)
        lines = [self._line(law, "social_security", "Social security", gross)]
        if values["category"] == "manager":
            lines.append(self._line(law, "pension.manager", "Managers' pension", gross))
        lines.append(self._accident(law, gross, values["at_rate"]))
        lines.append(self._training(law, gross, values["headcount"]))
        net_before_tax = gross - sum((line.employee_amount for line in lines), Decimal(0))
        tax = Decimal("0.00")
        if values["withholding"]:
            taxable = max(net_before_tax - law.decimal("tax.allowance"), Decimal(0))
            tax = percent(taxable, law.decimal("tax.rate"))
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=tax,
            params=values,
        )

    def _line(self, law: LawAt, key: str, label: str, base: Decimal) -> PayslipLine:
        employee, employer = law.decimal(f"{key}.employee"), law.decimal(f"{key}.employer")
        return PayslipLine(
            code=key.replace(".", "_"),
            label=label,
            base=base,
            employee_rate=employee,
            employee_amount=percent(base, employee),
            employer_rate=employer,
            employer_amount=percent(base, employer),
            sources=(f"{key}.employee", f"{key}.employer"),
        )

    def _accident(self, law: LawAt, gross: Decimal, rate: Decimal) -> PayslipLine:
        if rate > law.decimal("accident.maximum"):
            raise PayrollError(f"param at_rate: {rate} is above {law.decimal('accident.maximum')}")
        return PayslipLine(
            code="accident",
            label="Accident insurance",
            base=gross,
            employer_rate=rate,
            employer_amount=percent(gross, rate),
            sources=("accident.maximum",),
        )

    def _training(self, law: LawAt, gross: Decimal, headcount: int) -> PayslipLine:
        size = "large" if headcount >= law.integer("training.threshold") else "small"
        rate = law.decimal(f"training.{size}")
        return PayslipLine(
            code="training",
            label="Training levy",
            base=gross,
            employer_rate=rate,
            employer_amount=percent(gross, rate),
            sources=("training.threshold", f"training.{size}"),
        )

    def minimum_wage(self, on: date) -> MinimumWage:
        value = self.law.at(on).value("minimum_wage.monthly")
        return MinimumWage(
            Decimal(str(value.value)), None, self.currency, value.source, value.effective
        )

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        raise PayrollNotSupported("Toyland has no pre-hire declaration")

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        raise PayrollNotSupported("Toyland has no periodic declaration")

    def posting_requirements(self, on: date) -> PostingRequirements:
        raise PayrollNotSupported("Toyland has no posting rules")

    def reference_cases(self) -> Iterable[ReferenceCase]:
        source = "computed by hand from law/2026.toml"
        yield ReferenceCase(
            id="worker-2000",
            period=Period(2026, 3),
            params={},
            gross=Decimal("2000.00"),
            expected={
                "employee_contributions": Decimal("200.00"),
                "employer_contributions": Decimal("425.00"),
                "net_before_tax": Decimal("1800.00"),
                "income_tax_withheld": Decimal("80.00"),
                "net_pay": Decimal("1720.00"),
                "employer_cost": Decimal("2425.00"),
                "line:training:employer_amount": Decimal("5.00"),
            },
            source=source,
        )
        yield ReferenceCase(
            id="manager-3000-large",
            period=Period(2026, 8),
            params={"category": "manager", "headcount": 20},
            gross=Decimal("3000.00"),
            expected={
                "employee_contributions": Decimal("330.00"),
                "employer_contributions": Decimal("708.00"),
                "net_pay": Decimal("2503.00"),
                "employer_cost": Decimal("3708.00"),
            },
            source=source,
        )
        yield ReferenceCase(
            id="budget-2425",
            period=Period(2026, 3),
            params={},
            employer_cost=Decimal("2425.00"),
            expected={"gross": Decimal("2000.00"), "net_pay": Decimal("1720.00")},
            source=source,
        )


class Toyland(FactsJurisdiction):
    def payroll(self) -> Payroll:
        return payroll()


@functools.cache
def payroll() -> ToyPayroll:
    return ToyPayroll()


@functools.cache
def jurisdiction() -> Toyland:
    return Toyland(load_facts(files(__name__).joinpath(FACTS_FILE)))


@hookimpl
def coop_register_jurisdictions() -> list[Jurisdiction]:
    """Register Toyland."""
    return [jurisdiction()]
