"""Germany (DE) payroll for 2026: payslips, their inverse, minimum wage, declarations, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module. The formulas are split by concern (``docs/payroll-de.md`` explains them):

* :mod:`plugins.de.social` — pension, unemployment, health and care insurance with their
  ceilings, and the employer levies U1, U2 and Insolvenzgeldumlage;
* :mod:`plugins.de.midijob` — the same contributions on the reduced bases of the
  Übergangsbereich (603.01 to 2,000 EUR a month);
* :mod:`plugins.de.minijob` — the flat rates of a Minijob (up to 603 EUR a month);
* :mod:`plugins.de.lohnsteuer` — Lohnsteuer, Solidaritätszuschlag and the church-tax base by the
  BMF Programmablaufplan 2026, tax classes I to VI;
* :mod:`plugins.de.declarations` — DEÜV Anmeldung / Sofortmeldung, the monthly
  Beitragsnachweis and Lohnsteuer-Anmeldung, and the host-country posting rules;
* :mod:`plugins.de.reference` — the published reference cases;
* this module — the params, the payslip assembled from those parts, the minimum wage and the
  inverse around the fall in employer cost above a Minijob.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from plugins.de import declarations, midijob, minijob
from plugins.de.lohnsteuer import SOURCES as TAX_SOURCES
from plugins.de.lohnsteuer import TaxInput, TaxLaw, Withholding, describe, withholding
from plugins.de.midijob import TransitionLaw
from plugins.de.minijob import MarginalLaw, MiniJob
from plugins.de.reference import REFERENCE_CASES
from plugins.de.social import Insured, SocialLaw, contribution_lines
from plugins.jurisdiction import require_decimal
from plugins.payroll import solve
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt
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
HALF = Decimal("0.5")
HUNDRED = Decimal(100)

#: ISO 3166-2:DE codes of the 16 Länder.
STATES = (
    "BW",
    "BY",
    "BE",
    "BB",
    "HB",
    "HH",
    "HE",
    "MV",
    "NI",
    "NW",
    "RP",
    "SL",
    "SN",
    "ST",
    "SH",
    "TH",
)
SAXONY = "SN"

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "German payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tax_class": {
            "type": "integer",
            "enum": [1, 2, 3, 4, 5, 6],
            "default": 1,
            "description": "Lohnsteuerklasse from the ELStAM: 1 single, 2 single parent, 3 and 5 "
            "married (higher and lower earner), 4 married with similar pay, 6 second job.",
        },
        "children_allowances": decimal_param(
            "Zahl der Kinderfreibeträge from the ELStAM (steps of 0.5, classes 1 to 4 only): "
            "lowers the solidarity surcharge and the church tax, not the Lohnsteuer.",
            "0",
        ),
        "church_member": {
            "type": "boolean",
            "default": False,
            "description": "Member of a church that levies church tax (Kirchensteuermerkmal of "
            "the ELStAM): 8 % of the Lohnsteuer base in BY and BW, 9 % elsewhere.",
        },
        "state": {
            "type": "string",
            "enum": list(STATES),
            "default": "NW",
            "description": "Bundesland of the place of work (ISO 3166-2:DE code without 'DE-'): "
            "sets the church-tax rate and, in SN (Saxony), the care insurance split.",
        },
        "health_surcharge": decimal_param(
            "Zusatzbeitrag of the worker's health fund in percent, split half and half; default "
            "the 2026 average Zusatzbeitrag (2.9).",
            "2.9",
        ),
        "childless": {
            "type": "boolean",
            "default": False,
            "description": "Childless and aged 23 or more: the employee pays the 0.6-point care "
            "insurance surcharge alone (and the PAP counts it in the Vorsorgepauschale).",
        },
        "care_reduction_children": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Children under 25 counted for the care insurance: from the 2nd to "
            "the 5th, each lowers the employee's rate by 0.25 points.",
        },
        "u1_rate": decimal_param(
            "Umlage U1 (sick pay refund) in percent of the pension-insurable pay, set by the "
            "health fund; only employers with at most 30 employees pay it (default 0: not "
            "taking part).",
            "0.00",
        ),
        "u2_rate": decimal_param(
            "Umlage U2 (maternity refund) in percent of the pension-insurable pay, set by the "
            "health fund and paid by every employer (default 0.43, AOK Hessen 2026).",
            "0.43",
        ),
        "pension_opt_out": {
            "type": "boolean",
            "default": False,
            "description": "Minijob only: the worker is exempted from the pension insurance on "
            "request (§ 6 Abs. 1b SGB VI): no 3.6 % top-up, the employer's 15 % flat rate stays.",
        },
        "minijob_flat_tax": {
            "type": "boolean",
            "default": True,
            "description": "Minijob only: the employer pays the 2 % einheitliche Pauschsteuer "
            "(§ 40a Abs. 2 EStG); false: the Lohnsteuer is withheld by the worker's tax class.",
        },
        "minijob_statutory_health": {
            "type": "boolean",
            "default": True,
            "description": "Minijob only: the worker is in the statutory health insurance (own "
            "or family cover), so the employer pays the 13 % flat health rate; false for a "
            "privately insured worker.",
        },
        "sofortmeldung_sector": {
            "type": "boolean",
            "default": False,
            "description": "The employer is in a sector of § 28a Abs. 4 SGB IV (construction, "
            "hospitality, transport, building cleaning, trade fairs, meat, forestry, "
            "entertainment …): a Sofortmeldung is due before work starts.",
        },
        "health_fund": {
            "type": "string",
            "default": "",
            "description": "Betriebsnummer or name of the worker's health fund (Einzugsstelle of "
            "the DEÜV reports and the Beitragsnachweis).",
        },
        "activity_code": {
            "type": "string",
            "pattern": r"^(\d{9})?$",
            "default": "",
            "description": "Tätigkeitsschlüssel (9 digits) of the DEÜV reports.",
        },
    },
}


@dataclass(frozen=True, slots=True)
class _Law:
    """The law of one day, read once (a year has 365 of them)."""

    social: SocialLaw
    tax: TaxLaw
    church_rate: Decimal
    church_reduced_rate: Decimal
    church_reduced_states: frozenset[str]
    marginal: MarginalLaw
    transition: TransitionLaw


class GermanyPayroll(LawFilesPayroll[_Law]):
    """German payroll law of 2026 (see the module docstring and ``docs/payroll-de.md``)."""

    country = "DE"
    currency = "EUR"
    minor_unit = 2
    law_package = "plugins.de"
    law_files = LAW_FILES

    def resolve_law(self, values: LawAt) -> _Law:
        return _Law(
            social=SocialLaw.read(values),
            tax=TaxLaw.read(values),
            church_rate=values.decimal("church.rate"),
            church_reduced_rate=values.decimal("church.reduced_rate"),
            church_reduced_states=frozenset(values.text("church.reduced_rate_states").split(",")),
            marginal=MarginalLaw.read(values),
            transition=TransitionLaw.read(values),
        )

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the rules across params."""
        checked = super().check_params(given)
        children = checked["children_allowances"]
        if children < 0 or children % HALF or children > 30:
            raise PayrollError(
                "param children_allowances: a count of Kinderfreibeträge in steps of 0.5, 0 to 30"
            )
        if children and checked["tax_class"] in (5, 6):
            raise PayrollError(
                "param children_allowances: tax classes 5 and 6 carry no Kinderfreibeträge"
            )
        if not 0 <= checked["health_surcharge"] <= 10:
            raise PayrollError("param health_surcharge: a percentage from 0 to 10")
        for name in ("u1_rate", "u2_rate"):
            if not 0 <= checked[name] <= 10:
                raise PayrollError(f"param {name}: a percentage from 0 to 10")
        if checked["childless"] and checked["care_reduction_children"]:
            raise PayrollError(
                "param care_reduction_children: a childless worker has no children to count"
            )
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
        gross = gross.quantize(CENT, rounding=ROUND_HALF_UP)
        p = self.params(params)
        law = self.law_on(period.start)
        if law.marginal.covers(gross):
            return self._minijob(period, gross, p, law)
        insured = _insured(p)
        extra: dict[str, str] = {"employment": "regular"}
        if law.transition.covers(gross):
            lines, bases = midijob.contribution_lines(law.social, law.transition, insured, gross)
            extra = {
                "employment": "übergangsbereich",
                "transition_total_base": str(bases.total),
                "transition_employee_base": str(bases.employee),
            }
        else:
            lines = contribution_lines(law.social, insured, gross)
        tax = withholding(law.tax, _tax_input(p, law), gross)
        return self._slip(period, gross, p, law, lines, tax, extra)

    def _minijob(self, period: Period, gross: Decimal, p: Mapping[str, Any], law: _Law) -> Payslip:
        """A Minijob: flat rates, and the Lohnsteuer either flat (employer) or by tax class."""
        job = MiniJob(
            statutory_health=p["minijob_statutory_health"],
            pension_opt_out=p["pension_opt_out"],
            flat_tax=p["minijob_flat_tax"],
            u1=bool(p["u1_rate"]),
        )
        lines = minijob.contribution_lines(law.social, law.marginal, job, gross)
        if job.flat_tax:
            tax = Withholding(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
            sources: tuple[str, ...] = ("marginal.flat_tax_rate",)
        else:
            tax_input = replace(
                _tax_input(p, law), pension_insured=not job.pension_opt_out, health_insured=False
            )
            tax, sources = withholding(law.tax, tax_input, gross), ()
        extra = {"employment": "minijob"}
        return self._slip(period, gross, p, law, lines, tax, extra, sources)

    def _slip(
        self,
        period: Period,
        gross: Decimal,
        p: Mapping[str, Any],
        law: _Law,
        lines: Sequence[PayslipLine],
        tax: Withholding,
        extra: Mapping[str, str],
        tax_sources: tuple[str, ...] = (),
    ) -> Payslip:
        """The payslip of ``lines`` and ``tax``, with the church tax and the figures shown."""
        reduced = p["state"] in law.church_reduced_states
        church_rate = law.church_reduced_rate if reduced else law.church_rate
        church = (tax.church_base * church_rate / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)
        church_key = "church.reduced_rate" if reduced else "church.rate"
        shown = {
            **extra,
            "lohnsteuer": str(tax.lohnsteuer),
            "solidarity_surcharge": str(tax.solidarity),
            "church_tax_base": str(tax.church_base),
            "church_tax_rate": str(church_rate) if p["church_member"] else "0",
            "church_tax": str(church),
            **describe(tax),
            "withholding_sources": ",".join(tax_sources or (*TAX_SOURCES, church_key)),
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=tax.lohnsteuer + tax.solidarity + church,
            params=p,
            extra=shown,
        )

    def cost_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """The Geringfügigkeitsgrenze, when the employer cost falls just above it: the
        Minijob's flat rates (up to about 31 % of the pay, on the employer alone) give way to
        the Übergangsbereich, whose employer share starts near 28 % of a base smaller than the
        gross. Without the 13 % health or the 2 % tax flat rate the Minijob costs less and
        nothing falls."""
        limit = self.law_on(period.start).marginal.limit
        below, above = (self.payslip(period, gross, params) for gross in (limit, limit + CENT))
        return (limit,) if above.employer_cost < below.employer_cost else ()

    def gross_for_employer_cost(
        self,
        period: Period,
        employer_cost: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        """The inverse, choosing the highest gross when two reach the budget.

        Employer cost rises with gross except where it falls above the Minijob limit, so a
        budget between the cost of the first gross of the Übergangsbereich and the cost at the
        limit is within reach of a Minijob and of a Midijob. The answer is then searched among
        the grosses above the limit (the highest gross whose cost is within the budget, or the
        next one when nearer, as elsewhere); every other budget is the base class's search."""
        checked = self.params(params)
        limit = self.law_on(period.start).marginal.limit
        unit = Decimal(1).scaleb(-self.minor_unit)

        def cost(gross: Decimal) -> Decimal:
            return self.payslip(period, gross, checked, contract).employer_cost

        if not cost(limit + unit) <= employer_cost < cost(limit):
            return super().gross_for_employer_cost(period, employer_cost, checked, contract)

        def above_the_limit(extra: Decimal) -> Payslip:
            return self.payslip(period, limit + extra, checked, contract)

        return solve.gross_for_employer_cost(above_the_limit, employer_cost, self.minor_unit)

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        at = self.law.at(on)
        hourly = at.value("minimum_wage.hourly")
        rate = at.decimal("minimum_wage.hourly")
        monthly = (rate * at.decimal("minimum_wage.monthly_hours")).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        return MinimumWage(
            monthly=monthly,
            hourly=rate,
            currency=self.currency,
            source=hourly.source,
            effective=hourly.effective,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        """DEÜV Anmeldung, or the Sofortmeldung in the sectors of § 28a Abs. 4 SGB IV."""
        return declarations.registration(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The month's Beitragsnachweise (one per health fund) and Lohnsteuer-Anmeldung."""
        return declarations.monthly(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


def _insured(p: Mapping[str, Any]) -> Insured:
    """The worker's situation for the social insurance, from the params."""
    return Insured(
        health_surcharge=p["health_surcharge"],
        saxony=p["state"] == SAXONY,
        childless=p["childless"],
        children_under_25=p["care_reduction_children"],
        u1_rate=p["u1_rate"],
        u2_rate=p["u2_rate"],
    )


def _tax_input(p: Mapping[str, Any], law: _Law) -> TaxInput:
    """The PAP's inputs, from the params."""
    return TaxInput(
        tax_class=p["tax_class"],
        children_allowances=p["children_allowances"],
        health_surcharge=p["health_surcharge"],
        saxony=p["state"] == SAXONY,
        childless=p["childless"],
        care_reductions=law.social.care_reductions(p["care_reduction_children"]),
        church=p["church_member"],
    )


@functools.cache
def germany_payroll() -> GermanyPayroll:
    """The one German payroll (its law file is read on first use)."""
    return GermanyPayroll()
