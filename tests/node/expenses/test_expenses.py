"""Expenses: filed with a receipt, decided by other staff, reimbursed through a payout."""

from __future__ import annotations

from typing import Any

import pytest

from node.expenses.models import Expense
from node.ledger.models import JournalEntry
from node.payouts.models import Payout
from node.runtime import Node
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import (
    balance,
    camt_debits,
    chain_problems,
    funded_activity,
    use_debtor,
)

EXPENSES = "/api/v1/expenses"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def file(
    crew: Crew,
    activity_id: int,
    headers: dict[str, str],
    *,
    amount: str = "42.50",
    receipt: tuple[str, bytes, str] = ("ticket.png", PNG, "image/png"),
    **fields: str,
) -> Any:
    data = {"amount": amount, "description": "Train to Ghent", "incurred_on": "2026-02-10"}
    return crew.client.post(
        f"/api/v1/activities/{activity_id}/expenses",
        data={**data, **fields},
        files={"receipt": receipt},
        headers=headers,
    )


def test_expense_from_filing_to_reimbursement(crew: Crew, node: Node) -> None:
    use_debtor(node)
    activity_id, member, headers = funded_activity(crew, "100.00")
    filed = file(crew, activity_id, headers)
    assert filed.status_code == 201, filed.text
    expense = filed.json()
    assert (expense["status"], expense["amount"], expense["member_id"]) == (
        "submitted",
        "42.50",
        member["id"],
    )
    assert expense["receipt"]["type"] == "image/png" and expense["receipt"]["size"] == len(PNG)
    receipt = crew.client.get(f"{EXPENSES}/{expense['id']}/receipt", headers=headers)
    assert receipt.content == PNG and receipt.headers["content-type"] == "image/png"
    assert [e["id"] for e in crew.client.get(EXPENSES, headers=headers).json()] == [expense["id"]]

    approved = crew.client.post(f"{EXPENSES}/{expense['id']}/approve", headers=crew.staff)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    payout_id = approved.json()["payout"]["id"]
    payout = crew.client.get(f"/api/v1/payouts/{payout_id}", headers=crew.staff).json()
    assert (payout["kind"], payout["amount"], payout["status"]) == ("expense", "42.50", "approved")
    assert payout["member_id"] == member["id"]

    batch = crew.client.post(
        "/api/v1/payment-batches", json={"execution_date": "2099-01-15"}, headers=crew.staff
    ).json()
    crew.client.post(f"/api/v1/payment-batches/{batch['id']}/sent", headers=crew.staff)
    imported = crew.client.post(
        "/api/v1/bank-statements/debits",
        content=camt_debits([(payout["end_to_end_id"], "42.50")]),
        headers={**crew.staff, "Content-Type": "application/xml"},
    )
    assert [m["payout_id"] for m in imported.json()["matched"]] == [payout_id]
    done = crew.client.get(f"{EXPENSES}/{expense['id']}", headers=headers).json()
    assert done["status"] == "reimbursed"

    statement = crew.client.get(f"/api/v1/activities/{activity_id}/statement", headers=headers)
    report = statement.json()
    assert report["closing_balance"] == "57.50"
    assert report["by_kind"]["payout.expense"] == "-42.50"
    assert [line["kind"] for line in report["lines"]] == ["manual", "payout.expense"]
    assert balance(node, "payouts:pending") == 0
    assert chain_problems(node) == []


def test_members_file_only_for_their_activities_and_see_only_their_expenses(
    crew: Crew, node: Node
) -> None:
    activity_id, _, headers = funded_activity(crew, "100.00")
    _other_activity, _, other_headers = funded_activity(crew, "0")
    expense = file(crew, activity_id, headers).json()
    before = state_counts(node, Expense)
    foreign = file(crew, activity_id, other_headers)
    assert foreign.status_code == 404
    assert crew.client.get(f"{EXPENSES}/{expense['id']}", headers=other_headers).status_code == 404
    hidden = crew.client.get(f"{EXPENSES}/{expense['id']}/receipt", headers=other_headers)
    assert hidden.status_code == 404
    assert crew.client.get(EXPENSES, headers=other_headers).json() == []
    for_someone_else = file(crew, activity_id, headers, member_id="999")
    assert for_someone_else.status_code == 422
    approve = crew.client.post(f"{EXPENSES}/{expense['id']}/approve", headers=headers)
    assert approve.status_code == 403
    assert state_counts(node, Expense) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"receipt": ("ticket.pdf", b"GIF89a not a pdf", "application/pdf")}, "receipt"),
        ({"receipt": ("script.png", b"<script>alert(1)</script>", "image/png")}, "receipt"),
        ({"receipt": ("empty.pdf", b"", "application/pdf")}, "receipt"),
        ({"receipt": ("big.pdf", b"%PDF-" + b"0" * (5 * 2**20), "application/pdf")}, "receipt"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"incurred_on": "2999-01-01"}, "incurred_on"),
        ({"incurred_on": "yesterday"}, "incurred_on"),
    ],
)
def test_bad_expenses_are_refused_and_change_nothing(
    crew: Crew, node: Node, changes: dict[str, Any], field: str
) -> None:
    activity_id, _, headers = funded_activity(crew, "100.00")
    before = state_counts(node, Expense)
    response = file(crew, activity_id, headers, **changes)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert state_counts(node, Expense) == before


def test_accepted_receipt_types_are_sniffed_not_trusted(crew: Crew) -> None:
    activity_id, _, headers = funded_activity(crew, "100.00")
    for name, content, expected in (
        ("scan", PDF, "application/pdf"),
        ("photo.pdf", JPEG, "image/jpeg"),
        ("x.bin", PNG, "image/png"),
    ):
        response = file(crew, activity_id, headers, receipt=(name, content, "text/plain"))
        assert response.status_code == 201, response.text
        assert response.json()["receipt"]["type"] == expected


def test_no_self_approval_no_second_decision(crew: Crew, node: Node) -> None:
    activity_id, _, headers = funded_activity(crew, "100.00")
    # a staff member who is also a member of the activity
    staff_account = crew.accounts.user("staff")
    staff_member = crew.create_member(user_id=staff_account.id, status="active")
    staff_headers = crew.accounts.session_headers(staff_account)
    own_activity = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={
            "name": "Own",
            "member_ids": [staff_member["id"]],
            "lead_member_id": staff_member["id"],
        },
    ).json()["id"]
    own = file(crew, own_activity, staff_headers).json()
    filed_by_staff = file(crew, activity_id, crew.staff).json()
    members = file(crew, activity_id, headers).json()

    before = state_counts(node, Expense, Payout, JournalEntry)
    for expense_id, approver in ((own["id"], staff_headers), (filed_by_staff["id"], crew.staff)):
        refused = crew.client.post(f"{EXPENSES}/{expense_id}/approve", headers=approver)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "another staff member" in refused.json()["detail"]
    assert state_counts(node, Expense, Payout, JournalEntry) == before

    assert (
        crew.client.post(f"{EXPENSES}/{members['id']}/approve", headers=staff_headers).status_code
        == 200
    )
    after = state_counts(node, Expense, Payout, JournalEntry)
    twice = crew.client.post(f"{EXPENSES}/{members['id']}/approve", headers=crew.staff)
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]
    refuse = crew.client.post(
        f"{EXPENSES}/{members['id']}/refuse", json={"reason": "no"}, headers=crew.staff
    )
    assert refuse.status_code == 409
    assert state_counts(node, Expense, Payout, JournalEntry) == after


def test_refusal_needs_a_reason_and_an_unaffordable_expense_stays_submitted(
    crew: Crew, node: Node
) -> None:
    activity_id, _, headers = funded_activity(crew, "20.00")
    expense = file(crew, activity_id, headers, amount="42.50").json()
    before = state_counts(node, Expense, Payout, JournalEntry)
    short = crew.client.post(f"{EXPENSES}/{expense['id']}/approve", headers=crew.staff)
    assert short.status_code == 409 and "available budget is 20.00 EUR" in short.json()["detail"]
    blank = crew.client.post(
        f"{EXPENSES}/{expense['id']}/refuse", json={"reason": "  "}, headers=crew.staff
    )
    assert blank.status_code == 422
    assert state_counts(node, Expense, Payout, JournalEntry) == before
    refused = crew.client.post(
        f"{EXPENSES}/{expense['id']}/refuse",
        json={"reason": "Not a cost of this activity."},
        headers=crew.staff,
    )
    assert refused.status_code == 200
    seen = crew.client.get(f"{EXPENSES}/{expense['id']}", headers=headers).json()
    assert (seen["status"], seen["reason"]) == ("refused", "Not a cost of this activity.")
    listed = crew.client.get(EXPENSES, params={"status": "refused"}, headers=crew.staff).json()
    assert [e["id"] for e in listed] == [expense["id"]]


def test_cancelled_reimbursement_returns_the_expense_for_a_new_decision(crew: Crew) -> None:
    activity_id, _, headers = funded_activity(crew, "100.00")
    expense = file(crew, activity_id, headers).json()
    first = crew.client.post(f"{EXPENSES}/{expense['id']}/approve", headers=crew.staff).json()
    cancel = crew.client.post(f"/api/v1/payouts/{first['payout']['id']}/cancel", headers=crew.staff)
    assert cancel.status_code == 200
    back = crew.client.get(f"{EXPENSES}/{expense['id']}", headers=headers).json()
    assert (back["status"], back["payout_id"]) == ("submitted", None)
    again = crew.client.post(f"{EXPENSES}/{expense['id']}/approve", headers=crew.staff)
    assert again.status_code == 200 and again.json()["payout"]["id"] != first["payout"]["id"]
