"""Postings at the member's home node: declared by staff or the member, validated, notified to
the host peer in the same transaction; the host's answer stored once; limits across missions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.db.types import utcnow
from node.federation.models import OutboxMessage, Peer, PeerState
from node.postings import service
from node.postings.models import MemberPosting
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode
from tests.node.member_helpers import Crew, state_counts
from tests.node.postings.posting_helpers import (
    HOST,
    POSTINGS,
    active_member,
    day,
    inbox_of,
    peer_in,
    posting_body,
    receipt_body,
)

TABLES = (MemberPosting, OutboxMessage)


@pytest.fixture
def host(node: Node) -> FakeNode:
    return peer_in(node, HOST, "FR")


@pytest.fixture
def member(crew: Crew) -> dict[str, Any]:
    record = crew.create_member(name="Ana Peeters")
    active_member(crew, record)
    return record


def declare(crew: Crew, member: dict[str, Any], **changes: Any) -> dict[str, Any]:
    response = crew.client.post(
        POSTINGS, json=posting_body(member_id=member["id"], **changes), headers=crew.staff
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def notices(node: Node) -> list[OutboxMessage]:
    with node.db.reading() as session:
        rows = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.type == service.NOTICE))
        )
        session.expunge_all()
        return rows


def test_staff_declare_a_posting_and_its_notice_is_queued_to_the_host(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node
) -> None:
    posting = declare(crew, member)
    assert posting["state"] == "notified" and posting["answer"] is None
    assert (posting["host_node"], posting["host_country"]) == (HOST, "FR")
    assert posting["hourly_gross"] == {"amount": "18.50", "currency": "EUR"}
    pay = posting["home_pay"]  # Belgian law: the member stays employed at home
    assert pay["computed"] and pay["country"] == "BE" and pay["hours"] == "151.67"
    assert pay["gross"] == "2805.90" and float(pay["net_pay"]) < 2805.90 < float(
        pay["employer_cost"]
    )
    (message,) = notices(node)
    assert message.conversation == posting["posting"] and message.seq == 0
    body = message.body
    assert body["posting"] == posting["posting"]
    assert body["member"]["name"] == "Ana Peeters"
    ref = body["member"]["home_member_ref"]
    assert str(member["id"]) != ref and member["email"] not in str(body)
    assert body["place_of_work"]["country"] == "FR"
    assert body["hourly_gross"] == {"amount": "18.50", "currency": "EUR"}
    assert body["hours_per_week"] == "35" and body["a1_reference"] == "BE-A1-2026-000123"
    again = declare(crew, member, start=day(200), end=day(260))
    assert notices(node)[1].body["member"]["home_member_ref"] == ref  # stable at one host
    assert again["posting"] != posting["posting"]
    with node.db.reading() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions.count("postings.declare") == 2


def test_a_member_declares_for_themself_and_sees_only_their_own(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node
) -> None:
    mine, headers = crew.member_login(name="Mia Member")
    active_member(crew, mine)
    response = crew.client.post(POSTINGS, json=posting_body(), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["member_id"] == mine["id"]
    declare(crew, member)
    before = state_counts(node, *TABLES)
    other = crew.client.post(POSTINGS, json=posting_body(member_id=member["id"]), headers=headers)
    assert other.status_code == 404 and other.json()["detail"] == "No such member."
    assert state_counts(node, *TABLES) == before
    listed = crew.client.get(POSTINGS, headers=headers).json()
    assert [p["member_id"] for p in listed] == [mine["id"]]
    assert len(crew.client.get(POSTINGS, headers=crew.staff).json()) == 2


def test_staff_must_name_the_member(crew: Crew, host: FakeNode, node: Node) -> None:
    response = crew.client.post(POSTINGS, json=posting_body(), headers=crew.staff)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_id"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "2026-01-01", "start": "2026-02-01"}, "end"),
        ({"start": "2025-01-01", "end": "2025-06-30"}, "end"),  # over already
        ({"a1_reference": "   "}, "a1_reference"),
        ({"hours_per_week": "0"}, "hours_per_week"),
        ({"hours_per_week": "169"}, "hours_per_week"),
        ({"hours_per_week": "35.125"}, "hours_per_week"),
        ({"hourly_gross": "0"}, "hourly_gross"),
        ({"hourly_gross": "18.505"}, "hourly_gross"),
        ({"hourly_gross": "eighteen"}, "hourly_gross"),
        ({"host_node": "https://stranger.example"}, "host_node"),
        ({"host_node": "not a url"}, "host_node"),
        (
            {"place_of_work": {"address": "Main St 1", "city": "Köln", "country": "DE"}},
            "place_of_work.country",
        ),
        ({"client": {"name": "X", "country": "ZZ"}}, "client.country"),
        ({"nationality": "BE"}, "nationality"),
    ],
)
def test_a_bad_declaration_changes_nothing(
    crew: Crew,
    host: FakeNode,
    member: dict[str, Any],
    node: Node,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = state_counts(node, *TABLES)
    body = posting_body(member_id=member["id"], **changes)
    response = crew.client.post(POSTINGS, json=body, headers=crew.staff)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}, response.text
    assert state_counts(node, *TABLES) == before


def test_only_an_active_member_to_an_active_peer_abroad(
    crew: Crew, host: FakeNode, node: Node
) -> None:
    applicant = crew.create_member()
    response = crew.client.post(
        POSTINGS, json=posting_body(member_id=applicant["id"]), headers=crew.staff
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "not_active"
    member = crew.create_member()
    active_member(crew, member)
    peer_in(node, "https://coop-be2.example", "BE")  # a peer in this node's own country
    same = posting_body(member_id=member["id"], host_node="https://coop-be2.example")
    response = crew.client.post(POSTINGS, json=same, headers=crew.staff)
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "not_abroad"
    with node.db.transaction() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == HOST)).one()
        peer.state = PeerState.SUSPENDED.value
    response = crew.client.post(
        POSTINGS, json=posting_body(member_id=member["id"]), headers=crew.staff
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "not_a_peer"
    assert notices(node) == []


def answer_body(posting: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "posting": posting,
        "requirements": {
            "country": "FR",
            "declaration": "SIPSI",
            "authority": "Inspection du travail",
            "minimum_wage": {
                "hourly": {"amount": "12.31", "currency": "EUR"},
                "statutory": True,
                "source": "https://www.legifrance.gouv.fr/",
            },
            "documents": ["A1 certificate"],
            "source": "https://www.sipsi.travail.gouv.fr/",
        },
        "meets_minimum_wage": True,
        "local_contact": {"name": "Desk", "email": "desk@coop-fr.example"},
        "services": [{"code": "coworking", "name": "A desk"}],
        "warnings": [],
    }
    body.update(changes)
    return body


def test_the_hosts_answer_is_stored_once(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node, receiver: FakeNode
) -> None:
    posting = declare(crew, member)
    inbox = inbox_of(node, receiver)
    answer = answer_body(posting["posting"])
    token = host.sign(type=service.ANSWER, body=answer, conversation=posting["posting"], seq=1)
    assert receipt_body(inbox.receive(token, utcnow()))["outcome"] == "accepted"
    shown = crew.client.get(f"{POSTINGS}/{posting['id']}", headers=crew.staff).json()
    assert shown["state"] == "answered" and shown["answer"] == answer
    assert shown["answer"]["requirements"]["declaration"] == "SIPSI"
    second = host.sign(type=service.ANSWER, body=answer_body(posting["posting"], warnings=[]))
    assert receipt_body(inbox.receive(second, utcnow()))["reason"] == "already_answered"


def test_an_answer_nobody_asked_for_is_refused(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node, receiver: FakeNode
) -> None:
    posting = declare(crew, member)
    inbox = inbox_of(node, receiver)
    other = peer_in(node, "https://coop-nl.example", "NL")
    before = state_counts(node, *TABLES)
    cases = [
        (host, answer_body("00000000-0000-4000-8000-000000000000"), "unknown_posting"),
        (other, answer_body(posting["posting"]), "unknown_posting"),  # not the host asked
        (
            host,
            answer_body(
                posting["posting"],
                requirements={**answer_body("x")["requirements"], "country": "NL"},
            ),
            "wrong_country",
        ),
    ]
    for sender, body, reason in cases:
        result = inbox.receive(sender.sign(type=service.ANSWER, body=body), utcnow())
        assert receipt_body(result)["reason"] == reason
    assert state_counts(node, *TABLES) == before
    shown = crew.client.get(f"{POSTINGS}/{posting['id']}", headers=crew.staff).json()
    assert shown["state"] == "notified" and shown["answer"] is None


def test_a_refused_notice_shows_the_hosts_reason(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node
) -> None:
    posting = declare(crew, member)
    with node.db.transaction() as session:
        message = session.scalars(select(OutboxMessage)).one()
        message.state = "refused"
        message.receipt = {"body": {"outcome": "refused", "reason": "no_local_contact"}}
    shown = crew.client.get(f"{POSTINGS}/{posting['id']}", headers=crew.staff).json()
    assert (shown["state"], shown["reason"]) == ("refused", "no_local_contact")


def test_limits_add_up_across_missions_and_warn_before_they_are_reached(
    crew: Crew, host: FakeNode, member: dict[str, Any], node: Node
) -> None:
    today = utcnow().date()
    first = declare(crew, member)
    assert first["limits"] == []
    second = declare(
        crew, member, start=today.isoformat(), end=(today + timedelta(100)).isoformat()
    )
    assert second["limits"] == []  # each mission alone stays far from 12 months
    with node.db.transaction() as session:  # the first one was worked already, until 20 days ago
        row = session.get_one(MemberPosting, first["id"])
        row.start_on, row.end_on = today - timedelta(340), today - timedelta(20)
    shown = crew.client.get(f"{POSTINGS}/{second['id']}", headers=crew.staff).json()
    (warning,) = shown["limits"]
    assert warning["code"] == "host_labour_law_12_months"
    assert (warning["host_country"], warning["state"]) == ("FR", "approaching")
    # 321 days worked, 365 in the limit: reached on the 44th day of the second mission
    assert warning["reached_on"] == (today + timedelta(43)).isoformat()
    assert warning["days_left"] == 43 and "2018/957" in warning["source"]
    listed = crew.client.get(POSTINGS, headers=crew.staff).json()
    assert all(p["limits"] == shown["limits"] for p in listed)
