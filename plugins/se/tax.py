"""Swedish preliminary tax (preliminärskatt) on monthly pay, by the method of the tax tables.

Skatteverket computes its monthly tax tables (``30B``) with the method of SKV 433, *Teknisk
beskrivning för skattetabeller* (2026: utgåva 36); an employer withholds the amount of the row
that holds the pay. This module applies that method to any rates:

1. the pay is placed in its table row (steps of 100 kr up to 20 000, 200 kr up to 80 000) and
   the row's upper bound is annualised (× 12) and rounded down to whole hundreds;
2. grundavdrag by income band in price base amounts (plus the förhöjt grundavdrag for those
   who had turned 66 at the start of the year: table column 3), rounded up to whole hundreds;
3. municipal tax, burial and church fees and state tax on the taxable income, each rounded
   down to whole kronor;
4. the general pension fee (7 %, rounded to the nearest hundred, 50 down) and its tax credit,
   which offsets it in full as far as the municipal and state tax allow;
5. the job tax credit (its own scale for older workers) and the earned income credit, against
   the municipal tax only;
6. the public service fee (1 %, capped);
7. the annual tax divided by 12, rounded down to whole kronor.

Above the tables' last row (80 000 kr) the published tables give percentages; here the formula
is applied to the pay itself (rounded down to whole kronor) instead. Every rounding above
reproduces Skatteverket's published 2026 tables to the krona (see the reference cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from plugins.payroll.law import LawAt, Table
from plugins.payroll.model import ZERO

HUNDRED = Decimal(100)
TWELVE = Decimal(12)
ONE = Decimal(1)

SOURCES = (
    "tax.price_base_amount",
    "tax.income_base_amount",
    "tax.state_threshold",
    "tax.state_rate",
    "tax.basic_deduction",
    "tax.job_tax_credit",
    "tax.earned_income_credit",
    "tax.pension_fee_rate",
    "tax.pension_fee_ceiling_ibb",
    "tax.pension_fee_floor_pbb",
    "tax.public_service_rate",
    "tax.public_service_ceiling_ibb",
    "tax.table_steps",
)
OLDER_SOURCES = ("tax.basic_deduction_older", "tax.job_tax_credit_older")


def floor(amount: Decimal, step: Decimal = ONE) -> Decimal:
    """Down to a whole multiple of ``step`` (kronor, hundreds)."""
    return (amount / step).to_integral_value(ROUND_FLOOR) * step


def ceil(amount: Decimal, step: Decimal = ONE) -> Decimal:
    """Up to a whole multiple of ``step``."""
    return (amount / step).to_integral_value(ROUND_CEILING) * step


def nearest_hundred_half_down(amount: Decimal) -> Decimal:
    """The pension fee's rounding (SKV 433 7.4): to the nearest hundred, 50 kr down."""
    hundreds, rest = divmod(amount, HUNDRED)
    return hundreds * HUNDRED + (HUNDRED if rest > 50 else ZERO)


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a piecewise formula in price base amounts: below ``upto`` × PBB the value
    is ``constant`` × PBB + ``slope`` % of the income above ``start`` × PBB."""

    upto: Decimal
    constant: Decimal
    slope: Decimal
    start: Decimal

    def value(self, income: Decimal, pbb: Decimal) -> Decimal:
        return self.constant * pbb + self.slope * (income - self.start * pbb) / HUNDRED


def _bands(table: Table) -> tuple[Band, ...]:
    return tuple(Band(*row) for row in table)


def _band_value(bands: tuple[Band, ...], income: Decimal, pbb: Decimal) -> Decimal:
    band = next((b for b in bands if income <= b.upto * pbb), bands[-1])
    return band.value(income, pbb)


@dataclass(frozen=True, slots=True)
class TaxLaw:
    """The tax law of one day, resolved once into plain numbers."""

    pbb: Decimal
    ibb: Decimal
    state_threshold: Decimal
    state_rate: Decimal
    basic: tuple[Band, ...]
    job: tuple[Band, ...]
    basic_older: tuple[Band, ...]
    job_older: tuple[Band, ...]
    earned_threshold: Decimal
    earned_rate: Decimal
    earned_max: Decimal
    pension_rate: Decimal
    pension_ceiling: Decimal
    pension_floor: Decimal
    public_service_rate: Decimal
    public_service_max: Decimal
    steps: tuple[tuple[Decimal, Decimal], ...]

    @classmethod
    def resolve(cls, at: LawAt) -> TaxLaw:
        d = at.decimal
        pbb, ibb = d("tax.price_base_amount"), d("tax.income_base_amount")
        ((threshold, rate, maximum),) = at.table("tax.earned_income_credit")
        ps_rate = d("tax.public_service_rate")
        return cls(
            pbb=pbb,
            ibb=ibb,
            state_threshold=d("tax.state_threshold"),
            state_rate=d("tax.state_rate"),
            basic=_bands(at.table("tax.basic_deduction")),
            job=_bands(at.table("tax.job_tax_credit")),
            basic_older=_bands(at.table("tax.basic_deduction_older")),
            job_older=_bands(at.table("tax.job_tax_credit_older")),
            earned_threshold=threshold,
            earned_rate=rate,
            earned_max=maximum,
            pension_rate=d("tax.pension_fee_rate"),
            pension_ceiling=d("tax.pension_fee_ceiling_ibb") * ibb,
            pension_floor=d("tax.pension_fee_floor_pbb") * pbb,
            public_service_rate=ps_rate,
            public_service_max=floor(d("tax.public_service_ceiling_ibb") * ibb * ps_rate / HUNDRED),
            steps=tuple((upto, step) for upto, step in at.table("tax.table_steps")),
        )

    def row_income(self, monthly: Decimal) -> Decimal:
        """The upper bound of the table row holding ``monthly`` (whole kronor), or the pay
        itself above the last row."""
        pay = floor(monthly)
        low = ZERO
        for upto, step in self.steps:
            if pay <= upto:
                return upto if step == 0 else low + ceil(pay - low, step)
            low = upto
        return pay


@dataclass(frozen=True, slots=True)
class Rates:
    """The worker's rates in percent: municipal (kommun + region) and the fees (burial,
    church) that no tax reduction offsets."""

    municipal: Decimal
    fees: Decimal


@dataclass(frozen=True, slots=True)
class AnnualTax:
    """The SKV 433 computation of one table row, in whole kronor a year."""

    income: Decimal
    basic_deduction: Decimal
    taxable: Decimal
    municipal_tax: Decimal
    fees: Decimal
    state_tax: Decimal
    pension_fee: Decimal
    pension_fee_credit: Decimal
    job_tax_credit: Decimal
    earned_income_credit: Decimal
    public_service_fee: Decimal

    @property
    def total(self) -> Decimal:
        return (
            self.municipal_tax
            + self.fees
            + self.state_tax
            + self.pension_fee
            - self.pension_fee_credit
            - self.job_tax_credit
            - self.earned_income_credit
            + self.public_service_fee
        )

    @property
    def monthly(self) -> Decimal:
        return floor(self.total / TWELVE)

    def as_extra(self) -> dict[str, str]:
        return {
            "annual_income": str(self.income),
            "basic_deduction": str(self.basic_deduction),
            "taxable_income": str(self.taxable),
            "municipal_tax": str(self.municipal_tax),
            "burial_church_fees": str(self.fees),
            "state_tax": str(self.state_tax),
            "general_pension_fee": str(self.pension_fee),
            "general_pension_fee_credit": str(self.pension_fee_credit),
            "job_tax_credit": str(self.job_tax_credit),
            "earned_income_credit": str(self.earned_income_credit),
            "public_service_fee": str(self.public_service_fee),
            "annual_tax": str(self.total),
        }


def annual_tax(annual: Decimal, rates: Rates, law: TaxLaw, older: bool = False) -> AnnualTax:
    """SKV 433 on an annual work income: table column 1, or column 3 (``older``: turned 66
    at the start of the year: förhöjt grundavdrag and the older workers' job tax credit)."""
    income = floor(max(annual, ZERO), HUNDRED)
    deduction = _band_value(law.basic, income, law.pbb)
    if older:
        deduction += _band_value(law.basic_older, income, law.pbb)
    basic = min(ceil(deduction, HUNDRED), income)
    taxable = income - basic
    municipal = floor(taxable * rates.municipal / HUNDRED)
    fees = floor(taxable * rates.fees / HUNDRED)
    excess = taxable - law.state_threshold
    state = floor(excess * law.state_rate / HUNDRED) if excess > 0 else ZERO
    pension = ZERO
    if income >= law.pension_floor:
        base = min(income, law.pension_ceiling)
        pension = nearest_hundred_half_down(base * law.pension_rate / HUNDRED)
    pension_credit = min(pension, municipal + state)
    job = max(ZERO, floor(_job_tax_credit(income, basic, rates, law, older)))
    earned = _earned_income_credit(taxable, law)
    room = max(ZERO, municipal - pension_credit)
    job_used = min(job, room)
    earned_used = min(earned, room - job_used)
    public_service = min(floor(taxable * law.public_service_rate / HUNDRED), law.public_service_max)
    return AnnualTax(
        income=income,
        basic_deduction=basic,
        taxable=taxable,
        municipal_tax=municipal,
        fees=fees,
        state_tax=state,
        pension_fee=pension,
        pension_fee_credit=pension_credit,
        job_tax_credit=job_used,
        earned_income_credit=earned_used,
        public_service_fee=public_service,
    )


def _job_tax_credit(
    income: Decimal, basic: Decimal, rates: Rates, law: TaxLaw, older: bool
) -> Decimal:
    """Under 66: (the band's amount − grundavdrag) × the municipal rate; older workers: the
    band's amount itself."""
    if older:
        return _band_value(law.job_older, income, law.pbb)
    return (_band_value(law.job, income, law.pbb) - basic) * rates.municipal / HUNDRED


def _earned_income_credit(taxable: Decimal, law: TaxLaw) -> Decimal:
    if taxable <= law.earned_threshold:
        return ZERO
    return min(floor((taxable - law.earned_threshold) * law.earned_rate / HUNDRED), law.earned_max)


def table_tax(
    monthly: Decimal, rates: Rates, law: TaxLaw, older: bool = False
) -> tuple[Decimal, AnnualTax]:
    """The table row of ``monthly`` pay and its SKV 433 computation (the monthly tax is
    ``.monthly`` of the result)."""
    row = law.row_income(monthly)
    return row, annual_tax(row * TWELVE, rates, law, older)
