"""Austrian payroll law of one day, resolved from ``payroll_<year>.toml`` into plain numbers.

The formulas here are pure functions of that law: which reduced unemployment rate a base
bears, the income-tax tariff of § 33 EStG, the fixed rates of § 67 Abs. 1 EStG on sonstige
Bezüge. :mod:`plugins.at.payslip` assembles them into a payslip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

#: The nine Länder, in the order of the official numbering (1 Burgenland … 9 Wien).
STATES = (
    "burgenland",
    "kaernten",
    "niederoesterreich",
    "oberoesterreich",
    "salzburg",
    "steiermark",
    "tirol",
    "vorarlberg",
    "wien",
)


def r(amount: Decimal) -> Decimal:
    """Half up to the cent, the rounding of contributions and of the Lohnsteuer."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def pct(amount: Decimal, rate: Decimal) -> Decimal:
    """``rate`` percent of ``amount``, rounded to the cent."""
    return r(amount * rate / HUNDRED)


@dataclass(frozen=True, slots=True)
class AustrianLaw:
    """Every figure of one day's law the payslip needs (see ``payroll_2026.toml``)."""

    ceiling: Decimal
    special_ceiling: Decimal
    marginal: Decimal
    unemployment_bands: tuple[tuple[Decimal, Decimal], ...]
    employee: dict[str, Decimal]
    employer: dict[str, Decimal]
    housing: Decimal
    housing_vienna: Decimal
    severance_fund: Decimal
    db: Decimal
    dz: dict[str, Decimal]
    municipal: Decimal
    brackets: tuple[tuple[Decimal, Decimal], ...]
    commuting_credit: Decimal
    expenses: Decimal
    sole_earner: tuple[Decimal, Decimal, Decimal]
    family_bonus: tuple[Decimal, Decimal]
    special_exempt_limit: Decimal
    special_rates: tuple[tuple[Decimal, Decimal], ...]
    collective_floor: Decimal

    @classmethod
    def resolve(cls, at: LawAt) -> AustrianLaw:
        d = at.decimal
        branches = ("health", "pension", "unemployment")
        dz = {STATES[int(number) - 1]: rate for number, rate in at.table("employer.dz_rate")}
        one, two, more = (row[1] for row in at.table("tax.sole_earner_credit"))
        under, over = (row[1] for row in at.table("tax.family_bonus"))
        return cls(
            ceiling=d("sv.ceiling_monthly"),
            special_ceiling=d("sv.ceiling_special_annual"),
            marginal=d("sv.marginal_threshold"),
            unemployment_bands=tuple(
                (up, rate) for up, rate in at.table("sv.unemployment_reduced")
            ),
            employee={
                **{b: d(f"sv.employee.{b}") for b in branches},
                "chamber": d("sv.employee.chamber"),
            },
            employer={
                **{b: d(f"sv.employer.{b}") for b in branches},
                "accident": d("sv.employer.accident"),
                "insolvency": d("sv.employer.insolvency"),
            },
            housing=d("sv.housing"),
            housing_vienna=d("sv.housing_vienna"),
            severance_fund=d("sv.employer.severance_fund"),
            db=d("employer.db_rate"),
            dz=dz,
            municipal=d("employer.municipal_tax_rate"),
            brackets=tuple((low, rate) for low, rate in at.table("tax.brackets")),
            commuting_credit=d("tax.commuting_credit"),
            expenses=d("tax.income_related_expenses"),
            sole_earner=(one, two, more),
            family_bonus=(under, over),
            special_exempt_limit=d("tax.special.exempt_limit"),
            special_rates=tuple((low, rate) for low, rate in at.table("tax.special.rates")),
            collective_floor=d("minimum_wage.collective_floor"),
        )

    # -- social insurance -------------------------------------------------------------------

    def unemployment_rate(self, base: Decimal) -> tuple[Decimal, int]:
        """The employee's unemployment rate for a month's base (§ 2a AMPFG), and the band
        (0 to 2 for the reduced ones, 3 for the full rate)."""
        for band, (upto, rate) in enumerate(self.unemployment_bands):
            if base <= upto:
                return rate, band
        return self.employee["unemployment"], len(self.unemployment_bands)

    def housing_rate(self, state: str) -> Decimal:
        return self.housing_vienna if state == "wien" else self.housing

    # -- income tax -------------------------------------------------------------------------

    def tariff(self, income: Decimal) -> Decimal:
        """§ 33 Abs. 1 EStG: the tax on an annual income, unrounded."""
        tax = ZERO
        for (low, rate), (high, _) in zip(
            self.brackets, (*self.brackets[1:], (None, None)), strict=True
        ):
            if income <= low:
                break
            top = income if high is None else min(income, high)
            tax += (top - low) * rate / HUNDRED
        return tax

    def monthly_tax(self, base: Decimal, sole_earner_children: int = 0) -> Decimal:
        """§§ 33, 66 EStG: the month's Lohnsteuer on a regular monthly assessment base (pay less
        its social insurance, before the Werbungskostenpauschale), before the Familienbonus
        Plus: made annual, less the Pauschale, taxed by the tariff, less the
        Verkehrsabsetzbetrag and the AVAB / AEAB, not below zero, a twelfth, to the cent."""
        annual = max(ZERO, base * 12 - self.expenses)
        credits = self.commuting_credit + self.sole_earner_credit(sole_earner_children)
        return r(max(ZERO, self.tariff(annual) - credits) / 12)

    def sole_earner_credit(self, children: int) -> Decimal:
        """§ 33 Abs. 4 EStG: the annual Alleinverdiener-/Alleinerzieherabsetzbetrag."""
        one, two, more = self.sole_earner
        if children <= 0:
            return ZERO
        if children == 1:
            return one
        return two + more * (children - 2)

    def special_tax(self, start: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
        """§ 67 Abs. 1 EStG: the fixed-rate tax on ``amount`` of sonstige Bezüge, the year's
        earlier ones having used ``start``; returns the tax and the part beyond the last band
        (taxed with the tariff like a regular payment). The withholding knows no cap just above
        the Freigrenze: the Einschleifregelung (at most 30 % of the excess) is § 41 Abs. 4 EStG,
        for the annual assessment."""
        tax = ZERO
        low = start
        high = start + amount
        bands = ((ZERO, ZERO), *self.special_rates)
        for (lower, rate), (upper, _) in zip(bands, (*bands[1:], (None, None)), strict=True):
            if rate < 0:
                return tax, max(ZERO, high - max(low, lower))
            top = high if upper is None else min(high, upper)
            if top > max(low, lower):
                tax += (top - max(low, lower)) * rate / HUNDRED
        return tax, ZERO
