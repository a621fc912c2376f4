"""Italian income tax on one payslip: IRPEF withholding, deductions, the 2025 cuneo fiscale.

Plain functions over :class:`TaxLaw` (the tax values of ``payroll_2026.toml``, resolved once per
day). The method is DPR 600/1973 art. 23 c. 2: the annual IRPEF brackets brought to the pay
period, less the period's share of the annual deductions, which are computed on the worker's
income of the year as the employer presumes it (the pay of the period brought to a full year).
Extra monthly payments (tredicesima, quattordicesima) get the brackets of a month and no
deduction. ``docs/payroll-it.md`` explains each step and its limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

TAX_SOURCES = (
    "irpef.brackets",
    "irpef.employment_deduction",
    "irpef.deduction_ratio_decimals",
    "irpef.employment_deduction_bonus",
    "cuneo.additional_deduction",
    "irpef.withholding_method",
)


def cents(amount: Decimal) -> Decimal:
    """Half up to the cent, the rounding of the withholding and of each contribution."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class TaxLaw:
    """The tax values of one day."""

    brackets: tuple[tuple[Decimal, Decimal], ...]
    deduction: tuple[tuple[Decimal, Decimal, Decimal], ...]
    deduction_bonus: tuple[Decimal, Decimal, Decimal]
    exempt_sum: tuple[tuple[Decimal, Decimal], ...]
    additional: tuple[tuple[Decimal, Decimal, Decimal], ...]
    integrative: tuple[Decimal, Decimal, Decimal]
    ratio_step: Decimal

    @classmethod
    def resolve(cls, at: LawAt) -> TaxLaw:
        low, high, amount = at.table("irpef.employment_deduction_bonus")[0]
        limit, yearly, reduction = at.table("irpef.integrative_treatment")[0]
        return cls(
            brackets=tuple((row[0], row[1]) for row in at.table("irpef.brackets")),
            deduction=tuple(
                (row[0], row[1], row[2]) for row in at.table("irpef.employment_deduction")
            ),
            deduction_bonus=(low, high, amount),
            exempt_sum=tuple((row[0], row[1]) for row in at.table("cuneo.exempt_sum")),
            additional=tuple(
                (row[0], row[1], row[2]) for row in at.table("cuneo.additional_deduction")
            ),
            integrative=(limit, yearly, reduction),
            ratio_step=Decimal(1).scaleb(-at.integer("irpef.deduction_ratio_decimals")),
        )

    @property
    def exempt_sum_ceiling(self) -> Decimal:
        """The reddito complessivo above which the exempt sum is not due (20 000)."""
        return self.exempt_sum[-1][0]

    def gross_tax(self, income: Decimal, fraction: Decimal) -> Decimal:
        """IRPEF on ``income`` with the annual brackets multiplied by ``fraction`` (unrounded)."""
        tax = ZERO
        for index, (low, rate) in enumerate(self.brackets):
            start = low * fraction
            if income <= start:
                break
            upper = (
                self.brackets[index + 1][0] * fraction if index + 1 < len(self.brackets) else None
            )
            top = income if upper is None else min(income, upper)
            tax += (top - start) * rate / HUNDRED
        return tax

    def employment_deduction(self, income: Decimal) -> Decimal:
        """TUIR art. 13 c. 1 and 1.1: the annual deduction for reddito complessivo ``income``."""
        amount = ZERO
        lower = ZERO
        for upper, fixed, tapered in self.deduction:
            if income <= upper:
                if lower == ZERO:
                    amount = fixed + tapered
                else:
                    amount = fixed + tapered * self.ratio((upper - income) / (upper - lower))
                break
            lower = upper
        low, high, extra = self.deduction_bonus
        if low < income <= high:
            amount += extra
        return amount

    def ratio(self, value: Decimal) -> Decimal:
        """TUIR art. 13 c. 6: a positive ratio of the deduction formulas is taken with its first
        four decimals (cut, not rounded: 0.623381 is 0.6233)."""
        return value.quantize(self.ratio_step, rounding=ROUND_DOWN) if value > 0 else value

    def additional_deduction(self, income: Decimal) -> Decimal:
        """L. 207/2024 art. 1 c. 6: the annual ulteriore detrazione (20 000 to 40 000)."""
        last = len(self.additional) - 1
        for index, (low, high, amount) in enumerate(self.additional):
            if low < income <= high:
                if index == last and index > 0:
                    return amount * (high - income) / (high - low)
                return amount
        return ZERO

    def exempt_sum_rate(self, employment_annual: Decimal, complessivo: Decimal) -> Decimal:
        """L. 207/2024 art. 1 c. 4-5: the percentage of employment income paid as exempt sum,
        chosen by the employment income brought to a year; zero above 20 000 of income."""
        if complessivo > self.exempt_sum_ceiling or employment_annual <= 0:
            return ZERO
        for upper, rate in self.exempt_sum:
            if employment_annual <= upper:
                return rate
        return self.exempt_sum[-1][1]

    def integrative_treatment(self, employment_annual: Decimal, complessivo: Decimal) -> Decimal:
        """DL 3/2020 art. 1 c. 1: the annual trattamento integrativo up to 15 000 of income,
        when the gross tax on employment income exceeds the art. 13 deduction less 75 €."""
        limit, yearly, reduction = self.integrative
        if complessivo > limit or employment_annual <= 0:
            return ZERO
        capacity = self.gross_tax(employment_annual, Decimal(1))
        return yearly if capacity > self.employment_deduction(complessivo) - reduction else ZERO

    def thresholds(self) -> tuple[Decimal, ...]:
        """Annual incomes just above which the exempt sum falls (its bands and its end)."""
        return tuple(upper for upper, _rate in self.exempt_sum)


@dataclass(frozen=True, slots=True)
class Withholding:
    """The IRPEF of one payslip and the figures behind it (all unrounded except the totals)."""

    annual_income: Decimal
    gross_tax: Decimal
    employment_deduction: Decimal
    additional_deduction: Decimal
    irpef: Decimal
    annual_net_irpef: Decimal
    exempt_sum_rate: Decimal
    exempt_sum: Decimal
    integrative_treatment: Decimal


def withhold(
    law: TaxLaw,
    taxable: Decimal,
    employment_annual: Decimal,
    other_income: Decimal,
    fraction: Decimal,
    with_deductions: bool,
) -> Withholding:
    """The IRPEF withheld on ``taxable`` (this period's employment income).

    ``employment_annual`` is that income brought to a year, ``fraction`` the share of a year
    the period is (1/12 for a month), ``with_deductions`` false for an extra monthly payment.
    """
    complessivo = employment_annual + other_income
    deduction = law.employment_deduction(complessivo)
    additional = law.additional_deduction(complessivo)
    annual_net = max(ZERO, law.gross_tax(complessivo, Decimal(1)) - deduction - additional)
    gross = law.gross_tax(taxable, fraction)
    share_deduction = deduction * fraction if with_deductions else ZERO
    share_additional = additional * fraction if with_deductions else ZERO
    used_deduction = min(share_deduction, gross)
    used_additional = min(share_additional, gross - used_deduction)
    irpef = cents(gross - used_deduction - used_additional)
    rate = law.exempt_sum_rate(employment_annual, complessivo)
    return Withholding(
        annual_income=complessivo,
        gross_tax=gross,
        employment_deduction=used_deduction,
        additional_deduction=used_additional,
        irpef=irpef,
        annual_net_irpef=annual_net,
        exempt_sum_rate=rate,
        exempt_sum=cents(taxable * rate / HUNDRED),
        integrative_treatment=cents(
            law.integrative_treatment(employment_annual, complessivo) * fraction
        )
        if with_deductions
        else ZERO,
    )
