"""IRPF withholding on employment income by the AEAT algorithm of 2026 (régimen común).

AEAT's «Algoritmo de cálculo del tipo de retención a cuenta del IRPF para los rendimientos del
trabajo personal», ejercicio 2026, turns the year's expected remuneration from this payer
(RETRIB, art. 83.2 RIRPF) and the worker's situation (modelo 145) into a withholding rate:

RETRIB − social security contributions = net work income (RNT); minus the other deductible
expenses (2 000, more for mobility or disability) and the art. 20 LIRPF reduction = reduced net
income; minus 600 with more than two descendants = BASE. The tax is the withholding scale
(TABLA 2) on BASE minus the scale on the personal and family minimum; zero when RETRIB is at or
under the TABLA 1 limit of art. 81 RIRPF; at most 43 % of RETRIB above that limit when RETRIB
≤ 35 200. The rate is the tax over RETRIB, truncated to two decimals, then raised to the
minimum rates of art. 86.2 RIRPF (2 % for contracts under a year and for artists, 15 % for
other special employment relationships) and to the rate the worker asks for (art. 88.5).

Not covered: the regularisation of the rate during the year, ascendants, the housing loan
reduction (MINOPAGO), alimony, pensioners and the unemployed, Ceuta, Melilla and La Palma, and
irregular income.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from plugins.es.contributions import HUNDRED, r2
from plugins.payroll.law import LawAt
from plugins.payroll.model import ZERO

SOURCES = (
    "irpf.scale",
    "irpf.expenses.general",
    "irpf.expenses.mobility",
    "irpf.expenses.disability_33",
    "irpf.expenses.disability_65",
    "irpf.work_reduction",
    "irpf.reduction.more_than_two_descendants",
    "irpf.minimum.personal",
    "irpf.minimum.over_65",
    "irpf.minimum.over_75",
    "irpf.minimum.descendants",
    "irpf.minimum.descendant_under_3",
    "irpf.minimum.disability_33",
    "irpf.minimum.disability_65",
    "irpf.minimum.assistance",
    "irpf.exclusion",
    "irpf.limit",
    "irpf.min_rate.short_contract",
    "irpf.min_rate.artist",
    "irpf.min_rate.special",
    "irpf.max_rate",
)
DISABILITIES = ("none", "33_to_65", "33_to_65_assisted", "65_plus")
AGES = ("under_65", "65_to_74", "75_plus")
RELATIONSHIPS = ("ordinary", "artist", "other_special")
SITUATIONS = ("1", "2", "3")


@dataclass(frozen=True, slots=True)
class TaxLaw:
    """The withholding law of one day, resolved once into numbers."""

    scale: tuple[tuple[Decimal, Decimal, Decimal], ...]
    expenses: Decimal
    mobility: Decimal
    disability_expenses: dict[str, Decimal]
    work_reduction: tuple[tuple[Decimal, Decimal, Decimal], ...]
    more_than_two: Decimal
    personal: Decimal
    over_65: Decimal
    over_75: Decimal
    descendants: tuple[Decimal, ...]
    under_3: Decimal
    disability_minimum: dict[str, Decimal]
    exclusion: dict[str, tuple[Decimal, Decimal, Decimal]]
    limit_income: Decimal
    limit_rate: Decimal
    min_short: Decimal
    min_artist: Decimal
    min_special: Decimal
    max_rate: Decimal

    @classmethod
    def resolve(cls, at: LawAt) -> TaxLaw:
        d = at.decimal
        exp33, exp65 = d("irpf.expenses.disability_33"), d("irpf.expenses.disability_65")
        min33, min65 = d("irpf.minimum.disability_33"), d("irpf.minimum.disability_65")
        assist = d("irpf.minimum.assistance")
        ((limit_income, limit_rate),) = at.table("irpf.limit")
        return cls(
            scale=tuple((low, tax, rate) for low, tax, rate in at.table("irpf.scale")),
            expenses=d("irpf.expenses.general"),
            mobility=d("irpf.expenses.mobility"),
            disability_expenses={
                "none": ZERO,
                "33_to_65": exp33,
                "33_to_65_assisted": exp65,
                "65_plus": exp65,
            },
            work_reduction=tuple(
                (up, at_start, slope) for up, at_start, slope in at.table("irpf.work_reduction")
            ),
            more_than_two=d("irpf.reduction.more_than_two_descendants"),
            personal=d("irpf.minimum.personal"),
            over_65=d("irpf.minimum.over_65"),
            over_75=d("irpf.minimum.over_75"),
            descendants=tuple(amount for _, amount in at.table("irpf.minimum.descendants")),
            under_3=d("irpf.minimum.descendant_under_3"),
            disability_minimum={
                "none": ZERO,
                "33_to_65": min33,
                "33_to_65_assisted": min33 + assist,
                "65_plus": min65 + assist,
            },
            exclusion={
                str(int(row[0])): (row[1], row[2], row[3]) for row in at.table("irpf.exclusion")
            },
            limit_income=limit_income,
            limit_rate=limit_rate,
            min_short=d("irpf.min_rate.short_contract"),
            min_artist=d("irpf.min_rate.artist"),
            min_special=d("irpf.min_rate.special"),
            max_rate=d("irpf.max_rate"),
        )

    # -- the steps of the algorithm -------------------------------------------------------

    def scale_tax(self, base: Decimal) -> Decimal:
        """TABLA 2 on an annual base (its worked example: 24 000 → 5 365,50)."""
        if base <= 0:
            return ZERO
        low, tax, rate = next(row for row in reversed(self.scale) if base > row[0])
        return tax + (base - low) * rate / HUNDRED

    def reduction(self, net: Decimal) -> Decimal:
        """Art. 20 LIRPF reduction for obtaining work income, REDONDEAR1."""
        start = ZERO
        for upper, at_start, slope in self.work_reduction:
            if net <= upper:
                return r2(max(ZERO, at_start - slope * (net - start)))
            start = upper
        return ZERO

    def family_minimum(self, p: dict[str, Any]) -> Decimal:
        """Mínimo personal y familiar (MINPERFA) of the worker."""
        total = self.personal
        if p["age_band"] != "under_65":
            total += self.over_65
        if p["age_band"] == "75_plus":
            total += self.over_75
        share = Decimal(1) if p["descendants_whole"] else Decimal("0.5")
        for rank in range(p["descendants"]):
            total += self.descendants[min(rank, len(self.descendants) - 1)] * share
        total += self.under_3 * p["descendants_under_3"] * share
        return total + self.disability_minimum[p["disability"]]

    def exclusion_limit(self, situation: str, descendants: int) -> Decimal:
        """TABLA 1 limit; situation 1 without a descendant falls back to situation 3."""
        cells = self.exclusion[situation]
        if situation == "1" and descendants == 0:
            cells = self.exclusion["3"]
        return cells[min(descendants, 2)]

    def minimum_rate(self, relationship: str, short_contract: bool) -> Decimal:
        if relationship == "other_special":
            return self.min_special
        if relationship == "artist":
            return self.min_artist
        return self.min_short if short_contract else ZERO


def withholding_rate(
    retrib: Decimal,
    contributions: Decimal,
    p: dict[str, Any],
    short_contract: bool,
    law: TaxLaw,
) -> dict[str, Decimal | str]:
    """The AEAT algorithm: the rate and every intermediate figure, by their algorithm names."""
    net = max(ZERO, retrib - contributions)  # RNT
    expenses = law.expenses + law.disability_expenses[p["disability"]]
    if p["geographic_mobility"]:
        expenses += law.mobility
    expenses = min(expenses, net)
    reduction = min(law.reduction(net), net - expenses)  # RED20
    reduced = net - expenses - reduction  # RNTREDU
    redu = law.more_than_two if p["descendants"] > 2 else ZERO
    base = max(ZERO, reduced - redu)
    minimum = law.family_minimum(p)
    quota_1, quota_2 = law.scale_tax(base), law.scale_tax(minimum)
    quota = max(ZERO, quota_1 - quota_2)
    limit = law.exclusion_limit(p["family_situation"], p["descendants"])
    excluded = retrib <= limit
    if excluded:
        quota = ZERO
    elif retrib <= law.limit_income:
        quota = min(quota, (retrib - limit) * law.limit_rate / HUNDRED)
    rate = (quota / retrib * HUNDRED).quantize(Decimal("0.01"), ROUND_DOWN) if retrib else ZERO
    if not excluded:
        rate = max(rate, law.minimum_rate(p["relationship"], short_contract))
    requested = p.get("requested_rate")
    if requested is not None:
        rate = max(rate, min(requested, law.max_rate))
    return {
        "annual_remuneration": r2(retrib),
        "annual_contributions": r2(contributions),
        "net_work_income": r2(net),
        "other_expenses": r2(expenses),
        "work_reduction": r2(reduction),
        "withholding_base": r2(base),
        "personal_family_minimum": r2(minimum),
        "quota_1": r2(quota_1),
        "quota_2": r2(quota_2),
        "withholding_quota": r2(quota),
        "exclusion_limit": limit,
        "excluded": "yes" if excluded else "no",
        "withholding_rate": rate,
    }
