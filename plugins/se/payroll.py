"""Sweden (SE) payroll for 2026: payslips, their inverse, declarations, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; the formulas are here and in :mod:`plugins.se.tax` (``docs/payroll-se.md`` explains
them):

* **employer contributions** (arbetsgivaravgifter, 31.42 %), by the worker's year of birth:
  only the ålderspensionsavgift (10.21 %) for those born 1938–1958, none for those born 1937
  or earlier, and from April 2026 the temporary youth rate (20.81 % on up to 25 000 kr a
  month) for those born 2003–2007;
* **no employee contribution line**: the general pension fee (allmän pensionsavgift, 7 %) is
  levied through the tax and offset by its own tax credit; it is shown in ``extra``;
* the **preliminary tax** of the monthly tax tables (SKV 433, column 1, or column 3 for those
  who had turned 66 at the start of the year), from the worker's
  municipal rate and fees or from the table number of their tax decision; or 30 % for a side
  income; or none.

Amounts: contributions are rounded half up to the öre on the payslip (Skatteverket computes the
declared amount from whole-krona bases in the AGI, see the docs); the withheld tax is whole
kronor, as in the tables.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt, LawBook
from plugins.payroll.model import (
    ZERO,
    Contract,
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
from plugins.se import declarations, tax
from plugins.se.reference import REFERENCE_CASES

LAW_FILES = ("payroll_2026.toml",)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
WITHHOLDING = ("tax_table", "side_income_30", "none")

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Swedish payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "birth_year": {
            "type": "integer",
            "minimum": 1900,
            "maximum": 2100,
            "default": 1990,
            "description": "The worker's year of birth: it sets the employer contribution rate "
            "(born 1937 or earlier: none; 1938–1958: ålderspensionsavgift only; 2003–2007: the "
            "youth rate from April 2026) and the tax table column (1: born 1960 or later; 3: "
            "born 1959 or earlier, förhöjt grundavdrag).",
        },
        "withholding": {
            "type": "string",
            "enum": list(WITHHOLDING),
            "default": "tax_table",
            "description": "tax_table: preliminary tax of the monthly tax tables (SKV 433, "
            "column 1 or 3 by birth_year), the worker's main income; side_income_30: 30 % of the pay (sidoinkomst, "
            "or no tax decision known); none: no tax withheld (a decision of Skatteverket, "
            "e.g. jämkning to zero or SINK handled elsewhere).",
        },
        "municipal_tax_rate": decimal_param(
            "Total municipal tax rate in percent (kommunalskatt + regionskatt) of the worker's "
            "municipality of registration on 1 November of the previous year; default the 2026 "
            "national average (SCB). Ignored when tax_table is set.",
            "32.38",
        ),
        "burial_fee_rate": decimal_param(
            "Burial fee (begravningsavgift) in percent: 0.292 in 2026 outside Stockholm and "
            "Tranås, which set their own. Ignored when tax_table is set.",
            "0.292",
        ),
        "church_fee_rate": decimal_param(
            "Church fee (kyrkoavgift) in percent for members of the Church of Sweden or another "
            "registered faith community; 0 for non-members. Ignored when tax_table is set.",
            "0.00",
        ),
        "tax_table": {
            "type": "integer",
            "minimum": 0,
            "maximum": 99,
            "default": 0,
            "description": "The table number of the worker's tax decision (skattsedel), 29 to "
            "42 in 2026: the table's rate includes 1.16 points of burial and church fee. 0: "
            "compute from municipal_tax_rate, burial_fee_rate and church_fee_rate instead.",
        },
    },
}


def _r(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Law:
    """The law of one day, resolved once (see :meth:`SwedenPayroll._at`)."""

    full_rate: Decimal
    pension_rate: Decimal
    pensioner_born_until: int
    exempt_born_until: int
    youth_rate: Decimal
    youth_ceiling: Decimal
    youth_born: tuple[int, int]
    tax: tax.TaxLaw
    table_fees: Decimal
    tables: tuple[int, int]
    ordinary_born_from: int
    side_income_rate: Decimal

    @classmethod
    def resolve(cls, at: LawAt) -> _Law:
        d = at.decimal
        ((low, high),) = at.table("tax.tables")
        return cls(
            full_rate=d("employer.full_rate"),
            pension_rate=d("employer.old_age_pension_rate"),
            pensioner_born_until=at.integer("employer.pensioner_born_until"),
            exempt_born_until=at.integer("employer.exempt_born_until"),
            youth_rate=d("employer.youth_rate"),
            youth_ceiling=d("employer.youth_ceiling_monthly"),
            youth_born=(
                at.integer("employer.youth_born_from"),
                at.integer("employer.youth_born_until"),
            ),
            tax=tax.TaxLaw.resolve(at),
            table_fees=d("tax.table_fees_rate"),
            tables=(int(low), int(high)),
            ordinary_born_from=at.integer("tax.ordinary_column_born_from"),
            side_income_rate=d("tax.side_income_rate"),
        )


class SwedenPayroll(LawFilesPayroll[_Law]):
    """Swedish payroll law of 2026 (see the module docstring and ``docs/payroll-se.md``)."""

    country = "SE"
    currency = "SEK"
    minor_unit = 2
    law_package = "plugins.se"
    law_files = LAW_FILES

    def __init__(self, book: LawBook | None = None) -> None:
        super().__init__(book)
        #: Table tax by (law, gross, rates, column): a payroll run meets the same few often.
        self._taxes: dict[Any, tuple[Decimal, tax.AnnualTax]] = {}

    def resolve_law(self, values: LawAt) -> _Law:
        return _Law.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the ranges a rate can take."""
        checked = super().check_params(given)
        for name, top in (
            ("municipal_tax_rate", Decimal(50)),
            ("burial_fee_rate", Decimal(2)),
            ("church_fee_rate", Decimal(3)),
        ):
            if not ZERO <= checked[name] <= top:
                raise PayrollError(f"param {name}: {checked[name]} is not a rate from 0 to {top}")
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
        law = self.law_on(period.start)
        if p["birth_year"] > period.year:
            raise PayrollError(f"param birth_year: {p['birth_year']} is after {period.year}")
        lines, category = self._employer_lines(gross, p["birth_year"], law)
        withheld, extra = self._withholding(gross, p, law)
        extra = {"employer_contribution_category": category, **extra}
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=withheld,
            params=p,
            extra=extra,
        )

    def _employer_lines(
        self, gross: Decimal, birth_year: int, law: _Law
    ) -> tuple[list[PayslipLine], str]:
        """The employer contribution lines by age category, and the category's name."""
        if birth_year <= law.exempt_born_until:
            return [], "exempt"
        if birth_year <= law.pensioner_born_until:
            line = PayslipLine(
                "old_age_pension_fee",
                "Ålderspensionsavgift (arbetsgivaravgift, född 1938–1958)",
                gross,
                employer_rate=law.pension_rate,
                employer_amount=_r(gross * law.pension_rate / HUNDRED),
                sources=("employer.old_age_pension_rate", "employer.pensioner_born_until"),
            )
            return [line], "pensioner"
        full = _r(gross * law.full_rate / HUNDRED)
        lines = [
            PayslipLine(
                "employer_contributions",
                "Arbetsgivaravgifter",
                gross,
                employer_rate=law.full_rate,
                employer_amount=full,
                sources=("employer.full_rate",),
            )
        ]
        low, high = law.youth_born
        if not low <= birth_year <= high:
            return lines, "full"
        base = min(gross, law.youth_ceiling)
        cut = law.full_rate - law.youth_rate
        total = _r(gross * law.full_rate / HUNDRED - base * cut / HUNDRED)
        if total != full:
            lines.append(
                PayslipLine(
                    "youth_reduction",
                    "Tillfälligt nedsatta arbetsgivaravgifter, 19–23 år (SFS 2026:100)",
                    base,
                    employer_rate=-cut,
                    employer_amount=total - full,
                    sources=(
                        "employer.youth_rate",
                        "employer.youth_ceiling_monthly",
                        "employer.youth_born_from",
                        "employer.youth_born_until",
                    ),
                )
            )
        return lines, "youth" if cut else "full"

    def _withholding(
        self, gross: Decimal, p: Mapping[str, Any], law: _Law
    ) -> tuple[Decimal, dict[str, str]]:
        method = p["withholding"]
        if method == "none":
            return ZERO.quantize(CENT), {"withholding_method": method}
        if method == "side_income_30":
            amount = tax.floor(gross * law.side_income_rate / HUNDRED)
            return amount.quantize(CENT), {
                "withholding_method": method,
                "withholding_sources": "tax.side_income_rate",
            }
        older = p["birth_year"] < law.ordinary_born_from
        rates, sources = self._rates(p, law)
        key = (id(law), gross, rates, older)
        found = self._taxes.get(key)
        if found is None:
            found = tax.table_tax(gross, rates, law.tax, older)
            if len(self._taxes) < 65536:
                self._taxes[key] = found
        row, computed = found
        if older:
            sources = (*sources, *tax.OLDER_SOURCES, "tax.ordinary_column_born_from")
        extra = {
            "withholding_method": method,
            "table_column": "3" if older else "1",
            "table_row_income": str(row),
            "municipal_rate": str(rates.municipal),
            "fees_rate": str(rates.fees),
            **computed.as_extra(),
            "withholding_sources": ",".join((*tax.SOURCES, *sources)),
        }
        return computed.monthly.quantize(CENT), extra

    def _rates(self, p: Mapping[str, Any], law: _Law) -> tuple[tax.Rates, tuple[str, ...]]:
        """The worker's rates: from the table number of their tax decision, or from the
        municipal rate and fees given."""
        table = p["tax_table"]
        if not table:
            fees = p["burial_fee_rate"] + p["church_fee_rate"]
            return tax.Rates(p["municipal_tax_rate"], fees), ()
        low, high = law.tables
        if not low <= table <= high:
            raise PayrollError(f"param tax_table: {table} is not a table from {low} to {high}")
        municipal = Decimal(table) - law.table_fees
        return tax.Rates(municipal, law.table_fees), ("tax.tables", "tax.table_fees_rate")

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        """Sweden has no statutory minimum wage: this is the reference floor of the law file
        (``minimum_wage.reference_monthly``), documented as such, not a legal minimum."""
        value = self.law.at(on).value("minimum_wage.reference_monthly")
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
        """Sweden has no pre-hire declaration; what is produced records that, and the
        employer registration that must precede the first salary."""
        self.params(params)
        return declarations.pre_hire(employer, worker, contract)

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        """The monthly arbetsgivardeklaration på individnivå (AGI)."""
        return declarations.agi(employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        return REFERENCE_CASES


@functools.cache
def sweden_payroll() -> SwedenPayroll:
    """The one Swedish payroll (its law file is read on first use)."""
    return SwedenPayroll()
