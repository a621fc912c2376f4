"""Payroll records as JSON: profiles, contracts (with their pre-hire declaration), payslips.

Shared by the API and the member's data export, so both show the same fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from node.money import from_minor
from node.payouts.models import Payout
from node.payroll.models import EmploymentContract, PayrollProfile, Payslip


def present_profile(
    member_id: int, language: str, profile: PayrollProfile | None
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "birth_date": profile.birth_date if profile else None,
        "language": profile.language if profile else None,
        "payslip_language": (profile.language if profile else None) or language,
        "params": dict(profile.params or {}) if profile else {},
        "updated_at": profile.updated_at if profile else None,
        "updated_by": profile.updated_by if profile else None,
    }


def present_contract(row: EmploymentContract) -> dict[str, Any]:
    return {
        "id": row.id,
        "member_id": row.member_id,
        "activity_id": row.activity_id,
        "kind": row.kind,
        "basis": row.basis,
        "start": row.start_on,
        "end": row.end_on,
        "work_fraction": row.work_fraction,
        "days": row.days,
        "hours": row.hours,
        "place_of_work": row.place_of_work,
        "description": row.description,
        "params": row.params,
        "pre_hire_declaration": row.pre_hire,
        "declared_by": row.declared_by,
        "declared_at": row.declared_at,
    }


def present_payslip(row: Payslip, payout: Payout | None, *, full: bool = True) -> dict[str, Any]:
    def money(minor: int) -> Decimal:
        return from_minor(minor, row.currency)

    shown: dict[str, Any] = {
        "id": row.id,
        "request_id": row.request_id,
        "contract_id": row.contract_id,
        "member_id": row.member_id,
        "activity_id": row.activity_id,
        "period": row.period,
        "sequence": row.sequence,
        "status": row.status,
        "currency": row.currency,
        "gross": money(row.gross_minor),
        "employee_contributions": money(row.employee_contributions_minor),
        "employer_contributions": money(row.employer_contributions_minor),
        "income_tax_withheld": money(row.income_tax_minor),
        "net_pay": money(row.net_pay_minor),
        "employer_cost": money(row.employer_cost_minor),
        "language": row.language,
        "corrects_id": row.corrects_id,
        "reason": row.reason,
        "created_at": row.created_at,
        "payout": (
            {"id": payout.id, "status": payout.status, "amount": money(payout.amount_minor)}
            if payout
            else None
        ),
    }
    if full:
        shown["computation"] = row.data
    return shown
