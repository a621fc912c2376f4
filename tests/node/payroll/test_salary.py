"""A salary request: from the activity's budget to a payslip, the ledger and a pain.001 batch."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from node.ledger.models import JournalEntry
from node.payouts.models import Payout
from node.payroll.models import Payslip, SalaryRequest
from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import (
    available,
    balance,
    camt_debits,
    chain_problems,
    use_debtor,
)
from tests.node.payroll.payroll_helpers import ask_salary, contract, worker

SOCIAL = "payroll:social_contributions"
TAX = "payroll:withholding_tax"


def entry_postings(node: Node, entry_id: int) -> dict[str, int]:
    with node.db.reading() as session:
        entry = session.get(JournalEntry, entry_id)
        assert entry is not None
        return {p.account.key: p.amount_minor for p in entry.postings}


def test_a_salary_request_posts_the_payslip_exactly(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, member, headers = worker(crew, "5000.00")
    contract_id = contract(crew, activity_id, headers)
    response = ask_salary(crew, contract_id, "1000.00", headers=headers)
    assert response.status_code == 201, response.text
    request = response.json()
    assert (request["status"], request["amount"], request["member_id"]) == (
        "computed",
        "1000.00",
        member["id"],
    )
    slip = request["payslip"]
    assert slip["gross"] == "800.00"
    assert slip["employee_contributions"] == "104.00"
    assert slip["employer_contributions"] == "200.00"
    assert slip["income_tax_withheld"] == "69.60"
    assert slip["net_pay"] == "626.40"
    assert slip["employer_cost"] == "1000.00"
    assert slip["payout"]["status"] == "approved"

    assert balance(node, f"activity:{activity_id}:budget") == -(500000 - 100000)
    assert balance(node, "payouts:pending") == -62640
    assert balance(node, SOCIAL) == -(10400 + 20000)
    assert balance(node, TAX) == -6960
    assert available(node, activity_id) == 400000
    with node.db.reading() as session:
        payout = session.get(Payout, slip["payout"]["id"])
        assert payout is not None
        assert (payout.kind, payout.amount_minor, payout.budget_charge_minor) == (
            "salary",
            62640,
            100000,
        )
        assert payout.charges == {SOCIAL: 30400, TAX: 6960}
        assert payout.member_id == member["id"]
        commit = payout.commit_entry_id
    assert commit is not None
    assert entry_postings(node, commit) == {
        f"activity:{activity_id}:budget": 100000,
        "payouts:pending": -62640,
        SOCIAL: -30400,
        TAX: -6960,
    }
    full = crew.client.get(f"/api/v1/payroll/payslips/{slip['id']}", headers=headers).json()
    assert full["computation"]["lines"][0]["code"] == "social"
    assert full["computation"]["net_pay"] == "626.40"
    assert chain_problems(node) == []


def test_the_employer_cost_never_exceeds_the_amount(crew: Crew, node: Node, toy: Payroll) -> None:
    """1000.03 has no gross costing exactly that: the gross one cent lower is taken."""
    activity_id, _member, headers = worker(crew, "5000.00")
    contract_id = contract(crew, activity_id, headers)
    slip = ask_salary(crew, contract_id, "1000.03", headers=headers).json()["payslip"]
    assert Decimal(slip["employer_cost"]) <= Decimal("1000.03")
    assert (slip["gross"], slip["employer_cost"]) == ("800.02", "1000.03")
    second = contract(crew, activity_id, headers, start="2026-04-01", end="2026-04-10")
    slip = ask_salary(crew, second, "1000.04", period="2026-04").json()["payslip"]
    assert Decimal(slip["employer_cost"]) <= Decimal("1000.04")
    assert slip["gross"] == "800.03"


def test_above_the_available_budget_nothing_is_posted(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, _member, headers = worker(crew, "900.00")
    contract_id = contract(crew, activity_id, headers)
    before = state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest)
    refused = ask_salary(crew, contract_id, "900.01", headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["available"] == "900.00"
    assert state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest) == before
    assert available(node, activity_id) == 90000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0.00"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-05"}, "period"),  # the contract ends in March
        ({"hours": "7.5"}, "hours"),  # a daily contract
    ],
)
def test_invalid_requests_write_nothing(
    crew: Crew, node: Node, toy: Payroll, changes: dict[str, Any], field: str
) -> None:
    activity_id, _member, headers = worker(crew)
    contract_id = contract(crew, activity_id, headers)
    before = state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest)
    extra = dict(changes)
    amount = extra.pop("amount", "500.00")
    response = ask_salary(crew, contract_id, amount, headers=headers, **extra)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest) == before


def test_replays_are_idempotent(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, _member, headers = worker(crew)
    contract_id = contract(crew, activity_id, headers)
    first = ask_salary(crew, contract_id, "1000.00", key="march-salary-1", headers=headers)
    assert first.status_code == 201
    before = state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest)
    again = ask_salary(crew, contract_id, "1000.00", key="march-salary-1", headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    other = ask_salary(crew, contract_id, "999.00", key="march-salary-1", headers=headers)
    assert other.status_code == 409
    twice = ask_salary(crew, contract_id, "10.00", key="march-salary-2", headers=headers)
    assert twice.status_code == 409
    assert "correct its payslip" in twice.json()["detail"]
    assert state_counts(node, Payout, JournalEntry, Payslip, SalaryRequest) == before


def test_a_member_reaches_only_their_own_contracts(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, _member, headers = worker(crew)
    contract_id = contract(crew, activity_id, headers)
    other_activity, _other, stranger = worker(crew)
    before = state_counts(node, Payout, JournalEntry, SalaryRequest)
    hidden = ask_salary(crew, contract_id, "100.00", headers=stranger)
    missing = ask_salary(crew, contract_id + 1000, "100.00", headers=stranger)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"] == "No such contract."
    declared = crew.client.post(
        f"/api/v1/activities/{activity_id}/work-declarations",
        json={
            "kind": "open_ended",
            "basis": "monthly",
            "start": "2026-03-01",
            "place_of_work": "x",
        },
        headers=stranger,
    )
    assert declared.status_code == 404
    assert (
        crew.client.get(f"/api/v1/payroll/contracts/{contract_id}", headers=stranger).status_code
        == 404
    )
    assert crew.client.get("/api/v1/payroll/contracts", headers=stranger).json() == []
    assert state_counts(node, Payout, JournalEntry, SalaryRequest) == before
    assert other_activity != activity_id


def test_above_the_threshold_the_whole_cost_is_reserved(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    node.settings = node.settings.replace(**{"payouts.second_approval_above": Decimal("500.00")})
    activity_id, _member, headers = worker(crew, "2000.00")
    contract_id = contract(crew, activity_id, headers)
    request = ask_salary(crew, contract_id, "1000.00", headers=headers).json()
    payout_id = request["payslip"]["payout"]["id"]
    assert request["payslip"]["payout"]["status"] == "pending_approval"  # net 626.40 > 500
    assert balance(node, f"activity:{activity_id}:budget") == -200000  # nothing posted yet
    assert available(node, activity_id) == 100000  # the employer cost is reserved
    position = crew.client.get(f"/api/v1/activities/{activity_id}/statement", headers=crew.staff)
    assert position.json()["budget"]["reserved_by_payouts"] == "1000.00"
    other = crew.accounts.session_headers(crew.accounts.user("staff"))
    approved = crew.client.post(f"/api/v1/payouts/{payout_id}/approve", headers=other)
    assert approved.status_code == 200, approved.text
    assert balance(node, f"activity:{activity_id}:budget") == -100000
    assert balance(node, SOCIAL) == -30400 and balance(node, TAX) == -6960
    assert available(node, activity_id) == 100000
    cancelled = crew.client.post(f"/api/v1/payouts/{payout_id}/cancel", headers=crew.staff)
    assert cancelled.status_code == 200
    assert balance(node, f"activity:{activity_id}:budget") == -200000
    assert balance(node, SOCIAL) == balance(node, TAX) == balance(node, "payouts:pending") == 0
    assert chain_problems(node) == []


def test_the_net_pay_is_paid_by_a_batch_and_the_bank_debit(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    use_debtor(node)
    activity_id, _member, headers = worker(crew)
    contract_id = contract(crew, activity_id, headers)
    slip = ask_salary(crew, contract_id, "1000.00", headers=headers).json()["payslip"]
    payout = crew.client.get(f"/api/v1/payouts/{slip['payout']['id']}", headers=crew.staff).json()
    batch = crew.client.post(
        "/api/v1/payment-batches", json={"execution_date": "2099-01-15"}, headers=crew.staff
    )
    assert batch.status_code == 201, batch.text
    assert (batch.json()["payment_count"], batch.json()["total"]) == (1, "626.40")
    document = crew.client.get(
        f"/api/v1/payment-batches/{batch.json()['id']}/pain001", headers=crew.staff
    )
    assert payout["end_to_end_id"] in document.text
    assert '<InstdAmt Ccy="EUR">626.40</InstdAmt>' in document.text
    assert "Salary 2026-03" in document.text
    imported = crew.client.post(
        "/api/v1/bank-statements/debits",
        content=camt_debits([(payout["end_to_end_id"], "626.40")]),
        headers={**crew.staff, "Content-Type": "application/xml"},
    )
    assert imported.status_code == 200, imported.text
    assert [m["payout_id"] for m in imported.json()["matched"]] == [payout["id"]]
    assert balance(node, "payouts:pending") == 0
    assert balance(node, "bank") == 500000 - 62640
    assert balance(node, SOCIAL) == -30400 and balance(node, TAX) == -6960  # still owed
    shown = crew.client.get(f"/api/v1/payroll/payslips/{slip['id']}", headers=headers).json()
    assert shown["payout"]["status"] == "paid"
    assert chain_problems(node) == []


def test_parallel_requests_never_overdraw(crew: Crew, node: Node, toy: Payroll) -> None:
    """PostgreSQL queues them on the activity's row lock, SQLite on its single writer."""
    activity_id, _member, headers = worker(crew, "3000.00")
    contracts = [
        contract(
            crew, activity_id, headers, start=f"2026-{month:02d}-01", end=f"2026-{month:02d}-10"
        )
        for month in range(1, 9)
    ]
    answers: list[int] = []
    barrier = threading.Barrier(len(contracts))

    def request(index: int) -> None:
        barrier.wait()
        response = ask_salary(
            crew, contracts[index], "1000.00", period=f"2026-{index + 1:02d}", headers=headers
        )
        answers.append(response.status_code)

    threads = [threading.Thread(target=request, args=(i,)) for i in range(len(contracts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] * 3 + [409] * 5
    assert available(node, activity_id) == 0
    assert balance(node, f"activity:{activity_id}:budget") == 0
    with node.db.reading() as session:
        assert len(session.scalars(select(Payslip)).all()) == 3
    assert chain_problems(node) == []
