"""Key changes between peers: the node's rotations and revocations are queued for every active
peer with the key change, a keys-rotated/1 is signed by the key it retires (and only inside its
window), and a peer's announcements update its key set once, audited, by the library's rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from federation import envelope
from federation.keys import KeySet, KeyStatus, SigningKey, to_rfc3339
from node.audit.models import AuditEntry
from node.db import Database
from node.db.types import utcnow
from node.federation import key_changes, keystore
from node.federation.delivery import DeliveryWorker
from node.federation.inbox import Result
from node.federation.models import MessageState, OutboxMessage, Peer, PeerState
from node.federation.signing import node_signer
from node.runtime import Node
from tests.node.federation.fed_helpers import (
    RECEIVER,
    SENDER,
    FakeNode,
    add_peer,
    counts,
    fake_node,
    fast_policy,
    make_inbox,
)
from tests.node.federation.test_cli_keys import cli, run

ROTATED, REVOKED = keystore.ROTATED, keystore.REVOKED
__all__ = ["cli"]  # the fixture, shared with the key CLI tests


@pytest.fixture
def master(node: Node) -> bytes:
    return keystore.kek(node.settings)


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.reading() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def audits(db: Database, action: str) -> int:
    with db.reading() as session:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return session.scalar(query) or 0


def rotate(db: Database, master: bytes, **kwargs: Any) -> keystore.Rotation:
    with db.transaction() as session:
        keystore.ensure_key(session, master, now=kwargs.get("now"))
        rotation = keystore.rotate(session, master, **kwargs)
        key_changes.announce_rotation(session, rotation)
        return rotation


# -- announcing ---------------------------------------------------------------------------------


def test_a_rotation_is_queued_for_every_active_peer_signed_by_the_retiring_key(
    node: Node, master: bytes
) -> None:
    first, second = fake_node("https://b.example"), fake_node("https://c.example")
    active = {add_peer(node.db, first), add_peer(node.db, second)}
    add_peer(node.db, fake_node("https://d.example"), state=PeerState.SUSPENDED)
    rotation = rotate(node.db, master, grace=timedelta(hours=1))
    (old,) = rotation.retired
    rows = outbox_rows(node.db)
    assert {row.peer_id for row in rows} == active and len(rows) == 2
    for row in rows:
        assert (row.type, row.signing_kid, row.conversation) == (
            ROTATED,
            old.kid,
            "federation-keys",
        )
        assert row.body["new_key"]["kid"] == rotation.new.kid
        assert row.body["retiring"] == old.kid


def test_a_failed_key_change_queues_nothing(node: Node, master: bytes) -> None:
    add_peer(node.db, fake_node("https://b.example"))
    with node.db.transaction() as session:
        keystore.ensure_key(session, master)
    before = keystore_state(node.db)
    with pytest.raises(RuntimeError), node.db.transaction() as session:
        rotation = keystore.rotate(session, master)
        key_changes.announce_rotation(session, rotation)
        raise RuntimeError("the transaction fails after the announcement")
    assert outbox_rows(node.db) == [] and keystore_state(node.db) == before


def keystore_state(db: Database) -> list[tuple[str, str]]:
    with db.reading() as session:
        return [(row.kid, row.status) for row in keystore.rows(session)]


def test_a_revocation_is_queued_after_the_rotation_signed_by_the_current_key(
    node: Node, master: bytes
) -> None:
    peer_id = add_peer(node.db, fake_node("https://b.example"))
    (old,) = rotate(node.db, master).retired
    with node.db.transaction() as session:
        revocation = keystore.revoke(session, master, old.kid, "compromised")
        key_changes.announce_revocation(session, revocation)
    rotated, revoked = outbox_rows(node.db)
    assert (revoked.type, revoked.signing_kid, revoked.peer_id) == (REVOKED, None, peer_id)
    assert revoked.body["kid"] == old.kid and revoked.body["reason"] == "compromised"
    assert (rotated.conversation, rotated.seq) == (revoked.conversation, revoked.seq - 1)


def capture() -> tuple[list[str], httpx.MockTransport]:
    """A transport that keeps each token sent and answers 503 (no receiver needed)."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content.decode())
        return httpx.Response(503)

    return seen, httpx.MockTransport(handler)


def test_the_worker_signs_a_rotation_with_the_retiring_key(node: Node, master: bytes) -> None:
    add_peer(node.db, fake_node("https://b.example"))
    rotation = rotate(node.db, master, grace=timedelta(hours=1))
    seen, transport = capture()
    worker = DeliveryWorker(
        node.db, node_signer(node), fast_policy(), httpx.Client(transport=transport)
    )
    assert worker.run_once() == 1
    (token,) = seen
    assert envelope.open_compact(token, envelope.MESSAGE_TYP).kid == rotation.retired[0].kid
    (row,) = outbox_rows(node.db)
    assert row.state == MessageState.QUEUED  # a retry, like any unanswered message


def test_past_its_window_the_retiring_key_signs_nothing_and_the_message_is_dead(
    node: Node, master: bytes
) -> None:
    peer_id = add_peer(node.db, fake_node("https://b.example"))
    rotate(node.db, master, grace=timedelta(0), now=utcnow() - timedelta(minutes=5))
    seen, transport = capture()
    worker = DeliveryWorker(
        node.db, node_signer(node), fast_policy(), httpx.Client(transport=transport)
    )
    assert worker.run_once() == 1
    assert seen == []  # nothing was sent
    (row,) = outbox_rows(node.db)
    assert row.state == MessageState.DEAD and "cannot sign" in (row.last_error or "")
    with node.db.reading() as session:
        peer = session.get_one(Peer, peer_id)
        assert peer.consecutive_failures == 0  # the peer is not to blame


def test_a_revoked_key_cannot_be_named_to_sign(node: Node, master: bytes) -> None:
    (old,) = rotate(node.db, master).retired
    with node.db.transaction() as session:
        keystore.revoke(session, master, old.kid, "compromised")
    with pytest.raises(Exception, match="revoked"):
        node_signer(node).key(old.kid)


# -- applying a peer's announcements ------------------------------------------------------------


def signed(
    sender: FakeNode, key: SigningKey, type: str, body: dict[str, Any], now: datetime
) -> str:
    return envelope.sign(key, iss=sender.node_id, aud=RECEIVER, type=type, body=body, now=now)


def receipt_body(result: Result) -> dict[str, Any]:
    assert result.receipt is not None, result.problem
    return dict(envelope.open_compact(result.receipt, envelope.MESSAGE_TYP).claims["body"])


def peer_keys(db: Database) -> KeySet:
    with db.reading() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == SENDER)).one()
        return KeySet.from_jwks(peer.jwks)


def rotation_body(
    old: SigningKey, new: SigningKey, now: datetime, grace: timedelta
) -> dict[str, Any]:
    return {
        "new_key": new.public(now).to_jwk(),
        "retiring": old.kid,
        "retire_at": to_rfc3339(now + grace),
    }


def test_a_peers_rotation_is_applied_once_and_its_old_key_verifies_inside_the_window(
    db: Database,
) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    new, now = SigningKey.generate(), utcnow()
    token = signed(
        sender, sender.key, ROTATED, rotation_body(sender.key, new, now, timedelta(hours=1)), now
    )
    first = inbox.receive(token, now)
    assert receipt_body(first)["outcome"] == "accepted"
    keys = peer_keys(db)
    new_key, old_key = keys.get(new.kid), keys.get(sender.key.kid)
    assert new_key is not None and new_key.status is KeyStatus.ACTIVE
    assert old_key is not None and old_key.status is KeyStatus.RETIRED
    assert old_key.not_after is not None and old_key.not_after <= now + timedelta(hours=1)
    assert inbox.receive(token, now).receipt == first.receipt  # a resend: no second effect
    assert audits(db, "federation.peer.keys_rotated") == 1
    for key in (sender.key, new):  # both keys verify now
        ping = signed(sender, key, "ping/1", {"nonce": key.kid[:8]}, utcnow())
        assert receipt_body(inbox.receive(ping, utcnow()))["outcome"] == "accepted"
    later = now + timedelta(hours=2)  # past the window the old key verifies nothing
    late = signed(sender, sender.key, "ping/1", {"nonce": "late"}, later)
    assert inbox.receive(late, later).problem["code"] == "inactive_key"  # type: ignore[index]


def test_a_rotation_not_signed_by_the_key_it_retires_is_refused_and_changes_nothing(
    db: Database,
) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    other, new, now = SigningKey.generate(), SigningKey.generate(), utcnow()
    body = rotation_body(other, new, now, timedelta(hours=1))  # names a key that did not sign
    before = peer_keys(db)
    result = inbox.receive(signed(sender, sender.key, ROTATED, body, now), now)
    assert receipt_body(result)["outcome"] == "refused"
    assert receipt_body(result)["reason"] == "malformed"
    assert peer_keys(db) == before
    assert audits(db, "federation.peer.keys_rotated") == 0


def test_a_peers_revocation_stops_its_key_at_once(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    new, now = SigningKey.generate(), utcnow()
    add_peer(
        db, sender, keys=KeySet.of([sender.key.public(now - timedelta(days=1)), new.public(now)])
    )
    inbox = make_inbox(db, receiver)
    body = {"kid": sender.key.kid, "revoked_at": to_rfc3339(now), "reason": "compromised"}
    token = signed(sender, new, REVOKED, body, now)
    assert receipt_body(inbox.receive(token, now))["outcome"] == "accepted"
    revoked = peer_keys(db).get(sender.key.kid)
    assert revoked is not None and revoked.status is KeyStatus.REVOKED
    assert inbox.receive(token, now).receipt is not None
    assert audits(db, "federation.peer.keys_revoked") == 1
    before = counts(db)
    # Signed "before" the revocation, by a thief: refused all the same.
    stolen = signed(sender, sender.key, "ping/1", {"nonce": "x"}, now - timedelta(seconds=30))
    assert inbox.receive(stolen, utcnow()).problem["code"] == "revoked_key"  # type: ignore[index]
    assert {k: v for k, v in counts(db).items() if k != "federation_rejections"} == {
        k: v for k, v in before.items() if k != "federation_rejections"
    }


def test_a_revocation_of_an_unknown_key_is_refused(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    now, before = utcnow(), peer_keys(db)
    body = {"kid": SigningKey.generate().kid, "revoked_at": to_rfc3339(now), "reason": "unused"}
    result = inbox.receive(signed(sender, sender.key, REVOKED, body, now), now)
    assert receipt_body(result) | {"detail": None} == receipt_body(result) | {
        "outcome": "refused",
        "reason": "unknown_key",
        "detail": None,
    }
    assert peer_keys(db) == before


def test_the_cli_announces_its_key_changes(
    cli: Any, capsys: pytest.CaptureFixture[str], db: Database
) -> None:
    add_peer(db, fake_node("https://b.example"))
    code, out, _ = run(cli, capsys, "keys", "rotate", "--grace-hours", "2")
    assert code == 0 and "1 message(s) queued" in out
    (rotated,) = outbox_rows(db)
    old = rotated.body["retiring"]
    assert rotated.type == ROTATED and rotated.signing_kid == old
    # "--": a kid may start with "-"
    code, out, _ = run(cli, capsys, "keys", "revoke", "--reason", "superseded", "--", old)
    assert code == 0 and "1 message(s) queued" in out
    assert [row.type for row in outbox_rows(db)] == [ROTATED, REVOKED]


def test_in_one_batch_a_rotation_applies_before_the_next_envelope_is_verified(
    db: Database,
) -> None:
    """The inbox reads a sender's keys once per batch, and again after a key change."""
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    new, now = SigningKey.generate(), utcnow()
    body = rotation_body(sender.key, new, now, timedelta(hours=1))
    tokens = [
        signed(sender, sender.key, "ping/1", {"nonce": "before"}, now),
        signed(sender, sender.key, ROTATED, body, now),
        signed(sender, new, "ping/1", {"nonce": "after"}, now),  # known only once rotated
    ]

    results = inbox.receive_batch(tokens, now)

    assert [receipt_body(result)["outcome"] for result in results] == ["accepted"] * 3
    assert audits(db, "federation.peer.keys_rotated") == 1


def test_every_handler_that_changes_peers_is_declared_so() -> None:
    from node.federation.peering import PEERING_ACCEPT, PEERING_REQUEST
    from node.federation.signing import PEER_CHANGING_TYPES

    assert {ROTATED, REVOKED, PEERING_REQUEST, PEERING_ACCEPT} <= PEER_CHANGING_TYPES
