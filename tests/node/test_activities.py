"""Activities: opened by staff, seen only by their members, with a statement from the ledger."""

from __future__ import annotations

import csv
import io

import pytest

from tests.node.member_helpers import Crew

ACTIVITIES = "/api/v1/activities"


def _credit_budget(crew: Crew, activity_id: int, amount: str, key: str) -> dict:
    staff = crew.staff
    crew.client.post(
        "/api/v1/ledger/accounts",
        headers=staff,
        json={"key": "bank", "name": "Bank", "type": "asset", "currency": "EUR"},
    )
    response = crew.client.post(
        "/api/v1/ledger/entries",
        headers=staff,
        json={
            "occurred_on": "2026-03-01",
            "description": "Turnover",
            "idempotency_key": key,
            "postings": [
                {"account": "bank", "currency": "EUR", "debit": amount},
                {"account": f"activity:{activity_id}:budget", "currency": "EUR", "credit": amount},
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_open_activity_and_members_see_only_their_own(crew: Crew) -> None:
    ann, ann_headers = crew.member_login(status="active")
    _bob, bob_headers = crew.member_login(status="active")
    opened = crew.client.post(
        ACTIVITIES,
        headers=crew.staff,
        json={"name": "Theatre tour", "member_ids": [ann["id"]], "lead_member_id": ann["id"]},
    )
    assert opened.status_code == 201, opened.text
    activity = opened.json()
    assert activity["currency"] == "EUR" and activity["members"] == [
        {"member_id": ann["id"], "lead": True}
    ]

    assert crew.client.get(f"{ACTIVITIES}/{activity['id']}", headers=ann_headers).status_code == 200
    hidden = crew.client.get(f"{ACTIVITIES}/{activity['id']}", headers=bob_headers)
    absent = crew.client.get(f"{ACTIVITIES}/999", headers=bob_headers)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"] == absent.json()["detail"]
    assert [a["id"] for a in crew.client.get(ACTIVITIES, headers=ann_headers).json()] == [
        activity["id"]
    ]
    assert crew.client.get(ACTIVITIES, headers=bob_headers).json() == []
    statement = crew.client.get(f"{ACTIVITIES}/{activity['id']}/statement", headers=bob_headers)
    assert statement.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "member_ids": [999], "lead_member_id": 999}, "member_ids.0"),
        ({"name": "x", "member_ids": [1], "lead_member_id": 2}, "lead_member_id"),
        ({"name": " ", "member_ids": [1], "lead_member_id": 1}, "name"),
        ({"name": "x", "member_ids": [1], "lead_member_id": 1, "currency": "XXX1"}, "currency"),
    ],
)
def test_bad_activity_requests(crew: Crew, body: dict, field: str) -> None:
    crew.create_member(status="active")
    response = crew.client.post(ACTIVITIES, headers=crew.staff, json=body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert crew.client.get(ACTIVITIES, headers=crew.staff).json() == []


def test_applicant_cannot_join_an_activity(crew: Crew) -> None:
    member = crew.create_member(status="applicant")
    response = crew.client.post(
        ACTIVITIES,
        headers=crew.staff,
        json={"name": "x", "member_ids": [member["id"]], "lead_member_id": member["id"]},
    )
    assert response.status_code == 422


def test_statement_reads_the_ledger_and_closing_needs_a_zero_budget(crew: Crew) -> None:
    ann, ann_headers = crew.member_login(status="active")
    activity = crew.client.post(
        ACTIVITIES,
        headers=crew.staff,
        json={"name": "Design", "member_ids": [ann["id"]], "lead_member_id": ann["id"]},
    ).json()
    entry = _credit_budget(crew, activity["id"], "1250.40", "turnover-0001")
    url = f"{ACTIVITIES}/{activity['id']}/statement"
    statement = crew.client.get(url, headers=ann_headers).json()
    assert statement["closing_balance"] == "1250.40"
    assert statement["by_kind"] == {"manual": "1250.40"}
    assert [(line["amount"], line["balance"]) for line in statement["lines"]] == [
        ("1250.40", "1250.40")
    ]
    rows = list(
        csv.DictReader(
            io.StringIO(crew.client.get(url, headers=ann_headers, params={"format": "csv"}).text)
        )
    )
    assert rows[0] == {
        "date": "2026-03-01",
        "kind": "manual",
        "description": "Turnover",
        "amount": "1250.40",
        "balance": "1250.40",
    }
    budget = {row["description"]: row["amount"] for row in rows[1:] if row["kind"] == "budget"}
    assert len(rows) == 1 + len(budget)
    assert budget["held"] == budget["available"] == "1250.40"
    assert budget["awaiting_client_payment"] == budget["guarantee_exposure"] == "0.00"
    assert statement["budget"]["available"] == "1250.40"

    close = f"{ACTIVITIES}/{activity['id']}/close"
    refused = crew.client.post(close, headers=crew.staff)
    assert refused.status_code == 409 and "1250.40" in refused.json()["detail"]
    crew.client.post(
        f"/api/v1/ledger/entries/{entry['id']}/reverse",
        headers=crew.staff,
        json={"on": "2026-03-02", "idempotency_key": "reverse-turnover-1"},
    )
    closed = crew.client.post(close, headers=crew.staff)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert crew.client.post(close, headers=crew.staff).status_code == 409
