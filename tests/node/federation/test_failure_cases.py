"""Failure cases of the issue's list that the other test modules did not cover as such (the full
list and where each is tested: "Tested failure cases" in docs/federation.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from federation import envelope
from federation.keys import b64url_encode
from node.db import Database
from node.db.types import utcnow
from node.federation.models import InboxRecord, MessageState, OutboxMessage
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode, counts, transport_to, worker
from tests.node.federation.test_delivery import Pair, effects
from tests.node.federation.test_inbox import assert_refused, sender
from tests.node.federation.test_peering import (
    OTHER,
    Served,
    network,
    other,
    post,
    request_from,
    wired,
)

__all__ = ["network", "other", "sender", "wired"]  # the fixtures


@pytest.mark.parametrize(
    "payload", [b"{not json", b'{"iss": "a", "iss": "b"}', b"\xff\xfe", b'{"iat": NaN}']
)
def test_a_payload_that_is_not_json_changes_nothing_but_the_rejection_log(
    client: TestClient, node: Node, sender: FakeNode, payload: bytes
) -> None:
    head, _, signature = sender.sign().split(".")
    token = f"{head}.{b64url_encode(payload)}.{signature}"
    assert_refused(client, node, token, 400, "malformed")


def other_origin_descriptor(other: FakeNode) -> str:
    now = envelope.to_numeric(utcnow())
    claims = {
        "iss": OTHER,
        "iat": now,
        "exp": now + 3600,
        "name": "Other co-op",
        "country": "FR",
        "currency": "EUR",
        "inbox": "https://thief.example/federation/v1/inbox",
        "messages": {"ping": [1]},
        "keys": other.keys().to_jwks(),
    }
    return envelope.sign_compact(claims, other.key, "coopnode-descriptor+jwt")


def test_a_descriptor_whose_inbox_is_elsewhere_makes_no_peer(
    wired: Node, client: TestClient, login_as: Any, network: Served, other: FakeNode
) -> None:
    network.serve(other, other_origin_descriptor(other))
    before = counts(wired.db)
    added = client.post(
        "/api/v1/federation/peers",
        json={"url": OTHER, "fingerprint": other.key.kid},
        headers=login_as("admin"),
    )
    assert added.status_code == 422, added.text  # the admin's add
    assert counts(wired.db) == before
    asked = post(client, request_from(other))  # the other node's own peering request
    assert asked.status_code == 400 and asked.json()["code"] == "malformed"
    assert "origin" in asked.json()["detail"]
    assert counts(wired.db) == {
        **before,
        "federation_rejections": before["federation_rejections"] + 1,
    }


def test_a_sender_killed_mid_send_delivers_once_after_its_restart(db: Database) -> None:
    """The sender committed and claimed the message, the receiver stored it, then the sender died
    before reading the answer: after the restart (a new worker, once the lease has expired) the
    message is delivered with the receiver's stored receipt, applied once."""
    pair = Pair(db)
    queued = pair.enqueue()

    def killed(request: httpx.Request) -> httpx.Response | None:
        pair.inbox.receive(request.content.decode(), utcnow())
        raise KeyboardInterrupt  # the process is gone; nothing is recorded on its side

    with pytest.raises(KeyboardInterrupt):
        worker(db, pair.sender, transport_to(pair.inbox, killed), owner="before").run_once()
    assert pair.message(queued.jti).state == MessageState.IN_FLIGHT
    with db.transaction() as session:  # the lease runs out while the node is down
        row = session.scalars(select(OutboxMessage)).one()
        row.lease_until = utcnow()
    restarted = worker(db, pair.sender, pair.transport(), owner="after")
    assert restarted.run_once() == 1
    row = pair.message(queued.jti)
    with db.reading() as session:
        stored = session.scalars(select(InboxRecord.receipt)).one()
    assert row.state == MessageState.DELIVERED
    assert row.receipt is not None and row.receipt["jti"] == stored["jti"]
    assert effects(db) == 1
