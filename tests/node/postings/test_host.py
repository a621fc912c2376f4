"""This node as host: a peer's posting notice answered with Belgium's requirements (Limosa, the
monthly minimum converted to hours), the local contact and services set by an admin, host
labour-law warnings across notices; notices that cannot be answered refused, nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from federation.keys import b64url_decode
from node.db.types import utcnow
from node.federation.models import OutboxMessage
from node.postings import host
from node.postings.limits import months_end
from node.postings.models import HostProfile, PostingNotice
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode
from tests.node.member_helpers import Crew, state_counts
from tests.node.postings.posting_helpers import HOME, inbox_of, notice, peer_in, receipt_body

HOST_PROFILE = "/api/v1/postings/host"
NOTICES = "/api/v1/postings/notices"
TABLES = (PostingNotice, OutboxMessage, HostProfile)
PROFILE = {
    "local_contact": {"name": "Accueil détachement", "email": "accueil@coop-be.example"},
    "services": [
        {"code": "coworking", "name": "Desk at the Brussels co-working space"},
        {"code": "legal_helpdesk", "name": "Labour-law helpdesk"},
    ],
}


@pytest.fixture
def home(crew: Crew, node: Node) -> FakeNode:
    """A German peer sending notices; this node's admin has set its contact and services."""
    response = crew.client.put(HOST_PROFILE, json=PROFILE, headers=crew.admin)
    assert response.status_code == 200, response.text
    return peer_in(node, HOME, "DE")


def send(node: Node, receiver: FakeNode, sender: FakeNode, body: dict[str, Any]) -> dict[str, Any]:
    token = sender.sign(type=host.NOTICE, body=body, conversation=body["posting"])
    return receipt_body(inbox_of(node, receiver).receive(token, utcnow()))


def answers(node: Node) -> list[OutboxMessage]:
    with node.db.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.type == host.ANSWER)
        rows = list(session.scalars(query.order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def codes(answer: dict[str, Any]) -> list[str]:
    return [warning["code"] for warning in answer["warnings"]]


def test_a_notice_is_answered_with_belgiums_requirements(
    crew: Crew, home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    assert send(node, receiver, home, notice())["outcome"] == "accepted"
    (message,) = answers(node)
    assert message.conversation == notice()["posting"] and message.seq == 0
    answer = message.body
    requirements = answer["requirements"]
    assert requirements["country"] == "BE" and "Limosa" in requirements["declaration"]
    assert requirements["minimum_wage"]["monthly"] == {"amount": "2233.61", "currency": "EUR"}
    assert "hourly" not in requirements["minimum_wage"]  # the law sets a monthly amount only
    assert requirements["documents"] and requirements["source"]
    # 2233.61 × 12 / (52 × 38) = 13.5644… → 13.56 an hour; 18.50 meets it
    assert answer["meets_minimum_wage"] is True
    converted = answer["warnings"][0]
    assert converted["code"] == "minimum_wage_converted"
    assert "13.56 EUR an hour" in converted["text"] and "art. 19" in converted["text"]
    assert answer["local_contact"] == PROFILE["local_contact"]
    assert answer["services"] == PROFILE["services"]
    listed = crew.client.get(NOTICES, headers=crew.staff).json()
    assert [(n["home_node"], n["posting"]) for n in listed] == [(HOME, notice()["posting"])]
    shown = crew.client.get(f"{NOTICES}/{listed[0]['id']}", headers=crew.staff).json()
    assert shown["answer"] == answer and shown["member"]["name"] == "Jana Schmidt"


def test_a_gross_below_the_minimum_is_flagged(
    home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    body = notice(hourly_gross={"amount": "13.55", "currency": "EUR"})
    assert send(node, receiver, home, body)["outcome"] == "accepted"
    (message,) = answers(node)
    assert message.body["meets_minimum_wage"] is False
    assert codes(message.body) == ["minimum_wage_converted", "below_minimum_wage"]


def test_a_gross_in_another_currency_is_not_compared(
    home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    body = notice(hourly_gross={"amount": "250.00", "currency": "SEK"})
    assert send(node, receiver, home, body)["outcome"] == "accepted"
    (message,) = answers(node)
    assert message.body["meets_minimum_wage"] is False
    assert codes(message.body)[-1] == "minimum_wage_not_compared"
    assert "SEK" in message.body["warnings"][-1]["text"]


def test_a_gross_in_another_currency_is_converted_at_a_known_rate(
    home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    node.settings = node.settings.replace(**{"fx.rates": {"EUR/SEK": "11.0952"}})
    body = notice(hourly_gross={"amount": "250.00", "currency": "SEK"})
    assert send(node, receiver, home, body)["outcome"] == "accepted"
    (message,) = answers(node)
    assert message.body["meets_minimum_wage"] is True  # 250 / 11.0952 = 22.53 EUR ≥ 13.56
    assert codes(message.body) == ["gross_converted", "minimum_wage_converted"]
    text = message.body["warnings"][0]["text"]
    assert "250.00 SEK an hour is 22.53 EUR at the configured rate SEK/EUR 0.0901290648" in text


def test_the_law_in_force_is_used_or_the_latest_known_said_so(
    home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    early = notice(start="2026-02-01", end="2026-12-31")
    assert send(node, receiver, home, early)["outcome"] == "accepted"
    later = notice(
        posting="7c2f3c2e-8d4a-4f0b-9a57-2e9c1d0f7a31", start="2099-01-04", end="2099-02-01"
    )
    assert send(node, receiver, home, later)["outcome"] == "accepted"
    first, second = answers(node)
    assert first.body["requirements"]["minimum_wage"]["monthly"]["amount"] == "2154.11"
    assert "host_law_as_of" not in codes(first.body)
    assert codes(second.body)[0] == "host_law_as_of"
    known = node.jurisdiction.payroll().law.covers_until  # type: ignore[union-attr]
    assert f"in force on {known.isoformat()}" in second.body["warnings"][0]["text"]


def test_host_thresholds_add_up_across_notices_of_one_member(
    home: FakeNode, node: Node, receiver: FakeNode
) -> None:
    today = utcnow().date()
    first = notice(start=str(today - timedelta(320)), end=str(today - timedelta(6)))
    assert send(node, receiver, home, first)["outcome"] == "accepted"
    later = {"start": str(today + timedelta(5)), "end": str(today + timedelta(200))}
    second = notice(posting="7c2f3c2e-8d4a-4f0b-9a57-2e9c1d0f7a31", **later)
    assert send(node, receiver, home, second)["outcome"] == "accepted"
    other_member = notice(
        posting="8d2f3c2e-8d4a-4f0b-9a57-2e9c1d0f7a31",
        member={"name": "Someone Else", "home_member_ref": "pm_other_member_1"},
        **later,
    )
    assert send(node, receiver, home, other_member)["outcome"] == "accepted"
    _, together, alone = answers(node)
    # 315 days worked, a gap under two months: the 12 months are reached 50 days into the second
    assert "host_labour_law_12_months" in codes(together.body)
    text = next(w["text"] for w in together.body["warnings"] if "12_months" in w["code"])
    limit = (months_end(today - timedelta(320), 12) - (today - timedelta(320))).days + 1
    reached = today + timedelta(5 + limit - 315 - 1)
    assert f"approaching, the limit is reached on {reached.isoformat()}" in text
    assert "2018/957" in text
    assert not any(code.startswith("host_labour_law") for code in codes(alone.body))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"place_of_work": {"address": "Rue X", "city": "Lille", "country": "FR"}},
            "wrong_host_country",
        ),
        ({"start": "2027-02-01", "end": "2027-01-31"}, "invalid_notice"),
        ({"hours_per_week": "0"}, "invalid_notice"),
        ({"hours_per_week": "200"}, "invalid_notice"),
        ({"hourly_gross": {"amount": "0", "currency": "EUR"}}, "invalid_notice"),
    ],
)
def test_a_notice_that_cannot_be_answered_is_refused(
    home: FakeNode, node: Node, receiver: FakeNode, changes: dict[str, Any], reason: str
) -> None:
    before = state_counts(node, *TABLES)
    assert send(node, receiver, home, notice(**changes))["reason"] == reason
    after = state_counts(node, *TABLES)
    assert after == before


def test_a_notice_repeated_or_without_a_local_contact_is_refused(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    home = peer_in(node, HOME, "DE")
    assert send(node, receiver, home, notice())["reason"] == "no_local_contact"
    assert answers(node) == []
    crew.client.put(HOST_PROFILE, json=PROFILE, headers=crew.admin)
    assert send(node, receiver, home, notice())["outcome"] == "accepted"
    again = notice(a1_reference="DE-A1-78")  # same posting id, another message
    assert send(node, receiver, home, again)["reason"] == "already_notified"
    assert len(answers(node)) == 1


def test_only_admins_set_the_host_profile_and_the_descriptor_advertises_it(
    crew: Crew, node: Node
) -> None:
    assert crew.client.get(HOST_PROFILE, headers=crew.staff).json()["local_contact"] is None
    before = state_counts(node, *TABLES)
    assert crew.client.put(HOST_PROFILE, json=PROFILE, headers=crew.staff).status_code == 403
    bad = {**PROFILE, "services": [{"code": "Co Working", "name": "x"}]}
    for body in (
        bad,
        {**PROFILE, "local_contact": {"name": "X", "email": "nobody"}},
        {**PROFILE, "services": [PROFILE["services"][0], PROFILE["services"][0]]},
    ):
        response = crew.client.put(HOST_PROFILE, json=body, headers=crew.admin)
        assert response.status_code == 422, response.text
    assert state_counts(node, *TABLES) == before
    token = crew.client.get("/.well-known/coopnode").text
    assert "services" not in json.loads(b64url_decode(token.split(".")[1]))
    assert crew.client.put(HOST_PROFILE, json=PROFILE, headers=crew.admin).status_code == 200
    shown = crew.client.get(HOST_PROFILE, headers=crew.staff).json()
    assert shown["local_contact"] == PROFILE["local_contact"]
    token = crew.client.get("/.well-known/coopnode").text
    assert json.loads(b64url_decode(token.split(".")[1]))["services"] == PROFILE["services"]
