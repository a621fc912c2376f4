"""Filing, approving and refusing expenses; an approved expense is reimbursed by a payout.

The reimbursement is a plain payout of kind ``expense`` of the expense's amount (no payroll, no
social charges): it goes through :func:`node.payouts.service.payout`, so it is checked against the
activity's available budget and needs a second approval above the threshold like any payout.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityStatus
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from node.expenses.models import Expense, ExpenseStatus
from node.identity.roles import Principal
from node.members.identifiers import Vault
from node.members.models import Member
from node.money import MoneyError, from_minor, to_minor
from node.payouts import service as payouts
from node.payouts.models import Payout

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
#: What a receipt may be, recognised by its first bytes (the file name and declared type are
#: the sender's claim, not evidence).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
LIVE_MEMBER_STATUSES = frozenset({"active", "guest", "suspended"})


def sniff_receipt(data: bytes) -> str:
    """The receipt's media type from its content: PDF, PNG or JPEG, at most 5 MB; else 422."""
    if not data:
        raise ValidationProblem.single("receipt", "The receipt is empty.", "empty")
    if len(data) > MAX_RECEIPT_BYTES:
        raise ValidationProblem.single(
            "receipt",
            f"The receipt has {len(data)} bytes; at most {MAX_RECEIPT_BYTES} are accepted.",
            "too_large",
        )
    for magic, media_type in SIGNATURES:
        if data.startswith(magic):
            return media_type
    raise ValidationProblem.single(
        "receipt", "The receipt must be a PDF, PNG or JPEG file.", "unsupported_type"
    )


def file_expense(
    session: Session,
    activity: Activity,
    *,
    member_id: int,
    amount: Decimal,
    description: str,
    incurred_on: date,
    receipt: bytes,
    actor: str,
    request_id: str | None = None,
) -> Expense:
    """Record an expense of a member of ``activity`` with its receipt (422 for bad input)."""
    errors: list[FieldError] = []
    try:
        minor = to_minor(amount, activity.currency)
        if minor <= 0:
            errors.append(FieldError("amount", "Must be positive.", "sign"))
    except MoneyError as exc:
        errors.append(FieldError("amount", str(exc), "precision"))
    text = " ".join(description.split())
    if not text:
        errors.append(FieldError("description", "Say what the expense was for.", "required"))
    if incurred_on > utcnow().date():
        errors.append(FieldError("incurred_on", "The date is in the future.", "future"))
    if member_id not in {m.member_id for m in activity.members}:
        errors.append(
            FieldError("member_id", "The member does not take part in this activity.", "invalid")
        )
    else:
        member = session.get(Member, member_id)
        if member is None or member.status not in LIVE_MEMBER_STATUSES:
            errors.append(FieldError("member_id", "The member is not active.", "not_active"))
    try:
        media_type = sniff_receipt(receipt)
    except ValidationProblem as problem:
        errors += problem.errors
    if errors:
        raise ValidationProblem(errors)
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed.")
    expense = Expense(
        activity_id=activity.id,
        member_id=member_id,
        amount_minor=minor,
        currency=activity.currency,
        description=text[:500],
        incurred_on=incurred_on,
        status=ExpenseStatus.SUBMITTED.value,
        submitted_by=actor,
        submitted_at=utcnow(),
        receipt=receipt,
        receipt_type=media_type,
        receipt_size=len(receipt),
        receipt_sha256=hashlib.sha256(receipt).hexdigest(),
    )
    session.add(expense)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="expense.file",
        entity="expense",
        entity_id=expense.id,
        changes=audit.diff(
            {},
            {
                "activity_id": activity.id,
                "member_id": member_id,
                "amount": str(from_minor(minor, activity.currency)),
                "currency": activity.currency,
                "receipt_type": media_type,
                "receipt_size": len(receipt),
            },
        ),
        request_id=request_id,
    )
    return expense


def visible_expense(session: Session, principal: Principal, expense_id: int) -> Expense:
    """The expense if the caller may see it (staff, or the member it belongs to); else 404."""
    expense = session.get(Expense, expense_id)
    if expense is None or not principal.may_see_member(expense.member_id):
        raise NotFound("No such expense.")
    return expense


def expenses_of(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    activity_id: int | None = None,
) -> list[Expense]:
    query = select(Expense).order_by(Expense.id)
    if not principal.is_staff:
        query = query.where(Expense.member_id == (principal.member_id or -1))
    if status is not None:
        query = query.where(Expense.status == status)
    if activity_id is not None:
        query = query.where(Expense.activity_id == activity_id)
    return list(session.scalars(query))


def _locked(session: Session, expense_id: int) -> Expense:
    return locked(session, Expense, expense_id, "No such expense.")


def _refuse_own(expense: Expense, principal: Principal) -> None:
    if principal.member_id is not None and principal.member_id == expense.member_id:
        raise Forbidden("Staff cannot decide on their own expense; another staff member must.")
    if expense.submitted_by == principal.actor:
        raise Forbidden("Staff cannot decide on an expense they filed; another staff member must.")


def approve(
    session: Session,
    expense_id: int,
    *,
    principal: Principal,
    vault: Vault,
    second_approval_above: Decimal,
    request_id: str | None = None,
) -> tuple[Expense, Payout]:
    """Approve a submitted expense and create its reimbursement payout in the same transaction.

    403 for one's own expense, 409 when it is already decided or the budget cannot cover it.
    """
    expense = _locked(session, expense_id)
    _refuse_own(expense, principal)
    if expense.status != ExpenseStatus.SUBMITTED:
        raise Conflict(f"The expense is already {expense.status}.")
    activity = session.get(Activity, expense.activity_id)
    assert activity is not None
    prefix = f"expense:{expense.id}:"
    attempt = 1 + int(
        session.scalar(
            select(func.count())
            .select_from(Payout)
            .where(Payout.idempotency_key.like(f"{prefix}%"))
        )
        or 0
    )
    row, _created = payouts.payout(
        session,
        activity,
        from_minor(expense.amount_minor, expense.currency),
        "expense",
        f"{prefix}{attempt}",
        creditor=payouts.Creditor(member_id=expense.member_id),
        actor=principal.actor,
        vault=vault,
        second_approval_above=second_approval_above,
        description=f"Expense {expense.id} reimbursement",
        request_id=request_id,
    )
    expense.status, expense.payout_id = ExpenseStatus.APPROVED, row.id
    expense.decided_by, expense.decided_at = principal.actor, utcnow()
    audit.record(
        session,
        actor=principal.actor,
        action="expense.approve",
        entity="expense",
        entity_id=expense.id,
        changes={"status": ["submitted", "approved"], "payout_id": [None, row.id]},
        request_id=request_id,
    )
    return expense, row


def refuse(
    session: Session,
    expense_id: int,
    *,
    principal: Principal,
    reason: str,
    request_id: str | None = None,
) -> Expense:
    """Refuse a submitted expense with a reason the member will read."""
    text = reason.strip()
    if not text:
        raise ValidationProblem.single("reason", "Give the member a reason.", "required")
    expense = _locked(session, expense_id)
    _refuse_own(expense, principal)
    if expense.status != ExpenseStatus.SUBMITTED:
        raise Conflict(f"The expense is already {expense.status}.")
    expense.status, expense.reason = ExpenseStatus.REFUSED, text
    expense.decided_by, expense.decided_at = principal.actor, utcnow()
    audit.record(
        session,
        actor=principal.actor,
        action="expense.refuse",
        entity="expense",
        entity_id=expense.id,
        changes={"status": ["submitted", "refused"]},
        request_id=request_id,
    )
    return expense
