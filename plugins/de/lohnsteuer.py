"""German wage tax (Lohnsteuer), solidarity surcharge and church-tax base for a month's pay.

The computation follows the BMF Programmablaufplan 2026 for the machine computation of the
Lohnsteuer (PAP, Anlage 1 of the BMF letter of 12 November 2025) for current monthly pay
(``LZZ = 2``) of a worker insured in the statutory pension, unemployment, health and care
insurance, without pensions (Versorgungsbezüge), age relief, entered tax allowances, the factor
method or one-off payments (sonstige Bezüge): those inputs are zero in the PAP and drop out.

Every rounding is the PAP's: amounts are cut (``ROUND_DOWN``) or raised (``ROUND_UP``) to the
scale it names, step by step, so the results are the PAP's to the cent. The constants live in
``payroll_2026.toml`` (``lohnsteuer.*``), read once per day of law into :class:`TaxLaw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from plugins.payroll.law import LawAt

ZERO = Decimal(0)
ONE = Decimal(1)
TWELVE = Decimal(12)
HUNDRED = Decimal(100)
TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")

#: The law keys the computation reads, named in the payslip's ``extra`` as its sources.
SOURCES = (
    "lohnsteuer.basic_allowance",
    "lohnsteuer.tariff_progressive",
    "lohnsteuer.tariff_linear",
    "lohnsteuer.employee_lump_sum",
    "lohnsteuer.special_expenses_lump_sum",
    "lohnsteuer.single_parent_relief",
    "lohnsteuer.child_allowance",
    "lohnsteuer.child_allowance_class_4",
    "lohnsteuer.pension_ceiling_annual",
    "lohnsteuer.health_ceiling_annual",
    "lohnsteuer.vsp_pension_rate",
    "lohnsteuer.vsp_unemployment_rate",
    "lohnsteuer.vsp_health_rate",
    "lohnsteuer.vsp_care_rate",
    "lohnsteuer.vsp_care_rate_saxony",
    "lohnsteuer.vsp_care_childless",
    "lohnsteuer.vsp_care_child_reduction",
    "lohnsteuer.vsp_health_unemployment_cap",
    "lohnsteuer.class_5_6_thresholds",
    "lohnsteuer.class_5_6_factors",
    "lohnsteuer.soli_rate",
    "lohnsteuer.soli_exemption",
    "lohnsteuer.soli_taper_rate",
)


def round_down(amount: Decimal, places: int = 0) -> Decimal:
    """Rounded towards zero to ``places`` decimals (Java's ``ROUND_DOWN``)."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def round_up(amount: Decimal, places: int = 0) -> Decimal:
    """Rounded away from zero to ``places`` decimals (Java's ``ROUND_UP``)."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_UP)


@dataclass(frozen=True, slots=True)
class TaxLaw:
    """The PAP constants of one day, read from the law file."""

    basic_allowance: Decimal
    progressive: tuple[tuple[Decimal, Decimal, Decimal, Decimal, Decimal], ...]
    linear: tuple[tuple[Decimal, Decimal, Decimal], ...]
    employee_lump_sum: Decimal
    special_expenses: Decimal
    single_parent: Decimal
    child_allowance: Decimal
    child_allowance_4: Decimal
    pension_ceiling: Decimal
    health_ceiling: Decimal
    vsp_pension: Decimal
    vsp_unemployment: Decimal
    vsp_health: Decimal
    vsp_care: Decimal
    vsp_care_saxony: Decimal
    vsp_childless: Decimal
    vsp_child_reduction: Decimal
    vsp_cap: Decimal
    w1: Decimal
    w2: Decimal
    w3: Decimal
    upper_multiple: Decimal
    lower_multiple: Decimal
    minimum_rate: Decimal
    rate_42: Decimal
    rate_45: Decimal
    soli_rate: Decimal
    soli_exemption: Decimal
    soli_taper: Decimal

    @classmethod
    def read(cls, at: LawAt) -> TaxLaw:
        d = at.decimal
        (w1, w2, w3), *_ = at.table("lohnsteuer.class_5_6_thresholds")
        (up, low, minimum, r42, r45), *_ = at.table("lohnsteuer.class_5_6_factors")
        return cls(
            basic_allowance=d("lohnsteuer.basic_allowance"),
            progressive=tuple(
                (a, b, c, e, f) for a, b, c, e, f in at.table("lohnsteuer.tariff_progressive")
            ),
            linear=tuple((a, b, c) for a, b, c in at.table("lohnsteuer.tariff_linear")),
            employee_lump_sum=d("lohnsteuer.employee_lump_sum"),
            special_expenses=d("lohnsteuer.special_expenses_lump_sum"),
            single_parent=d("lohnsteuer.single_parent_relief"),
            child_allowance=d("lohnsteuer.child_allowance"),
            child_allowance_4=d("lohnsteuer.child_allowance_class_4"),
            pension_ceiling=d("lohnsteuer.pension_ceiling_annual"),
            health_ceiling=d("lohnsteuer.health_ceiling_annual"),
            vsp_pension=d("lohnsteuer.vsp_pension_rate"),
            vsp_unemployment=d("lohnsteuer.vsp_unemployment_rate"),
            vsp_health=d("lohnsteuer.vsp_health_rate"),
            vsp_care=d("lohnsteuer.vsp_care_rate"),
            vsp_care_saxony=d("lohnsteuer.vsp_care_rate_saxony"),
            vsp_childless=d("lohnsteuer.vsp_care_childless"),
            vsp_child_reduction=d("lohnsteuer.vsp_care_child_reduction"),
            vsp_cap=d("lohnsteuer.vsp_health_unemployment_cap"),
            w1=w1,
            w2=w2,
            w3=w3,
            upper_multiple=up,
            lower_multiple=low,
            minimum_rate=minimum,
            rate_42=r42,
            rate_45=r45,
            soli_rate=d("lohnsteuer.soli_rate"),
            soli_exemption=d("lohnsteuer.soli_exemption"),
            soli_taper=d("lohnsteuer.soli_taper_rate"),
        )


@dataclass(frozen=True, slots=True)
class TaxInput:
    """What the withholding depends on (the PAP's inputs, in our words)."""

    tax_class: int  # STKL, 1 to 6
    children_allowances: Decimal  # ZKF, Kinderfreibetragszähler
    health_surcharge: Decimal  # KVZ, percent
    saxony: bool  # PVS
    childless: bool  # PVZ
    care_reductions: int  # PVA, 0 to 4
    church: bool  # R > 0
    #: Pays a pension contribution (KRV = 0); False for a Minijob exempted from it.
    pension_insured: bool = True
    #: Pays health, care and unemployment contributions; False for a Minijob, whose employer
    #: alone pays a flat health rate (the PAP with PKV = 1, PKPV = 0 and ALV = 1).
    health_insured: bool = True


@dataclass(frozen=True, slots=True)
class Withholding:
    """A month's withholding in euros (the PAP's LSTLZZ, SOLZLZZ and BK, which are cents)."""

    lohnsteuer: Decimal
    solidarity: Decimal
    church_base: Decimal
    annual_wage: Decimal
    vorsorgepauschale: Decimal
    taxable_income: Decimal
    annual_tax: Decimal


# -- the tariff ----------------------------------------------------------------------------


def tariff(law: TaxLaw, x: Decimal) -> Decimal:
    """§ 32a EStG on a whole-euro income ``x`` (UPTAB26, before the splitting factor)."""
    if x < law.basic_allowance + ONE:
        return ZERO
    for below, origin, a, b, c in law.progressive:
        if x < below:
            y = round_down((x - origin) / TEN_THOUSAND, 6)
            return round_down((a * y + b) * y + c)
    rate, minus = next((r, m) for start, r, m in reversed(law.linear) if x >= start)
    return round_down(x * rate - minus)


def _class_5_6_piece(law: TaxLaw, zx: Decimal) -> Decimal:
    """UP5_6: twice the tax difference between 125 % and 75 % of ``zx``, at least the minimum
    rate of ``zx``."""
    high = tariff(law, round_down(zx * law.upper_multiple))
    low = tariff(law, round_down(zx * law.lower_multiple))
    return max(round_down(zx * law.minimum_rate), (high - low) * 2)


def class_5_6_tax(law: TaxLaw, x: Decimal) -> Decimal:
    """MST5_6: the annual tax of classes V and VI (§ 39b Abs. 2 Satz 7 EStG)."""
    if x > law.w2:
        tax = _class_5_6_piece(law, law.w2)
        if x > law.w3:
            tax = round_down(tax + (law.w3 - law.w2) * law.rate_42)
            return round_down(tax + (x - law.w3) * law.rate_45)
        return round_down(tax + (x - law.w2) * law.rate_42)
    tax = _class_5_6_piece(law, x)
    if x > law.w1:
        capped = round_down(_class_5_6_piece(law, law.w1) + (x - law.w1) * law.rate_42)
        return min(capped, tax)
    return tax


def annual_tax(law: TaxLaw, tax_class: int, income: Decimal) -> Decimal:
    """UPMLST: the annual tax on the taxable income ``income`` (ZVE) of a tax class."""
    splitting = 2 if tax_class == 3 else 1
    x = ZERO if income < ONE else round_down(income / splitting)
    if tax_class < 5:
        return tariff(law, x) * splitting
    return class_5_6_tax(law, x)


# -- the deductions ------------------------------------------------------------------------


def vorsorgepauschale(law: TaxLaw, tax: TaxInput, annual_wage: Decimal) -> Decimal:
    """UPEVP with MVSPKVPV and MVSPHB: the lump sum for pension, health, care and (up to a cap)
    unemployment contributions, in whole euros rounded up."""
    pension_base = min(annual_wage, law.pension_ceiling) if tax.pension_insured else ZERO
    health_base = min(annual_wage, law.health_ceiling) if tax.health_insured else ZERO
    pension = round_down(pension_base * law.vsp_pension, 2)
    care = law.vsp_care_saxony if tax.saxony else law.vsp_care
    if tax.childless:
        care += law.vsp_childless
    else:
        care -= tax.care_reductions * law.vsp_child_reduction
    health_rate = tax.health_surcharge / 2 / HUNDRED + law.vsp_health
    health = round_down(health_base * (health_rate + care), 2)
    total = round_up(health + pension)
    if tax.tax_class != 6 and tax.health_insured:
        wage = min(annual_wage, law.pension_ceiling)
        unemployment = round_down(law.vsp_unemployment * wage, 2)
        capped = min(round_down(unemployment + health, 2), law.vsp_cap)
        total = max(total, round_up(pension + capped))
    return total


def table_allowances(law: TaxLaw, tax_class: int, annual_wage: Decimal) -> Decimal:
    """MZTABFB: the lump sums of the tax tables (employee, special expenses, single parent)."""
    if tax_class == 6:
        return ZERO
    employee = ZERO
    if annual_wage > 0:
        employee = min(round_up(annual_wage), law.employee_lump_sum)
    single_parent = law.single_parent if tax_class == 2 else ZERO
    return round_down(single_parent + employee + law.special_expenses, 2)


def child_allowances(law: TaxLaw, tax: TaxInput) -> Decimal:
    """MZTABFB: KFB, the child allowances that count only for the surcharges."""
    if tax.tax_class in (1, 2, 3):
        return round_down(tax.children_allowances * law.child_allowance)
    if tax.tax_class == 4:
        return round_down(tax.children_allowances * law.child_allowance_4)
    return ZERO


def solidarity(law: TaxLaw, tax_class: int, base_tax: Decimal) -> Decimal:
    """MSOLZ: the month's surcharge in euros from the annual base tax (JBMG)."""
    exemption = law.soli_exemption * (2 if tax_class == 3 else 1)
    if base_tax <= exemption:
        return ZERO
    full = round_down(base_tax * law.soli_rate / HUNDRED, 2)
    tapered = round_down((base_tax - exemption) * law.soli_taper / HUNDRED, 2)
    annual_cents = round_down(min(full, tapered) * HUNDRED)
    return month_share(annual_cents)


def month_share(annual_cents: Decimal) -> Decimal:
    """UPANTEIL for a month: a twelfth of an annual amount in cents, cut, back in euros."""
    return (round_down(annual_cents / TWELVE) / HUNDRED).quantize(CENT)


# -- the month -----------------------------------------------------------------------------


def withholding(law: TaxLaw, tax: TaxInput, gross: Decimal) -> Withholding:
    """The PAP's MAIN for current monthly pay ``gross`` (euros)."""
    annual_wage = round_down(gross * TWELVE, 2)  # ZRE4J: RE4 (cents) × 12 / 100
    allowances = table_allowances(law, tax.tax_class, annual_wage)
    deductions = vorsorgepauschale(law, tax, annual_wage)
    income = annual_wage - allowances - deductions
    yearly = annual_tax(law, tax.tax_class, income)
    lohnsteuer = month_share(yearly * HUNDRED)
    base_tax = yearly
    if tax.children_allowances > 0:
        base_tax = annual_tax(law, tax.tax_class, income - child_allowances(law, tax))
    church_base = month_share(base_tax * HUNDRED) if tax.church else ZERO
    return Withholding(
        lohnsteuer=lohnsteuer,
        solidarity=solidarity(law, tax.tax_class, base_tax),
        church_base=church_base,
        annual_wage=annual_wage,
        vorsorgepauschale=deductions,
        taxable_income=max(income, ZERO),
        annual_tax=yearly,
    )


def describe(result: Withholding) -> Mapping[str, str]:
    """The intermediate figures for the payslip's ``extra``."""
    return {
        "lohnsteuer_annual_wage": str(result.annual_wage),
        "lohnsteuer_vorsorgepauschale": str(result.vorsorgepauschale),
        "lohnsteuer_taxable_income": str(result.taxable_income),
        "lohnsteuer_annual_tax": str(result.annual_tax),
    }
