"""France's payroll for 2026: a private-sector payslip, the RGDU, withholding (declarations in
:mod:`plugins.fr.declarations`, reference payslips in :mod:`plugins.fr.reference`).

Every figure comes from ``payroll_2026.toml`` beside this module (dated, sourced); the rules
follow URSSAF's own model, the npm package ``modele-social`` 11.1 (publicodes), which the tests
compare against. What is computed, the params, the rounding and the known limits are in
``docs/payroll-fr.md``.

One payslip is computed from four layers, each cached by what it depends on:

* :class:`_Law` and :class:`_Figures` — the law in force in a period and the numbers every
  payslip uses, read once per period from the law book;
* :class:`_Profile` — that law applied to one employer and employee (params): which lines
  exist, at which rates, with which sources;
* :class:`_Plan` — that profile under one contract (ceiling and SMIC prorated), found by the
  params as given and the contract, so that a payslip neither checks its params again nor
  looks its profile up;
* the payslip itself — the bases of one gross, the exact amounts, then the rounding to the
  cent.

Rounding: each amount is computed exactly, rounded half-up to the cent, then the fewest lines
needed move by one cent (those nearest the half cent) so that each side's total is the rounded
exact total. A line is thus within a cent of its exact amount, net before tax and employer cost
are within half a cent of the exact computation (URSSAF's model rounds no line), and rounding
never makes either decrease when gross rises (the law does once: the CET, due on the whole pay
above the social-security ceiling, lowers net before tax by about 5.61 € just above it).
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from itertools import pairwise
from operator import sub
from typing import Any, NamedTuple

from plugins.fr import declarations
from plugins.fr.reference import REFERENCE_CASES
from plugins.payroll.contract import Payroll, ReferenceCase
from plugins.payroll.law import LawAt, LawBook, LawValue, Table
from plugins.payroll.model import (
    ZERO,
    Contract,
    ContractKind,
    Employer,
    MinimumWage,
    PayBasis,
    PayrollError,
    Payslip,
    PayslipLine,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)
from plugins.payroll.params import decimal_param

LAW_FILE = "payroll_2026.toml"
DOCS = "docs/payroll-fr.md"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ONE = Decimal(1)
_UNSIGNED = r"^\d+(\.\d+)?$"
DEFAULT_CONTRACT = Contract()
_MARGIN = 1e-10  # of the float RGDU coefficient (see FrancePayroll._rgdu)
_KEYABLE = frozenset({str, int, bool, type(None), Decimal})  # param types plans are found by


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def _pct(rate: Decimal) -> Decimal:
    return rate / HUNDRED


# -- the law of a period --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Law:
    """Every parameter in force on the first day of a period, looked up once, and the figures
    each payslip of the period needs, computed once."""

    on: date
    values: Mapping[str, LawValue]

    @classmethod
    def of(cls, law: LawAt) -> _Law:
        return cls(law.on, {v.key: v for v in law.book.values if v.applies_on(law.on)})

    def _get(self, key: str) -> LawValue:
        try:
            return self.values[key]
        except KeyError:
            raise PayrollError(f"FR payroll law has no {key!r} on {self.on}") from None

    def d(self, key: str) -> Decimal:
        value = self._get(key).value
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise PayrollError(f"FR payroll law: {key} is not a number")
        return Decimal(value)

    def i(self, key: str) -> int:
        value = self._get(key).value
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayrollError(f"FR payroll law: {key} is not an integer")
        return value

    def table(self, key: str) -> Table:
        value = self._get(key).value
        if not isinstance(value, tuple):
            raise PayrollError(f"FR payroll law: {key} is not a table")
        return value

    @property
    def smic_yearly(self) -> Decimal:
        """Twelve full-time monthly SMIC: hourly × 35 × 52, exact (a month is a twelfth)."""
        return (
            self.d("smic.hourly")
            * self.d("working_time.weekly_hours")
            * self.i("working_time.weeks_per_year")
        )


@dataclass(frozen=True, slots=True)
class _Figures:
    """The numbers of a period's law that every payslip uses (fractions, not percent)."""

    pss: Decimal
    pss_daily: Decimal
    pss_hourly: Decimal
    smic_hourly: Decimal
    smic_yearly: Decimal
    daily_hours: Decimal
    t2_top: Decimal  # in PSS
    unemployment_top: Decimal
    apec_top: Decimal
    csg_share: Decimal
    csg_top: Decimal
    social_fixed: Decimal  # employer provident exempt up to fixed + share × pay, at most max
    social_share: Decimal
    social_max: Decimal
    tax_fixed: Decimal  # employee provident deductible up to fixed + share × pay, at most max
    tax_share: Decimal
    tax_max: Decimal
    rgdu_tmin: Decimal
    rgdu_exponent: Decimal
    rgdu_multiple: Decimal
    rgdu_places: Decimal
    pas_grid: Table
    pas_lows: tuple[Decimal, ...] | None  # the grid's lower bounds if ascending (for bisect)
    pas_rates: tuple[tuple[Decimal, str, Decimal], ...]  # each row's rate, as text, as fraction
    short_months: int
    short_share: Decimal

    @classmethod
    def of(cls, law: _Law) -> _Figures:
        pss = law.d("pss.monthly")
        grid = law.table("pas.neutral_grid")
        lows = tuple(row[0] for row in grid)
        ascending = all(low <= high for low, high in pairwise(lows))
        return cls(
            pss=pss,
            pss_daily=law.d("pss.daily"),
            pss_hourly=law.d("pss.hourly"),
            smic_hourly=law.d("smic.hourly"),
            smic_yearly=law.smic_yearly,
            daily_hours=law.d("working_time.daily_hours"),
            t2_top=law.d("agirc_arrco.t2.ceiling_pss"),
            unemployment_top=law.d("unemployment.ceiling_pss"),
            apec_top=law.d("apec.ceiling_pss"),
            csg_share=_pct(law.d("csg.base_share")),
            csg_top=law.d("csg.allowance_ceiling_pss"),
            social_fixed=_pct(law.d("provident.social_allowance.pss_share")) * pss,
            social_share=_pct(law.d("provident.social_allowance.pay_share")),
            social_max=_pct(law.d("provident.social_allowance.max_pss_share")) * pss,
            tax_fixed=_pct(law.d("provident.tax_allowance.pss_share")) * pss,
            tax_share=_pct(law.d("provident.tax_allowance.pay_share")),
            tax_max=_pct(law.d("provident.tax_allowance.max_pss_share")) * pss,
            rgdu_tmin=law.d("rgdu.tmin"),
            rgdu_exponent=law.d("rgdu.exponent"),
            rgdu_multiple=law.d("rgdu.smic_multiple"),
            rgdu_places=Decimal(1).scaleb(-law.i("rgdu.coefficient_decimals")),
            pas_grid=grid,
            pas_lows=lows if ascending else None,
            pas_rates=tuple((row[1], str(row[1]), _pct(row[1])) for row in grid),
            short_months=law.i("pas.short_contract.max_months"),
            short_share=_pct(law.d("pas.short_contract.smic_share")),
        )


# -- one employer and employee under that law -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rate:
    """A line of the profile: its rates (as fractions, and as the percent a payslip shows)
    and the law keys behind it."""

    code: str
    employee: Decimal | None
    employer: Decimal | None
    sources: tuple[str, ...]
    employee_pct: Decimal | None = None
    employer_pct: Decimal | None = None

    @classmethod
    def of(
        cls, code: str, employee: Decimal | None, employer: Decimal | None, sources: Iterable[str]
    ) -> _Rate:
        return cls(
            code,
            None if employee is None else _pct(employee),
            None if employer is None else _pct(employer),
            tuple(sources),
            _norm(employee),
            _norm(employer),
        )


# The base a line is computed on: its slot in the payslip's tuple of bases (see payslip).
BASE, CAPPED, T2, CET, APEC, CADRE, FOUR_PSS, CSG, PREMIUM, PROVIDENT = range(10)
_SLOTS = {
    "old_age_capped": CAPPED,
    "agirc_arrco_t1": CAPPED,
    "agirc_arrco_t2": T2,
    "ceg_t1": CAPPED,
    "ceg_t2": T2,
    "cet": CET,
    "apec": APEC,
    "provident_cadre": CADRE,
    "unemployment": FOUR_PSS,
    "ags": FOUR_PSS,
    "csg_deductible": CSG,
    "csg_non_deductible": CSG,
    "crds": CSG,
    "health_complementary": PREMIUM,
    "forfait_social": PROVIDENT,
}
# What a line's amounts count for in net taxable (beside net before tax): see ``payslip``.
_TAXABLE_EMPLOYEE, _TAXABLE_EMPLOYER, _HEALTH = 1, 2, 3
_TAXABLE = {
    "csg_non_deductible": _TAXABLE_EMPLOYEE,
    "crds": _TAXABLE_EMPLOYEE,
    "provident_cadre": _TAXABLE_EMPLOYER,
    "health_complementary": _HEALTH,
}


class _Row(NamedTuple):
    """A rate of a profile as a payslip line: its base, its rates (fractions) and the line's
    fields but the base and amounts (``PayslipLine.from_fields`` of a copy, filled in)."""

    slot: int  # of its base
    employee: Decimal | None
    employer: Decimal | None
    fields: dict[str, Any]
    taxable: int  # 0, or one of _TAXABLE's values


def _fields(
    code: str, employee_pct: Decimal | None, employer_pct: Decimal | None, sources: tuple[str, ...]
) -> dict[str, Any]:
    """A PayslipLine's fields, in order, the base and amounts yet to fill in."""
    return {
        "code": code,
        "label": _LABELS[code],
        "base": ZERO,
        "employee_rate": employee_pct,
        "employee_amount": ZERO,
        "employer_rate": employer_pct,
        "employer_amount": ZERO,
        "sources": sources,
    }


def _rows(rates: Iterable[_Rate], fnal_capped: bool) -> tuple[_Row, ...]:
    found = []
    for rate in rates:
        slot = _SLOTS.get(rate.code, BASE)
        if rate.code == "fnal":
            slot = CAPPED if fnal_capped else BASE
        fields = _fields(rate.code, rate.employee_pct, rate.employer_pct, rate.sources)
        found.append(_Row(slot, rate.employee, rate.employer, fields, _TAXABLE.get(rate.code, 0)))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Profile:
    """The law of a period applied to one set of params: every rate a payslip needs."""

    law: _Law
    fig: _Figures
    rates: tuple[_Rate, ...]  # in payslip order; the RGDU and the CPF-CDD apart
    cpf_cdd: _Rate
    rgdu: _Rate
    provident_cadre: Decimal  # rate (fraction) of the cadres' provident cover, 0 if none
    health_premium: Decimal
    health_employer: Decimal  # the employer's part of the complementary health premium
    pas_rate: Decimal | None  # personal rate in percent; None: the neutral grid
    tdelta: Decimal
    fnal_capped: bool
    rows: tuple[_Row, ...] = ()  # the rates as payslip lines, open-ended contracts
    rows_fixed_term: tuple[_Row, ...] = ()  # and fixed-term ones (with the CPF-CDD)
    rgdu_fields: dict[str, Any] = field(default_factory=dict)  # its rate, once known


_LABELS = {
    "health": "Sécurité sociale – maladie, maternité, invalidité, décès",
    "health_complementary": "Complémentaire santé (mutuelle)",
    "atmp": "Accidents du travail – maladies professionnelles",
    "old_age_capped": "Sécurité sociale – vieillesse plafonnée",
    "old_age_uncapped": "Sécurité sociale – vieillesse déplafonnée",
    "agirc_arrco_t1": "Retraite complémentaire Agirc-Arrco tranche 1",
    "agirc_arrco_t2": "Retraite complémentaire Agirc-Arrco tranche 2",
    "ceg_t1": "Contribution d'équilibre général (CEG) tranche 1",
    "ceg_t2": "Contribution d'équilibre général (CEG) tranche 2",
    "cet": "Contribution d'équilibre technique (CET)",
    "apec": "Apec",
    "provident_cadre": "Prévoyance des cadres (1,50 % tranche 1)",
    "family": "Allocations familiales",
    "unemployment": "Assurance chômage",
    "ags": "AGS (garantie des salaires)",
    "csg_deductible": "CSG déductible de l'impôt sur le revenu",
    "csg_non_deductible": "CSG non déductible de l'impôt sur le revenu",
    "crds": "CRDS non déductible de l'impôt sur le revenu",
    "fnal": "FNAL (aide au logement)",
    "csa": "Contribution solidarité autonomie (CSA)",
    "training": "Contribution à la formation professionnelle",
    "apprenticeship_tax": "Taxe d'apprentissage",
    "apprenticeship_additional": "Contribution supplémentaire à l'apprentissage",
    "social_dialogue": "Contribution au dialogue social",
    "peec": "Participation à l'effort de construction (PEEC)",
    "transport": "Versement mobilité",
    "forfait_social": "Forfait social sur la prévoyance",
    "cpf_cdd": "Contribution CPF-CDD",
    "rgdu": "Réduction générale dégressive unique (RGDU)",
}


def _profile(law: _Law, fig: _Figures, params: Mapping[str, Any]) -> _Profile:
    cadre = params["category"] == "cadre"
    headcount: int = params["headcount"]
    share: Decimal = params["health_employer_share"]
    minimum_share = law.d("health_complementary.minimum_employer_share")
    if not minimum_share <= share <= HUNDRED:
        raise PayrollError(
            f"param health_employer_share: the employer pays {minimum_share} to 100 % of the "
            "complementary health premium (CSS art. L911-7)"
        )
    for name in ("at_rate", "transport_rate", "pas_rate", "work_study_share"):
        value = params[name]
        if value is not None and value >= HUNDRED:
            raise PayrollError(f"param {name}: a percentage below 100, not {value}")
    rates: list[_Rate] = []

    def add(code: str, employee: Decimal | None, employer: Decimal | None, *keys: str) -> None:
        rates.append(_Rate.of(code, employee, employer, keys))

    def both(code: str, prefix: str, *keys: str) -> None:
        employee, employer = f"{prefix}.employee", f"{prefix}.employer"
        add(code, law.d(employee), law.d(employer), employee, employer, *keys)

    add("health", None, law.d("health.employer"), "health.employer")
    add("atmp", None, max(params["at_rate"], law.d("atmp.minimum")), "atmp.minimum")
    both("old_age_capped", "old_age.capped", "pss.monthly")
    both("old_age_uncapped", "old_age.uncapped")
    both("agirc_arrco_t1", "agirc_arrco.t1", "pss.monthly")
    both("agirc_arrco_t2", "agirc_arrco.t2", "agirc_arrco.t2.ceiling_pss", "pss.monthly")
    both("ceg_t1", "ceg.t1", "pss.monthly")
    both("ceg_t2", "ceg.t2", "agirc_arrco.t2.ceiling_pss", "pss.monthly")
    both("cet", "cet", "agirc_arrco.t2.ceiling_pss", "pss.monthly")
    provident_cadre = ZERO
    if cadre:
        both("apec", "apec", "apec.ceiling_pss", "pss.monthly")
        provident_cadre = law.d("provident.cadre.employer")
        add("provident_cadre", None, provident_cadre, "provident.cadre.employer", "pss.monthly")
    add("family", None, law.d("family.employer"), "family.employer")
    ceiling = ("unemployment.ceiling_pss", "pss.monthly")
    add("unemployment", None, law.d("unemployment.employer"), "unemployment.employer", *ceiling)
    add("ags", None, law.d("ags.employer"), "ags.employer", *ceiling)
    csg = ("csg.base_share", "csg.allowance_ceiling_pss", "pss.monthly")
    add("csg_deductible", law.d("csg.deductible"), None, "csg.deductible", *csg)
    add("csg_non_deductible", law.d("csg.non_deductible"), None, "csg.non_deductible", *csg)
    add("crds", law.d("crds.employee"), None, "crds.employee", *csg)
    fnal_capped = headcount < law.i("fnal.large_from_headcount")
    fnal = "fnal.small" if fnal_capped else "fnal.large"
    add("fnal", None, law.d(fnal), fnal, "fnal.large_from_headcount", "pss.monthly")
    add("csa", None, law.d("csa.employer"), "csa.employer")
    large = headcount >= law.i("training.large_from_headcount")
    training = "training.large" if large else "training.small"
    add("training", None, law.d(training), training, "training.large_from_headcount")
    parts = ("apprenticeship_tax.main", "apprenticeship_tax.balance")
    add("apprenticeship_tax", None, sum((law.d(k) for k in parts), ZERO), *parts)
    if headcount >= law.i("apprenticeship_additional.from_headcount"):
        work_study: Decimal = params["work_study_share"]
        additional = _band(law.table("apprenticeship_additional.rates"), work_study)
        keys = ["apprenticeship_additional.from_headcount", "apprenticeship_additional.rates"]
        major = law.i("apprenticeship_additional.major_from_headcount")
        if headcount >= major and work_study < 1:
            additional = law.d("apprenticeship_additional.major_rate")
            keys += ["apprenticeship_additional.major_from_headcount"]
            keys += ["apprenticeship_additional.major_rate"]
        if additional:
            add("apprenticeship_additional", None, additional, *keys)
    add("social_dialogue", None, law.d("social_dialogue.employer"), "social_dialogue.employer")
    if headcount >= law.i("peec.from_headcount"):
        add("peec", None, law.d("peec.employer"), "peec.employer", "peec.from_headcount")
    transport: Decimal | None = params["transport_rate"]
    if transport and headcount >= law.i("transport.from_headcount"):
        add("transport", None, transport, "transport.from_headcount")
    premium: Decimal = params["health_premium"]
    if premium:
        minimum = "health_complementary.minimum_employer_share"
        add("health_complementary", HUNDRED - share, share, minimum)
    if headcount >= law.i("forfait_social.from_headcount") and (premium or cadre):
        forfait = ("forfait_social.provident", "forfait_social.from_headcount")
        add("forfait_social", None, law.d(forfait[0]), *forfait)
    large = headcount >= law.i("rgdu.tdelta.large_from_headcount")
    tdelta = "rgdu.tdelta.large" if large else "rgdu.tdelta.small"
    rgdu = _Rate(
        "rgdu",
        None,
        None,
        (
            "rgdu.tmin",
            tdelta,
            "rgdu.tdelta.large_from_headcount",
            "rgdu.exponent",
            "rgdu.smic_multiple",
            "rgdu.coefficient_decimals",
            "smic.hourly",
            "working_time.weekly_hours",
            "working_time.weeks_per_year",
        ),
    )
    cpf_cdd = _Rate.of("cpf_cdd", None, law.d("cpf_cdd.employer"), ["cpf_cdd.employer"])
    return _Profile(
        law=law,
        fig=fig,
        rates=tuple(rates),
        cpf_cdd=cpf_cdd,
        rgdu=rgdu,
        provident_cadre=_pct(provident_cadre),
        health_premium=premium,
        health_employer=premium * _pct(share),
        pas_rate=params["pas_rate"],
        tdelta=law.d(tdelta),
        fnal_capped=fnal_capped,
        rows=_rows(rates, fnal_capped),
        rows_fixed_term=_rows([*rates, cpf_cdd], fnal_capped),
        rgdu_fields=_fields("rgdu", None, None, rgdu.sources),
    )


def _band(table: Table, amount: Decimal) -> Decimal:
    """The rate of the row whose lower bound is the largest one at most ``amount``."""
    return table[_band_row(table, amount)][1]


def _band_row(table: Table, amount: Decimal) -> int:
    """The index of :func:`_band`'s row (with ascending bounds, ``bisect_right`` finds it)."""
    found = 0
    for index, (low, _) in enumerate(table):
        if amount < low:
            break
        found = index
    return found


# -- the payslip --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scope:
    """What the contract changes in a period: the prorated ceiling and the SMIC of the RGDU."""

    pss: Decimal
    smic_x12: Decimal  # twelve times the SMIC of the RGDU, so that 3 × 12.02 × 455 stays exact
    note: str


def _scope(fig: _Figures, period: Period, contract: Contract) -> _Scope:
    first, last = period.start, period.end
    if (contract.start and contract.start > last) or (contract.end and contract.end < first):
        raise PayrollError(f"the contract does not cover {period}")
    if contract.basis == PayBasis.DAILY:
        days = Decimal(contract.days or 0)
        return _Scope(
            min(days * fig.pss_daily, fig.pss),
            12 * days * fig.daily_hours * fig.smic_hourly,
            f"{days} days",
        )
    if contract.basis == PayBasis.HOURLY:
        hours = contract.hours or ZERO
        return _Scope(
            min(hours * fig.pss_hourly, fig.pss), 12 * hours * fig.smic_hourly, f"{hours} hours"
        )
    fraction = contract.work_fraction
    begin = max(contract.start or first, first)
    end = min(contract.end or last, last)
    present = (end - begin).days + 1
    month_days = (last - first).days + 1
    if present < month_days:
        fraction = fraction * present / month_days
    return _Scope(
        max(fig.pss * fraction, ONE),
        fig.smic_yearly * fraction,
        f"{present}/{month_days} days × {contract.work_fraction}",
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """A profile under one contract in one period: everything a payslip needs but its gross."""

    profile: _Profile
    contract: Contract | None  # as given: plans are found by its identity
    rows: tuple[_Row, ...]
    pss: Decimal  # prorated, and the ceilings in it
    t2_room: Decimal
    cet_top: Decimal
    apec_top: Decimal
    four_top: Decimal
    csg_top: Decimal
    rgdu_ceiling: Decimal
    rgdu_top: Decimal
    rgdu_float: tuple[float, float, float, float, int, int] | None  # see FrancePayroll._rgdu
    rgdu_top_units: int
    shown: dict[str, Any]  # the params a payslip shows
    pss_text: str
    smic_text: str
    note: str
    pas_pct: Decimal | None  # the personal withholding rate as a fraction; None: the grid
    pas_text: str
    pas_sources: str
    shortly: bool


def _plan(
    profile: _Profile, checked: Mapping[str, Any], scope: _Scope, contract: Contract | None
) -> _Plan:
    fig, pss = profile.fig, scope.pss
    fixed_term = (contract or DEFAULT_CONTRACT).kind == ContractKind.FIXED_TERM
    personal = profile.pas_rate is not None
    shortly = not personal and _shortly(contract or DEFAULT_CONTRACT, fig.short_months)
    sources = "pas.neutral_grid"
    if shortly:
        sources += " pas.short_contract.max_months pas.short_contract.smic_share"
    top = fig.rgdu_tmin + profile.tdelta
    decimals = -int(fig.rgdu_places.as_tuple().exponent)
    exponent = fig.rgdu_exponent
    # The float coefficient's bounds hold for an exponent that is a float (1.75), a
    # coefficient from tmin ≥ 0 up to at most 1, and decimals that are a power of ten.
    in_float = (
        _is_float(exponent)
        and fig.rgdu_tmin >= 0
        and profile.tdelta >= 0
        and 0 < top <= 1
        and fig.rgdu_places == Decimal(1).scaleb(-decimals)
    )
    return _Plan(
        profile=profile,
        contract=contract,
        rows=profile.rows_fixed_term if fixed_term else profile.rows,
        pss=pss,
        t2_room=(fig.t2_top - 1) * pss,
        cet_top=fig.t2_top * pss,
        apec_top=fig.apec_top * pss,
        four_top=fig.unemployment_top * pss,
        csg_top=fig.csg_top * pss,
        rgdu_ceiling=fig.rgdu_multiple * scope.smic_x12 / 12,
        rgdu_top=top,
        rgdu_float=(
            float(fig.rgdu_tmin),
            float(profile.tdelta),
            float(fig.rgdu_exponent),
            float(top),
            10**decimals,
            decimals,
        )
        if in_float
        else None,
        rgdu_top_units=int(top.quantize(fig.rgdu_places, ROUND_HALF_UP).scaleb(decimals)),
        shown={k: v for k, v in checked.items() if v is not None},
        pss_text=str(_cents(pss)),
        smic_text=str(_cents(scope.smic_x12 / 12)),
        note=scope.note,
        pas_pct=_pct(profile.pas_rate) if profile.pas_rate is not None else None,
        pas_text=str(profile.pas_rate),
        pas_sources="param pas_rate" if personal else sources,
        shortly=shortly,
    )


def _is_float(value: Decimal) -> bool:
    """Whether ``value`` is exactly a float (without mixing them: FloatOperation)."""
    try:
        return float(value).as_integer_ratio() == value.as_integer_ratio()
    except (OverflowError, ValueError):  # infinite, not a number
        return False


def _allocate(exact: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each amount rounded half-up to the cent, then the fewest moved by a cent so that they
    add up to the rounded exact total (those whose rounding was nearest the half cent)."""
    return dict(zip(exact, _allocated(list(exact.values())), strict=True))


def _allocated(exact: list[Decimal]) -> list[Decimal]:
    """:func:`_allocate` of amounts in a list (ties go to the first)."""
    rounded = [amount.quantize(CENT, ROUND_HALF_UP) for amount in exact]
    _settle(exact, rounded)
    return rounded


def _settle(
    exact: list[Decimal],
    rounded: list[Decimal],
    fields: Sequence[dict[str, Any]] = (),
    name: str = "",
) -> None:
    """The second step of :func:`_allocate`: of the ``exact`` amounts already ``rounded`` each
    to the cent, moves the fewest by a cent, in ``rounded`` and, if given, in the ``fields``
    of the line each belongs to (under ``name``)."""
    total = sum(exact, ZERO).quantize(CENT, ROUND_HALF_UP)
    missing = int((total - sum(rounded, ZERO)).scaleb(2))  # in cents, exactly
    if missing:
        sign = 1 if missing > 0 else -1
        errors = list(map(sub, exact, rounded))
        if missing == 1:  # the first of those rounded down the most
            order = [errors.index(max(errors))]
        elif missing == -1:  # the first of those rounded up the most
            order = [errors.index(min(errors))]
        else:
            keys = [-sign * error for error in errors]
            order = sorted(range(len(exact)), key=keys.__getitem__)  # stable: ties keep order
        for i in order[: abs(missing)]:
            rounded[i] += sign * CENT
            if fields:
                fields[i][name] = rounded[i]


def _shortly(contract: Contract, months: int) -> bool:
    """Whether a fixed-term contract's initial term is at most ``months`` (date to date)."""
    if contract.kind != ContractKind.FIXED_TERM or not contract.start or not contract.end:
        return False
    start = contract.start
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    limit = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return contract.end < limit


class FrancePayroll(Payroll):
    """France 2026: private-sector payslip of the general scheme, RGDU, PAS, DPAE, DSN."""

    country = "FR"
    currency = "EUR"
    minor_unit = 2

    def __init__(self, law: LawBook | None = None) -> None:
        self._law = law or LawBook.load(files("plugins.fr").joinpath(LAW_FILE))
        self._periods: dict[date, tuple[_Law, _Figures]] = {}
        self._profiles: dict[tuple[Any, ...], _Profile] = {}
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        # RGDU coefficients by units of their last decimal: the coefficient, text and rate.
        self._rgdu_coefficients: dict[tuple[int, int], tuple[Decimal, str, Decimal | None]] = {}
        self._allowances: dict[date, Decimal] = {}

    @property
    def law(self) -> LawBook:
        return self._law

    def params_schema(self) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "France payroll params (2026)",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "category": {
                    "type": "string",
                    "enum": ["cadre", "non_cadre"],
                    "default": "non_cadre",
                    "description": "Cadre (Apec, compulsory provident cover) or non-cadre.",
                },
                "headcount": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 1,
                    "description": "The employer's headcount (effectif) for the thresholds of "
                    "11, 50, 250 and 2,000 employees.",
                },
                "at_rate": decimal_param(
                    "The AT/MP (work accident) rate notified to the employer, in percent; "
                    "raised to the legal minimum of 0.50.",
                    default="2.08",
                    pattern=_UNSIGNED,
                ),
                "transport_rate": {
                    **decimal_param(
                        "The versement mobilité rate of the workplace, in percent (from 11 "
                        "employees); null where there is none.",
                        pattern=_UNSIGNED,
                    ),
                    "type": ["string", "null"],
                    "default": None,
                },
                "health_premium": decimal_param(
                    "The monthly complementary health premium (mutuelle), employer and "
                    "employee parts together, in euros.",
                    default="0",
                    pattern=_UNSIGNED,
                ),
                "health_employer_share": decimal_param(
                    "The employer's share of the complementary health premium, in percent "
                    "(at least 50).",
                    default="50",
                    pattern=_UNSIGNED,
                ),
                "work_study_share": decimal_param(
                    "Work-study employees (apprentices, professionalisation) as a percentage "
                    "of the headcount, for the additional apprenticeship contribution from "
                    "250 employees.",
                    default="0",
                    pattern=_UNSIGNED,
                ),
                "pas_rate": {
                    **decimal_param(
                        "The personal withholding rate notified by the tax administration, in "
                        "percent; null applies the neutral-rate grid (metropolitan France).",
                        pattern=_UNSIGNED,
                    ),
                    "type": ["string", "null"],
                    "default": None,
                },
            },
        }

    # -- the law of a period ----------------------------------------------------------

    def _law_of(self, period: Period) -> tuple[_Law, _Figures]:
        """The law in force on the first day of ``period`` and its figures, once per period."""
        on = period.start
        found = self._periods.get(on)
        if found is None:
            law = _Law.of(self._law.at(on))
            found = self._periods[on] = (law, _Figures.of(law))
        return found

    def _profile(self, period: Period, params: Mapping[str, Any]) -> _Profile:
        key = (period, tuple(sorted(params.items())))
        found = self._profiles.get(key)
        if found is None:
            found = _profile(*self._law_of(period), params)
            if len(self._profiles) > 4096:
                self._profiles.clear()
            self._profiles[key] = found
        return found

    # -- payslips ---------------------------------------------------------------------

    def _plan(
        self, period: Period, params: Mapping[str, Any] | None, contract: Contract | None
    ) -> _Plan:
        """The plan of payslips of ``period`` with these params under this contract: found
        by the params' values and types (``True`` is not ``1``, ``"0.70"`` not ``"0.7"``) and
        the contract's identity, else built from the checked params and their profile."""
        key: tuple[Any, ...] | None = None
        if params is None or type(params) is dict:
            values = () if params is None else tuple(params.values())
            kinds = tuple(map(type, values))
            if _KEYABLE.issuperset(kinds):
                items = () if params is None else tuple(params.items())
                if Decimal in kinds:
                    items = tuple((k, str(v) if type(v) is Decimal else v) for k, v in items)
                key = (period.year, period.month, id(contract), items, kinds)
                found = self._plans.get(key)
                if found is not None:
                    return found
        checked = self.params(params)
        profile = self._profile(period, checked)
        scope = _scope(profile.fig, period, contract or DEFAULT_CONTRACT)
        plan = _plan(profile, checked, scope, contract)
        if key is not None:
            if len(self._plans) > 4096:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        if not isinstance(gross, Decimal):
            raise TypeError(f"gross must be Decimal, not {type(gross).__name__}")
        if not gross.is_finite() or gross < 0:
            raise PayrollError(f"gross must be a positive amount, not {gross}")
        plan = self._plan(period, params, contract)
        profile = plan.profile
        fig = profile.fig
        pss = plan.pss
        # The bases, in slot order (BASE, CAPPED …); the excess of provident is pay (L242-1).
        cadre = min(gross, fig.pss)
        provident = profile.health_employer + profile.provident_cadre * cadre
        exempt = min(fig.social_fixed + fig.social_share * gross, fig.social_max)
        base = gross + max(provident - exempt, ZERO)
        csg_top = plan.csg_top
        bases = (
            base,
            min(base, pss),
            min(max(base - pss, ZERO), plan.t2_room),
            min(base, plan.cet_top) if base > pss else ZERO,
            min(base, plan.apec_top),
            cadre,
            min(base, plan.four_top),
            fig.csg_share * min(gross, csg_top) + max(gross - csg_top, ZERO) + provident,
            profile.health_premium,
            provident,
        )
        # The fields of each line with a base, its amounts exact then rounded to the cent;
        # then the fewest move by a cent so that each side's total is its rounded exact total.
        fields = []
        employee_exact: list[Decimal] = []
        employee: list[Decimal] = []
        employee_fields = []
        employer_exact: list[Decimal] = []
        employer: list[Decimal] = []
        employer_fields = []
        tagged = []
        cents: list[Decimal | None] = [None] * len(bases)
        for slot, ee, er, proto, tax_kind in plan.rows:
            exact = bases[slot]
            if not exact:
                continue
            line_base = cents[slot]
            if line_base is None:
                line_base = cents[BASE] if exact is base else None  # min(base, …) is often base
                if line_base is None:
                    line_base = exact.quantize(CENT, ROUND_HALF_UP)
                cents[slot] = line_base
            line = proto.copy()
            line["base"] = line_base
            if ee is not None:
                amount = exact * ee
                employee_exact.append(amount)
                amount = amount.quantize(CENT, ROUND_HALF_UP)
                employee.append(amount)
                employee_fields.append(line)
                line["employee_amount"] = amount
            if er is not None:
                amount = exact * er
                employer_exact.append(amount)
                amount = amount.quantize(CENT, ROUND_HALF_UP)
                employer.append(amount)
                employer_fields.append(line)
                line["employer_amount"] = amount
            fields.append(line)
            if tax_kind:
                tagged.append((tax_kind, line))
        ceiling = plan.rgdu_ceiling
        coefficient_text = "0"  # str(ZERO): no RGDU
        if ZERO < base < ceiling:
            coefficient, coefficient_text, pct = self._rgdu(plan, (ceiling / base - 1) / 2)
            line = plan.profile.rgdu_fields.copy()
            line_base = cents[BASE]
            if line_base is None:
                line_base = base.quantize(CENT, ROUND_HALF_UP)
            line["base"] = line_base
            line["employer_rate"] = pct
            amount = -base * coefficient
            employer_exact.append(amount)
            amount = amount.quantize(CENT, ROUND_HALF_UP)
            employer.append(amount)
            employer_fields.append(line)
            line["employer_amount"] = amount
            fields.append(line)
        _settle(employee_exact, employee, employee_fields, "employee_amount")
        _settle(employer_exact, employer, employer_fields, "employer_amount")
        taxable = ZERO
        employee_health = ZERO
        for tax_kind, line in tagged:
            if tax_kind == _TAXABLE_EMPLOYEE:
                taxable += line["employee_amount"]
            elif tax_kind == _TAXABLE_EMPLOYER:
                taxable += line["employer_amount"]
            else:  # the employer's part of the health premium is taxable pay
                taxable += line["employer_amount"]
                employee_health = line["employee_amount"]
        lines = PayslipLine.all_from_fields(fields)
        net_before_tax = gross - sum(employee, ZERO)
        tax_exempt = min(fig.tax_fixed + fig.tax_share * gross, fig.tax_max)
        # What net taxable adds to net before tax: the non-deductible CSG and CRDS, the
        # employer's health and provident cadre parts, the employee's health beyond the
        # deductible part.
        net_taxable = net_before_tax + taxable + _cents(max(employee_health - tax_exempt, ZERO))
        # The prélèvement à la source: the personal rate, else the neutral-rate grid (with the
        # short-contract allowance of CGI art. 204 H III 1 d).
        if plan.pas_pct is not None:
            pas_base = max(net_taxable, ZERO)
            tax = _cents(max(pas_base, ZERO) * plan.pas_pct)
            method, rate_text = "personal", plan.pas_text
        else:
            pas_base = net_taxable
            if plan.shortly:
                pas_base = max(pas_base - self._short_contract_allowance(period), ZERO)
            lows = fig.pas_lows
            if lows is not None:
                row = max(bisect_right(lows, pas_base) - 1, 0)
            else:
                row = _band_row(fig.pas_grid, pas_base)
            _, rate_text, pct = fig.pas_rates[row]
            tax = _cents(max(pas_base, ZERO) * pct)
            method = "neutral_grid"
        extra = {
            "net_taxable": str(net_taxable),
            "net_social": str(net_before_tax),
            "pss": plan.pss_text,
            "smic_rgdu": plan.smic_text,
            "rgdu_coefficient": coefficient_text,
            "proration": plan.note,
            "pas_method": method,
            "pas_base": str(_cents(pas_base)),
            "pas_rate": rate_text,
            "pas_sources": plan.pas_sources,
        }
        return Payslip.from_fields(
            {
                "country": self.country,
                "period": period,
                "currency": self.currency,
                "gross": gross,
                "lines": lines,
                "income_tax_withheld": tax,
                "params": dict(plan.shown),
                "extra": extra,
            }
        )

    def _rgdu(self, plan: _Plan, ratio: Decimal) -> tuple[Decimal, str, Decimal | None]:
        """The RGDU coefficient ``min(tmin + tdelta × ratio ** exponent, tmin + tdelta)``
        rounded half-up to its decimals, as text and as the rate shown (percent).

        The Decimal power costs tens of µs, the float one a few hundred nanoseconds. Both are
        within 1e-14 of the exact value (Decimal: to 28 digits; float: a few ulps of a value
        below 1), so when the float value lies further than 1e-10 from the bound and from a
        rounding boundary (half a unit of the last decimal), the Decimal computation rounds to
        the same coefficient, which is then built from its digits; otherwise (some two
        payslips in a million) the Decimal computation itself decides."""
        fast = plan.rgdu_float
        if fast is not None:
            tmin, tdelta, exponent, top, scale, decimals = fast
            try:
                value = tmin + tdelta * float(ratio) ** exponent
            except OverflowError:
                value = math.inf
            units = None
            if value > top + _MARGIN:
                units = plan.rgdu_top_units
            elif value < top - _MARGIN:
                scaled = value * scale
                nearest = math.floor(scaled + 0.5)
                if nearest >= 1 and abs(scaled - nearest) < 0.5 - _MARGIN * scale:
                    units = nearest
            if units is not None:
                key = (units, decimals)
                found = self._rgdu_coefficients.get(key)
                if found is None:
                    coefficient = Decimal(units).scaleb(-decimals)
                    found = (coefficient, str(coefficient), _norm(coefficient * HUNDRED))
                    if len(self._rgdu_coefficients) < 100_000:
                        self._rgdu_coefficients[key] = found
                return found
        fig = plan.profile.fig
        exact = fig.rgdu_tmin + plan.profile.tdelta * ratio**fig.rgdu_exponent
        coefficient = min(exact, plan.rgdu_top).quantize(fig.rgdu_places, ROUND_HALF_UP)
        return coefficient, str(coefficient), _norm(coefficient * HUNDRED)

    def _short_contract_allowance(self, period: Period) -> Decimal:
        """Half the monthly net taxable SMIC (full time, non-cadre), rounded to the euro."""
        law, fig = self._law_of(period)
        found = self._allowances.get(law.on)
        if found is None:
            smic = self.payslip(period, _cents(fig.smic_yearly / 12), {"pas_rate": "0"})
            net_taxable = Decimal(smic.extra["net_taxable"])
            found = (net_taxable * fig.short_share).quantize(ONE, ROUND_HALF_UP)
            self._allowances[law.on] = found
        return found

    def net_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """The social-security ceiling: one cent above it the Agirc-Arrco CET becomes due on the
        whole pay (ANI of 17 November 2017, art. 39), so net before tax falls by a few euros —
        modele-social computes the same."""
        return (self._law_of(period)[1].pss,)

    def minimum_wage(self, on: date) -> MinimumWage:
        law = _Law.of(self._law.at(on))
        hourly = law.values["smic.hourly"]
        return MinimumWage(
            monthly=_cents(law.smic_yearly / 12),
            hourly=law.d("smic.hourly"),
            currency=self.currency,
            source=hourly.source,
            effective=hourly.effective,
        )

    # -- declarations (plugins.fr.declarations) ----------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        """The DPAE, due to the URSSAF before work starts (:func:`plugins.fr.declarations.dpae`)."""
        return declarations.dpae(employer, worker, contract, params)

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The monthly DSN as a structured summary (:func:`plugins.fr.declarations.dsn`)."""
        return declarations.dsn(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.sipsi(self.minimum_wage(on))

    # -- self-checks ------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


def _norm(rate: Decimal | None) -> Decimal | None:
    """A percentage as a payslip shows it: ``6.9`` rather than ``6.900``, ``13`` not ``1.3E+1``."""
    if rate is None:
        return None
    normal = rate.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(ONE) if isinstance(exponent, int) and exponent > 0 else normal
