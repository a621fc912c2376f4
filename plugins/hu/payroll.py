"""Hungary (HU) payroll for 2026: payslips, their inverse, minimum wage, T1041, 08 return, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; this file holds the formulas (``docs/payroll-hu.md`` explains them):

* the employee's **social security contribution** (társadalombiztosítási járulék, 18.5 %, no
  ceiling) on the gross, with the **minimum contribution base** (30 % of the minimum wage, pro
  rata of the insured days) whose shortfall is charged to the employer;
* the **personal income tax** advance (SZJA, 15 %) on the gross less, in the law's order, the
  mothers' exemptions, the under-25 allowance (capped), the personal allowance, the
  first-marriage allowance and the **family allowance**, whose unused part becomes the
  **family contribution relief** (családi járulékkedvezmény) on the 18.5 %;
* the employer's **social contribution tax** (szocho, 13 %, no ceiling) on the same base.

Amounts are whole forints (HUF has no minor unit in use: ``minor_unit = 0``), rounded half up
line by line; the contribution less the family relief is rounded once, so that net pay before
tax never falls when the gross rises.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.hu import declarations
from plugins.hu.cases import REFERENCE_CASES
from plugins.hu.params import PARAMS_SCHEMA, check_across
from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt
from plugins.payroll.model import (
    ZERO,
    Contract,
    Employer,
    MinimumWage,
    PayBasis,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodicDeclaration,
    PeriodOutsideLaw,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)

LAW_FILES = ("payroll_2026.toml",)
FORINT = Decimal(1)
HUNDRED = Decimal(100)
MONTH_DAYS = 30  # the Tbj. counts a calendar day as 1/30 of a month

#: The law value that says each mothers' exemption is in force.
MOTHER_KEYS = {
    "four_or_more_children": "szja.mothers_four_or_more",
    "three_children": "szja.mothers_three_children",
    "two_children_under_40": "szja.mothers_two_children_under_age",
    "under_30": "szja.mothers_under_30_uncapped",
}
TAX_SOURCES = (
    "szja.rate",
    "szja.under_25_monthly_cap",
    "szja.personal_allowance_divisor",
    "szja.personal_allowance_rounding",
    "szja.first_marriage_monthly",
    "szja.family_allowance",
)


def _r(amount: Decimal) -> Decimal:
    """Half up to the forint, as NAV's forms round every tax and contribution."""
    return amount.quantize(FORINT, rounding=ROUND_HALF_UP)


def _pct(amount: Decimal, rate: Decimal) -> Decimal:
    return amount * rate / HUNDRED


def _round_to(amount: Decimal, step: Decimal) -> Decimal:
    """Half up to a multiple of ``step`` (the personal allowance: to 100 forints)."""
    return _r(amount / step) * step


@dataclass(frozen=True, slots=True)
class _Law:
    """The law of one day, resolved once into plain numbers (see :meth:`HungaryPayroll._at`)."""

    minimum_wage: Decimal
    guaranteed_wage: Decimal
    hourly_minimum: Decimal
    guaranteed_hourly: Decimal
    employee_rate: Decimal
    minimum_base_percent: Decimal
    szocho_rate: Decimal
    szocho_minimum_percent: Decimal
    tax_rate: Decimal
    under_25_cap: Decimal
    personal_allowance: Decimal
    first_marriage: Decimal
    family: Mapping[int, Decimal]
    mothers: frozenset[str]

    @classmethod
    def resolve(cls, at: LawAt) -> _Law:
        d = at.decimal
        minimum = d("minimum_wage.monthly")
        return cls(
            minimum_wage=minimum,
            guaranteed_wage=d("minimum_wage.guaranteed_monthly"),
            hourly_minimum=d("minimum_wage.hourly"),
            guaranteed_hourly=d("minimum_wage.guaranteed_hourly"),
            employee_rate=d("contribution.employee_rate"),
            minimum_base_percent=d("contribution.minimum_base_percent"),
            szocho_rate=d("szocho.rate"),
            szocho_minimum_percent=d("szocho.minimum_base_percent"),
            tax_rate=d("szja.rate"),
            under_25_cap=d("szja.under_25_monthly_cap"),
            personal_allowance=_round_to(
                minimum / at.integer("szja.personal_allowance_divisor"),
                d("szja.personal_allowance_rounding"),
            ),
            first_marriage=d("szja.first_marriage_monthly"),
            family={int(n): amount for n, amount in at.table("szja.family_allowance")},
            mothers=frozenset(kind for kind, key in MOTHER_KEYS.items() if _in_force(at, key)),
        )

    def family_allowance(self, dependants: int, beneficiaries: int, share: Decimal) -> Decimal:
        """Szja tv. 29/A: the monthly allowance for ``beneficiaries``, its amount a beneficiary
        set by the number of ``dependants`` (three or more: the last row)."""
        if not beneficiaries:
            return ZERO
        per = self.family[min(dependants, max(self.family))]
        return _r(per * beneficiaries * share / HUNDRED)


def _in_force(at: LawAt, key: str) -> bool:
    try:
        at.value(key)
    except PeriodOutsideLaw:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Allowances:
    """The tax base and what each allowance took from it, in the law's order."""

    mothers: Decimal
    under_25: Decimal
    personal: Decimal
    first_marriage: Decimal
    family: Decimal
    family_used: Decimal
    taxable: Decimal

    @property
    def family_unused(self) -> Decimal:
        return self.family - self.family_used


def _allowances(gross: Decimal, p: Mapping[str, Any], law: _Law) -> _Allowances:
    """Szja tv. 29/H order (2026): the mothers' exemptions (under 30; four or more, three, two
    children), under 25, personal allowance, first marriage, family allowance — each takes what
    it can of what the previous ones left. One mothers' exemption at a time, all uncapped."""
    left = gross
    taken: list[Decimal] = []
    caps = (
        left if p["mother_exemption"] != "none" else ZERO,
        law.under_25_cap if p["under_25"] else ZERO,
        law.personal_allowance if p["personal_allowance"] else ZERO,
        law.first_marriage if p["first_marriage"] else ZERO,
    )
    for cap in caps:
        take = min(left, cap)
        taken.append(take)
        left -= take
    family = law.family_allowance(
        p["family_dependants"], p["family_beneficiaries"], p["family_allowance_share"]
    )
    used = min(left, family)
    mothers, under_25, personal, first_marriage = taken
    return _Allowances(
        mothers=mothers,
        under_25=under_25,
        personal=personal,
        first_marriage=first_marriage,
        family=family,
        family_used=used,
        taxable=left - used,
    )


def _insured_days(period: Period, contract: Contract) -> int:
    """Calendar days of the month the contract covers, a full month counting as 30."""
    start = max(period.start, contract.start or period.start)
    end = min(period.end, contract.end or period.end)
    if end < start:
        return 0
    if start == period.start and end == period.end:
        return MONTH_DAYS
    return min((end - start).days + 1, MONTH_DAYS)


class HungaryPayroll(LawFilesPayroll[_Law]):
    """Hungarian payroll law of 2026 (see the module docstring and ``docs/payroll-hu.md``)."""

    country = "HU"
    currency = "HUF"
    minor_unit = 0
    law_package = "plugins.hu"
    law_files = LAW_FILES

    def resolve_law(self, values: LawAt) -> _Law:
        return _Law.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the rules across params."""
        checked = super().check_params(given)
        check_across(checked)
        return checked

    # -- payslips -------------------------------------------------------------------------

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        require_decimal(gross)
        if gross < 0:
            raise PayrollError("the gross must not be negative")
        if gross != gross.to_integral_value():
            raise PayrollError(f"Hungarian pay is in whole forints, not {gross}")
        gross = gross.quantize(FORINT)
        checked = self.params(params)
        contract = contract or Contract()
        law = self.law_on(period.start)
        mother = checked["mother_exemption"]
        if mother != "none" and mother not in law.mothers:
            raise PayrollError(
                f"param mother_exemption: {mother} is not in force on {period.start}"
            )
        return self._compute(period, gross, checked, contract, law)

    def _compute(
        self, period: Period, gross: Decimal, p: dict[str, Any], contract: Contract, law: _Law
    ) -> Payslip:
        insured = not p["pensioner"]
        days = _insured_days(period, contract)
        floors = (ZERO, ZERO)
        if insured and not p["minimum_base_exempt"]:
            floors = (
                _r(_pct(law.minimum_wage, law.minimum_base_percent) * days / MONTH_DAYS),
                _r(_pct(law.minimum_wage, law.szocho_minimum_percent) * days / MONTH_DAYS),
            )
        allowances = _allowances(gross, p, law)
        tax = _r(_pct(allowances.taxable, law.tax_rate))
        lines = self._employee_lines(gross, allowances, insured, law)
        lines += self._employer_lines(gross, floors, insured, law)
        extra = {
            "tax_base": str(gross),
            "mothers_exemption": str(allowances.mothers),
            "under_25_exemption": str(allowances.under_25),
            "personal_allowance": str(allowances.personal),
            "first_marriage_allowance": str(allowances.first_marriage),
            "family_allowance": str(allowances.family),
            "family_allowance_used": str(allowances.family_used),
            "family_allowance_unused": str(allowances.family_unused),
            "taxable_after_allowances": str(allowances.taxable),
            "contribution_base": str(gross if insured else ZERO),
            "minimum_contribution_base": str(floors[0]),
            "szocho_base": str(max(gross, floors[1]) if insured else ZERO),
            "insured_days": str(days if insured else 0),
            "applicable_minimum_wage": str(self._applicable_minimum(p, contract, law)),
            "income_tax": str(tax),
            "income_tax_sources": ",".join(TAX_SOURCES),
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=tax,
            params=p,
            extra=extra,
        )

    def _employee_lines(
        self, gross: Decimal, allowances: _Allowances, insured: bool, law: _Law
    ) -> list[PayslipLine]:
        """The 18.5 % and the family contribution relief, the two rounded as one net amount."""
        if not insured:
            return []
        exact = _pct(gross, law.employee_rate)
        contribution = _r(exact)
        relief_exact = _pct(allowances.family_unused, law.tax_rate)
        relief = contribution - max(ZERO, _r(exact - relief_exact))
        lines = [
            PayslipLine(
                "tb_jarulek",
                "Társadalombiztosítási járulék",
                gross,
                employee_rate=law.employee_rate,
                employee_amount=contribution,
                sources=("contribution.employee_rate",),
            )
        ]
        if relief:
            lines.append(
                PayslipLine(
                    "csaladi_jarulekkedvezmeny",
                    "Családi járulékkedvezmény",
                    allowances.family_unused,
                    employee_amount=-relief,
                    sources=(
                        "szja.family_contribution_relief",
                        "szja.family_allowance",
                        "szja.rate",
                    ),
                )
            )
        return lines

    def _employer_lines(
        self, gross: Decimal, floors: tuple[Decimal, Decimal], insured: bool, law: _Law
    ) -> list[PayslipLine]:
        """Szocho on the gross (at least its floor) and the contribution on the shortfall of the
        pay below the minimum contribution base."""
        if not insured:
            return []
        contribution_floor, szocho_floor = floors
        lines: list[PayslipLine] = []
        shortfall = max(ZERO, contribution_floor - gross)
        if shortfall:
            lines.append(
                PayslipLine(
                    "tb_jarulek_minimum_base",
                    "Társadalombiztosítási járulék a járulékfizetési alsó határig",
                    shortfall,
                    employer_rate=law.employee_rate,
                    employer_amount=_r(_pct(shortfall, law.employee_rate)),
                    sources=(
                        "contribution.employee_rate",
                        "contribution.minimum_base_percent",
                        "minimum_wage.monthly",
                    ),
                )
            )
        base = max(gross, szocho_floor)
        floor_sources = ("szocho.minimum_base_percent", "minimum_wage.monthly")
        lines.append(
            PayslipLine(
                "szocho",
                "Szociális hozzájárulási adó",
                base,
                employer_rate=law.szocho_rate,
                employer_amount=_r(_pct(base, law.szocho_rate)),
                sources=("szocho.rate", *(floor_sources if base > gross else ())),
            )
        )
        return lines

    @staticmethod
    def _applicable_minimum(p: Mapping[str, Any], contract: Contract, law: _Law) -> Decimal:
        """The minimum pay of the contract in the month (guaranteed wage minimum for jobs that
        need secondary education), for information: the payslip does not refuse less."""
        secondary = p["secondary_education_job"]
        if contract.basis == PayBasis.HOURLY and contract.hours:
            hourly = law.guaranteed_hourly if secondary else law.hourly_minimum
            return _r(hourly * contract.hours)
        monthly = law.guaranteed_wage if secondary else law.minimum_wage
        return _r(monthly * contract.work_fraction)

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        at = self.law.at(on)
        monthly = at.value("minimum_wage.monthly")
        return MinimumWage(
            monthly=at.decimal("minimum_wage.monthly"),
            hourly=at.decimal("minimum_wage.hourly"),
            currency=self.currency,
            source=monthly.source,
            effective=monthly.effective,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        """T1041 biztosítotti bejelentés (``docs/payroll-hu.md#t1041``), due before work starts."""
        return declarations.t1041(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The monthly 08 return (2608) of the period (``docs/payroll-hu.md#the-08-return``)."""
        for _worker, slip in payslips:
            if slip.country != self.country or slip.period != period:
                raise PayrollError(
                    f"payslip of {slip.country} {slip.period} in the HU 08 return of {period}"
                )
        return declarations.return_08(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


@functools.cache
def hungary_payroll() -> HungaryPayroll:
    """The one Hungarian payroll (its law file is read on first use)."""
    return HungaryPayroll()
