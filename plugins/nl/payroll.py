"""The Netherlands (NL) payroll for 2026: payslips, their inverse, minimum wage, declarations.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; the formulas (``docs/payroll-nl.md`` explains them):

* **loonheffing** — loonbelasting and premie volksverzekeringen withheld together, by the
  white monthly table as the Rekenvoorschriften compute it (:mod:`plugins.nl.wage_tax`), with
  or without the loonheffingskorting, below or at the AOW age;
* the employer's **premiums**: AWf (low for a written open-ended contract, high for a
  fixed-term one), Aof (small or medium/large employer) with the Wko surcharge, Whk, and the
  Zvw employer levy, each on the wage up to the monthly maximum premium wage;
* the **holiday allowance** (vakantiebijslag, 8 %): reserved each month as an employer
  provision (paid out in May or June, not computed here) or paid with each month's wage.

Employees pay no social contribution of their own besides the premie volksverzekeringen inside
the loonheffing, so net before tax is the gross; amounts are ``Decimal``, premiums rounded half
up to the cent, the loonheffing as the table rounds it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from typing import Any

from plugins.jurisdiction import require_decimal
from plugins.nl import declarations
from plugins.nl.reference_cases import REFERENCE_CASES
from plugins.nl.wage_tax import AGE_GROUPS, WageTaxLaw, as_text
from plugins.payroll.contract import Payroll, ReferenceCase
from plugins.payroll.law import LawAt, LawBook
from plugins.payroll.model import (
    ZERO,
    Contract,
    ContractKind,
    Employer,
    MinimumWage,
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

LAW_FILES = ("payroll_2026.toml",)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
WEEKS_PER_MONTH = Decimal(52) / 12

AWF_CHOICES = ("by_contract", "low", "high")
EMPLOYER_SIZES = ("small", "medium_or_large")
HOLIDAY_ALLOWANCE = ("reserved", "paid_monthly")


def _r(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Dutch payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "apply_tax_credit": {
            "type": "boolean",
            "default": True,
            "description": "Apply the loonheffingskorting (algemene heffingskorting, "
            "arbeidskorting, ouderenkorting) in the loonheffing: the employee asked for it "
            "with this employer (at most one employer at a time).",
        },
        "age_group": {
            "type": "string",
            "enum": list(AGE_GROUPS),
            "default": "below_aow",
            "description": "below_aow: below the AOW age (67 in 2026) the whole month; "
            "aow_from_1946 / aow_before_1946: AOW age reached, born on or after / before "
            "1 January 1946 (no AOW premium, lower credits, ouderenkorting; no employee "
            "insurance premiums). The month the AOW age is reached is not covered.",
        },
        "single_elderly_credit": {
            "type": "boolean",
            "default": False,
            "description": "At the AOW age, the employee asked for the "
            "alleenstaande-ouderenkorting (single, receiving the AOW as a single person); "
            "ignored below the AOW age.",
        },
        "awf_rate": {
            "type": "string",
            "enum": list(AWF_CHOICES),
            "default": "by_contract",
            "description": "AWf unemployment premium: by_contract (low for an open-ended "
            "contract, high for a fixed-term one), or low / high forced (an open-ended "
            "contract that is not in writing or is an on-call contract pays high).",
        },
        "employer_size": {
            "type": "string",
            "enum": list(EMPLOYER_SIZES),
            "default": "small",
            "description": "Aof disability premium: small employer (premium wage bill of 2024 "
            "at most 1 082 500 EUR, low rate) or medium_or_large (high rate).",
        },
        "whk_rate": decimal_param(
            "Whk (Werkhervattingskas) premium in percent, from the employer's Belastingdienst "
            "beschikking or, for a small employer, its sector; default the 2026 average "
            "(premium.whk_average)."
        ),
        "holiday_allowance": {
            "type": "string",
            "enum": list(HOLIDAY_ALLOWANCE),
            "default": "reserved",
            "description": "reserved: the gross is the month's wage without holiday allowance "
            "and the payslip shows the 8 % accrued by the employer (paid out once a year, "
            "usually in May); paid_monthly: the gross already includes the 8 % paid with each "
            "month's wage (taxed by the monthly table with it).",
        },
        "first_day_notice": {
            "type": "boolean",
            "default": False,
            "description": "The Belastingdienst obliged the employer, by a beschikking (for "
            "three years, after a naheffing for unrecorded employees, a vergrijpboete, a fine "
            "for illegal employment or a prosecution), to file an eerstedagsmelding before each "
            "new employee starts; otherwise the hire is first reported in the next "
            "loonaangifte.",
        },
    },
}


class NetherlandsPayroll(Payroll):
    """Dutch payroll law of 2026 (see the module docstring and ``docs/payroll-nl.md``)."""

    country = "NL"
    currency = "EUR"
    minor_unit = 2

    def __init__(self, book: LawBook | None = None) -> None:
        package = files("plugins.nl")
        self._book = book or LawBook.load(*(package.joinpath(name) for name in LAW_FILES))
        self._tax: dict[tuple[date, str], WageTaxLaw] = {}

    @property
    def law(self) -> LawBook:
        return self._book

    def _wage_tax(self, day: date, age_group: str) -> WageTaxLaw:
        """The white table of ``day`` and the age group, resolved once and kept."""
        key = (day, age_group)
        found = self._tax.get(key)
        if found is None:
            found = self._tax[key] = WageTaxLaw.resolve(self._book.at(day), age_group)
        return found

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then a Whk rate that is a percentage."""
        checked = super().check_params(given)
        whk = checked.get("whk_rate")
        if whk is not None and not ZERO <= whk <= HUNDRED:
            raise PayrollError("param whk_rate: a percentage from 0 to 100")
        return checked

    # -- payslips -------------------------------------------------------------------------

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        require_decimal(gross)
        if gross < 0:
            raise PayrollError("the gross must not be negative")
        gross = _r(gross)
        p = self.params(params)
        contract = contract or Contract()
        at = self._book.at(period.start)
        table = self._wage_tax(period.start, p["age_group"])
        figures = table.monthly(gross, p["apply_tax_credit"], p["single_elderly_credit"])
        lines = _premium_lines(gross, p, contract, at) + _holiday_lines(gross, p, at)
        extra = {
            **as_text(figures),
            "wage_tax_sources": ",".join(table.sources),
            "contract_kind": contract.kind.value,
        }
        if p["holiday_allowance"] == "paid_monthly":
            extra["holiday_allowance_included"] = str(_included_allowance(gross, at))
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=figures["wage_tax"],
            params=p,
            extra=extra,
        )

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        """The hourly minimum (21 and older), and a month of the full-time week in the law."""
        at = self._book.at(on)
        law = at.value("minimum_wage.hourly")
        hourly = at.decimal("minimum_wage.hourly")
        hours = at.decimal("minimum_wage.full_time_weekly_hours")
        return MinimumWage(
            monthly=_r(hourly * hours * WEEKS_PER_MONTH),
            hourly=hourly,
            currency=self.currency,
            source=law.source,
            effective=law.effective,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        return declarations.first_day_notice(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        return declarations.wage_tax_return(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.minimum_wage(on))

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


def _awf_high(p: Mapping[str, Any], contract: Contract) -> bool:
    if p["awf_rate"] == "by_contract":
        return contract.kind == ContractKind.FIXED_TERM
    return bool(p["awf_rate"] == "high")


def _premium_lines(
    gross: Decimal, p: Mapping[str, Any], contract: Contract, at: LawAt
) -> list[PayslipLine]:
    """The employer's premiums on the wage up to the monthly maximum premium wage."""
    ceiling = at.decimal("premium.max_wage_month")
    base = min(gross, ceiling)
    rates: list[tuple[str, str, Decimal, tuple[str, ...]]] = []
    if p["age_group"] == "below_aow":  # employee insurances end at the AOW age
        awf_key = "premium.awf_high" if _awf_high(p, contract) else "premium.awf_low"
        aof_key = "premium.aof_high" if p["employer_size"] != "small" else "premium.aof_low"
        whk = p.get("whk_rate")
        rates += [
            ("awf", "Premie AWf (Algemeen Werkloosheidsfonds)", at.decimal(awf_key), (awf_key,)),
            (
                "aof",
                "Basispremie Aof (Arbeidsongeschiktheidsfonds)",
                at.decimal(aof_key),
                (aof_key,),
            ),
            ("wko", "Opslag kinderopvang (Wko)", at.decimal("premium.wko"), ("premium.wko",)),
            (
                "whk",
                "Premie Whk (Werkhervattingskas)",
                at.decimal("premium.whk_average") if whk is None else whk,
                ("premium.whk_average",) if whk is None else (),
            ),
        ]
    rates.append(
        (
            "zvw_employer",
            "Werkgeversheffing Zvw",
            at.decimal("zvw.employer_rate"),
            ("zvw.employer_rate",),
        )
    )
    return [
        PayslipLine(
            code,
            label,
            base,
            employer_rate=rate,
            employer_amount=_r(base * rate / HUNDRED),
            sources=(*keys, "premium.max_wage_month"),
        )
        for code, label, rate, keys in rates
    ]


def _holiday_lines(gross: Decimal, p: Mapping[str, Any], at: LawAt) -> list[PayslipLine]:
    """The 8 % holiday allowance the employer accrues when it is not paid monthly."""
    if p["holiday_allowance"] != "reserved":
        return []
    rate = at.decimal("holiday_allowance.rate")
    return [
        PayslipLine(
            "holiday_allowance_reserve",
            "Reservering vakantiegeld (8 %, uitbetaald in mei)",
            gross,
            employer_rate=rate,
            employer_amount=_r(gross * rate / HUNDRED),
            sources=("holiday_allowance.rate",),
        )
    ]


def _included_allowance(gross: Decimal, at: LawAt) -> Decimal:
    """The holiday allowance inside a gross that includes it: gross × 8 / 108."""
    rate = at.decimal("holiday_allowance.rate")
    return _r(gross * rate / (HUNDRED + rate))


@functools.cache
def netherlands_payroll() -> NetherlandsPayroll:
    """The one Dutch payroll (its law file is read on first use)."""
    return NetherlandsPayroll()
