"""The node under test as the member's home: staff ask a peer to host a member (with the member's
consent, used once), refused requests change nothing, and the host's answer and completion are
stored only from the node asked, once, in order, with only the consented figures."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.federation.attestation_models import MemberConsent
from node.federation.inbox import Inbox
from node.federation.models import OutboxMessage
from node.hosting import service
from node.hosting.models import HostingRequest
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node
from tests.node.hosting.hosting_helpers import (
    HOST,
    OTHER,
    REQUESTS,
    deliver,
    mission,
    refusal,
    today,
)
from tests.node.member_helpers import Crew, state_counts

CONSENTS = "/api/v1/federation/consents"
TABLES = (HostingRequest, OutboxMessage)
SHARE = ["payslips", "days_worked"]


@pytest.fixture
def host(node: Node) -> FakeNode:
    peer = fake_node(HOST)
    add_peer(node.db, peer)
    return peer


@pytest.fixture
def member(crew: Crew, host: FakeNode) -> tuple[dict[str, Any], dict[str, str]]:
    """An active member with a login."""
    return crew.member_login(name="Ada Home", status="active", joined_on="2024-03-01")


def consent(crew: Crew, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {"audience": HOST, "purpose": service.PURPOSE, "fields": [], **changes}
    response = crew.client.post(CONSENTS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ask(crew: Crew, member_id: int, token: str, expect: int = 201, **changes: Any) -> Any:
    body = {
        "member_id": member_id,
        "host": HOST,
        "consent": token,
        "mission": mission(),
        "share_back": SHARE,
        **changes,
    }
    response = crew.client.post(REQUESTS, json=body, headers=crew.staff)
    assert response.status_code == expect, response.text
    return response.json()


def asked(crew: Crew, member: Any) -> dict[str, Any]:
    record, headers = member
    return dict(ask(crew, record["id"], consent(crew, headers)["token"]))


def read(crew: Crew, request_id: int) -> dict[str, Any]:
    response = crew.client.get(f"{REQUESTS}/{request_id}", headers=crew.staff)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_staff_ask_a_peer_to_host_a_member_with_their_consent(
    crew: Crew, member: Any, node: Node
) -> None:
    record, headers = member
    given = consent(crew, headers)
    made = ask(crew, record["id"], given["token"])
    assert (made["state"], made["host"], made["member_id"]) == ("requested", HOST, record["id"])
    assert made["share_back"] == ["days_worked", "payslips"]  # in the schema's order
    with node.db.reading() as session:
        message = session.scalars(select(OutboxMessage)).one()
        used = session.get_one(MemberConsent, given["id"])
        assert (message.type, message.conversation, message.seq) == (
            service.REQUEST,
            made["hosting"],
            0,
        )
        assert message.body["member"] == {
            "name": "Ada Home",
            "email": record["email"],
            "home_member_ref": used.subject,  # the consent's pseudonym, never a national id
        }
        assert message.body["attestation"] == {"consent": given["token"]}
        assert message.body["share_back"] == ["days_worked", "payslips"]
        assert used.used_by == message.jti
    assert crew.client.get(CONSENTS, headers=headers).json()[0]["state"] == "used"
    assert [r["id"] for r in crew.client.get(REQUESTS, headers=crew.staff).json()] == [made["id"]]
    assert crew.client.get(REQUESTS, headers=headers).status_code == 403  # staff only


def refused_input(crew: Crew, member: Any, node: Node, case: str) -> tuple[Any, ...]:
    """``(member id, token, changes, status, error code)`` of a request refused for ``case``."""
    record, headers = member
    if case == "applicant":  # not in good standing
        applicant, applicant_headers = crew.member_login()
        return applicant["id"], consent(crew, applicant_headers)["token"], {}, 409, None
    if case == "not a peer":
        return record["id"], consent(crew, headers)["token"], {"host": OTHER}, 409, None
    if case == "another member's consent":
        _, other_headers = crew.member_login(status="active")
        token = consent(crew, other_headers)["token"]
        return record["id"], token, {}, 422, "consent_other_member"
    if case == "revoked consent":
        given = consent(crew, headers)
        crew.client.delete(f"{CONSENTS}/{given['id']}", headers=headers)
        return record["id"], given["token"], {}, 422, "consent_revoked"
    if case == "used consent":
        token = consent(crew, headers)["token"]
        ask(crew, record["id"], token)
        return record["id"], token, {}, 422, "consent_used"
    if case == "consent for another node":
        add_peer(node.db, fake_node(OTHER))
        token = consent(crew, headers, audience=OTHER)["token"]
        return record["id"], token, {}, 422, "consent_wrong_audience"
    if case == "consent for another purpose":
        token = consent(crew, headers, purpose="cross_border_mission")["token"]
        return record["id"], token, {}, 422, "consent_wrong_audience"
    if case == "not a token":
        return record["id"], "not-a-token", {}, 422, "consent_invalid"
    assert case == "dates"
    past = {"mission": mission(end=(today() - timedelta(days=1)).isoformat())}
    return record["id"], consent(crew, headers)["token"], past, 422, "dates_invalid"


@pytest.mark.parametrize(
    "case",
    [
        "applicant",
        "not a peer",
        "another member's consent",
        "revoked consent",
        "used consent",
        "consent for another node",
        "consent for another purpose",
        "not a token",
        "dates",
    ],
)
def test_a_refused_request_changes_nothing(crew: Crew, member: Any, node: Node, case: str) -> None:
    member_id, token, changes, status, code = refused_input(crew, member, node, case)
    before = state_counts(node, *TABLES)
    consents_before = crew.client.get(CONSENTS, headers=member[1]).json()
    problem = ask(crew, member_id, token, status, **changes)
    if code is not None:
        assert [e["code"] for e in problem["errors"]] == [code]
    assert state_counts(node, *TABLES) == before
    assert crew.client.get(CONSENTS, headers=member[1]).json() == consents_before


def test_the_hosts_answer_and_completion_are_stored_once_in_order(
    crew: Crew, member: Any, host: FakeNode, inbox: Inbox
) -> None:
    made = asked(crew, member)
    hosting = made["hosting"]
    completion = {
        "hosting": hosting,
        "period": {"start": "2026-09-01", "end": "2026-09-30"},
        "summary": {"days_worked": 21, "payslips": 1},
    }
    assert refusal(inbox, host, service.COMPLETION, completion) == "not_accepted"
    answer = {"hosting": hosting, "decision": "accepted", "guest_ref": "g-42"}
    assert deliver(inbox, host, service.ANSWER, answer)["outcome"] == "accepted"
    stored = read(crew, made["id"])
    assert (stored["state"], stored["guest_ref"], stored["reason"]) == ("accepted", "g-42", None)
    refused = {"hosting": hosting, "decision": "refused", "reason": "capacity"}
    assert refusal(inbox, host, service.ANSWER, refused) == "already_answered"

    leaky = {
        **completion,
        "summary": {
            **completion["summary"],
            "net_pay_total": {"amount": "1200.00", "currency": "EUR"},
        },
    }
    assert refusal(inbox, host, service.COMPLETION, leaky) == "not_consented"
    assert read(crew, made["id"])["summary"] is None
    assert deliver(inbox, host, service.COMPLETION, completion)["outcome"] == "accepted"
    done = read(crew, made["id"])
    assert done["state"] == "completed"
    assert done["period"] == completion["period"]
    assert done["summary"] == {"days_worked": 21, "payslips": 1}
    assert refusal(inbox, host, service.COMPLETION, completion) == "already_completed"


def test_messages_about_a_hosting_are_refused_from_anyone_but_the_host(
    crew: Crew, member: Any, host: FakeNode, inbox: Inbox, node: Node
) -> None:
    made = asked(crew, member)
    stranger = fake_node(OTHER)
    add_peer(node.db, stranger)
    answer = {"hosting": made["hosting"], "decision": "accepted", "guest_ref": "g-1"}
    before = state_counts(node, HostingRequest)
    assert refusal(inbox, stranger, service.ANSWER, answer) == "not_asked"
    unknown = {**answer, "hosting": str(uuid.uuid4())}
    assert refusal(inbox, host, service.ANSWER, unknown) == "unknown_hosting"
    assert state_counts(node, HostingRequest) == before
    assert read(crew, made["id"])["state"] == "requested"


def test_a_refusal_ends_the_hosting(crew: Crew, member: Any, host: FakeNode, inbox: Inbox) -> None:
    made = asked(crew, member)
    answer = {"hosting": made["hosting"], "decision": "refused", "reason": "capacity"}
    assert deliver(inbox, host, service.ANSWER, answer)["outcome"] == "accepted"
    stored = read(crew, made["id"])
    assert (stored["state"], stored["reason"], stored["guest_ref"]) == (
        "refused",
        "capacity",
        None,
    )
    completion = {
        "hosting": made["hosting"],
        "period": {"start": "2026-09-01", "end": "2026-09-30"},
        "summary": {},
    }
    assert refusal(inbox, host, service.COMPLETION, completion) == "not_accepted"


def test_a_request_the_host_refused_on_receipt_shows_its_reason(
    crew: Crew, member: Any, node: Node
) -> None:
    made = asked(crew, member)
    with node.db.transaction() as session:
        message = session.scalars(select(OutboxMessage)).one()
        message.state = "refused"
        message.receipt = {"body": {"outcome": "refused", "reason": "consent_expired"}}
    stored = read(crew, made["id"])
    assert (stored["state"], stored["reason"]) == ("refused", "consent_expired")
