"""The Minijob (geringfügig entlohnte Beschäftigung, § 8 Abs. 1 Nr. 1 SGB IV): pay up to the
Geringfügigkeitsgrenze (603 EUR a month in 2026), in a business (not a private household).

The employer pays flat rates on the pay to the Minijob-Zentrale: 13 % health insurance when the
worker is in the statutory health insurance (§ 249b SGB V), 15 % pension insurance (§ 172
Abs. 3 SGB VI), the 2 % einheitliche Pauschsteuer unless the Lohnsteuer is withheld by the tax
class (§ 40a Abs. 2 EStG), and the Minijob-Zentrale's U1 (when the employer takes part) and U2
levies and the Insolvenzgeldumlage. The worker is insured in the pension insurance and tops the
employer's 15 % up to the full rate (3.6 % in 2026), on at least 175 EUR (§ 163 Abs. 8 SGB VI),
unless exempted on request (§ 6 Abs. 1b SGB VI). No unemployment or care insurance is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from plugins.de.social import SocialLaw, employer_only, share
from plugins.payroll.law import LawAt
from plugins.payroll.model import PayslipLine


@dataclass(frozen=True, slots=True)
class MarginalLaw:
    """The Minijob figures of one day, read from the law file."""

    limit: Decimal
    employer_health: Decimal
    employer_pension: Decimal
    pension_minimum_base: Decimal
    flat_tax: Decimal
    u1: Decimal
    u2: Decimal

    @classmethod
    def read(cls, at: LawAt) -> MarginalLaw:
        d = at.decimal
        return cls(
            limit=d("marginal.limit_monthly"),
            employer_health=d("marginal.employer_health_rate"),
            employer_pension=d("marginal.employer_pension_rate"),
            pension_minimum_base=d("marginal.pension_minimum_base"),
            flat_tax=d("marginal.flat_tax_rate"),
            u1=d("marginal.u1_rate"),
            u2=d("marginal.u2_rate"),
        )

    def covers(self, gross: Decimal) -> bool:
        return 0 < gross <= self.limit


@dataclass(frozen=True, slots=True)
class MiniJob:
    """The Minijob's situation (from the payroll params)."""

    statutory_health: bool  # insured in the statutory health insurance: 13 % flat rate
    pension_opt_out: bool  # exempted from the pension insurance: no top-up
    flat_tax: bool  # 2 % Pauschsteuer paid by the employer
    u1: bool  # the employer takes part in the U1 scheme


def contribution_lines(
    social: SocialLaw, marginal: MarginalLaw, job: MiniJob, gross: Decimal
) -> list[PayslipLine]:
    """The Minijob's payslip lines: flat-rate contributions, the pension top-up, the flat tax
    and the levies, all paid to the Minijob-Zentrale."""
    fields: list[dict[str, Any]] = []
    if job.statutory_health:
        fields.append(
            employer_only(
                "minijob_health",
                "Krankenversicherung (Pauschalbeitrag Minijob)",
                gross,
                marginal.employer_health,
                ("marginal.employer_health_rate", "marginal.limit_monthly"),
            )
        )
    fields.append(_pension(social, marginal, job, gross))
    if job.flat_tax:
        fields.append(
            employer_only(
                "flat_tax",
                "Einheitliche Pauschsteuer (Minijob)",
                gross,
                marginal.flat_tax,
                ("marginal.flat_tax_rate", "marginal.limit_monthly"),
            )
        )
    if job.u1:
        fields.append(
            employer_only(
                "levy_u1",
                "Umlage U1 (Entgeltfortzahlung bei Krankheit, Minijob-Zentrale)",
                gross,
                marginal.u1,
                ("marginal.u1_rate",),
            )
        )
    fields.append(
        employer_only(
            "levy_u2",
            "Umlage U2 (Mutterschaft, Minijob-Zentrale)",
            gross,
            marginal.u2,
            ("marginal.u2_rate",),
        )
    )
    fields.append(
        employer_only(
            "levy_insolvency",
            "Insolvenzgeldumlage",
            gross,
            social.insolvency_rate,
            ("levy.insolvency_rate",),
        )
    )
    return list(PayslipLine.all_from_fields(fields))


def _pension(
    social: SocialLaw, marginal: MarginalLaw, job: MiniJob, gross: Decimal
) -> dict[str, Any]:
    """The employer's 15 % on the pay; unless exempted, the worker pays the rest of the full
    contribution on at least the minimum base."""
    if job.pension_opt_out:
        return employer_only(
            "minijob_pension_flat",
            "Rentenversicherung (Pauschalbeitrag Minijob, befreit)",
            gross,
            marginal.employer_pension,
            ("marginal.employer_pension_rate", "marginal.limit_monthly"),
        )
    base = max(gross, marginal.pension_minimum_base)
    employer = share(gross, marginal.employer_pension)
    return {
        "code": "minijob_pension",
        "label": "Rentenversicherung (Minijob, mit Eigenanteil)",
        "base": base,
        "employee_rate": social.pension_rate - marginal.employer_pension,
        "employee_amount": share(base, social.pension_rate) - employer,
        "employer_rate": marginal.employer_pension,
        "employer_amount": employer,
        "sources": (
            "pension.rate",
            "marginal.employer_pension_rate",
            "marginal.pension_minimum_base",
            "marginal.limit_monthly",
        ),
    }
