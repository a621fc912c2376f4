"""Belgium (BE) payroll for 2026: payslips, their inverse, minimum wage (declarations in
:mod:`plugins.be.declarations`, published examples in :mod:`plugins.be.reference`).

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; this file holds only the formulas (``docs/payroll-be.md`` explains them):

* the personal social security contribution (ONSS/RSZ, 13.07 %), on 108 % of the gross for
  manual workers and artists, less the **work bonus** (volets A and B);
* the **special social security contribution** (cotisation spéciale), monthly withholding by
  household situation;
* the **withholding tax** (précompte professionnel) by the key formula of Annex III AR/CIR 92
  (2026): annualisation, lump-sum professional expenses, base scale with the flat 7 % municipal
  surcharge, tax-free amount, marital quotient, reductions for dependants, back to a month,
  minus the fiscal work bonus;
* employer contributions (category 1, 25 % including wage moderation; 1.69 % from 10 workers;
  the manual workers' holiday contributions) less the **structural reduction**;
* the **double holiday pay** of white-collar workers as its own payslip kind, with its special
  contribution and the exceptional-allocation withholding rate.

Amounts are ``Decimal`` rounded half up to the cent, line by line as the rules say. The one
exception: the employee's deductions (ONSS − work bonus + special contribution) are rounded
once as a total and the rounding residue (a cent or two at most) is carried on the special
contribution, else on the work bonus, so that net pay before tax never falls when the gross
rises.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.be import declarations
from plugins.be.reference import REFERENCE_CASES
from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt, Table
from plugins.payroll.model import (
    ZERO,
    Contract,
    Employer,
    MinimumWage,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)
from plugins.payroll.params import decimal_param

LAW_FILES = ("payroll_2026.toml",)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

CATEGORIES = ("white_collar", "blue_collar")
KINDS = ("monthly", "double_holiday_pay")
MARITAL = (
    "single",
    "married_two_incomes",
    "married_one_income",
    "married_spouse_low_income",
    "married_spouse_low_pension",
)
DIMONA_TYPES = ("OTH", "STU", "FLX", "EXT", "DWD", "A17", "TRI")


def _r(amount: Decimal) -> Decimal:
    """Half up to the cent (0.005 → 0.01), the rounding of the key formula and of the ONSS."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(amount: Decimal, rate: Decimal) -> Decimal:
    return amount * rate / HUNDRED


PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Belgian payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "category": {
            "type": "string",
            "enum": list(CATEGORIES),
            "default": "white_collar",
            "description": "white_collar (employé, declared at 100 %) or blue_collar (ouvrier, "
            "contributions on 108 % of the gross; holiday pay paid by the holiday fund).",
        },
        "arts_worker": {
            "type": "boolean",
            "default": False,
            "description": "Arts worker (travailleur des arts) employed under a contract or "
            "assimilated by art. 1bis of the law of 27 June 1969: manual workers' holiday "
            "regime (108 %, holiday contributions, blue-collar work bonus).",
        },
        "payslip_kind": {
            "type": "string",
            "enum": list(KINDS),
            "default": "monthly",
            "description": "monthly pay, or the white-collar double holiday pay (the gross is "
            "then the double holiday pay itself).",
        },
        "marital_status": {
            "type": "string",
            "enum": list(MARITAL),
            "default": "single",
            "description": "single (also divorced, widowed, or married taxed separately); "
            "married_two_incomes (spouse or legal cohabitant with professional income); "
            "married_one_income (spouse without professional income, or only pensions up to "
            "174 EUR net a month: marital quotient); married_spouse_low_income (spouse's other "
            "professional income up to 290 EUR net a month); married_spouse_low_pension "
            "(spouse's pensions or replacement income only, up to 579 EUR net a month).",
        },
        "dependent_children": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Dependent children (including disabled ones).",
        },
        "disabled_children": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "How many of the dependent children are disabled (each counts twice).",
        },
        "single_parent": {
            "type": "boolean",
            "default": False,
            "description": "Single (not cohabiting) with dependent children: extra reduction.",
        },
        "disabled": {
            "type": "boolean",
            "default": False,
            "description": "The worker is disabled (handicapé) in the tax sense.",
        },
        "spouse_disabled": {
            "type": "boolean",
            "default": False,
            "description": "Disabled spouse without professional income (married_one_income).",
        },
        "other_dependants": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Other dependants (not children), counted twice if disabled.",
        },
        "dependants_65_care": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Dependants aged 65 or more needing care.",
        },
        "employer_headcount": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Workers the employer occupies (10 or more: the extra 1.69 % "
            "unemployment contribution).",
        },
        "employer_other_rate": decimal_param(
            "Other employer contributions in percent of the ONSS base (closure fund, temporary "
            "unemployment, sector funds of the joint committee …), set yearly by royal decree "
            "and sector agreements.",
            "0.00",
        ),
        "annual_reference_remuneration": decimal_param(
            "Double holiday pay only: normal annual gross remuneration that selects the "
            "withholding rate (default: twelve times the monthly salary the pay is 92 % of)."
        ),
        "joint_committee": {
            "type": "string",
            "pattern": r"^\d{3}(\.\d{2})?$",
            "default": "200",
            "description": "Joint committee (commission paritaire / paritair comité), e.g. 200 "
            "for white-collar workers, 100 for blue-collar ones, 304 for performing arts.",
        },
        "dimona_worker_type": {
            "type": "string",
            "enum": list(DIMONA_TYPES),
            "default": "OTH",
            "description": "Dimona worker type: OTH ordinary, STU student, FLX flexi-job, EXT "
            "horeca extra, DWD occasional worker, A17 / TRI other special types.",
        },
    },
}


@dataclass(frozen=True, slots=True)
class _Volet:
    maximum: Decimal
    lower: Decimal
    upper: Decimal
    slope: Decimal

    def at(self, reference: Decimal) -> Decimal:
        """The basic amount R for a full-time reference wage, unrounded."""
        if reference <= self.lower:
            return self.maximum
        if reference <= self.upper:
            return max(ZERO, self.maximum - self.slope * (reference - self.lower))
        return ZERO

    def continuous(self, reference: Decimal) -> Decimal:
        """R without the cut at the published upper bound, where the formula still leaves a
        cent or two: used only to round the total deduction, so it has no jump."""
        if reference <= self.lower:
            return self.maximum
        return max(ZERO, self.maximum - self.slope * (reference - self.lower))


@dataclass(frozen=True, slots=True)
class _Bracket:
    lower: Decimal
    fixed: Decimal
    rate: Decimal
    floor: Decimal
    cap: Decimal


def _brackets(table: Table) -> tuple[_Bracket, ...]:
    return tuple(_Bracket(*row) for row in table)


@dataclass(frozen=True, slots=True)
class _Law:
    """The law of one day, resolved once into plain numbers (see :meth:`BelgiumPayroll._at`)."""

    employee_rate: Decimal
    manual_base: Decimal
    employer_rate: Decimal
    unemployment_rate: Decimal
    unemployment_headcount: int
    holiday_quarterly_rate: Decimal
    holiday_annual_rate: Decimal
    double_pay_percent: Decimal
    double_pay_subject_percent: Decimal
    volets: Mapping[tuple[str, str], _Volet]
    fiscal_rate_a: Decimal
    fiscal_rate_b: Decimal
    structural: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]
    csss: Mapping[str, tuple[_Bracket, ...]]
    expenses_rate: Decimal
    expenses_max: Decimal
    scale: tuple[tuple[Decimal, Decimal, Decimal], ...]
    exempt_tax: Decimal
    quotient_rate: Decimal
    quotient_max: Decimal
    children: tuple[Decimal, ...]
    children_extra: Decimal
    single_parent: Decimal
    disabled: Decimal
    dependant: Decimal
    dependant_65: Decimal
    spouse_low_income: Decimal
    spouse_low_pension: Decimal
    holiday_scale: tuple[tuple[Decimal, Decimal], ...]
    holiday_exemption: Mapping[int, Decimal]
    holiday_reduction: Mapping[int, tuple[Decimal, Decimal]]

    @classmethod
    def resolve(cls, at: LawAt) -> _Law:
        d = at.decimal
        volets = {
            (volet, column): _Volet(*at.table(f"work_bonus.{volet}.{column}")[0])
            for volet in ("a", "b")
            for column in CATEGORIES
        }
        f, alpha, s0, gamma, s2 = at.table("structural_reduction.category_1")[0]
        children = {int(n): amount for n, amount in at.table("withholding.children")}
        return cls(
            employee_rate=d("onss.employee_rate"),
            manual_base=d("onss.blue_collar_base"),
            employer_rate=d("onss.employer_rate"),
            unemployment_rate=d("onss.employer_unemployment_10plus_rate"),
            unemployment_headcount=at.integer("onss.employer_unemployment_headcount"),
            holiday_quarterly_rate=d("onss.holiday_quarterly_rate"),
            holiday_annual_rate=d("onss.holiday_annual_rate"),
            double_pay_percent=d("holiday.double_pay_percent"),
            double_pay_subject_percent=d("holiday.double_pay_subject_percent"),
            volets=volets,
            fiscal_rate_a=d("withholding.work_bonus_rate_a"),
            fiscal_rate_b=d("withholding.work_bonus_rate_b"),
            structural=(f, alpha, s0, gamma, s2),
            csss={
                kind: _brackets(at.table(f"csss.{kind}"))
                for kind in ("individual", "married_two_incomes", "married_one_income")
            },
            expenses_rate=d("withholding.expenses_rate"),
            expenses_max=d("withholding.expenses_max"),
            scale=tuple((low, fixed, rate) for low, fixed, rate in at.table("withholding.scale")),
            exempt_tax=d("withholding.exempt_amount_tax"),
            quotient_rate=d("withholding.marital_quotient_rate"),
            quotient_max=d("withholding.marital_quotient_max"),
            children=tuple(children[n] for n in range(len(children))),
            children_extra=d("withholding.children_extra"),
            single_parent=d("withholding.single_parent"),
            disabled=d("withholding.disabled"),
            dependant=d("withholding.dependant"),
            dependant_65=d("withholding.dependant_65_care"),
            spouse_low_income=d("withholding.spouse_low_income"),
            spouse_low_pension=d("withholding.spouse_low_pension"),
            holiday_scale=tuple(
                (up, rate) for up, rate in at.table("withholding.holiday_pay_scale")
            ),
            holiday_exemption={
                int(n): limit for n, limit in at.table("withholding.holiday_pay_children_exemption")
            },
            holiday_reduction={
                int(n): (limit, pct)
                for n, limit, pct in at.table("withholding.holiday_pay_children_reduction")
            },
        )

    # -- formulas -------------------------------------------------------------------------

    def scale_tax(self, income: Decimal) -> Decimal:
        """Annex 1 of the key formula: tax on an annual net taxable income."""
        if income <= 0:
            return ZERO
        low, fixed, rate = next(row for row in reversed(self.scale) if income > row[0])
        return fixed + _r(_pct(income - low, rate))

    def children_reduction(self, count: int) -> Decimal:
        last = len(self.children) - 1
        if count <= last:
            return self.children[count]
        return self.children[last] + self.children_extra * (count - last)

    def special_contribution(self, kind: str, base: Decimal, exact: bool) -> Decimal:
        """The monthly special social security contribution on ``base``."""
        bracket = next((b for b in reversed(self.csss[kind]) if base > b.lower), None)
        if bracket is None:
            return ZERO
        variable = _pct(base - bracket.lower, bracket.rate)
        amount = bracket.fixed + (variable if exact else _r(variable))
        return min(max(amount, bracket.floor), bracket.cap)


def _volet_keys(volet: str, column: str) -> str:
    return f"work_bonus.{volet}.{column}"


class BelgiumPayroll(LawFilesPayroll[_Law]):
    """Belgian payroll law of 2026 (see the module docstring and ``docs/payroll-be.md``)."""

    country = "BE"
    currency = "EUR"
    minor_unit = 2
    law_package = "plugins.be"
    law_files = LAW_FILES

    def resolve_law(self, values: LawAt) -> _Law:
        return _Law.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the rules across params."""
        checked = super().check_params(given)
        if checked["disabled_children"] > checked["dependent_children"]:
            raise PayrollError("param disabled_children: more than dependent_children")
        if checked["employer_other_rate"] < 0:
            raise PayrollError("param employer_other_rate: must not be negative")
        reference = checked.get("annual_reference_remuneration")
        if reference is not None and reference < 0:
            raise PayrollError("param annual_reference_remuneration: must not be negative")
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
        gross = _r(gross)
        checked = self.params(params)
        contract = contract or Contract()
        law = self.law_on(period.start)
        if checked["payslip_kind"] == "double_holiday_pay":
            return self._double_holiday_pay(period, gross, checked, law)
        return self._monthly(period, gross, checked, contract, law)

    def _monthly(
        self, period: Period, gross: Decimal, p: dict[str, Any], contract: Contract, law: _Law
    ) -> Payslip:
        manual = p["category"] == "blue_collar" or p["arts_worker"]
        column = "blue_collar" if manual else "white_collar"
        fraction = contract.work_fraction
        base = _r(_pct(gross, law.manual_base)) if manual else gross

        # Employee: 13.07 %, work bonus (cut B first, then A, to the contribution due).
        onss_x = _pct(base, law.employee_rate)
        onss = _r(onss_x)
        reference = gross / fraction  # monthly wage of a full-time worker, at 100 %
        volet_a, volet_b = law.volets[("a", column)], law.volets[("b", column)]
        a_x = volet_a.continuous(reference) * fraction
        b_x = volet_b.continuous(reference) * fraction
        a = _r(_r(volet_a.at(reference)) * fraction)
        b = _r(_r(volet_b.at(reference)) * fraction)
        if a_x + b_x > onss_x:
            b_x, a_x = max(ZERO, onss_x - a_x), min(a_x, onss_x)
        if a + b > onss:
            b, a = max(ZERO, onss - a), min(a, onss)

        csss_kind = _csss_kind(p["marital_status"])
        csss_x = law.special_contribution(csss_kind, base, exact=True)
        csss = law.special_contribution(csss_kind, base, exact=False)

        # One rounding for the total deducted, so net before tax never falls as gross rises;
        # the residue goes first to the special contribution (a monthly advance on a
        # quarterly amount), then to the work bonus, never to the 13.07 % itself.
        residue = _r(onss_x - a_x - b_x + csss_x) - (onss - a - b + csss)
        if residue and csss > 0:
            moved = max(residue, -csss)
            csss, residue = csss + moved, residue - moved
        if residue and b > 0:
            b, residue = _take(b, residue)
        if residue and a > 0:
            a, residue = _take(a, residue)
        onss += residue

        onss_net = onss - a - b
        taxable = gross - onss_net
        tax = self._withholding(taxable, a, b, p, law)

        volet_sources = (_volet_keys("a", column), _volet_keys("b", column))
        manual_sources = ("onss.blue_collar_base",) if manual else ()
        lines = [
            PayslipLine(
                "onss_employee",
                "Cotisation personnelle ONSS",
                base,
                employee_rate=law.employee_rate,
                employee_amount=onss,
                sources=("onss.employee_rate", *manual_sources),
            )
        ]
        if a:
            lines.append(
                PayslipLine(
                    "work_bonus_a",
                    "Bonus à l'emploi (volet A)",
                    _r(reference),
                    employee_amount=-a,
                    sources=volet_sources[:1],
                )
            )
        if b:
            lines.append(
                PayslipLine(
                    "work_bonus_b",
                    "Bonus à l'emploi (volet B)",
                    _r(reference),
                    employee_amount=-b,
                    sources=volet_sources[1:],
                )
            )
        if csss:
            lines.append(
                PayslipLine(
                    "special_social_security",
                    "Cotisation spéciale de sécurité sociale",
                    base,
                    employee_amount=csss,
                    sources=(f"csss.{csss_kind}",),
                )
            )
        lines.extend(self._employer_lines(gross, base, fraction, manual, p, law))
        extra = {
            "onss_base": str(base),
            "onss_net": str(onss_net),
            "work_bonus_reference_wage": str(_r(reference)),
            "taxable_remuneration": str(taxable),
            **tax,
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=Decimal(tax["withholding_tax"]),
            params=p,
            extra=extra,
        )

    def _employer_lines(
        self,
        gross: Decimal,
        base: Decimal,
        fraction: Decimal,
        manual: bool,
        p: dict[str, Any],
        law: _Law,
    ) -> list[PayslipLine]:
        manual_sources = ("onss.blue_collar_base",) if manual else ()
        basic = _r(_pct(base, law.employer_rate))
        lines = [
            PayslipLine(
                "onss_employer",
                "Cotisation patronale ONSS (base et modération salariale)",
                base,
                employer_rate=law.employer_rate,
                employer_amount=basic,
                sources=("onss.employer_rate", *manual_sources),
            )
        ]
        ceiling = basic
        if p["employer_headcount"] >= law.unemployment_headcount:
            amount = _r(_pct(base, law.unemployment_rate))
            ceiling += amount
            lines.append(
                PayslipLine(
                    "onss_employer_unemployment",
                    "Cotisation patronale chômage (10 travailleurs ou plus)",
                    base,
                    employer_rate=law.unemployment_rate,
                    employer_amount=amount,
                    sources=(
                        "onss.employer_unemployment_10plus_rate",
                        "onss.employer_unemployment_headcount",
                    ),
                )
            )
        if manual:
            for code, label, rate, key in (
                (
                    "holiday_fund_quarterly",
                    "Cotisation vacances annuelles (trimestrielle)",
                    law.holiday_quarterly_rate,
                    "onss.holiday_quarterly_rate",
                ),
                (
                    "holiday_fund_annual",
                    "Cotisation vacances annuelles (annuelle, provision)",
                    law.holiday_annual_rate,
                    "onss.holiday_annual_rate",
                ),
            ):
                lines.append(
                    PayslipLine(
                        code,
                        label,
                        base,
                        employer_rate=rate,
                        employer_amount=_r(_pct(base, rate)),
                        sources=(key, "onss.blue_collar_base"),
                    )
                )
        other = p["employer_other_rate"]
        if other:
            lines.append(
                PayslipLine(
                    "employer_other",
                    "Autres cotisations patronales (fonds de fermeture, fonds sectoriels …)",
                    base,
                    employer_rate=other,
                    employer_amount=_r(_pct(base, other)),
                    sources=("onss.other_employer_contributions",),
                )
            )
        f, alpha, s0, gamma, s2 = law.structural
        quarterly = gross * 3 / fraction  # S: quarterly wage of a full-time worker, at 100 %
        basic_r = f + alpha * max(ZERO, s0 - quarterly) + gamma * max(ZERO, s2 - quarterly)
        reduction = min(_r(basic_r * fraction / 3), ceiling) if gross else ZERO
        if reduction:
            lines.append(
                PayslipLine(
                    "structural_reduction",
                    "Réduction structurelle (catégorie 1)",
                    _r(quarterly),
                    employer_amount=-reduction,
                    sources=("structural_reduction.category_1",),
                )
            )
        return lines

    def _withholding(
        self, taxable: Decimal, a: Decimal, b: Decimal, p: dict[str, Any], law: _Law
    ) -> dict[str, str]:
        """The key formula of Annex III (2026) on a monthly taxable remuneration."""
        annual = taxable * 12
        expenses = min(_r(_pct(annual, law.expenses_rate)), law.expenses_max)
        net = annual - expenses
        status = p["marital_status"]
        if status == "married_one_income":
            imputed = min(_r(_pct(net, law.quotient_rate)), law.quotient_max)
            base_tax = law.scale_tax(imputed) + law.scale_tax(net - imputed) - 2 * law.exempt_tax
            scale = "II"
        else:
            imputed = ZERO
            base_tax = law.scale_tax(net) - law.exempt_tax
            scale = "I"
        base_tax = max(ZERO, base_tax)
        reductions = _family_reductions(p, law)
        annual_tax = base_tax - min(reductions, base_tax)
        before_bonus = _r(annual_tax / 12)
        fiscal_bonus = _r(_pct(a, law.fiscal_rate_a)) + _r(_pct(b, law.fiscal_rate_b))
        withheld = max(ZERO, before_bonus - fiscal_bonus)
        return {
            "withholding_scale": scale,
            "annual_taxable": str(annual),
            "professional_expenses": str(expenses),
            "marital_quotient": str(imputed),
            "annual_base_tax": str(base_tax),
            "family_reductions": str(min(reductions, base_tax)),
            "withholding_before_work_bonus": str(before_bonus),
            "fiscal_work_bonus": str(before_bonus - withheld),
            "withholding_tax": str(withheld),
            "withholding_sources": ",".join(WITHHOLDING_SOURCES),
        }

    def _double_holiday_pay(
        self, period: Period, gross: Decimal, p: dict[str, Any], law: _Law
    ) -> Payslip:
        if p["category"] == "blue_collar" or p["arts_worker"]:
            raise PayrollError(
                "manual workers and artists get their holiday pay from the holiday fund "
                "(ONVA/RJV or a sector fund), not on the employer's payslip"
            )
        subject = _r(gross * law.double_pay_subject_percent / law.double_pay_percent)
        onss = _r(_pct(subject, law.employee_rate))
        taxable = gross - onss
        reference = p.get("annual_reference_remuneration")
        if reference is None:
            reference = _r(gross * HUNDRED / law.double_pay_percent * 12)
        rate = next(rate for upto, rate in law.holiday_scale if reference <= upto)
        children = p["dependent_children"] + p["disabled_children"]
        relief = ZERO
        if children:
            exemption = law.holiday_exemption[min(children, max(law.holiday_exemption))]
            limit, pct = law.holiday_reduction[min(children, max(law.holiday_reduction))]
            if reference <= exemption:
                relief = HUNDRED
            elif reference <= limit:
                relief = pct
        withheld = _r(taxable * rate / HUNDRED * (HUNDRED - relief) / HUNDRED)
        line = PayslipLine(
            "onss_double_holiday_pay",
            "Retenue ONSS sur le double pécule de vacances",
            subject,
            employee_rate=law.employee_rate,
            employee_amount=onss,
            sources=(
                "onss.employee_rate",
                "holiday.double_pay_percent",
                "holiday.double_pay_subject_percent",
            ),
        )
        extra = {
            "taxable_remuneration": str(taxable),
            "annual_reference_remuneration": str(reference),
            "withholding_rate": str(rate),
            "withholding_children_relief": str(relief),
            "withholding_tax": str(withheld),
            "withholding_sources": ",".join(HOLIDAY_WITHHOLDING_SOURCES),
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=(line,),
            income_tax_withheld=withheld,
            params=p,
            extra=extra,
        )

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        value = self.law.at(on).value("minimum_wage.monthly")
        assert isinstance(value.value, Decimal)
        return MinimumWage(
            monthly=value.value,
            hourly=None,
            currency=self.currency,
            source=value.source,
            effective=value.effective,
        )

    # -- declarations (plugins.be.declarations) ------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        """Dimona IN (``docs/payroll-be.md#dimona-in``): due before work starts."""
        return declarations.dimona_in(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The month's part of the quarterly DmfA (``docs/payroll-be.md#dmfa``)."""
        return declarations.dmfa_month(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.limosa(self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


def _take(bonus: Decimal, residue: Decimal) -> tuple[Decimal, Decimal]:
    """Carry ``residue`` (deduction still missing, negative: too much) on a work-bonus amount,
    never below zero; returns the new amount and the residue left."""
    new = max(ZERO, bonus - residue)
    return new, residue - (bonus - new)


def _csss_kind(status: str) -> str:
    if status == "married_two_incomes":
        return "married_two_incomes"
    if status in ("married_one_income", "married_spouse_low_income", "married_spouse_low_pension"):
        return "married_one_income"
    return "individual"


def _family_reductions(p: Mapping[str, Any], law: _Law) -> Decimal:
    """Annexes 3 to 5 of the key formula: annual reductions for family charges."""
    children = p["dependent_children"] + p["disabled_children"]
    total = law.children_reduction(children)
    if p["single_parent"] and p["marital_status"] == "single" and children:
        total += law.single_parent
    if p["disabled"]:
        total += law.disabled
    if p["spouse_disabled"] and p["marital_status"] == "married_one_income":
        total += law.disabled
    total += law.dependant * p["other_dependants"]
    total += law.dependant_65 * p["dependants_65_care"]
    if p["marital_status"] == "married_spouse_low_income":
        total += law.spouse_low_income
    elif p["marital_status"] == "married_spouse_low_pension":
        total += law.spouse_low_pension
    return total


WITHHOLDING_SOURCES = (
    "withholding.expenses_rate",
    "withholding.expenses_max",
    "withholding.scale",
    "withholding.exempt_amount_tax",
    "withholding.marital_quotient_rate",
    "withholding.marital_quotient_max",
    "withholding.children",
    "withholding.children_extra",
    "withholding.single_parent",
    "withholding.disabled",
    "withholding.dependant",
    "withholding.dependant_65_care",
    "withholding.spouse_low_income",
    "withholding.spouse_low_pension",
    "withholding.work_bonus_rate_a",
    "withholding.work_bonus_rate_b",
)
HOLIDAY_WITHHOLDING_SOURCES = (
    "withholding.holiday_pay_scale",
    "withholding.holiday_pay_children_exemption",
    "withholding.holiday_pay_children_reduction",
)


@functools.cache
def belgium_payroll() -> BelgiumPayroll:
    """The one Belgian payroll (its law file is read on first use)."""
    return BelgiumPayroll()
