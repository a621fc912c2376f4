"""Loonheffing (loonbelasting/premie volksverzekeringen) on a monthly wage: the white table.

The Belastingdienst's "Rekenvoorschriften voor de geautomatiseerde loonadministratie 2026"
(RV) compute what the white monthly table (witte maandtabel) gives, and the table is binding,
so the RV rounding is followed step by step:

1. the annual table wage ``L``: the month's wage × 12, rounded down to a multiple of ``Lv``
   (54 EUR, the table's rows); above ``Lmax`` the annual wage unrounded;
2. the tax on ``L`` by the brackets (``c + (L − a) × b``), rounded down to whole euros;
3. with the loonheffingskorting, the credits on ``L``: algemene heffingskorting and
   ouderenkorting (phase-out rounded up to whole euros), the alleenstaande-ouderenkorting on
   request, arbeidskorting (each product rounded to five decimals, the credit rounded up to
   whole euros), together never above the tax, the arbeidskorting giving way first;
4. the annual tax less the credits, divided by 12, rounded half up to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO

CENT = Decimal("0.01")
EURO = Decimal(1)
FIVE_DECIMALS = Decimal("0.00001")
HUNDRED = Decimal(100)
MONTHS = 12

#: ``age_group`` param values: below the AOW age, or at it (born from 1946 / before 1946).
AGE_GROUPS = ("below_aow", "aow_from_1946", "aow_before_1946")


def _down(amount: Decimal) -> Decimal:
    return amount.quantize(EURO, rounding=ROUND_FLOOR)


def _up(amount: Decimal) -> Decimal:
    return amount.quantize(EURO, rounding=ROUND_CEILING)


def _five(amount: Decimal) -> Decimal:
    return amount.quantize(FIVE_DECIMALS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Phased:
    """A credit with a maximum, phased out from ``start`` to zero at ``end`` by ``factor``."""

    maximum: Decimal
    start: Decimal
    end: Decimal
    factor: Decimal

    def at(self, wage: Decimal) -> Decimal:
        if wage <= self.start:
            return self.maximum
        if wage >= self.end:
            return ZERO
        return max(ZERO, _up(self.maximum - (wage - self.start) * self.factor))


@dataclass(frozen=True, slots=True)
class _Labour:
    """The arbeidskorting: three build-ups to cumulative maxima, then a phase-out."""

    thresholds: tuple[Decimal, Decimal, Decimal, Decimal]
    factors: tuple[Decimal, Decimal, Decimal, Decimal]
    maxima: tuple[Decimal, Decimal, Decimal]

    def at(self, wage: Decimal) -> Decimal:
        g1, g2, g3, g4 = self.thresholds
        o1, o2, o3, a1 = self.factors
        m1, m2, m3 = self.maxima
        if wage >= g4:
            return ZERO
        built = min(_five(o1 * wage), m1)
        built = min(built + _five(o2 * max(ZERO, wage - g1)), m2)
        built = min(built + _five(o3 * max(ZERO, wage - g2)), m3)
        return max(ZERO, _up(built - _five(a1 * max(ZERO, wage - g3))))


@dataclass(frozen=True, slots=True)
class WageTaxLaw:
    """The white-table law of one age group on one day, resolved into plain numbers."""

    step: Decimal
    table_max: Decimal
    brackets: tuple[tuple[Decimal, Decimal, Decimal], ...]
    general: _Phased
    labour: _Labour
    elderly: _Phased | None
    single_elderly: Decimal
    sources: tuple[str, ...]

    @classmethod
    def resolve(cls, at: LawAt, age_group: str) -> WageTaxLaw:
        column = "below_aow" if age_group == "below_aow" else "aow"
        brackets_key = f"wage_tax.brackets.{age_group}"
        general_key = f"wage_tax.general_credit.{column}"
        labour_key = f"wage_tax.labour_credit.{column}"
        o1, o2, o3, a1, m1, m2, m3 = at.table(labour_key)[0]
        g1, g2, g3, g4 = at.table("wage_tax.labour_credit.thresholds")[0]
        elderly = (
            None if column == "below_aow" else _Phased(*at.table("wage_tax.elderly_credit")[0])
        )
        sources = (
            "wage_tax.table_step",
            "wage_tax.table_max",
            brackets_key,
            general_key,
            "wage_tax.labour_credit.thresholds",
            labour_key,
            *(("wage_tax.elderly_credit", "wage_tax.single_elderly_credit") if elderly else ()),
        )
        return cls(
            step=at.decimal("wage_tax.table_step"),
            table_max=at.decimal("wage_tax.table_max"),
            brackets=tuple((low, rate, below) for low, rate, below in at.table(brackets_key)),
            general=_Phased(*at.table(general_key)[0]),
            labour=_Labour((g1, g2, g3, g4), (o1, o2, o3, a1), (m1, m2, m3)),
            elderly=elderly,
            single_elderly=at.decimal("wage_tax.single_elderly_credit") if elderly else ZERO,
            sources=sources,
        )

    def annual_wage(self, monthly: Decimal) -> Decimal:
        """RV § 2.2.1: the table wage of a month, as an annual amount."""
        annual = monthly * MONTHS
        if annual > self.table_max:
            return annual
        return (annual / self.step).to_integral_value(ROUND_FLOOR) * self.step

    def tax(self, wage: Decimal) -> Decimal:
        """RV § 2.2.2: the tax and premiums on an annual wage, down to whole euros."""
        low, rate, below = next(
            row for row in reversed(self.brackets) if wage > row[0] or row[0] == 0
        )
        return _down(below + (wage - low) * rate / HUNDRED)

    def monthly(self, gross: Decimal, credit: bool, single_elderly: bool) -> dict[str, Decimal]:
        """The month's withholding and its intermediate figures (RV §§ 2.2.1-2.2.5).

        Credits never exceed the tax: the arbeidskorting is what gives way (the table's
        "verrekende arbeidskorting" is the part of it actually set off)."""
        wage = self.annual_wage(max(gross, ZERO))
        before = self.tax(wage)
        aow = self.elderly is not None
        general = self.general.at(wage) if credit else ZERO
        elderly = self.elderly.at(wage) if credit and self.elderly else ZERO
        single = self.single_elderly if credit and aow and single_elderly else ZERO
        labour = self.labour.at(wage) if credit else ZERO
        other = min(general + elderly + single, before)
        labour_applied = min(labour, before - other)
        annual = before - other - labour_applied
        return {
            "annual_table_wage": wage,
            "annual_tax_before_credits": before,
            "general_tax_credit": general,
            "elderly_tax_credit": elderly,
            "single_elderly_tax_credit": single,
            "labour_tax_credit": labour,
            "labour_tax_credit_applied": labour_applied,
            "tax_credits_applied": other + labour_applied,
            "annual_wage_tax": annual,
            "wage_tax_without_credits": _month(before),
            "labour_tax_credit_applied_monthly": _month(labour_applied),
            "wage_tax": _month(annual),
        }


def _month(annual: Decimal) -> Decimal:
    """RV § 2.2.5: an annual amount per month, half up to the cent."""
    return (annual / MONTHS).quantize(CENT, rounding=ROUND_HALF_UP)


def as_text(figures: Mapping[str, Decimal]) -> dict[str, str]:
    return {name: str(value) for name, value in figures.items()}
