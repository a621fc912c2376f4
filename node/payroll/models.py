"""Payroll tables: profiles, employment contracts (with their pre-hire declaration), salary
requests and payslips.

Decimal inputs that are not money (a work fraction, hours) are kept as decimal text, exact on
every engine; money is in minor units next to its currency, as everywhere in the node. A payslip
keeps the jurisdiction's computation as JSON (:meth:`plugins.payroll.model.Payslip.as_dict`) and
its totals as integers for sums and reports.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import UTCDateTime, utcnow


class PayrollProfile(Base):
    """What payroll needs to know about a member beyond the member record: birth date, the
    language of their payslips and the default payroll params (category, tax situation,
    dependants, region … — whatever the country's params schema names)."""

    __tablename__ = "payroll_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))


class EmploymentContract(Base):
    """A contract of employment of a member by the co-op, paid out of one activity's budget.

    Created by a work declaration, which also produces the pre-hire declaration (``pre_hire``:
    the jurisdiction's :class:`~plugins.payroll.model.PreHireDeclaration`, stored as JSON).
    ``params`` override the member's profile params for this contract.
    """

    __tablename__ = "employment_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    work_fraction: Mapped[str] = mapped_column(String(12))
    days: Mapped[int | None] = mapped_column()
    hours: Mapped[str | None] = mapped_column(String(12))
    place_of_work: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pre_hire: Mapped[dict[str, Any]] = mapped_column(JSON)
    declared_by: Mapped[str] = mapped_column(String(120))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SalaryRequestStatus(StrEnum):
    """``requested``: waiting for the period's payroll run; ``computed``: its payslip is made
    and its payout posted; ``failed``: the last computation was refused (``problem`` says why),
    the next run tries again."""

    REQUESTED = "requested"
    COMPUTED = "computed"
    FAILED = "failed"


class SalaryRequest(Base):
    """A member's request to be paid, for one contract and period, out of the contract's
    activity: ``amount_minor`` is the employer budget to spend (the payslip's employer cost is at
    most this). At most one per contract and period."""

    __tablename__ = "salary_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("employment_contracts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    days: Mapped[int | None] = mapped_column()
    hours: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), index=True)
    problem: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("contract_id", "period", name="uq_salary_requests_contract_period"),
    )


class PayslipStatus(StrEnum):
    """``current``: the payslip in force; ``corrected``: replaced by a later sequence (its
    payout was cancelled, so its entry reversed; the document stays)."""

    CURRENT = "current"
    CORRECTED = "corrected"


class Payslip(Base):
    """One computed payslip: the jurisdiction's result, its totals and the payout that paid it.

    ``sequence`` is 1 for the first computation of a contract's period and rises with each
    correction; (contract, period, sequence) is unique, so a period is computed at most once
    however often a run is restarted.
    """

    __tablename__ = "payslips"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("salary_requests.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("employment_contracts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    sequence: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    employee_contributions_minor: Mapped[int] = mapped_column(BigInteger)
    employer_contributions_minor: Mapped[int] = mapped_column(BigInteger)
    income_tax_minor: Mapped[int] = mapped_column(BigInteger)
    net_pay_minor: Mapped[int] = mapped_column(BigInteger)
    employer_cost_minor: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("payslips.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "contract_id", "period", "sequence", name="uq_payslips_contract_period_sequence"
        ),
    )
