"""A member's payroll data in their export, and what erasure removes of it.

Export: the payroll profile, every employment contract with its pre-hire declaration, and every
payslip with its computation. Erasure removes the profile's personal values (birth date, tax
situation params), which only serve future payslips; contracts, declarations and payslips stay,
because labour and social-security law make the employer keep payroll records (France: Code du
travail art. L3243-4, payslips five years; Belgium: AR n° 5 of 23 October 1978, social documents
five years) — GDPR art. 17(3)(b).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.payouts.models import Payout
from node.payroll.models import EmploymentContract, PayrollProfile, Payslip
from node.payroll.presenters import present_contract, present_payslip, present_profile


def export_payroll(session: Session, member_id: int, language: str) -> dict[str, Any]:
    profile = session.scalar(select(PayrollProfile).where(PayrollProfile.member_id == member_id))
    contracts = session.scalars(
        select(EmploymentContract)
        .where(EmploymentContract.member_id == member_id)
        .order_by(EmploymentContract.id)
    )
    payslips = session.scalars(
        select(Payslip).where(Payslip.member_id == member_id).order_by(Payslip.id)
    )
    return {
        "profile": present_profile(member_id, language, profile),
        "contracts": [present_contract(row) for row in contracts],
        "payslips": [present_payslip(row, session.get(Payout, row.payout_id)) for row in payslips],
    }


def erase_payroll_profile(session: Session, member_id: int) -> None:
    """Forget the profile's personal values; payroll records stay (see the module docstring)."""
    profile = session.scalar(select(PayrollProfile).where(PayrollProfile.member_id == member_id))
    if profile is not None:
        profile.birth_date = None
        profile.params = {}
