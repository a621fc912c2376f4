"""German social insurance on a month's pay: pension, unemployment, health and long-term care
insurance (Gesamtsozialversicherungsbeitrag) and the employer's levies (U1, U2, Insolvenzgeld).

Each branch is a rate on the pay up to its ceiling (Beitragsbemessungsgrenze). Shares borne half
and half are computed, as § 2 Abs. 1 BVV says, by applying half the rate to the pay and rounding
half up to the cent: the employee and the employer pay the same amount. The care insurance
shares differ (Saxony, the childless surcharge, the reductions for children) and are each
rounded on their own rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO, PayslipLine

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TWO = Decimal(2)


def money(amount: Decimal) -> Decimal:
    """Half up to the cent, the rounding of § 2 Abs. 1 BVV (Beitragsverfahrensverordnung)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def share(base: Decimal, rate: Decimal) -> Decimal:
    """``rate`` percent of ``base``, rounded to the cent."""
    return money(base * rate / HUNDRED)


@dataclass(frozen=True, slots=True)
class SocialLaw:
    """The social insurance figures of one day, read from the law file."""

    pension_rate: Decimal
    pension_ceiling: Decimal
    unemployment_rate: Decimal
    health_rate: Decimal
    health_ceiling: Decimal
    care_rate: Decimal
    care_saxony_employer: Decimal
    childless_surcharge: Decimal
    child_reduction: Decimal
    child_reduction_max: int
    insolvency_rate: Decimal

    @classmethod
    def read(cls, at: LawAt) -> SocialLaw:
        d = at.decimal
        return cls(
            pension_rate=d("pension.rate"),
            pension_ceiling=d("pension.ceiling_monthly"),
            unemployment_rate=d("unemployment.rate"),
            health_rate=d("health.general_rate"),
            health_ceiling=d("health.ceiling_monthly"),
            care_rate=d("care.rate"),
            care_saxony_employer=d("care.saxony_employer_rate"),
            childless_surcharge=d("care.childless_surcharge"),
            child_reduction=d("care.child_reduction"),
            child_reduction_max=at.integer("care.child_reduction_max"),
            insolvency_rate=d("levy.insolvency_rate"),
        )

    def care_reductions(self, children_under_25: int) -> int:
        """How many 0.25-point reductions apply: one for each child from the 2nd to the 5th."""
        return min(max(children_under_25 - 1, 0), self.child_reduction_max)

    def care_rates(
        self, saxony: bool, childless: bool, children_under_25: int
    ) -> tuple[Decimal, Decimal]:
        """(employee rate, employer rate) of the care insurance, in percent."""
        employer = self.care_saxony_employer if saxony else self.care_rate / TWO
        employee = self.care_rate - employer
        if childless:
            employee += self.childless_surcharge
        else:
            employee -= self.child_reduction * self.care_reductions(children_under_25)
        return employee, employer


@dataclass(frozen=True, slots=True)
class Insured:
    """The worker's situation as the social insurance sees it (from the payroll params)."""

    health_surcharge: Decimal
    saxony: bool
    childless: bool
    children_under_25: int
    u1_rate: Decimal
    u2_rate: Decimal


def _halved(
    code: str, label: str, base: Decimal, rate: Decimal, keys: tuple[str, ...]
) -> dict[str, Any]:
    half = rate / TWO
    amount = share(base, half)
    return {
        "code": code,
        "label": label,
        "base": base,
        "employee_rate": half,
        "employee_amount": amount,
        "employer_rate": half,
        "employer_amount": amount,
        "sources": keys,
    }


def employer_only(
    code: str, label: str, base: Decimal, rate: Decimal, keys: tuple[str, ...]
) -> dict[str, Any]:
    """A line the employer alone pays: ``rate`` percent of ``base``."""
    return {
        "code": code,
        "label": label,
        "base": base,
        "employee_rate": None,
        "employee_amount": ZERO,
        "employer_rate": rate,
        "employer_amount": share(base, rate),
        "sources": keys,
    }


def contribution_lines(law: SocialLaw, insured: Insured, gross: Decimal) -> list[PayslipLine]:
    """The payslip lines of the Gesamtsozialversicherungsbeitrag and the employer levies."""
    pension_base = min(gross, law.pension_ceiling)
    health_base = min(gross, law.health_ceiling)
    fields = [
        _halved(
            "pension",
            "Rentenversicherung (RV)",
            pension_base,
            law.pension_rate,
            ("pension.rate", "pension.ceiling_monthly"),
        ),
        _halved(
            "unemployment",
            "Arbeitslosenversicherung (AV)",
            pension_base,
            law.unemployment_rate,
            ("unemployment.rate", "pension.ceiling_monthly"),
        ),
        _halved(
            "health",
            "Krankenversicherung (KV, allgemeiner Beitrag und Zusatzbeitrag)",
            health_base,
            law.health_rate + insured.health_surcharge,
            ("health.general_rate", "health.average_surcharge", "health.ceiling_monthly"),
        ),
        _care(law, insured, health_base),
    ]
    fields += levy_lines(law, insured, pension_base, ("pension.ceiling_monthly",))
    return list(PayslipLine.all_from_fields(fields))


def levy_lines(
    law: SocialLaw, insured: Insured, base: Decimal, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The employer levies on ``base`` (computed from the law values ``keys``): U1 when the
    employer takes part, U2, and the Insolvenzgeldumlage."""
    fields: list[dict[str, Any]] = []
    if insured.u1_rate:
        fields.append(
            employer_only(
                "levy_u1",
                "Umlage U1 (Entgeltfortzahlung bei Krankheit)",
                base,
                insured.u1_rate,
                keys,
            )
        )
    if insured.u2_rate:
        fields.append(
            employer_only("levy_u2", "Umlage U2 (Mutterschaft)", base, insured.u2_rate, keys)
        )
    fields.append(
        employer_only(
            "levy_insolvency", "Insolvenzgeldumlage", base, law.insolvency_rate,
            ("levy.insolvency_rate", *keys),
        )
    )  # fmt: skip
    return fields


def _care(law: SocialLaw, insured: Insured, base: Decimal) -> dict[str, Any]:
    employee, employer = law.care_rates(
        insured.saxony, insured.childless, insured.children_under_25
    )
    keys = ["care.rate", "health.ceiling_monthly"]
    if insured.saxony:
        keys.append("care.saxony_employer_rate")
    if insured.childless:
        keys.append("care.childless_surcharge")
    elif law.care_reductions(insured.children_under_25):
        keys += ["care.child_reduction", "care.child_reduction_max"]
    return {
        "code": "care",
        "label": "Pflegeversicherung (PV)",
        "base": base,
        "employee_rate": employee,
        "employee_amount": share(base, employee),
        "employer_rate": employer,
        "employer_amount": share(base, employer),
        "sources": tuple(keys),
    }
