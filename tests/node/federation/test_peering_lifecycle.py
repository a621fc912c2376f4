"""Peering over time: revoking a peer discards what was still queued for it (so a later re-peering
sends nothing stale), and a pending peer that rotated its key is known again by its new key."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from federation.keys import KeySet, SigningKey
from node.audit.models import AuditEntry
from node.federation import outbox, peering
from node.federation.delivery import DeliveryWorker
from node.federation.models import MessageState, OutboxMessage, Peer
from node.runtime import Node
from tests.node.federation.fed_helpers import LONG_AGO, FakeNode, counts, fast_policy
from tests.node.federation.test_peering import (
    OTHER,
    Served,
    descriptor_token,
    network,
    other,
    post,
    receipt_outcome,
    request_from,
    wired,
)

__all__ = ["network", "other", "wired"]  # the fixtures


def states(node: Node) -> dict[str, str]:
    with node.db.reading() as session:
        return {m.type: m.state for m in session.scalars(select(OutboxMessage))}


def test_revoking_a_peer_discards_its_queue_and_a_re_peering_sends_nothing_stale(
    wired: Node, receiver: FakeNode, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    peer_id = peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")["id"]
    with wired.db.transaction() as session:
        peer = session.get_one(Peer, peer_id)
        outbox.enqueue(session, peer, "ping/1", {"nonce": "stale"})
    with wired.db.transaction() as session:
        peering.change_state(session, peer_id, "revoke", actor="admin:1")
    assert states(wired) == {"peering-request/1": "discarded", "ping/1": "discarded"}
    with wired.db.reading() as session:
        audited = session.scalars(
            select(AuditEntry.changes).where(
                AuditEntry.action == "federation.outbox.discard_revoked"
            )
        ).all()
    assert audited == [{"discarded": [0, 2]}]

    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")  # a fresh start
    worker = DeliveryWorker(wired.db, receiver.signer, fast_policy(), httpx.Client())
    sent = [m.type for batch in worker.claim() for m in batch.messages]
    assert sent == ["peering-request/1"]  # the new request only
    with wired.db.reading() as session:
        kept = session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.type == "ping/1")
        ).all()
    assert kept == [MessageState.DISCARDED.value]  # kept for the record, never sent


def test_revoking_a_peer_with_nothing_queued_audits_only_the_revocation(
    wired: Node, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    peer_id = peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")["id"]
    with wired.db.transaction() as session:
        session.scalars(select(OutboxMessage)).one().state = MessageState.DELIVERED.value
    with wired.db.transaction() as session:
        peering.change_state(session, peer_id, "revoke", actor="admin:1")
    assert states(wired) == {"peering-request/1": "delivered"}  # a delivered one stays so
    with wired.db.reading() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "federation.outbox.discard_revoked" not in actions


def rotated(other: FakeNode) -> tuple[FakeNode, KeySet]:
    """The other node after a rotation: a new key that signs, the old one still listed."""
    new = FakeNode(other.node_id, SigningKey.generate())
    return new, KeySet.of([other.key.public(LONG_AGO), new.key.public(LONG_AGO)])


def stored(node: Node) -> tuple[str, set[str]]:
    with node.db.reading() as session:
        peer = session.scalars(select(Peer)).one()
        return peer.fingerprint, {key.kid for key in KeySet.from_jwks(peer.jwks)}


def test_a_pending_peer_that_rotated_is_refreshed_from_its_descriptor(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    assert stored(wired) == (other.key.kid, {other.key.kid})

    new, keys = rotated(other)
    network.serve(other, descriptor_token(other, signing=new.key, keys=keys))
    fetched = len(network.seen)
    assert receipt_outcome(post(client, request_from(new))) == "accepted"
    assert len(network.seen) == fetched + 1  # a key we did not hold: the descriptor again
    assert stored(wired) == (new.key.kid, {other.key.kid, new.key.kid})  # to check at approval
    with wired.db.reading() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
        assert session.scalars(select(Peer.state)).all() == ["pending"]
    assert actions.count("federation.peer.keys_refreshed") == 1


def test_a_new_key_the_descriptor_does_not_vouch_for_changes_nothing(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    before, rows = stored(wired), counts(wired.db)
    stranger = FakeNode(other.node_id, SigningKey.generate())  # not in the descriptor
    response = post(client, request_from(stranger))
    assert response.status_code == 401 and response.json()["code"] == "fingerprint_mismatch"
    assert stored(wired) == before
    assert counts(wired.db) == {**rows, "federation_rejections": rows["federation_rejections"] + 1}


def test_a_key_pinned_by_our_admin_stays_pinned_when_the_peer_rotates(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")  # we asked first
    new, keys = rotated(other)
    network.serve(other, descriptor_token(other, signing=new.key, keys=keys))
    assert receipt_outcome(post(client, request_from(new))) == "accepted"
    assert stored(wired) == (other.key.kid, {other.key.kid, new.key.kid})
