"""Spain (ES) payroll for 2026: payslips, their inverse, SMI, alta/Contrat@, SILTRA/111, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; the formulas live in one module per concern (``docs/payroll-es.md`` explains them):

* :mod:`plugins.es.contributions` — Seguridad Social, Régimen General (Orden PJC/297/2026):
  common contingencies, MEI, unemployment by contract kind, FOGASA, vocational training, AT/EP
  (a param), the bases of the contribution group with the prorrata of the extraordinary
  payments, and the solidarity contribution above the maximum base;
* :mod:`plugins.es.withholding` — the IRPF withholding rate by the AEAT algorithm of 2026;
* :mod:`plugins.es.declarations` — alta in Sistema RED and Contrat@, the SILTRA liquidation and
  the modelo 111, posting into Spain;
* :mod:`plugins.es.reference` — the published figures the computation reproduces.

A payslip is either an ordinary month (``payslip_kind=ordinary``) or, with 14 payments, one of
the two extraordinary payments (``payslip_kind=extra``), which bears the withholding but no
contribution (its prorrata is already in each month's base).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from plugins.es import declarations
from plugins.es.contributions import Contributions, SocialLaw, contributions, r2
from plugins.es.withholding import (
    AGES,
    DISABILITIES,
    RELATIONSHIPS,
    SITUATIONS,
    SOURCES,
    TaxLaw,
    withholding_rate,
)
from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt
from plugins.payroll.model import (
    ZERO,
    Contract,
    ContractKind,
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
KINDS = ("ordinary", "extra")

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Spanish payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "contribution_group": {
            "type": "integer",
            "minimum": 1,
            "maximum": 11,
            "default": 7,
            "description": "Grupo de cotización of the Régimen General (1 ingenieros y "
            "licenciados … 7 auxiliares administrativos, 8 to 11 with daily bases: oficiales de "
            "primera y segunda, de tercera y especialistas, peones, menores de 18 años); sets "
            "the minimum base.",
        },
        "annual_payments": {
            "type": "integer",
            "enum": [12, 14],
            "default": 14,
            "description": "14: twelve monthly payments and the two extraordinary payments (pagas "
            "extraordinarias) paid apart, whose prorrata (2/12 of the monthly pay) is added to "
            "each month's contribution base; 12: the extraordinary payments are prorated into "
            "each monthly gross.",
        },
        "payslip_kind": {
            "type": "string",
            "enum": list(KINDS),
            "default": "ordinary",
            "description": "ordinary monthly pay, or (14 payments only) an extraordinary payment: "
            "income tax withheld, no contribution.",
        },
        "at_rate": decimal_param(
            "AT/EP premium in percent of the professional-contingencies base, employer only, "
            "from the tarifa de primas (LGSS DA 61.ª) for the activity's CNAE code or the "
            "occupation; 1.00 is office work (cuadro II, letter a: IT 0.65 + IMS 0.35).",
            "1.00",
        ),
        "family_situation": {
            "type": "string",
            "enum": list(SITUATIONS),
            "default": "3",
            "description": "Situación familiar of modelo 145: 1 single, widowed, divorced or "
            "separated with descendants living only with them; 2 married, not separated, with a "
            "spouse whose income is at most 1 500 euros a year; 3 any other case.",
        },
        "descendants": {
            "type": "integer",
            "minimum": 0,
            "maximum": 20,
            "default": 0,
            "description": "Descendants under 25 (or disabled) living with the worker, with "
            "income of at most 8 000 euros a year.",
        },
        "descendants_under_3": {
            "type": "integer",
            "minimum": 0,
            "maximum": 20,
            "default": 0,
            "description": "How many of the descendants are under 3 (born after 2023).",
        },
        "descendants_whole": {
            "type": "boolean",
            "default": False,
            "description": "The descendants are counted whole (they live only with this worker); "
            "by default each counts by half, shared with the other parent.",
        },
        "age_band": {
            "type": "string",
            "enum": list(AGES),
            "default": "under_65",
            "description": "The worker's age in 2026: under_65, 65_to_74 or 75_plus (increases "
            "of the personal minimum).",
        },
        "disability": {
            "type": "string",
            "enum": list(DISABILITIES),
            "default": "none",
            "description": "The worker's disability: none; 33_to_65 (33 % to under 65 %); "
            "33_to_65_assisted (the same, needing help of others or with reduced mobility); "
            "65_plus (65 % or more).",
        },
        "geographic_mobility": {
            "type": "boolean",
            "default": False,
            "description": "The worker moved residence to take this job (2 000 euros more of "
            "deductible expenses, art. 19.2.f LIRPF).",
        },
        "relationship": {
            "type": "string",
            "enum": list(RELATIONSHIPS),
            "default": "ordinary",
            "description": "ordinary employment; artist (relación laboral especial of artists "
            "and their technical staff, RD 1435/1985: minimum rate 2 %); other_special (other "
            "special dependent employment relationships: minimum rate 15 %).",
        },
        "annual_remuneration": decimal_param(
            "The remuneration this payer expects to pay the worker in 2026 (RETRIB, art. 83.2 "
            "RIRPF), for a contract that does not last the whole year; by default the gross "
            "times annual_payments."
        ),
        "requested_rate": decimal_param(
            "A higher withholding rate the worker asked for in writing (art. 88.5 RIRPF), in "
            "percent (at most 47, the algorithm's highest rate); the computed rate applies "
            "when it is higher."
        ),
    },
}


class SpainPayroll(LawFilesPayroll[tuple[SocialLaw, TaxLaw]]):
    """Spanish payroll of 2026 (Régimen General, IRPF of the common territory)."""

    country = "ES"
    currency = "EUR"
    law_package = "plugins.es"
    law_files = LAW_FILES

    def resolve_law(self, values: LawAt) -> tuple[SocialLaw, TaxLaw]:
        return SocialLaw.resolve(values), TaxLaw.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the rules across params."""
        checked = super().check_params(given)
        if checked["descendants_under_3"] > checked["descendants"]:
            raise PayrollError("param descendants_under_3: more than descendants")
        if checked["payslip_kind"] == "extra" and checked["annual_payments"] != 14:
            raise PayrollError("param payslip_kind: an extra payment needs annual_payments=14")
        if checked["at_rate"] < 0 or checked["at_rate"] > 20:
            raise PayrollError("param at_rate: must be between 0 and 20 percent")
        remuneration = checked.get("annual_remuneration")
        if remuneration is not None and remuneration < 0:
            raise PayrollError("param annual_remuneration: must not be negative")
        requested = checked.get("requested_rate")
        if requested is not None and not 0 <= requested <= 100:
            raise PayrollError("param requested_rate: must be between 0 and 100 percent")
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
        gross = r2(gross)
        p = self.params(params)
        contract = contract or Contract()
        social, tax = self.law_on(period.start)
        month = contributions(gross, p, contract, social)
        payments = p["annual_payments"]
        retrib = p.get("annual_remuneration")
        if retrib is None:
            retrib = gross * payments
        yearly = month.employee_total * 12
        if gross and p.get("annual_remuneration") is not None:
            yearly = yearly * retrib / (gross * payments)
        figures = withholding_rate(retrib, yearly, p, _under_a_year(contract), tax)
        rate = figures["withholding_rate"]
        assert isinstance(rate, Decimal)
        withheld = r2(gross * rate / 100)
        extra = self._extra(month, figures, withheld)
        lines = month.lines if p["payslip_kind"] == "ordinary" else ()
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=lines,
            income_tax_withheld=withheld,
            params=p,
            extra=extra,
        )

    @staticmethod
    def _extra(
        month: Contributions, figures: Mapping[str, Decimal | str], withheld: Decimal
    ) -> dict[str, str]:
        solidarity = sum(
            (
                line.employee_amount + line.employer_amount
                for line in month.lines
                if line.code == "solidaridad"
            ),
            ZERO,
        )
        return {
            "remuneration_base": str(month.remuneration_base),
            "common_base": str(month.common_base),
            "professional_base": str(month.professional_base),
            "solidarity_excess": str(r2(month.solidarity_excess)),
            "solidarity_contribution": str(r2(solidarity)),
            **{key: str(value) for key, value in figures.items()},
            "withholding_tax": str(withheld),
            "withholding_sources": ",".join(SOURCES),
        }

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        """The SMI: 1 221 euros a month in 14 payments (the extraordinary payments apart)."""
        value = self.law.at(on).value("smi.monthly")
        assert isinstance(value.value, Decimal)
        return MinimumWage(
            monthly=value.value,
            hourly=None,
            currency=self.currency,
            source=value.source,
            effective=value.effective,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        return declarations.pre_hire(employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        return declarations.periodic(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        from plugins.es.reference import REFERENCE_CASES

        return REFERENCE_CASES


def _under_a_year(contract: Contract) -> bool:
    """A fixed-term contract lasting less than a year (art. 86.2 RIRPF minimum rate)."""
    if contract.kind != ContractKind.FIXED_TERM or contract.start is None or contract.end is None:
        return False
    start = contract.start
    try:
        year_later = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        year_later = start.replace(year=start.year + 1, day=28)
    return contract.end + timedelta(days=1) < year_later


@functools.cache
def spain_payroll() -> SpainPayroll:
    """The one Spanish payroll (its law file is read on first use)."""
    return SpainPayroll()
