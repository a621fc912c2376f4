"""The Übergangsbereich (Midijob, § 20 Abs. 2 and 2a SGB IV): pay above the Geringfügigkeitsgrenze
G (603 EUR in 2026) up to UG = 2,000 EUR a month.

Two reduced bases replace the gross, each rounded half up to the cent:

* ``BE = F × G + (UG / (UG − G) − G / (UG − G) × F) × (AE − G)`` (§ 20 Abs. 2a Satz 1) for the
  whole contribution of each branch and for the employer levies (U1, U2, Insolvenzgeldumlage);
* ``UG / (UG − G) × (AE − G)`` (§ 20 Abs. 2a Satz 6) for the employee's share.

Each branch's whole contribution is half its rate applied to BE, rounded, then doubled (the
health insurance's Zusatzbeitrag on its own); the employee's share is half the rate (the
employee's own rate for the care insurance) applied to the employee base, rounded; the employer
pays the difference. The care insurance's childless surcharge is applied to BE and borne by the
employee alone; the reductions for children lower the employee's rate on the employee base and,
on BE, the whole contribution, so that both shares meet the regular ones at 2,000 EUR. The
sources of these readings are in ``docs/payroll-de.md#übergangsbereich-midijob``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from plugins.de.social import TWO, Insured, SocialLaw, levy_lines, money, share
from plugins.payroll.law import LawAt
from plugins.payroll.model import PayslipLine


@dataclass(frozen=True, slots=True)
class TransitionLaw:
    """F, G and UG of the formulas, read from the law file."""

    factor: Decimal
    lower: Decimal
    upper: Decimal

    @classmethod
    def read(cls, at: LawAt) -> TransitionLaw:
        return cls(
            factor=at.decimal("transition.factor_f"),
            lower=at.decimal("marginal.limit_monthly"),
            upper=at.decimal("transition.upper_monthly"),
        )

    def covers(self, gross: Decimal) -> bool:
        return self.lower < gross <= self.upper

    def total_base(self, gross: Decimal) -> Decimal:
        """BE of § 20 Abs. 2a Satz 1 SGB IV."""
        width = self.upper - self.lower
        slope = self.upper / width - self.lower / width * self.factor
        return money(self.factor * self.lower + slope * (gross - self.lower))

    def employee_base(self, gross: Decimal) -> Decimal:
        """The employee's beitragspflichtige Einnahme of § 20 Abs. 2a Satz 6 SGB IV."""
        return money(self.upper / (self.upper - self.lower) * (gross - self.lower))


#: The keys every Übergangsbereich line was computed with, besides its branch's own.
_KEYS = ("transition.factor_f", "marginal.limit_monthly", "transition.upper_monthly")


@dataclass(frozen=True, slots=True)
class Bases:
    """The two reduced bases of a gross in the Übergangsbereich."""

    total: Decimal
    employee: Decimal


def _split(
    code: str,
    label: str,
    bases: Bases,
    parts: tuple[tuple[Decimal, Decimal], ...],
    keys: tuple[str, ...],
) -> dict[str, Any]:
    """A branch whose whole contribution is the sum of ``parts`` (rate on BE, employee rate on
    the employee base), each part rounded on its own; the employer pays the difference."""
    total = sum((TWO * share(bases.total, rate / TWO) for rate, _ in parts), Decimal(0))
    employee = sum((share(bases.employee, rate) for _, rate in parts), Decimal(0))
    return {
        "code": code,
        "label": label,
        "base": bases.total,
        "employee_rate": sum((rate for _, rate in parts), Decimal(0)),
        "employee_amount": employee,
        "employer_rate": None,
        "employer_amount": total - employee,
        "sources": (*keys, *_KEYS),
    }


def contribution_lines(
    social: SocialLaw, transition: TransitionLaw, insured: Insured, gross: Decimal
) -> tuple[list[PayslipLine], Bases]:
    """The Gesamtsozialversicherungsbeitrag and the employer levies of a gross in the
    Übergangsbereich, with the two bases used."""
    bases = Bases(transition.total_base(gross), transition.employee_base(gross))
    health = social.health_rate
    surcharge = insured.health_surcharge
    fields = [
        _split(
            "pension",
            "Rentenversicherung (RV, Übergangsbereich)",
            bases,
            ((social.pension_rate, social.pension_rate / TWO),),
            ("pension.rate",),
        ),
        _split(
            "unemployment",
            "Arbeitslosenversicherung (AV, Übergangsbereich)",
            bases,
            ((social.unemployment_rate, social.unemployment_rate / TWO),),
            ("unemployment.rate",),
        ),
        _split(
            "health",
            "Krankenversicherung (KV, allgemeiner Beitrag und Zusatzbeitrag, Übergangsbereich)",
            bases,
            ((health, health / TWO), (surcharge, surcharge / TWO)),
            ("health.general_rate", "health.average_surcharge"),
        ),
        _care(social, insured, bases),
    ]
    fields += levy_lines(social, insured, bases.total, _KEYS)
    return list(PayslipLine.all_from_fields(fields)), bases


def _care(social: SocialLaw, insured: Insured, bases: Bases) -> dict[str, Any]:
    """Care insurance: BE × 3.6 % less the children's reductions as the whole contribution,
    the employee's own rate on the employee base, and the childless surcharge on BE (employee
    only)."""
    employee_rate, _ = social.care_rates(insured.saxony, False, insured.children_under_25)
    reduction = social.child_reduction * social.care_reductions(insured.children_under_25)
    total = TWO * share(bases.total, social.care_rate / TWO) - share(bases.total, reduction)
    employee = share(bases.employee, employee_rate)
    keys = ["care.rate"]
    if insured.saxony:
        keys.append("care.saxony_employer_rate")
    if reduction:
        keys += ["care.child_reduction", "care.child_reduction_max"]
    if insured.childless:
        childless = share(bases.total, social.childless_surcharge)
        total, employee = total + childless, employee + childless
        employee_rate += social.childless_surcharge
        keys.append("care.childless_surcharge")
    return {
        "code": "care",
        "label": "Pflegeversicherung (PV, Übergangsbereich)",
        "base": bases.total,
        "employee_rate": employee_rate,
        "employee_amount": employee,
        "employer_rate": None,
        "employer_amount": total - employee,
        "sources": (*keys, *_KEYS),
    }
