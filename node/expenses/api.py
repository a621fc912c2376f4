"""HTTP API of expenses: members file their own (with a receipt), staff decide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from node.activities.service import visible_activity
from node.errors import ValidationProblem
from node.expenses import service
from node.expenses.models import Expense, ExpenseStatus
from node.members.identifiers import Vault
from node.money import from_minor
from node.payouts.uploads import upload_route
from node.web.api import ANY_USER, STAFF, Call, api_route
from node.web.validation import DATE, DECIMAL, obj

TAG = "expenses"
ONE = "/api/v1/expenses/{expense_id:int}"
FILE_FIELDS = obj(
    {
        "amount": DECIMAL,
        "description": {"type": "string", "minLength": 1, "maxLength": 500},
        "incurred_on": DATE,
        "member_id": {"type": "string", "pattern": "^[1-9][0-9]{0,9}$"},
    },
    required=("amount", "description", "incurred_on"),
)
LIST_QUERY = obj(
    {"status": {"enum": [s.value for s in ExpenseStatus]}, "activity_id": {"type": "integer"}}
)
REFUSE = obj(
    {"reason": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": r"\S"}},
    required=("reason",),
)


def present(expense: Expense) -> dict[str, Any]:
    return {
        "id": expense.id,
        "activity_id": expense.activity_id,
        "member_id": expense.member_id,
        "amount": from_minor(expense.amount_minor, expense.currency),
        "currency": expense.currency,
        "description": expense.description,
        "incurred_on": expense.incurred_on,
        "status": expense.status,
        "reason": expense.reason,
        "submitted_at": expense.submitted_at,
        "decided_at": expense.decided_at,
        "receipt": {
            "type": expense.receipt_type,
            "size": expense.receipt_size,
            "sha256": expense.receipt_sha256,
        },
        "payout_id": expense.payout_id,
    }


@upload_route(
    "POST",
    "/api/v1/activities/{activity_id:int}/expenses",
    summary="File an expense with its receipt (PDF, PNG or JPEG, at most 5 MB).",
    roles=ANY_USER,
    tag=TAG,
    fields=FILE_FIELDS,
    files=("receipt",),
    status=201,
)
def file_expense(call: Call) -> dict[str, Any]:
    principal = call.caller()
    activity = visible_activity(call.session, principal, call.path["activity_id"])
    fields, files = call.body.fields, call.body.files
    if principal.is_staff:
        if "member_id" in fields:
            member_id = int(fields["member_id"])
        else:
            member_id = next(m.member_id for m in activity.members if m.lead)
    else:
        assert principal.member_id is not None  # else the activity was not visible
        if "member_id" in fields and int(fields["member_id"]) != principal.member_id:
            raise ValidationProblem.single(
                "member_id", "Members file their own expenses.", "not_allowed"
            )
        member_id = principal.member_id
    receipt = files.get("receipt")
    if receipt is None:
        raise ValidationProblem.single("receipt", "Attach the receipt.", "required")
    expense = service.file_expense(
        call.session,
        activity,
        member_id=member_id,
        amount=Decimal(fields["amount"]),
        description=fields["description"],
        incurred_on=date.fromisoformat(fields["incurred_on"]),
        receipt=receipt.data,
        actor=call.actor,
        request_id=call.request_id,
    )
    return present(expense)


@api_route(
    "GET",
    "/api/v1/expenses",
    summary="Expenses (a member: their own).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=LIST_QUERY,
)
def list_expenses(call: Call) -> list[dict[str, Any]]:
    rows = service.expenses_of(
        call.session,
        call.caller(),
        status=call.query.get("status"),
        activity_id=call.query.get("activity_id"),
    )
    return [present(row) for row in rows]


@api_route("GET", ONE, summary="One expense.", roles=ANY_USER, tag=TAG, own_records=True)
def get_expense(call: Call) -> dict[str, Any]:
    return present(service.visible_expense(call.session, call.caller(), call.path["expense_id"]))


@api_route(
    "GET",
    ONE + "/receipt",
    summary="The expense's receipt file.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type="application/octet-stream",
)
def expense_receipt(call: Call) -> Response:
    expense = service.visible_expense(call.session, call.caller(), call.path["expense_id"])
    extension = service.EXTENSIONS[expense.receipt_type]
    return Response(
        expense.receipt,
        media_type=expense.receipt_type,
        headers={
            "Content-Disposition": f'attachment; filename="expense-{expense.id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@api_route(
    "POST",
    ONE + "/approve",
    summary="Approve an expense (not one's own): its reimbursement payout is created.",
    roles=STAFF,
    tag=TAG,
)
def approve_expense(call: Call) -> dict[str, Any]:
    expense, payout = service.approve(
        call.session,
        call.path["expense_id"],
        principal=call.caller(),
        vault=Vault.from_settings(call.settings, call.node.cipher),
        second_approval_above=call.settings["payouts.second_approval_above"],
        request_id=call.request_id,
    )
    return {**present(expense), "payout": {"id": payout.id, "status": payout.status}}


@api_route(
    "POST",
    ONE + "/refuse",
    summary="Refuse an expense with a reason.",
    roles=STAFF,
    tag=TAG,
    body=REFUSE,
)
def refuse_expense(call: Call) -> dict[str, Any]:
    expense = service.refuse(
        call.session,
        call.path["expense_id"],
        principal=call.caller(),
        reason=call.body["reason"],
        request_id=call.request_id,
    )
    return present(expense)


ROUTES = [
    file_expense,
    list_expenses,
    get_expense,
    expense_receipt,
    approve_expense,
    refuse_expense,
]
