"""Helpers for the posting tests: a host peer in France, valid declarations, the inbox.

The node under test is Belgian (the test settings' ``node.country``): as home it posts members to
the French peer :data:`HOST`; as host it answers notices from :data:`HOME`, another peer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from federation import envelope
from node.db.types import utcnow
from node.federation.handlers import node_handlers
from node.federation.inbox import Inbox, Result
from node.federation.models import Peer
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node, make_inbox
from tests.node.member_helpers import Crew

HOST = "https://coop-fr.example"
HOME = "https://coop-de.example"
POSTINGS = "/api/v1/postings"


def peer_in(node: Node, node_id: str, country: str) -> FakeNode:
    """``node_id`` as a new active peer of the node under test, in ``country``."""
    peer = fake_node(node_id)
    peer_id = add_peer(node.db, peer)
    with node.db.transaction() as session:
        session.get_one(Peer, peer_id).country = country
    return peer


def has_peer(node: Node, node_id: str) -> bool:
    with node.db.reading() as session:
        return session.scalars(select(Peer.id).where(Peer.node_id == node_id)).first() is not None


def day(offset: int) -> str:
    return (utcnow().date() + timedelta(days=offset)).isoformat()


def posting_body(**changes: Any) -> dict[str, Any]:
    """A valid ``POST /api/v1/postings`` body (staff add ``member_id``)."""
    body: dict[str, Any] = {
        "host_node": HOST,
        "a1_reference": "BE-A1-2026-000123",
        "start": day(10),
        "end": day(100),
        "client": {"name": "Théâtre du Nord", "country": "FR"},
        "place_of_work": {"address": "4 place du Général de Gaulle", "city": "Lille"},
        "hours_per_week": "35",
        "hourly_gross": "18.50",
        "activity": "Sound engineering",
    }
    body.update(changes)
    return body


def active_member(crew: Crew, member: dict[str, Any]) -> None:
    if crew.member(member["id"]).status == "applicant":
        response = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert response.status_code == 200, response.text


def posting_of(crew: Crew, member: dict[str, Any]) -> int:
    """A posting of ``member`` to the French peer (for the privacy matrix)."""
    if not has_peer(crew.node, HOST):
        peer_in(crew.node, HOST, "FR")
    active_member(crew, member)
    response = crew.client.post(
        POSTINGS, json=posting_body(member_id=member["id"]), headers=crew.staff
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def inbox_of(node: Node, receiver: FakeNode) -> Inbox:
    """The node's inbox with every handler, those that need the node included."""
    return make_inbox(node.db, receiver, node_handlers(node))


def receipt_body(result: Result) -> dict[str, Any]:
    assert result.receipt is not None, result.problem
    return dict(envelope.open_compact(result.receipt, envelope.MESSAGE_TYP).claims["body"])


def notice(**changes: Any) -> dict[str, Any]:
    """A valid ``posting-notice/1`` body about a member of :data:`HOME` coming to Belgium."""
    body: dict[str, Any] = {
        "posting": "6b1f3c2e-8d4a-4f0b-9a57-2e9c1d0f7a31",
        "member": {"name": "Jana Schmidt", "home_member_ref": "pm_Q3x9LrT0v2Kd"},
        "a1_reference": "DE-A1-77",
        "start": "2026-12-01",
        "end": "2027-02-28",
        "client": {"name": "La Monnaie", "country": "BE"},
        "place_of_work": {"address": "Place de la Monnaie", "city": "Bruxelles", "country": "BE"},
        "hours_per_week": "38",
        "hourly_gross": {"amount": "18.50", "currency": "EUR"},
    }
    body.update(changes)
    return body
