"""Italy (IT) payroll for 2026: payslips, their inverse, the contribution floor, UNILAV,
UniEmens and F24, posting.

Everything the computation uses is a dated, sourced value in ``payroll_2026.toml`` beside this
module; this file holds the formulas of the INPS contributions and assembles the payslip
(``docs/payroll-it.md`` explains them):

* INPS contributions of a private-sector employer of the tertiary sector: IVS 9.19 % + 23.81 %,
  the employee's extra 1 % above the first pension bracket (4 685 € a month), CUAF, maternity,
  sickness, NASpI (with the fixed-term surcharge), the TFR guarantee fund and the FIS (shared
  one third / two thirds); the contribution floor and, as an option, the contributory ceiling;
* the IRPEF withholding, its deductions and the cuneo fiscale (:mod:`plugins.it.tax`), and the
  regional and municipal surcharges at the rates given as params;
* the TFR accrual as an employer line (pay / 13.5 less the 0.50 % IVS offset).

Amounts are ``Decimal``, each line rounded half up to the cent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from plugins.it import declarations
from plugins.it.schema import PARAMS_SCHEMA
from plugins.it.tax import HUNDRED, TAX_SOURCES, TaxLaw, cents, withhold
from plugins.jurisdiction import require_decimal
from plugins.payroll.contract import LawFilesPayroll, ReferenceCase
from plugins.payroll.law import LawAt, LawBook
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

LAW_FILES = ("payroll_2026.toml",)
DEFAULT_CONTRACT = Contract()
YEAR_DAYS = Decimal(365)
MONTHS = Decimal(12)
NIL = Decimal("0.00")  # an amount a line does not have, shown in cents


@dataclass(frozen=True, slots=True)
class _Law:
    """The law of one day, resolved once into plain numbers."""

    employee_ivs: Decimal
    employer_ivs: Decimal
    additional_rate: Decimal
    first_bracket: Decimal
    ceiling_month: Decimal
    daily_minimum: Decimal
    hourly_minimum: Decimal
    minimum_days: int
    cuaf: Decimal
    maternity: Decimal
    sickness: Decimal
    naspi: Decimal
    naspi_fixed_term: Decimal
    naspi_renewal: Decimal
    guarantee_fund: Decimal
    fis_small: Decimal
    fis_large: Decimal
    fis_small_reduced: Decimal
    fis_small_headcount: int
    fis_employee_share: Decimal
    tfr_divisor: Decimal
    tfr_offset: Decimal
    tax: TaxLaw

    @classmethod
    def resolve(cls, at: LawAt) -> _Law:
        d = at.decimal
        return cls(
            employee_ivs=d("inps.employee_ivs_rate"),
            employer_ivs=d("inps.employer_ivs_rate"),
            additional_rate=d("inps.additional_rate"),
            first_bracket=d("inps.first_bracket_monthly"),
            ceiling_month=d("inps.ceiling_annual") / MONTHS,
            daily_minimum=d("inps.daily_minimum"),
            hourly_minimum=d("inps.hourly_minimum"),
            minimum_days=at.integer("inps.minimum_days_month"),
            cuaf=d("inps.cuaf_rate"),
            maternity=d("inps.maternity_rate"),
            sickness=d("inps.sickness_rate"),
            naspi=d("inps.naspi_rate"),
            naspi_fixed_term=d("inps.naspi_fixed_term_rate"),
            naspi_renewal=d("inps.naspi_fixed_term_renewal_rate"),
            guarantee_fund=d("inps.tfr_guarantee_fund_rate"),
            fis_small=d("inps.fis_rate_small"),
            fis_large=d("inps.fis_rate_large"),
            fis_small_reduced=d("inps.fis_rate_small_reduced"),
            fis_small_headcount=at.integer("inps.fis_small_headcount"),
            fis_employee_share=d("inps.fis_employee_share"),
            tfr_divisor=d("tfr.divisor"),
            tfr_offset=d("tfr.ivs_offset_rate"),
            tax=TaxLaw.resolve(at),
        )

    def floor(self, contract: Contract) -> Decimal:
        """The INPS minimum base of a period (DL 338/1989 art. 1, DL 463/1983 art. 7)."""
        if contract.basis == PayBasis.DAILY:
            return self.daily_minimum * (contract.days or 0)
        if contract.basis == PayBasis.HOURLY:
            return self.hourly_minimum * (contract.hours or ZERO)
        return self.daily_minimum * self.minimum_days * contract.work_fraction


def _pct(base: Decimal, rate: Decimal) -> Decimal:
    return cents(base * rate / HUNDRED)


def _line(
    code: str,
    label: str,
    base: Decimal,
    sources: tuple[str, ...],
    employee: Decimal | None = None,
    employer: Decimal | None = None,
) -> PayslipLine:
    """A contribution line at ``employee`` and ``employer`` percent of ``base``."""
    return PayslipLine(
        code,
        label,
        base,
        employee_rate=employee,
        employee_amount=_pct(base, employee) if employee is not None else NIL,
        employer_rate=employer,
        employer_amount=_pct(base, employer) if employer is not None else NIL,
        sources=sources,
    )


class ItalyPayroll(LawFilesPayroll[_Law]):
    """Italian payroll law of 2026 (see the module docstring and ``docs/payroll-it.md``)."""

    country = "IT"
    currency = "EUR"
    minor_unit = 2
    law_package = "plugins.it"
    law_files = LAW_FILES

    def __init__(self, book: LawBook | None = None) -> None:
        super().__init__(book)
        self._drops: dict[Any, tuple[Decimal, ...]] = {}

    def resolve_law(self, values: LawAt) -> _Law:
        return _Law.resolve(values)

    def params_schema(self) -> dict[str, Any]:
        return PARAMS_SCHEMA

    def check_params(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The schema, then the signs the schema's decimal pattern lets through."""
        checked = super().check_params(given)
        for name in (
            "other_annual_income",
            "employer_other_rate",
            "employee_other_rate",
            "inail_rate",
            "regional_surcharge_rate",
            "municipal_surcharge_rate",
        ):
            if checked[name] < 0:
                raise PayrollError(f"param {name}: must not be negative")
        for name in (
            "employer_other_rate",
            "employee_other_rate",
            "inail_rate",
            "regional_surcharge_rate",
        ):
            if checked[name] > 20:
                raise PayrollError(f"param {name}: {checked[name]} % is not a plausible rate")
        if checked["municipal_surcharge_rate"] > Decimal("0.8"):
            raise PayrollError("param municipal_surcharge_rate: at most 0.80 % (D.Lgs. 360/1998)")
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
        gross = cents(gross)
        p = self.params(params)
        contract = contract or DEFAULT_CONTRACT
        law = self.law_on(period.start)
        base = self._inps_base(gross, p, contract, law)
        lines = self._contributions(base, p, contract, law)
        employee = sum((line.employee_amount for line in lines), ZERO)
        taxable = max(ZERO, gross - employee)
        fraction, annual = self._year_share(taxable, p, contract)
        monthly = p["payslip_kind"] == "monthly"
        tax = withhold(law.tax, taxable, annual, p["other_annual_income"], fraction, monthly)
        if tax.exempt_sum:
            lines.append(
                PayslipLine(
                    "cuneo_exempt_sum",
                    "Somma esente cuneo fiscale (L. 207/2024 art. 1 c. 4)",
                    taxable,
                    employee_rate=tax.exempt_sum_rate,
                    employee_amount=-tax.exempt_sum,
                    sources=("cuneo.exempt_sum",),
                )
            )
        if p["tfr_accrual"]:
            lines.append(self._tfr(gross, law))
        due = tax.annual_net_irpef > 0
        regional = _pct(taxable, p["regional_surcharge_rate"]) if due else ZERO
        municipal = _pct(taxable, p["municipal_surcharge_rate"]) if due else ZERO
        extra = {
            "inps_base": str(base),
            "taxable_income": str(taxable),
            "annual_income": str(cents(tax.annual_income)),
            "employment_income_annual": str(cents(annual)),
            "irpef_gross": str(cents(tax.gross_tax)),
            "employment_deduction": str(cents(tax.employment_deduction)),
            "additional_deduction": str(cents(tax.additional_deduction)),
            "irpef": str(tax.irpef),
            "regional_surcharge": str(regional),
            "municipal_surcharge": str(municipal),
            "exempt_sum": str(tax.exempt_sum),
            "integrative_treatment_due": str(tax.integrative_treatment),
            "tax_sources": ",".join(TAX_SOURCES),
        }
        return Payslip(
            country=self.country,
            period=period,
            currency=self.currency,
            gross=gross,
            lines=tuple(lines),
            income_tax_withheld=tax.irpef + regional + municipal,
            params=p,
            extra=extra,
        )

    def _inps_base(
        self, gross: Decimal, p: Mapping[str, Any], contract: Contract, law: _Law
    ) -> Decimal:
        """The pay contributions are due on: at least the floor (a monthly payslip with pay),
        at most the monthly twelfth of the ceiling (when it applies)."""
        base = gross
        if p["contribution_floor"] and gross > 0 and p["payslip_kind"] == "monthly":
            base = max(base, cents(law.floor(contract)))
        if p["contributory_ceiling"]:
            base = min(base, cents(law.ceiling_month))
        return base

    def _contributions(
        self, base: Decimal, p: Mapping[str, Any], contract: Contract, law: _Law
    ) -> list[PayslipLine]:
        lines = [
            _line(
                "inps_ivs",
                "Contributo IVS (FPLD)",
                base,
                ("inps.employee_ivs_rate", "inps.employer_ivs_rate"),
                employee=law.employee_ivs,
                employer=law.employer_ivs,
            )
        ]
        above = max(ZERO, base - law.first_bracket)
        if above:
            lines.append(
                _line(
                    "inps_ivs_additional",
                    "Contributo aggiuntivo IVS 1 % (oltre la prima fascia pensionabile)",
                    above,
                    ("inps.additional_rate", "inps.first_bracket_monthly"),
                    employee=law.additional_rate,
                )
            )
        minor = [
            ("inps_cuaf", "CUAF (assegni familiari)", law.cuaf, "inps.cuaf_rate"),
            ("inps_maternity", "Maternità", law.maternity, "inps.maternity_rate"),
        ]
        if p["sickness_insurance"]:
            minor.append(("inps_sickness", "Malattia", law.sickness, "inps.sickness_rate"))
        minor.append(("inps_naspi", "NASpI (1,31 % + 0,30 %)", law.naspi, "inps.naspi_rate"))
        for code, label, rate, key in minor:
            lines.append(_line(code, label, base, (key,), employer=rate))
        if contract.kind == ContractKind.FIXED_TERM:
            rate = law.naspi_fixed_term + law.naspi_renewal * p["fixed_term_renewals"]
            lines.append(
                _line(
                    "inps_naspi_fixed_term",
                    "Contributo addizionale NASpI (tempo determinato)",
                    base,
                    ("inps.naspi_fixed_term_rate", "inps.naspi_fixed_term_renewal_rate"),
                    employer=rate,
                )
            )
        lines.append(
            _line(
                "inps_tfr_guarantee_fund",
                "Fondo di garanzia TFR",
                base,
                ("inps.tfr_guarantee_fund_rate",),
                employer=law.guarantee_fund,
            )
        )
        lines.append(self._fis(base, p, law))
        other = ("employer.other_contributions",)
        if p["employee_other_rate"] or p["employer_other_rate"]:
            lines.append(
                _line(
                    "other_contributions",
                    "Altri contributi (CIGS, fondi di settore)",
                    base,
                    other,
                    employee=p["employee_other_rate"],
                    employer=p["employer_other_rate"],
                )
            )
        if p["inail_rate"]:
            lines.append(_line("inail", "Premio INAIL", base, other, employer=p["inail_rate"]))
        return lines

    def _fis(self, base: Decimal, p: Mapping[str, Any], law: _Law) -> PayslipLine:
        """Fondo d'integrazione salariale: one third on the worker, two thirds employer."""
        small = p["employer_headcount"] <= law.fis_small_headcount
        reduced = small and p["fis_reduced"]
        rate = law.fis_small_reduced if reduced else law.fis_small if small else law.fis_large
        key = "inps.fis_rate_small_reduced" if reduced else "inps.fis_rate_small"
        employee = rate * law.fis_employee_share
        employer = rate - employee
        return PayslipLine(
            "inps_fis",
            "Fondo d'integrazione salariale (FIS)",
            base,
            employee_rate=employee.quantize(Decimal("0.0001")),
            employee_amount=cents(base * employee / HUNDRED),
            employer_rate=employer.quantize(Decimal("0.0001")),
            employer_amount=cents(base * employer / HUNDRED),
            sources=(
                key if small else "inps.fis_rate_large",
                "inps.fis_small_headcount",
                "inps.fis_employee_share",
            ),
        )

    def _tfr(self, gross: Decimal, law: _Law) -> PayslipLine:
        """The month's TFR accrual (c.c. art. 2120) less the 0.50 % IVS (L. 297/1982 art. 3)."""
        accrual = gross / law.tfr_divisor - gross * law.tfr_offset / HUNDRED
        return PayslipLine(
            "tfr_accrual",
            "Accantonamento TFR (retribuzione / 13,5 − 0,50 % IVS)",
            gross,
            employer_amount=cents(max(ZERO, accrual)),
            sources=("tfr.divisor", "tfr.ivs_offset_rate"),
        )

    @staticmethod
    def _year_share(
        taxable: Decimal, p: Mapping[str, Any], contract: Contract
    ) -> tuple[Decimal, Decimal]:
        """The share of a year the payslip is, and its employment income brought to a year: by
        days for a daily contract (circ. AdE 4/E/2025 § 1.2), else by monthly payments."""
        if contract.basis == PayBasis.DAILY and contract.days:
            days = Decimal(contract.days)
            return days / YEAR_DAYS, taxable * YEAR_DAYS / days
        return Decimal(1) / MONTHS, taxable * (MONTHS + p["additional_months"])

    def net_drops(
        self, period: Period, params: Mapping[str, Any] | None = None
    ) -> tuple[Decimal, ...]:
        """The exempt sum of the cuneo fiscale falls from 7.1 to 5.3 % at 8 500 € a year, to
        4.8 % at 15 000 € and ends at 20 000 €: the last grosses below each."""
        p = self.params(params)
        key = (period, tuple(sorted(p.items())))
        found = self._drops.get(key)
        if found is None:
            law = self.law_on(period.start)
            other = p["other_annual_income"]
            limits = [(t, ZERO) for t in law.tax.thresholds()[:-1]]
            limits.append((law.tax.exempt_sum_ceiling, other))
            found = tuple(
                g for g in (self._last_gross(limit, add, p, law) for limit, add in limits) if g
            )
            self._drops[key] = found
        return found

    def _last_gross(
        self, limit: Decimal, add: Decimal, p: Mapping[str, Any], law: _Law
    ) -> Decimal | None:
        """The highest gross (in cents) whose annual income plus ``add`` is at most ``limit``."""

        def annual(cents_: int) -> Decimal:
            gross = Decimal(cents_) / 100
            lines = self._contributions(
                self._inps_base(gross, p, DEFAULT_CONTRACT, law), p, DEFAULT_CONTRACT, law
            )
            taxable = max(ZERO, gross - sum((x.employee_amount for x in lines), ZERO))
            return self._year_share(taxable, p, DEFAULT_CONTRACT)[1] + add

        if annual(1) > limit:
            return None
        low, high = 1, int(limit * 100)
        while low < high:
            middle = (low + high + 1) // 2
            if annual(middle) <= limit:
                low = middle
            else:
                high = middle - 1
        return Decimal(low) / 100

    # -- minimum wage ---------------------------------------------------------------------

    def minimum_wage(self, on: date) -> MinimumWage:
        """Italy has no statutory minimum wage (pay floors are set by collective agreements):
        the legal floor a payslip must reach is the INPS contribution minimum, 26 paid days at
        the daily minimum, which is what this returns (``docs/payroll-it.md``)."""
        at = self.law.at(on)
        daily = at.value("inps.daily_minimum")
        law = self.law_on(on)
        return MinimumWage(
            monthly=cents(law.daily_minimum * law.minimum_days),
            hourly=law.hourly_minimum,
            currency=self.currency,
            source=daily.source,
            effective=daily.effective,
            statutory=False,
        )

    # -- declarations ---------------------------------------------------------------------

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        return declarations.unilav(self.country, employer, worker, contract, self.params(params))

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        return declarations.uniemens_f24(self.country, employer, period, payslips)

    def posting_requirements(self, on: date) -> PostingRequirements:
        return declarations.posting(self.country, self.minimum_wage(on))

    # -- self-checks ----------------------------------------------------------------------

    def reference_cases(self) -> Iterable[ReferenceCase]:
        from plugins.it.cases import REFERENCE_CASES

        return REFERENCE_CASES


@functools.cache
def italy_payroll() -> ItalyPayroll:
    """The one Italian payroll (its law file is read on first use)."""
    return ItalyPayroll()
