"""Austria (AT) payroll for 2026: payslips, their inverse, minimum pay, ELDA, mBGM, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; the formulas are in :mod:`plugins.at.rules` and :mod:`plugins.at.payslip`, the
declarations in :mod:`plugins.at.declarations` (``docs/payroll-at.md`` explains them):

* social insurance (KV, PV, AV with the reduced employee rates for low incomes, UV, IESG,
  AK-Umlage, Wohnbauförderung) up to the 2026 Höchstbeitragsgrundlage, and for marginal
  employment (Geringfügigkeitsgrenze) accident insurance only;
* the 13th / 14th salary (sonstiger Bezug) on the same payslip, with its own ceiling and the
  6 % tax within the Jahressechstel;
* BV (Mitarbeitervorsorge), Dienstgeberbeitrag, its Zuschlag by Land, Kommunalsteuer;
* the Lohnsteuer by the 2026 tariff, Verkehrsabsetzbetrag, Alleinverdiener-/
  Alleinerzieherabsetzbetrag and Familienbonus Plus.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from plugins.at import declarations
from plugins.at.payslip import (
    TAX_SOURCES,
    Split,
    employee_total,
    employer_tax_lines,
    lines_of,
    social_lines,
    split,
    withholding,
)
from plugins.at.reference import REFERENCE_CASES
from plugins.at.rules import CENT, STATES, AustrianLaw, r
from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt
from plugins.payroll.model import (
    Contract,
    Employer,
    MinimumWage,
    PayrollError,
    Payslip,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)
from plugins.payroll.params import decimal_param

LAW_FILES = ("payroll_2026.toml",)
SPECIAL = ("none", "first", "second")

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Austrian payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "state": {
            "type": "string",
            "enum": list(STATES),
            "default": "wien",
            "description": "Land of the employer's establishment: sets the Zuschlag zum "
            "Dienstgeberbeitrag and, in Vienna, the higher Wohnbauförderungsbeitrag.",
        },
        "category": {
            "type": "string",
            "enum": ["white_collar", "blue_collar"],
            "default": "white_collar",
            "description": "white_collar (Angestellte) or blue_collar (Arbeiter): the same "
            "contribution rates since 2020; named in the ELDA Anmeldung and the mBGM.",
        },
        "chamber_member": {
            "type": "boolean",
            "default": True,
            "description": "The employer is a member of the Wirtschaftskammer and so pays the "
            "Zuschlag zum Dienstgeberbeitrag (DZ).",
        },
        "special_payment": {
            "type": "string",
            "enum": list(SPECIAL),
            "default": "none",
            "description": "none: the gross is regular pay. first: the gross includes the "
            "year's first sonstiger Bezug (e.g. the 14th salary). second: it includes the "
            "year's second one, an equal one having been paid before (e.g. the 13th salary). "
            "The special payment is special_payment_amount, by default half the gross.",
        },
        "special_payment_amount": decimal_param(
            "The part of the gross that is the special payment (sonstiger Bezug); by default "
            "half the gross, i.e. one extra monthly salary. Needs special_payment first or second."
        ),
        "family_bonus_children_under_18": {
            "type": "integer",
            "minimum": 0,
            "maximum": 20,
            "default": 0,
            "description": "Children under 18 for whom the Familienbonus Plus is claimed on the "
            "payslip (form E 30).",
        },
        "family_bonus_children_18_plus": {
            "type": "integer",
            "minimum": 0,
            "maximum": 20,
            "default": 0,
            "description": "Children of 18 or more, with Familienbeihilfe, for whom the "
            "Familienbonus Plus is claimed.",
        },
        "family_bonus_share": {
            "type": "string",
            "enum": ["full", "half"],
            "default": "full",
            "description": "full, or half when the Familienbonus Plus is shared between both "
            "parents.",
        },
        "sole_earner_credit": {
            "type": "boolean",
            "default": False,
            "description": "Claim the Alleinverdiener- or Alleinerzieherabsetzbetrag; its "
            "amount depends on the children counted above (none without a child).",
        },
    },
}


class AustriaPayroll(LawFilesPayroll[AustrianLaw]):
    """Austrian payroll law of 2026 (see the module docstring and ``docs/payroll-at.md``)."""

    country = "AT"
    currency = "EUR"
    minor_unit = 2
    law_package = "plugins.at"
    law_files = LAW_FILES

    def resolve_law(self, values: LawAt) -> AustrianLaw:
        return AustrianLaw.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the rules across params."""
        checked = super().check_params(given)
        amount = checked.get("special_payment_amount")
        if amount is not None:
            if checked["special_payment"] == "none":
                raise PayrollError(
                    "param special_payment_amount: needs special_payment first or second"
                )
            if amount <= 0:
                raise PayrollError("param special_payment_amount: must be positive")
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
        gross = r(gross)
        p = self.params(params)
        law = self.law_on(period.start)
        parts = split(gross, p)
        regular, special, marginal = social_lines(law, parts, p)
        tax = withholding(law, parts, regular, special, p)
        employer = employer_tax_lines(law, gross, p)
        _, band = law.unemployment_rate(regular[0]["base"])
        extra = {
            "regular_pay": str(parts.regular),
            "special_payment": str(r(parts.special)),
            "marginal_employment": "1" if marginal else "0",
            "unemployment_band": "3" if marginal else str(band),
            "sv_employee_regular": str(employee_total(regular)),
            "sv_employee_special": str(employee_total(special)),
            **{name: str(value) for name, value in tax.items()},
            "tax_sources": ",".join(TAX_SOURCES),
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=lines_of([*regular, *special, *employer]),
            income_tax_withheld=tax["income_tax"],
            params=p,
            extra=extra,
        )

    def net_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """Net before tax falls where the regular pay (or the special payment) leaves marginal
        employment, or enters a higher unemployment band: the new rate applies to the whole
        base (§ 2a AMPFG)."""
        p = self.params(params)
        law = self.law_on(period.start)
        limits = [law.marginal, *(upto for upto, _ in law.unemployment_bands)]
        drops = {_last_gross(p, "regular", limit) for limit in limits}
        if p["special_payment"] != "none" and p.get("special_payment_amount") is None:
            drops |= {_last_gross(p, "special", limit) for limit in limits[1:]}
        return tuple(sorted(drops))

    def minimum_wage(self, on: date) -> MinimumWage:
        """No statutory minimum wage in Austria: the collective-agreement reference floor of
        the law file (``docs/payroll-at.md#minimum-pay``)."""
        value = self.law.at(on).value("minimum_wage.collective_floor")
        assert isinstance(value.value, Decimal)
        return MinimumWage(
            monthly=value.value,
            hourly=None,
            currency=self.currency,
            source=value.source,
            effective=value.effective,
            statutory=False,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        return declarations.elda_registration(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        return declarations.monthly_contribution_report(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting_requirements(self.minimum_wage(on))

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


def _last_gross(p: Mapping[str, Any], part: str, limit: Decimal) -> Decimal:
    """The largest gross (in cents) whose ``part`` (regular pay or special payment) is still
    at most ``limit``: the split is monotonic in the gross."""

    def holds(parts: Split) -> bool:
        return bool(getattr(parts, part) <= limit)

    amount = p.get("special_payment_amount")
    low = Decimal("0.00") if amount is None else amount
    width = Decimal(1)
    while holds(split(low + width, p)):  # gallop up to a gross that fails
        low, width = low + width, width * 2
    high = low + width
    while high - low > CENT:
        middle = ((low + high) / 2).quantize(CENT, ROUND_FLOOR)
        if holds(split(middle, p)):
            low = middle
        else:
            high = middle
    return low


@functools.cache
def austria_payroll() -> AustriaPayroll:
    """The one Austrian payroll (its law file is read on first use)."""
    return AustriaPayroll()
