"""Internal purchases: proposal and acceptance, the two postings, budget checks, retries, privacy,
refused input and parallel transfers that never overdraw the buyer."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.errors import Conflict
from node.identity.roles import Principal, Role
from node.ledger.models import JournalEntry, Posting
from node.runtime import Node
from node.transfers import service
from node.transfers.models import Transfer
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import ask, available, balance, chain_problems
from tests.node.transfers.transfer_helpers import TRANSFERS, body, open_activity, propose

STAFF = Principal(Role.STAFF, user_id=999_999)


def budget(activity_id: int) -> str:
    return f"activity:{activity_id}:budget"


def counts(node: Node) -> dict[str, int]:
    return state_counts(node, Transfer, JournalEntry, Posting)


def audit_actions(node: Node, transfer_id: int) -> list[str]:
    with node.db.reading() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "transfer", AuditEntry.entity_id == str(transfer_id))
                .order_by(AuditEntry.id)
            )
        )


def two_sides(crew: Crew, buyer_budget: str = "100.00", seller_budget: str = "0") -> Any:
    """A buying and a selling activity, each with its own member login."""
    buyer_member, buyer_headers = crew.member_login(status="active")
    seller_member, seller_headers = crew.member_login(status="active")
    buyer = open_activity(crew, [buyer_member["id"]], buyer_budget, name="Print shop")
    seller = open_activity(crew, [seller_member["id"]], seller_budget, name="Design studio")
    return buyer, buyer_headers, seller, seller_headers


def test_buyer_proposes_seller_accepts_and_two_postings_move_the_budgets(
    crew: Crew, node: Node
) -> None:
    buyer, buyer_headers, seller, seller_headers = two_sides(crew, "100.00", "5.00")
    before = counts(node)
    proposed = propose(crew, buyer_headers, buyer, seller, "30.25", description="Logo  design")
    assert proposed.status_code == 201, proposed.text
    transfer = proposed.json()
    assert transfer["status"] == "proposed" and transfer["entry_id"] is None
    assert transfer["amount"] == "30.25" and transfer["currency"] == "EUR"
    assert transfer["description"] == "Logo design"
    after_proposal = counts(node)
    assert after_proposal["journal_entries"] == before["journal_entries"]  # nothing posted yet
    assert balance(node, budget(buyer)) == -10000

    own = crew.client.post(f"{TRANSFERS}/{transfer['id']}/accept", headers=buyer_headers)
    assert own.status_code == 403, own.text  # the buyer cannot accept for the seller
    accepted = crew.client.post(f"{TRANSFERS}/{transfer['id']}/accept", headers=seller_headers)
    assert accepted.status_code == 200, accepted.text
    posted = accepted.json()
    assert posted["status"] == "posted" and posted["entry_id"] is not None

    with node.db.reading() as session:
        entry = session.get(JournalEntry, posted["entry_id"])
        assert entry is not None
        assert entry.kind == "transfer" and entry.idempotency_key == f"transfer:{transfer['id']}"
        lines = sorted((p.account.key, p.currency, p.amount_minor) for p in entry.postings)
    assert lines == sorted([(budget(buyer), "EUR", 3025), (budget(seller), "EUR", -3025)])
    assert balance(node, budget(buyer)) == -6975
    assert balance(node, budget(seller)) == -3525
    assert available(node, buyer) == 6975
    assert counts(node)["journal_entries"] == before["journal_entries"] + 1
    assert counts(node)["postings"] == before["postings"] + 2

    bought = crew.client.get(f"/api/v1/activities/{buyer}/statement", headers=buyer_headers)
    sold = crew.client.get(f"/api/v1/activities/{seller}/statement", headers=seller_headers)
    assert bought.json()["by_kind"]["transfer"] == "-30.25"
    assert sold.json()["by_kind"]["transfer"] == "30.25"
    assert bought.json()["closing_balance"] == "69.75"
    assert sold.json()["closing_balance"] == "35.25"
    line = [x for x in sold.json()["lines"] if x["kind"] == "transfer"]
    assert len(line) == 1 and line[0]["amount"] == "30.25"
    assert line[0]["description"].endswith("Logo design")

    again = crew.client.post(f"{TRANSFERS}/{transfer['id']}/accept", headers=seller_headers)
    assert again.status_code == 200 and again.json()["entry_id"] == posted["entry_id"]
    undo = crew.client.post(f"{TRANSFERS}/{transfer['id']}/cancel", headers=buyer_headers)
    assert undo.status_code == 409
    assert undo.headers["content-type"] == "application/problem+json"
    assert counts(node)["journal_entries"] == before["journal_entries"] + 1
    assert audit_actions(node, transfer["id"]) == ["transfer.propose", "transfer.accept"]
    assert chain_problems(node) == []


def test_staff_record_a_transfer_posted_at_once(crew: Crew, node: Node) -> None:
    buyer, _, seller, seller_headers = two_sides(crew, "40.00")
    response = propose(crew, crew.staff, buyer, seller, "40.00", currency="EUR")
    assert response.status_code == 201, response.text
    transfer = response.json()
    assert transfer["status"] == "posted" and transfer["accepted_by"] == transfer["proposed_by"]
    assert balance(node, budget(buyer)) == 0
    assert balance(node, budget(seller)) == -4000
    assert audit_actions(node, transfer["id"]) == ["transfer.record"]
    seen = crew.client.get(f"{TRANSFERS}/{transfer['id']}", headers=seller_headers)
    assert seen.status_code == 200 and seen.json()["status"] == "posted"
    # the buyer's budget is now zero: the activity may close
    closed = crew.client.post(f"/api/v1/activities/{buyer}/close", headers=crew.staff)
    assert closed.status_code == 200, closed.text
    assert chain_problems(node) == []


def test_a_retry_returns_the_same_transfer_and_a_reused_key_is_refused(
    crew: Crew, node: Node
) -> None:
    buyer, buyer_headers, seller, _ = two_sides(crew, "100.00")
    request = body(buyer, seller, "12.00", idempotency_key="purchase-0001")
    first = crew.client.post(TRANSFERS, json=request, headers=buyer_headers)
    assert first.status_code == 201, first.text
    before = counts(node)
    retry = crew.client.post(TRANSFERS, json=request, headers=buyer_headers)
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json()
    assert counts(node) == before

    for change in ({"amount": "12.01"}, {"description": "Something else"}):
        other = crew.client.post(TRANSFERS, json={**request, **change}, headers=buyer_headers)
        assert other.status_code == 409, other.text
        assert other.headers["content-type"] == "application/problem+json"
        assert "idempotency key" in other.json()["detail"]
    assert counts(node) == before

    # staff posting the same request with the same key: the transfer already proposed
    staff_retry = crew.client.post(TRANSFERS, json=request, headers=crew.staff)
    assert staff_retry.status_code == 200 and staff_retry.json()["id"] == first.json()["id"]
    assert staff_retry.json()["status"] == "proposed"
    assert counts(node) == before

    # the key belongs to the buying activity: another buyer may use it for its own purchase
    other_buyer = open_activity(crew, [crew.create_member(status="active")["id"]], "20.00")
    elsewhere = crew.client.post(
        TRANSFERS, json={**request, "buyer_activity_id": other_buyer}, headers=crew.staff
    )
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["id"] != first.json()["id"]


def test_a_budget_that_does_not_cover_the_amount_posts_nothing(crew: Crew, node: Node) -> None:
    buyer, buyer_headers, seller, seller_headers = two_sides(crew, "100.00")
    before = counts(node)
    too_much = propose(crew, buyer_headers, buyer, seller, "100.01")
    assert too_much.status_code == 409, too_much.text
    assert too_much.headers["content-type"] == "application/problem+json"
    problem = too_much.json()
    assert problem["type"].endswith("/conflict")
    assert problem["available"] == "100.00" and problem["requested"] == "100.01"
    assert problem["currency"] == "EUR"
    assert problem["detail"] == (
        "The buying activity's available budget is 100.00 EUR; this transfer asks for 100.01 EUR."
    )
    assert counts(node) == before

    # covered when proposed, spent by a payout before the seller accepts: refused, nothing posted
    proposal = propose(crew, buyer_headers, buyer, seller, "60.00")
    assert proposal.status_code == 201, proposal.text
    assert ask(crew, buyer, "50.00").status_code == 201
    middle = counts(node)
    late = crew.client.post(f"{TRANSFERS}/{proposal.json()['id']}/accept", headers=seller_headers)
    assert late.status_code == 409, late.text
    assert "available" not in late.json()  # the seller does not learn the buyer's budget
    assert "does not cover" in late.json()["detail"]
    by_staff = crew.client.post(f"{TRANSFERS}/{proposal.json()['id']}/accept", headers=crew.staff)
    assert by_staff.status_code == 409
    assert by_staff.json()["available"] == "50.00" and by_staff.json()["requested"] == "60.00"
    assert counts(node) == middle
    still = crew.client.get(f"{TRANSFERS}/{proposal.json()['id']}", headers=buyer_headers)
    assert still.json()["status"] == "proposed"
    assert balance(node, budget(seller)) == 0
    assert chain_problems(node) == []


def _closed(crew: Crew, activity_id: int) -> None:
    response = crew.client.post(f"/api/v1/activities/{activity_id}/close", headers=crew.staff)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("negative", 422, "amount"),
        ("zero", 422, "amount"),
        ("plain zero", 422, "amount"),
        ("over-precise", 422, "amount"),
        ("exponent", 422, "amount"),
        ("not a number", 422, "amount"),
        ("huge", 422, "amount"),
        ("same activity", 422, "seller_activity_id"),
        ("unknown seller", 422, "seller_activity_id"),
        ("huge seller id", 422, "seller_activity_id"),
        ("seller in another currency", 422, "seller_activity_id"),
        ("other currency", 422, "currency"),
        ("blank description", 422, "description"),
        ("no description", 422, "description"),
        ("short key", 422, "idempotency_key"),
        ("unknown field", 422, "vat"),
        ("closed seller", 409, None),
        ("closed buyer", 409, None),
        ("not the buyer's member", 404, None),
        ("unknown buyer", 404, None),
    ],
)
def test_refused_requests_are_problems_and_post_nothing(
    crew: Crew, node: Node, case: str, status: int, field: str | None
) -> None:
    buyer, headers, seller, _ = two_sides(crew, "100.00")
    request = body(buyer, seller, "10.00")
    if case == "negative":
        request["amount"] = "-5.00"
    elif case == "zero":
        request["amount"] = "0.00"
    elif case == "plain zero":
        request["amount"] = "0"
    elif case == "over-precise":
        request["amount"] = "1.001"
    elif case == "exponent":
        request["amount"] = "1e3"
    elif case == "not a number":
        request["amount"] = "ten"
    elif case == "huge":
        request["amount"] = "999999999999999"
    elif case == "same activity":
        request["seller_activity_id"] = buyer
    elif case == "unknown seller":
        request["seller_activity_id"] = 987_654
    elif case == "huge seller id":
        request["seller_activity_id"] = 2**40
    elif case == "seller in another currency":
        member = crew.create_member(status="active")
        response = crew.client.post(
            "/api/v1/activities",
            headers=crew.staff,
            json={
                "name": "Stockholm",
                "member_ids": [member["id"]],
                "lead_member_id": member["id"],
                "currency": "SEK",
            },
        )
        assert response.status_code == 201, response.text
        request["seller_activity_id"] = response.json()["id"]
    elif case == "other currency":
        request["currency"] = "SEK"
    elif case == "blank description":
        request["description"] = "   "
    elif case == "no description":
        del request["description"]
    elif case == "short key":
        request["idempotency_key"] = "k"
    elif case == "unknown field":
        request["vat"] = "21"
    elif case == "closed seller":
        _closed(crew, seller)
    elif case == "closed buyer":
        buyer = open_activity(crew, [crew.member_login(status="active")[0]["id"]])
        _closed(crew, buyer)
        request["buyer_activity_id"] = buyer
        headers = crew.staff
    elif case == "not the buyer's member":
        request["buyer_activity_id"] = open_activity(
            crew, [crew.create_member(status="active")["id"]], "100.00"
        )
    elif case == "unknown buyer":
        request["buyer_activity_id"] = 987_654
    before = counts(node)
    response = crew.client.post(TRANSFERS, json=request, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem
    if status == 404:
        assert problem["detail"] == "No such activity."
    assert counts(node) == before
    assert chain_problems(node) == []


def test_accepting_needs_open_activities(crew: Crew, node: Node) -> None:
    buyer, buyer_headers, seller, seller_headers = two_sides(crew, "100.00")
    proposal = propose(crew, buyer_headers, buyer, seller, "10.00")
    assert proposal.status_code == 201
    _closed(crew, seller)  # its budget is still zero: nothing was posted
    before = counts(node)
    response = crew.client.post(
        f"{TRANSFERS}/{proposal.json()['id']}/accept", headers=seller_headers
    )
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert counts(node) == before


def test_either_side_cancels_a_proposal(crew: Crew, node: Node) -> None:
    buyer, buyer_headers, seller, seller_headers = two_sides(crew, "100.00")
    withdrawn = propose(crew, buyer_headers, buyer, seller, "10.00").json()
    declined = propose(crew, buyer_headers, buyer, seller, "20.00").json()
    response = crew.client.post(f"{TRANSFERS}/{withdrawn['id']}/cancel", headers=buyer_headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = crew.client.post(f"{TRANSFERS}/{declined['id']}/cancel", headers=seller_headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    before = counts(node)
    again = crew.client.post(f"{TRANSFERS}/{declined['id']}/cancel", headers=buyer_headers)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    late = crew.client.post(f"{TRANSFERS}/{declined['id']}/accept", headers=seller_headers)
    assert late.status_code == 409
    assert counts(node) == before
    assert balance(node, budget(buyer)) == -10000
    assert audit_actions(node, withdrawn["id"]) == ["transfer.propose", "transfer.cancel"]


def test_lists_show_both_sides_to_their_members_and_everything_to_staff(
    crew: Crew, node: Node
) -> None:
    buyer, buyer_headers, seller, seller_headers = two_sides(crew, "100.00")
    third, third_headers, fourth, _ = two_sides(crew, "100.00")
    mine = propose(crew, buyer_headers, buyer, seller, "10.00").json()
    theirs = propose(crew, third_headers, third, fourth, "10.00").json()
    ids = {
        who: [t["id"] for t in crew.client.get(TRANSFERS, headers=headers).json()]
        for who, headers in (("buyer", buyer_headers), ("seller", seller_headers))
    }
    assert ids == {"buyer": [mine["id"]], "seller": [mine["id"]]}
    everything = crew.client.get(TRANSFERS, headers=crew.staff).json()
    assert [t["id"] for t in everything] == [mine["id"], theirs["id"]]
    one = crew.client.get(TRANSFERS, params={"activity_id": fourth}, headers=crew.staff).json()
    assert [t["id"] for t in one] == [theirs["id"]]
    proposed = crew.client.get(TRANSFERS, params={"status": "posted"}, headers=crew.staff)
    assert proposed.json() == []
    hidden = crew.client.get(TRANSFERS, params={"activity_id": third}, headers=buyer_headers)
    assert hidden.status_code == 200 and hidden.json() == []


def test_a_member_of_a_third_activity_sees_and_touches_nothing(crew: Crew, node: Node) -> None:
    buyer, buyer_headers, seller, _ = two_sides(crew, "100.00")
    transfer = propose(crew, buyer_headers, buyer, seller, "10.00").json()
    outsider, outsider_headers = crew.member_login(status="active")
    open_activity(crew, [outsider["id"]], "100.00", name="Elsewhere")
    before = counts(node)
    missing = transfer["id"] + 1000
    for method, suffix in (("GET", ""), ("POST", "/accept"), ("POST", "/cancel")):
        hidden = crew.client.request(
            method, f"{TRANSFERS}/{transfer['id']}{suffix}", headers=outsider_headers
        )
        absent = crew.client.request(
            method, f"{TRANSFERS}/{missing}{suffix}", headers=outsider_headers
        )
        assert hidden.status_code == 404, (suffix, hidden.text)
        assert hidden.json()["detail"] == absent.json()["detail"] == "No such transfer."
        assert hidden.headers["content-type"] == "application/problem+json"
    assert crew.client.get(TRANSFERS, headers=outsider_headers).json() == []
    # nor buy for someone else's activity
    stolen = propose(crew, outsider_headers, buyer, seller, "10.00")
    assert stolen.status_code == 404
    assert counts(node) == before
    still = crew.client.get(f"{TRANSFERS}/{transfer['id']}", headers=buyer_headers)
    assert still.json()["status"] == "proposed"


def _in_parallel(count: int, work: Any) -> list[Any]:
    outcomes: list[Any] = []
    start = threading.Barrier(count)

    def attempt(number: int) -> None:
        start.wait()
        try:
            outcomes.append(work(number))
        except Conflict as exc:
            outcomes.append(exc)
        except Exception as exc:  # anything else is a failure of the test
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == count, outcomes
    return outcomes


def test_parallel_transfers_never_overdraw_the_buyer(crew: Crew, node: Node) -> None:
    buyer, _, seller, _ = two_sides(crew, "100.00")

    def record(number: int) -> int:
        with node.db.transaction() as session:
            row, _ = service.record(
                session,
                STAFF,
                buyer_activity_id=buyer,
                seller_activity_id=seller,
                amount=Decimal("30.00"),
                description="Parallel",
                idempotency_key=f"parallel-{number}",
            )
            return row.id

    outcomes = _in_parallel(10, record)
    posted = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(posted) == 3 and len(refused) == 7, outcomes
    assert all("available budget is 10.00 EUR" in str(c.detail) for c in refused)
    assert balance(node, budget(buyer)) == -1000
    assert balance(node, budget(seller)) == -9000
    assert chain_problems(node) == []


def test_parallel_acceptances_never_overdraw_the_buyer(crew: Crew, node: Node) -> None:
    buyer, buyer_headers, seller, _ = two_sides(crew, "100.00")
    # each proposal is covered on its own (a proposal reserves nothing); together they are not
    ids = [propose(crew, buyer_headers, buyer, seller, "30.00").json()["id"] for _ in range(6)]

    def accept(number: int) -> int:
        with node.db.transaction() as session:
            return service.accept(session, ids[number], STAFF).id

    outcomes = _in_parallel(6, accept)
    assert len([o for o in outcomes if isinstance(o, int)]) == 3, outcomes
    assert len([o for o in outcomes if isinstance(o, Conflict)]) == 3, outcomes
    assert balance(node, budget(buyer)) == -1000
    assert chain_problems(node) == []


def test_opposite_transfers_in_parallel_neither_deadlock_nor_overdraw(
    crew: Crew, node: Node
) -> None:
    first, _, second, _ = two_sides(crew, "50.00", "50.00")

    def record(number: int) -> int:
        buyer, seller = (first, second) if number % 2 else (second, first)
        with node.db.transaction() as session:
            row, _ = service.record(
                session,
                STAFF,
                buyer_activity_id=buyer,
                seller_activity_id=seller,
                amount=Decimal("20.00"),
                description="Both ways",
                idempotency_key=f"both-ways-{number}",
            )
            return row.id

    outcomes = _in_parallel(12, record)
    assert all(isinstance(o, int | Conflict) for o in outcomes), outcomes
    held = [balance(node, budget(first)), balance(node, budget(second))]
    assert all(h <= 0 for h in held)  # neither budget went below zero
    assert sum(held) == -10000  # transfers only move money between the two
    assert chain_problems(node) == []
