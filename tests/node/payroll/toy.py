"""A toy payroll for the node's tests: flat rates, one enum param, trivial declarations.

13 % employee contributions and 25 % employer contributions on the gross (27 % for the
``executive`` category), 10 % income tax withheld on the net before tax; every line rounded half
up to the cent. The pre-hire declaration needs the worker's birth date, as real ones do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.payroll.contract import Payroll
from plugins.payroll.law import LawBook
from plugins.payroll.model import (
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

CENT = Decimal("0.01")
SOURCE = "https://example.org/toy-payroll-law"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class ToyPayroll(Payroll):
    country = "BE"
    currency = "EUR"

    @property
    def law(self) -> LawBook:
        return LawBook("BE", date(2020, 1, 1), date(2030, 12, 31), ())

    def params_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "category": {
                    "type": "string",
                    "enum": ["standard", "executive"],
                    "default": "standard",
                    "description": "Worker category.",
                }
            },
            "additionalProperties": False,
        }

    def payslip(
        self,
        period: Period,
        gross: Decimal,
        params: Mapping[str, Any] | None = None,
        contract: Contract | None = None,
    ) -> Payslip:
        if isinstance(gross, float):
            raise TypeError("gross must be a Decimal")
        if not self.law.covers(period.start):
            raise PayrollError(f"toy law does not cover {period}")
        checked = self.params(params)
        employer_rate = Decimal("27") if checked["category"] == "executive" else Decimal("25")
        social = PayslipLine(
            code="social",
            label="Social security",
            base=gross,
            employee_rate=Decimal("13"),
            employee_amount=_cents(gross * Decimal("0.13")),
            employer_rate=employer_rate,
            employer_amount=_cents(gross * employer_rate / 100),
            sources=("toy.social",),
        )
        tax = _cents((gross - social.employee_amount) * Decimal("0.10"))
        return Payslip(
            country="BE",
            period=period,
            currency="EUR",
            gross=gross,
            lines=(social,),
            income_tax_withheld=tax,
            params=checked,
            extra={"taxable": str(gross - social.employee_amount)},
        )

    def minimum_wage(self, on: date) -> MinimumWage:
        return MinimumWage(Decimal("2000.00"), Decimal("12.00"), "EUR", SOURCE, date(2020, 1, 1))

    def pre_hire_declaration(
        self, employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
    ) -> PreHireDeclaration:
        if worker.birth_date is None:
            raise PayrollError("the worker's birth date is required")
        start = contract.start or date(2026, 1, 1)
        return PreHireDeclaration(
            country="BE",
            name="TOY-HIRE",
            due_before=start,
            payload={
                "employer": {"name": employer.name, "company_id": employer.company_id},
                "worker": {
                    "member_id": worker.member_id,
                    "family_name": worker.family_name,
                    "given_name": worker.given_name,
                    "birth_date": worker.birth_date,
                },
                "contract": {
                    "kind": contract.kind.value,
                    "basis": contract.basis.value,
                    "start": start,
                    "end": contract.end,
                    "work_fraction": contract.work_fraction,
                },
                "category": params["category"],
            },
            schema="toy:hire:1",
        )

    def periodic_declaration(
        self, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
    ) -> PeriodicDeclaration:
        return PeriodicDeclaration(
            country="BE",
            name="TOY-PERIODIC",
            period=str(period),
            payload={
                "employer": employer.company_id,
                "workers": [
                    {
                        "member_id": worker.member_id,
                        "gross": slip.gross,
                        "contributions": slip.employee_contributions + slip.employer_contributions,
                        "tax": slip.income_tax_withheld,
                    }
                    for worker, slip in payslips
                ],
                "total_gross": sum((slip.gross for _w, slip in payslips), Decimal(0)),
            },
            schema="toy:periodic:1",
        )

    def posting_requirements(self, on: date) -> PostingRequirements:
        return PostingRequirements(
            "BE", "TOY-POST", "Toy office", self.minimum_wage(on), (), SOURCE
        )


TOY = ToyPayroll()
