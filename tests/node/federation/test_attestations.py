"""Member attestation on one node: consents given, listed and revoked by the member; the home
node's answer (once per consent, only the allowed fields, "no" out of good standing) and its
refusals; the asking node's requests and the answers it stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from federation import attestation, envelope
from node.db.types import utcnow
from node.federation import attestations, keystore
from node.federation.attestation_models import Attestation, MemberConsent
from node.federation.inbox import Result
from node.federation.models import OutboxMessage, Peer
from node.members.models import Member
from node.runtime import Node
from tests.node.federation.fed_helpers import RECEIVER, FakeNode, add_peer, fake_node, make_inbox
from tests.node.member_helpers import Crew, state_counts

ASKER, OTHER, HOME = "https://asker.example", "https://other.example", "https://home.example"
CONSENTS, ATTESTATIONS = "/api/v1/federation/consents", "/api/v1/federation/attestations"
TABLES = (MemberConsent, Attestation, OutboxMessage, Peer)


def receipt_body(result: Result) -> dict[str, Any]:
    assert result.receipt is not None, result.problem
    return dict(envelope.open_compact(result.receipt, envelope.MESSAGE_TYP).claims["body"])


def activate(crew: Crew, member_id: int) -> None:
    response = crew.client.post(
        f"/api/v1/members/{member_id}/status", json={"status": "active"}, headers=crew.staff
    )
    assert response.status_code == 200, response.text


def consent(crew: Crew, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {"audience": ASKER, "purpose": "guest_membership", "fields": ["display_name"]}
    response = crew.client.post(CONSENTS, json={**body, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def request(asker: FakeNode, token: str, now: datetime | None = None, **body: Any) -> str:
    return asker.sign(
        type=attestations.REQUEST,
        body={"consent": token, "purpose": "guest_membership", **body},
        now=now,
    )


def answers(node: Node) -> list[OutboxMessage]:
    with node.db.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.type == attestations.ANSWER)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


@pytest.fixture
def home(crew: Crew, node: Node, receiver: FakeNode) -> Any:
    """This node as the member's home, an asking node peered, a member with a login."""
    asker = fake_node(ASKER)
    add_peer(node.db, asker)
    member, headers = crew.member_login(name="Ada Member")
    return asker, member, headers, make_inbox(node.db, receiver)


# -- the member's consents ----------------------------------------------------------------------


def test_a_member_gets_a_signed_single_purpose_token_for_one_peer(crew: Crew, home: Any) -> None:
    _, member, headers, _ = home
    given = consent(crew, headers, fields=["display_name", "share_class"], lifetime_hours=2)
    claims = envelope.open_compact(given["token"], attestation.CONSENT_TYP).claims
    assert (claims["iss"], claims["aud"], claims["purpose"]) == (
        RECEIVER,
        ASKER,
        "guest_membership",
    )
    assert claims["fields"] == ["display_name", "share_class"]
    assert claims["exp"] - claims["iat"] == 2 * 3600
    second = envelope.open_compact(consent(crew, headers)["token"], attestation.CONSENT_TYP)
    assert claims["sub"] != second.claims["sub"]  # a new pseudonym each time: nothing to link
    assert claims["sub"] != str(member["id"]) and member["email"] not in given["token"]
    listed = crew.client.get(CONSENTS, headers=headers).json()
    first = listed[0]
    assert (first["id"], first["state"], first["jti"]) == (given["id"], "open", claims["jti"])
    assert len(listed) == 2
    assert "token" not in first  # shown once


@pytest.mark.parametrize(
    "body",
    [
        {"audience": OTHER, "purpose": "guest_membership", "fields": []},  # not a peer
        {"audience": ASKER, "purpose": "anything", "fields": []},
        {"audience": ASKER, "purpose": "guest_membership", "fields": ["national_id"]},
        {"audience": ASKER, "purpose": "guest_membership", "fields": [], "lifetime_hours": 169},
    ],
)
def test_a_bad_consent_request_changes_nothing(
    crew: Crew, home: Any, node: Node, body: dict[str, Any]
) -> None:
    _, _, headers, _ = home
    before = state_counts(node, *TABLES)
    response = crew.client.post(CONSENTS, json=body, headers=headers)
    assert response.status_code in (409, 422), response.text
    assert state_counts(node, *TABLES) == before


def test_only_members_give_consents(crew: Crew, home: Any) -> None:
    body = {"audience": ASKER, "purpose": "guest_membership", "fields": []}
    assert crew.client.post(CONSENTS, json=body, headers=crew.staff).status_code == 403


# -- the home node answers ----------------------------------------------------------------------


def test_the_home_node_answers_once_with_only_the_allowed_fields(
    crew: Crew, home: Any, node: Node
) -> None:
    asker, member, headers, inbox = home
    activate(crew, member["id"])
    given = consent(crew, headers, fields=["display_name", "share_class"])
    token = request(asker, given["token"])
    assert receipt_body(inbox.receive(token, utcnow()))["outcome"] == "accepted"
    (answer,) = answers(node)
    body = answer.body
    assert body["in_good_standing"] is True
    assert body["fields"] == {"display_name": "Ada Member", "share_class": "A"}
    assert body["request"] == envelope.open_compact(token, envelope.MESSAGE_TYP).claims["jti"]
    assert (
        answer.conversation
        == envelope.open_compact(token, envelope.MESSAGE_TYP).claims["conversation"]
    )
    listed = crew.client.get(CONSENTS, headers=headers).json()
    assert listed[0]["state"] == "used"
    again = inbox.receive(request(asker, given["token"]), utcnow())  # a second use
    assert receipt_body(again)["reason"] == "consent_used"
    assert len(answers(node)) == 1


def test_a_member_not_in_good_standing_gets_a_plain_no(crew: Crew, home: Any, node: Node) -> None:
    asker, _, headers, inbox = home  # an applicant, never activated
    given = consent(crew, headers, fields=["display_name", "home_country"])
    assert receipt_body(inbox.receive(request(asker, given["token"]), utcnow()))["outcome"] == (
        "accepted"
    )
    (answer,) = answers(node)
    assert (answer.body["in_good_standing"], answer.body["fields"]) == (False, {})


def refused(inbox: Any, token: str, now: datetime | None = None) -> str:
    body = receipt_body(inbox.receive(token, now or utcnow()))
    assert body["outcome"] == "refused"
    return str(body["reason"])


def test_a_revoked_consent_is_refused_and_stays_unused(crew: Crew, home: Any, node: Node) -> None:
    asker, member, headers, inbox = home
    activate(crew, member["id"])
    given = consent(crew, headers)
    revoked = crew.client.delete(f"{CONSENTS}/{given['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    before = state_counts(node, *TABLES)
    assert refused(inbox, request(asker, given["token"])) == "consent_revoked"
    assert state_counts(node, *TABLES) == before and answers(node) == []
    with node.db.reading() as session:
        assert session.get_one(MemberConsent, given["id"]).used_at is None


def test_a_consent_presented_by_another_node_is_refused(crew: Crew, home: Any, node: Node) -> None:
    _, member, headers, inbox = home
    activate(crew, member["id"])
    other = fake_node(OTHER)
    add_peer(node.db, other)
    given = consent(crew, headers)  # for ASKER
    assert refused(inbox, request(other, given["token"])) == "consent_wrong_audience"
    assert answers(node) == []
    assert crew.client.get(CONSENTS, headers=headers).json()[0]["state"] == "open"


def test_an_expired_consent_is_refused(
    crew: Crew, home: Any, node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    asker, member, headers, inbox = home
    activate(crew, member["id"])
    given = consent(crew, headers, lifetime_hours=1)
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(attestations, "utcnow", lambda: later)
    assert refused(inbox, request(asker, given["token"], now=later), later) == "consent_expired"
    assert answers(node) == []


def test_a_member_cannot_revoke_another_members_consent(crew: Crew, home: Any) -> None:
    _, _, headers, _ = home
    given = consent(crew, headers)
    _, intruder = crew.member_login()
    hidden = crew.client.delete(f"{CONSENTS}/{given['id']}", headers=intruder)
    missing = crew.client.delete(f"{CONSENTS}/{given['id'] + 99}", headers=intruder)
    assert hidden.status_code == missing.status_code == 404
    assert crew.client.get(CONSENTS, headers=headers).json()[0]["state"] == "open"


# -- the asking node ----------------------------------------------------------------------------


@pytest.fixture
def asking(node: Node, receiver: FakeNode) -> Any:
    """This node as the asking node; the member's home node is a peer."""
    home_node = fake_node(HOME)
    add_peer(node.db, home_node)
    return home_node, make_inbox(node.db, receiver)


def token_from(home_node: FakeNode, audience: str = RECEIVER, **changes: Any) -> str:
    values: dict[str, Any] = {
        "home": home_node.node_id,
        "audience": audience,
        "subject": "subject-0123456789abcdef",
        "purpose": "cross_border_mission",
        "fields": ["display_name"],
        "now": utcnow(),
        **changes,
    }
    return attestation.issue_consent(home_node.key, **values)


def test_staff_ask_the_home_node_and_store_only_the_allowed_answer(
    crew: Crew, asking: Any, node: Node
) -> None:
    home_node, inbox = asking
    asked = crew.client.post(
        ATTESTATIONS, json={"consent": token_from(home_node)}, headers=crew.staff
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["state"] == "pending"
    with node.db.reading() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.type == attestations.REQUEST and message.seq == 0
        request_jti = message.jti
    body = {
        "request": request_jti,
        "subject": "subject-0123456789abcdef",
        "purpose": "cross_border_mission",
        "in_good_standing": True,
        "fields": {"display_name": "Ada"},
    }
    leaky = {**body, "fields": {"display_name": "Ada", "home_country": "BE"}}
    assert refused(inbox, home_node.sign(type=attestations.ANSWER, body=leaky)) == "invalid_body"
    stranger = fake_node(OTHER)
    add_peer(node.db, stranger)
    assert refused(inbox, stranger.sign(type=attestations.ANSWER, body=body)) == "unknown_request"
    pending = crew.client.get(f"{ATTESTATIONS}/{asked.json()['id']}", headers=crew.staff).json()
    assert pending["state"] == "pending" and pending["fields"] is None
    answer = home_node.sign(type=attestations.ANSWER, body=body)
    assert receipt_body(inbox.receive(answer, utcnow()))["outcome"] == "accepted"
    read = crew.client.get(f"{ATTESTATIONS}/{asked.json()['id']}", headers=crew.staff).json()
    assert (read["state"], read["in_good_standing"], read["fields"]) == (
        "answered",
        True,
        {"display_name": "Ada"},
    )
    again = home_node.sign(
        type=attestations.ANSWER, body={**body, "in_good_standing": False, "fields": {}}
    )
    assert refused(inbox, again) == "already_answered"


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda home_node: token_from(fake_node("https://nobody.example")), 409),  # not a peer
        (lambda home_node: token_from(home_node, audience=OTHER), 422),  # for another node
        (lambda home_node: "not-a-token", 422),
        (lambda home_node: token_from(home_node, now=utcnow() - timedelta(days=2)), 422),
    ],
)
def test_a_bad_token_is_refused_before_anything_is_sent(
    crew: Crew, asking: Any, node: Node, make: Any, status: int
) -> None:
    home_node, _ = asking
    before = state_counts(node, *TABLES)
    response = crew.client.post(ATTESTATIONS, json={"consent": make(home_node)}, headers=crew.staff)
    assert response.status_code == status, response.text
    assert state_counts(node, *TABLES) == before


def test_a_token_is_presented_once(crew: Crew, asking: Any, node: Node) -> None:
    home_node, _ = asking
    token = token_from(home_node)
    assert (
        crew.client.post(ATTESTATIONS, json={"consent": token}, headers=crew.staff).status_code
        == 201
    )
    before = state_counts(node, *TABLES)
    again = crew.client.post(ATTESTATIONS, json={"consent": token}, headers=crew.staff)
    assert again.status_code == 409 and state_counts(node, *TABLES) == before


def test_a_refused_request_shows_the_home_nodes_reason(crew: Crew, asking: Any, node: Node) -> None:
    home_node, _ = asking
    asked = crew.client.post(
        ATTESTATIONS, json={"consent": token_from(home_node)}, headers=crew.staff
    )
    with node.db.transaction() as session:
        message = session.scalars(select(OutboxMessage)).one()
        message.state = "refused"
        message.receipt = {"body": {"outcome": "refused", "reason": "consent_used"}}
    read = crew.client.get(f"{ATTESTATIONS}/{asked.json()['id']}", headers=crew.staff).json()
    assert (read["state"], read["reason"]) == ("refused", "consent_used")


def consent_of(crew: Crew, member: dict[str, Any]) -> int:
    """A consent of ``member`` (for the privacy matrix), to a peer made on first use."""
    node = crew.node
    with node.db.transaction() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == ASKER)).one_or_none()
    if peer is None:
        add_peer(node.db, fake_node(ASKER))
    with node.db.transaction() as session:
        row, _ = attestations.give_consent(
            session,
            keystore.kek(node.settings),
            RECEIVER,
            session.get_one(Member, member["id"]),
            audience=ASKER,
            purpose="guest_membership",
            fields=[],
            lifetime=timedelta(hours=1),
            actor="test",
        )
        return row.id
