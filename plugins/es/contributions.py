"""Spanish social security contributions (Régimen General, Orden PJC/297/2026).

The monthly base is the remuneration of the month plus, with 14 payments, the prorrata of the
two extraordinary payments; it is held between the minimum base of the worker's contribution
group and the maximum base. Common contingencies and the MEI are due on that base;
unemployment, FOGASA, vocational training and AT/EP on the professional-contingencies base,
whose floor is the general minimum. Above the maximum base, the solidarity contribution is due
on the excess, by tranches.

Rounding: each line is rounded half up to the cent; the employee's lines are then moved by the
cent or two needed so that their total is the exact total rounded once, so that net pay before
tax never falls when the gross rises (see :func:`_match_total`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO, Contract, ContractKind, PayBasis, PayslipLine

CENT = Decimal("0.01")
UNEMPLOYMENT_LABELS = {
    ContractKind.OPEN_ENDED: "Desempleo (contrato indefinido)",
    ContractKind.FIXED_TERM: "Desempleo (contrato de duración determinada)",
}
HUNDRED = Decimal(100)


def r2(amount: Decimal) -> Decimal:
    """Half up to the cent (0.005 → 0.01): the REDONDEAR1 of the AEAT and the cuota rounding."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Tranche:
    low: Decimal  # percent above the maximum base
    high: Decimal
    employee: Decimal
    employer: Decimal


@dataclass(frozen=True, slots=True)
class SocialLaw:
    """The contribution law of one day, resolved once into numbers."""

    max_base: Decimal
    max_daily: Decimal
    min_monthly: dict[int, Decimal]
    min_daily: dict[int, Decimal]
    min_professional: Decimal
    days_per_month: int
    extra_payments: int
    rates: dict[str, tuple[Decimal, Decimal]]  # line code → (employee, employer)
    unemployment: dict[ContractKind, tuple[Decimal, Decimal]]
    solidarity: tuple[Tranche, ...]

    @classmethod
    def resolve(cls, at: LawAt) -> SocialLaw:
        d = at.decimal

        def pair(key: str) -> tuple[Decimal, Decimal]:
            return d(f"{key}.employee"), d(f"{key}.employer")

        return cls(
            max_base=d("ss.max_base"),
            max_daily=d("ss.max_base_daily"),
            min_monthly={int(g): v for g, v in at.table("ss.min_base.monthly_groups")},
            min_daily={int(g): v for g, v in at.table("ss.min_base.daily_groups")},
            min_professional=d("ss.min_base.professional"),
            days_per_month=at.integer("ss.days_per_month"),
            extra_payments=at.integer("ss.extra_payments"),
            rates={
                "contingencias_comunes": pair("ss.common"),
                "mei": pair("ss.mei"),
                "formacion_profesional": pair("ss.training"),
                "fogasa": (ZERO, d("ss.fogasa.employer")),
            },
            unemployment={
                ContractKind.OPEN_ENDED: pair("ss.unemployment.open_ended"),
                ContractKind.FIXED_TERM: pair("ss.unemployment.fixed_term"),
            },
            solidarity=tuple(Tranche(*row) for row in at.table("ss.solidarity")),
        )

    def days(self, contract: Contract) -> Decimal:
        """Days the bases count: 30 for a monthly-paid worker, else the days worked."""
        if contract.basis == PayBasis.DAILY and contract.days:
            return Decimal(contract.days)
        return Decimal(self.days_per_month)

    def bounds(self, group: int, contract: Contract) -> tuple[Decimal, Decimal, Decimal]:
        """(minimum base of the group, minimum professional base, maximum base) for the
        contract: by days for daily pay, by the share of full time for part-time work."""
        days = self.days(contract)
        if group in self.min_daily:
            group_min = self.min_daily[group] * days
        else:
            group_min = self.min_monthly[group] * days / self.days_per_month
        scale = days / self.days_per_month
        fraction = contract.work_fraction
        daily = contract.basis == PayBasis.DAILY and contract.days
        return (
            r2(group_min * fraction),
            r2(self.min_professional * scale * fraction),
            r2(self.max_daily * days) if daily else self.max_base,
        )


@dataclass(frozen=True, slots=True)
class Contributions:
    """The contribution lines of one month, with the bases they were computed on."""

    lines: tuple[PayslipLine, ...]
    remuneration_base: Decimal  # the month's remuneration with the prorrata, before the limits
    common_base: Decimal
    professional_base: Decimal
    solidarity_excess: Decimal

    @property
    def employee_total(self) -> Decimal:
        return sum((line.employee_amount for line in self.lines), ZERO)


def monthly_base(gross: Decimal, annual_payments: int, law: SocialLaw) -> Decimal:
    """The month's remuneration for contributions: the gross, plus the prorrata of the two
    extraordinary payments when they are paid apart (14 payments)."""
    if annual_payments == 12:
        return gross
    return r2(gross * (12 + law.extra_payments) / 12)


def contributions(
    gross: Decimal, p: dict[str, Any], contract: Contract, law: SocialLaw
) -> Contributions:
    """Every contribution line of an ordinary monthly payslip of ``gross``."""
    remuneration = monthly_base(gross, p["annual_payments"], law)
    group_min, professional_min, maximum = law.bounds(p["contribution_group"], contract)
    if remuneration == 0:  # no pay in the month: no base (e.g. unpaid leave)
        common = professional = ZERO
    else:
        common = min(max(remuneration, group_min), maximum)
        professional = min(max(remuneration, professional_min), maximum)
    kind = contract.kind
    unemployment = f"ss.unemployment.{kind.value}"
    exact: list[tuple[str, str, Decimal, Decimal, Decimal, tuple[str, ...]]] = [
        ("contingencias_comunes", "Contingencias comunes", common, *law.rates[
            "contingencias_comunes"
        ], _keys("ss.common", _COMMON_BASE_KEYS)),
        ("mei", "Mecanismo de Equidad Intergeneracional (MEI)", common, *law.rates["mei"],
         _keys("ss.mei", _COMMON_BASE_KEYS)),
        ("desempleo", UNEMPLOYMENT_LABELS[kind], professional, *law.unemployment[kind],
         _keys(unemployment, _PROFESSIONAL_BASE_KEYS)),
        ("formacion_profesional", "Formación profesional", professional,
         *law.rates["formacion_profesional"], _keys("ss.training", _PROFESSIONAL_BASE_KEYS)),
        ("fogasa", "Fondo de Garantía Salarial (FOGASA)", professional, *law.rates["fogasa"],
         ("ss.fogasa.employer", *_PROFESSIONAL_BASE_KEYS)),
        ("at_ep", "Accidentes de trabajo y enfermedades profesionales (AT/EP)", professional,
         ZERO, p["at_rate"], ("ss.at_ep", *_PROFESSIONAL_BASE_KEYS)),
    ]  # fmt: skip
    lines = [_line(*fields) for fields in exact]
    excess = max(ZERO, remuneration - maximum) if remuneration else ZERO
    exact_employee = sum((base * rate for _, _, base, rate, _, _ in exact), ZERO) / HUNDRED
    if excess:
        line, solidarity_exact = _solidarity(excess, maximum, law)
        lines.append(line)
        exact_employee += solidarity_exact
    return Contributions(
        lines=_match_total(lines, r2(exact_employee)),
        remuneration_base=remuneration,
        common_base=common,
        professional_base=professional,
        solidarity_excess=excess,
    )


_COMMON_BASE_KEYS = (
    "ss.min_base.monthly_groups",
    "ss.min_base.daily_groups",
    "ss.max_base",
    "ss.max_base_daily",
    "ss.days_per_month",
    "ss.extra_payments",
)
_PROFESSIONAL_BASE_KEYS = (
    "ss.min_base.professional",
    "ss.max_base",
    "ss.max_base_daily",
    "ss.days_per_month",
    "ss.extra_payments",
)


def _keys(prefix: str, bases: tuple[str, ...]) -> tuple[str, ...]:
    """The law keys of a line: its two rates and the limits of the base it is due on."""
    return (f"{prefix}.employee", f"{prefix}.employer", *bases)


def _line(
    code: str,
    label: str,
    base: Decimal,
    employee: Decimal,
    employer: Decimal,
    sources: tuple[str, ...],
) -> PayslipLine:
    return PayslipLine(
        code,
        label,
        base,
        employee_rate=employee if employee else None,
        employee_amount=r2(base * employee / HUNDRED),
        employer_rate=employer,
        employer_amount=r2(base * employer / HUNDRED),
        sources=sources,
    )


def _solidarity(excess: Decimal, maximum: Decimal, law: SocialLaw) -> tuple[PayslipLine, Decimal]:
    """The solidarity line on the remuneration above the maximum base, and its exact employee
    amount; each tranche's amounts are rounded, then summed."""
    employee = employer = exact = ZERO
    for tranche in law.solidarity:
        low, high = maximum * tranche.low / HUNDRED, maximum * tranche.high / HUNDRED
        part = max(ZERO, min(excess, r2(high)) - r2(low))
        employee += r2(part * tranche.employee / HUNDRED)
        employer += r2(part * tranche.employer / HUNDRED)
        exact += part * tranche.employee / HUNDRED
    line = PayslipLine(
        "solidaridad",
        "Cotización adicional de solidaridad",
        excess,
        employee_amount=employee,
        employer_amount=employer,
        sources=("ss.solidarity", "ss.max_base", "ss.max_base_daily", "ss.extra_payments"),
    )
    return line, exact


def _match_total(lines: list[PayslipLine], total: Decimal) -> tuple[PayslipLine, ...]:
    """Lines whose employee amounts add up to ``total`` (the exact total rounded once): the
    residue, a cent or two, goes on the largest employee line."""
    residue = total - sum((line.employee_amount for line in lines), ZERO)
    if not residue:
        return tuple(lines)
    biggest = max(range(len(lines)), key=lambda i: lines[i].employee_amount)
    line = lines[biggest]
    fields = {**line.__dict__, "employee_amount": line.employee_amount + residue}
    lines[biggest] = PayslipLine(**fields)
    return tuple(lines)
