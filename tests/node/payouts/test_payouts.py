"""Payouts: the budget check, idempotent retries, second approval, cancellation, concurrency."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from node.activities.models import Activity
from node.errors import Conflict
from node.ledger.models import JournalEntry
from node.members.identifiers import Vault
from node.payouts import service
from node.payouts.models import Payout
from node.runtime import Node
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import (
    ask,
    available,
    balance,
    chain_problems,
    funded_activity,
)

PAYOUTS = "/api/v1/payouts"


def second_staff(crew: Crew) -> dict[str, str]:
    return crew.accounts.session_headers(crew.accounts.user("staff"))


def test_payout_commits_the_budget_once_and_retries_return_it(crew: Crew, node: Node) -> None:
    activity_id, member, _ = funded_activity(crew, "100.00")
    first = ask(crew, activity_id, "30.00", key="salary-march-1", description="March")
    assert first.status_code == 201, first.text
    payout = first.json()
    assert payout["status"] == "approved" and payout["amount"] == "30.00"
    assert payout["member_id"] == member["id"]  # the activity's lead by default
    assert payout["creditor_iban"].startswith("BE••") and payout["creditor_iban"].endswith("7034")
    assert available(node, activity_id) == 7000
    assert balance(node, f"activity:{activity_id}:budget") == -7000
    assert balance(node, "payouts:pending") == -3000

    before = state_counts(node, Payout, JournalEntry)
    retry = ask(crew, activity_id, "30.00", key="salary-march-1", description="March")
    assert retry.status_code == 201 and retry.json()["id"] == payout["id"]
    assert state_counts(node, Payout, JournalEntry) == before

    other = ask(crew, activity_id, "31.00", key="salary-march-1", description="March")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert "idempotency key" in other.json()["detail"]
    assert state_counts(node, Payout, JournalEntry) == before
    assert chain_problems(node) == []


@pytest.mark.parametrize(
    ("amount", "status", "field"),
    [
        ("-5.00", 422, "amount"),
        ("0.00", 422, "amount"),
        ("1.001", 422, "amount"),
        ("1e3", 422, "amount"),
        ("100.01", 409, None),
    ],
)
def test_refused_payouts_post_nothing(
    crew: Crew, node: Node, amount: str, status: int, field: str | None
) -> None:
    activity_id, _, _ = funded_activity(crew, "100.00")
    before = state_counts(node, Payout, JournalEntry)
    response = ask(crew, activity_id, amount)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if field:
        assert field in [e["field"] for e in problem["errors"]]
    else:
        assert problem["type"].endswith("/conflict")
        assert problem["detail"] == (
            "The activity's available budget is 100.00 EUR; this payout asks for 100.01 EUR."
        )
        assert problem["available"] == "100.00"
    assert state_counts(node, Payout, JournalEntry) == before


def test_creditor_rules(crew: Crew, node: Node) -> None:
    activity_id, _, _ = funded_activity(crew, "100.00")
    outsider = crew.create_member(status="active")
    before = state_counts(node, Payout, JournalEntry)
    wrong = ask(crew, activity_id, "10.00", member_id=outsider["id"])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "member_id"
    bad_iban = ask(
        crew, activity_id, "10.00", kind="refund", creditor_name="Client", creditor_iban="BE00"
    )
    assert bad_iban.status_code == 422
    assert bad_iban.json()["errors"][0]["field"] == "creditor_iban"
    assert state_counts(node, Payout, JournalEntry) == before
    refund = ask(
        crew,
        activity_id,
        "10.00",
        kind="refund",
        creditor_name="Client SA",
        creditor_iban="FR14 2004 1010 0505 0001 3M02 606",
    )
    assert refund.status_code == 201, refund.text
    assert refund.json()["member_id"] is None and refund.json()["creditor_name"] == "Client SA"


def test_payout_above_the_threshold_needs_a_second_staff_member(crew: Crew, node: Node) -> None:
    node.settings = node.settings.replace(**{"payouts.second_approval_above": Decimal("50.00")})
    activity_id, _, _ = funded_activity(crew, "100.00")
    big = ask(crew, activity_id, "60.00")
    assert big.status_code == 201 and big.json()["status"] == "pending_approval"
    payout_id = big.json()["id"]
    assert balance(node, f"activity:{activity_id}:budget") == -10000  # nothing posted yet
    assert available(node, activity_id) == 4000  # but the amount is reserved
    refused = ask(crew, activity_id, "50.00")  # under the threshold, over what is left
    assert refused.status_code == 409

    member_headers = crew.headers("member")
    before = state_counts(node, Payout, JournalEntry)
    own = crew.client.post(f"{PAYOUTS}/{payout_id}/approve", headers=crew.staff)
    assert own.status_code == 403
    assert own.headers["content-type"] == "application/problem+json"
    assert "requester cannot approve" in own.json()["detail"]
    member = crew.client.post(f"{PAYOUTS}/{payout_id}/approve", headers=member_headers)
    assert member.status_code == 403
    assert state_counts(node, Payout, JournalEntry) == before

    other = second_staff(crew)
    approved = crew.client.post(f"{PAYOUTS}/{payout_id}/approve", headers=other)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] != approved.json()["requested_by"]
    assert balance(node, f"activity:{activity_id}:budget") == -4000
    assert available(node, activity_id) == 4000
    after = state_counts(node, Payout, JournalEntry)
    again = crew.client.post(f"{PAYOUTS}/{payout_id}/approve", headers=other)
    assert again.status_code == 200 and again.json()["status"] == "approved"
    assert state_counts(node, Payout, JournalEntry) == after
    assert chain_problems(node) == []


def test_cancelling_releases_the_reservation_or_reverses_the_posting(
    crew: Crew, node: Node
) -> None:
    node.settings = node.settings.replace(**{"payouts.second_approval_above": Decimal("50.00")})
    activity_id, _, _ = funded_activity(crew, "100.00")
    pending = ask(crew, activity_id, "60.00").json()
    approved = ask(crew, activity_id, "40.00").json()
    assert available(node, activity_id) == 0
    for payout in (pending, approved):
        response = crew.client.post(f"{PAYOUTS}/{payout['id']}/cancel", headers=crew.staff)
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert available(node, activity_id) == 10000
    assert balance(node, "payouts:pending") == 0
    again = crew.client.post(f"{PAYOUTS}/{approved['id']}/cancel", headers=crew.staff)
    assert again.status_code == 200
    approve = crew.client.post(f"{PAYOUTS}/{pending['id']}/approve", headers=second_staff(crew))
    assert approve.status_code == 409
    listed = crew.client.get(PAYOUTS, params={"status": "cancelled"}, headers=crew.staff)
    assert {p["id"] for p in listed.json()} == {pending["id"], approved["id"]}
    assert chain_problems(node) == []


def test_parallel_payouts_never_overdraw_the_activity(crew: Crew, node: Node) -> None:
    activity_id, _, _ = funded_activity(crew, "100.00")
    keys = Vault.from_settings(node.settings, node.cipher)
    outcomes: list[Any] = []
    start = threading.Barrier(10)

    def attempt(number: int) -> None:
        start.wait()
        try:
            with node.db.transaction() as session:
                activity = session.get(Activity, activity_id)
                assert activity is not None
                row, _ = service.payout(
                    session,
                    activity,
                    Decimal("30.00"),
                    "salary",
                    f"parallel-{number}",
                    creditor=service.Creditor(),
                    actor="test",
                    vault=keys,
                    second_approval_above=Decimal("5000"),
                )
                outcomes.append(row.id)
        except Conflict as exc:
            outcomes.append(exc)
        except Exception as exc:  # anything else is a failure of the test
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    paid = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(paid) == 3 and len(refused) == 7, outcomes
    assert all("available budget is 10.00 EUR" in str(c.detail) for c in refused)
    assert balance(node, f"activity:{activity_id}:budget") == -1000
    assert available(node, activity_id) == 1000
    assert chain_problems(node) == []
