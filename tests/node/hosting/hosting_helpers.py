"""Helpers for the hosting tests: the node under test as home or as host, a peer on the other
side (a fake node that signs), consent tokens, request bodies, and the privacy matrix's maker."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from federation import attestation, envelope
from node.db.types import utcnow
from node.federation.inbox import Inbox, Result
from node.federation.models import Peer
from node.hosting import service
from node.hosting.models import HostedMission, HostingState
from tests.node.federation.fed_helpers import RECEIVER, FakeNode, add_peer, fake_node
from tests.node.member_helpers import Crew

HOME, HOST, OTHER = "https://home.example", "https://host.example", "https://other.example"
REQUESTS, HOSTED = "/api/v1/hosting/requests", "/api/v1/hosting/hosted"
SUBJECT = "pseudonym-0123456789abcdef"


def today() -> date:
    return utcnow().date()


def mission(**changes: Any) -> dict[str, Any]:
    """A mission running from today for a month, in Belgium (the test node's country)."""
    body: dict[str, Any] = {
        "start": today().isoformat(),
        "end": (today() + timedelta(days=30)).isoformat(),
        "description": "Stage lighting for a theatre season",
        "country": "BE",
        "place_of_work": "Théâtre de Namur",
        "client": {"name": "Théâtre de Namur", "country": "BE"},
    }
    body.update(changes)
    return body


def token_from(home: FakeNode, audience: str = RECEIVER, **changes: Any) -> str:
    """A consent token ``home`` issued for ``audience`` (default: the node under test)."""
    values: dict[str, Any] = {
        "home": home.node_id,
        "audience": audience,
        "subject": SUBJECT,
        "purpose": service.PURPOSE,
        "fields": [],
        "now": utcnow(),
        **changes,
    }
    return attestation.issue_consent(home.key, **values)


def request_body(token: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hosting": str(uuid.uuid4()),
        "member": {
            "name": "Ada Guest",
            "email": "ada.guest@home.example",
            "home_member_ref": SUBJECT,
        },
        "attestation": {"consent": token},
        "mission": mission(),
        "share_back": ["days_worked", "payslips"],
    }
    body.update(changes)
    return body


def receipt(result: Result) -> dict[str, Any]:
    assert result.receipt is not None, result.problem
    return dict(envelope.open_compact(result.receipt, envelope.MESSAGE_TYP).claims["body"])


def deliver(inbox: Inbox, sender: FakeNode, type: str, body: dict[str, Any]) -> dict[str, Any]:
    """Hand ``body`` signed by ``sender`` to the inbox; the receipt's body."""
    token = sender.sign(type=type, body=body, conversation=body.get("hosting"))
    return receipt(inbox.receive(token, utcnow()))


def refusal(inbox: Inbox, sender: FakeNode, type: str, body: dict[str, Any]) -> str:
    answer = deliver(inbox, sender, type, body)
    assert answer["outcome"] == "refused", answer
    return str(answer["reason"])


# -- the maker of tests/node/test_member_privacy.py ---------------------------------------------


def hosted_mission_of(crew: Crew, member: dict[str, Any]) -> int:
    """An accepted hosted mission whose guest is ``member`` (a peer made on first use)."""
    db = crew.node.db
    with db.reading() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == HOME)).one_or_none()
        peer_id = peer.id if peer is not None else None
    if peer_id is None:
        peer_id = add_peer(db, fake_node(HOME))
    with db.transaction() as session:
        row = HostedMission(
            hosting=str(uuid.uuid4()),
            peer_id=peer_id,
            home=HOME,
            request_jti=envelope.new_message_id(),
            consent_jti=envelope.new_message_id(),
            home_member_ref=SUBJECT,
            start_on=today(),
            end_on=today(),
            mission=mission(),
            share_back=[],
            state=HostingState.ACCEPTED.value,
            member_id=member["id"],
            guest_ref="g-privacy",
        )
        session.add(row)
        session.flush()
        return row.id
