"""The inbox's processing without HTTP: exactly once under concurrency, stored receipts, a
failing handler, the bounded rejection log and the retention of processed ids."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation import envelope
from federation.envelope import Envelope
from node import audit
from node.audit.models import AuditEntry
from node.db import Database
from node.db.types import utcnow
from node.federation import inbox as inbox_module
from node.federation.inbox import prune_processed
from node.federation.models import InboxRecord, InboxRejection
from tests.node.federation.fed_helpers import (
    RECEIVER,
    SENDER,
    add_peer,
    counts,
    fake_node,
    make_inbox,
)


def record_effect(session: Session, message: Envelope) -> None:
    audit.record(
        session, actor=message.iss, action="test.ping", entity="ping", entity_id=message.jti
    )


def effects(db: Database) -> int:
    with db.reading() as session:
        query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.ping")
        return session.scalar(query) or 0


def test_concurrent_deliveries_of_one_message_apply_it_once(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver, {"ping/1": record_effect})
    token = sender.sign()
    results: list[object] = []
    start = threading.Barrier(4)

    def deliver() -> None:
        start.wait()
        results.append(inbox.receive(token, utcnow()))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    receipts = {getattr(result, "receipt", None) for result in results}
    assert len(results) == 4 and len(receipts) == 1 and None not in receipts
    assert effects(db) == 1
    assert counts(db)["federation_inbox"] == 1


def test_a_stored_receipt_about_to_expire_is_re_signed_with_the_same_id(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    jti = envelope.new_message_id()
    first = inbox.receive(sender.sign(jti=jti), utcnow()).receipt
    later = utcnow() + timedelta(minutes=10)
    again = inbox.receive(sender.sign(jti=jti, now=later), later).receipt
    assert first is not None and again is not None and again != first
    verify = lambda token, now: envelope.verify(token, lambda iss: receiver.keys(), SENDER, now)  # noqa: E731
    old, new = verify(first, utcnow()), verify(again, later)
    assert (new.jti, new.body) == (old.jti, old.body)


def test_a_failing_handler_applies_nothing_and_is_not_a_rejection(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)

    def broken(session: Session, message: Envelope) -> None:
        record_effect(session, message)
        raise RuntimeError("bug")

    token = sender.sign()
    before = counts(db)
    result = make_inbox(db, receiver, {"ping/1": broken}).receive(token, utcnow())
    assert result.status == 500 and result.problem is not None
    assert result.problem["code"] == "internal"
    assert counts(db) == before and effects(db) == 0
    fixed = make_inbox(db, receiver, {"ping/1": record_effect}).receive(token, utcnow())
    assert fixed.status == 200 and effects(db) == 1


def test_the_rejection_log_keeps_only_the_latest(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "REJECTION_LOG_SIZE", 3)
    inbox = make_inbox(db, fake_node(RECEIVER))
    for number in range(5):
        inbox.receive(f"garbage-{number}", utcnow(), remote="192.0.2.1")
    with db.reading() as session:
        kept = list(session.scalars(select(InboxRejection.detail).order_by(InboxRejection.id)))
        remotes = set(session.scalars(select(InboxRejection.remote)))
    assert len(kept) == 3
    assert remotes == {"192.0.2.1"}


def test_processed_ids_are_forgotten_only_after_the_retention(db: Database) -> None:
    sender, receiver = fake_node(SENDER), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver)
    inbox.receive(sender.sign(), utcnow() - timedelta(minutes=1))
    with db.transaction() as session:
        record = session.scalars(select(InboxRecord)).one()
        record.received_at = utcnow() - timedelta(days=9)
    with db.transaction() as session:
        assert prune_processed(session, utcnow(), timedelta(days=10)) == 0
    with db.transaction() as session:
        assert prune_processed(session, utcnow(), timedelta(days=8)) == 1
    assert counts(db)["federation_inbox"] == 0


def test_a_peer_is_added_from_its_descriptor_with_a_listed_fingerprint(db: Database) -> None:
    from federation.errors import FingerprintMismatch
    from node.federation import peers
    from node.federation.models import Peer, PeerState

    other = fake_node(SENDER)
    descriptor = {
        "iss": SENDER,
        "name": "Other co-op",
        "country": "FR",
        "currency": "EUR",
        "inbox": f"{SENDER}/federation/v1/inbox",
        "keys": other.keys().to_jwks(),
    }
    with pytest.raises(FingerprintMismatch), db.transaction() as session:
        peers.add_peer(session, descriptor, fake_node(SENDER).key.kid)
    assert counts(db)["federation_peers"] == 0
    with db.transaction() as session:
        peer = peers.add_peer(session, descriptor, other.key.kid)
        assert peer.state == PeerState.PENDING
        peers.set_state(session, peer, PeerState.ACTIVE)
    inbox = make_inbox(db, fake_node(RECEIVER))
    assert inbox.receive(other.sign(), utcnow()).status == 200
    with db.reading() as session:
        stored = session.scalars(select(Peer)).one()
        assert (stored.name, stored.country, stored.fingerprint) == (
            "Other co-op",
            "FR",
            other.key.kid,
        )
