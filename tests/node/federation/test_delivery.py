"""The delivery worker against a real inbox (httpx MockTransport): exactly once, in order, with
retries, leases, dead letters and the circuit breaker. Sender and receiver share the database
(see ``fed_helpers``), so these run on every engine."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.audit.models import AuditEntry
from node.db import Database
from node.db.types import utcnow
from node.federation import outbox
from node.federation.delivery import DeliveryPolicy
from node.federation.inbox import BusinessRefusal, Handlers, Inbox
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer
from tests.node.federation.fed_helpers import (
    RECEIVER,
    SENDER,
    add_peer,
    fake_node,
    fast_policy,
    make_inbox,
    message_states,
    transport_to,
    worker,
)


def record_effect(session: Session, message: Envelope) -> None:
    """A handler with a visible effect: one audit entry per application."""
    audit.record(
        session, actor=message.iss, action="test.ping", entity="ping", entity_id=message.jti
    )


def refuse(session: Session, message: Envelope) -> None:
    record_effect(session, message)
    raise BusinessRefusal("not_today", "closed for the day")


def effects(db: Database) -> int:
    with db.reading() as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.ping")
            )
            or 0
        )


class Pair:
    """A sender and a receiver node in one database, the receiver peered both ways."""

    def __init__(self, db: Database, handlers: Handlers | None = None) -> None:
        self.db = db
        self.sender = fake_node(SENDER)
        self.receiver = fake_node(RECEIVER)
        add_peer(db, self.sender)  # the receiver's record of the sender
        self.peer_id = add_peer(db, self.receiver)  # the sender's record of the receiver
        self.inbox: Inbox = make_inbox(db, self.receiver, handlers or {"ping/1": record_effect})
        self.seen: list[str] = []

    def enqueue(self, nonce: str = "n1", conversation: str | None = None) -> OutboxMessage:
        with self.db.transaction() as session:
            peer = session.get(Peer, self.peer_id)
            assert peer is not None
            return outbox.enqueue(session, peer, "ping/1", {"nonce": nonce}, conversation)

    def transport(self, fail: int = 0, fail_nonces: tuple[str, ...] = ()) -> httpx.MockTransport:
        """Fails the first ``fail`` requests with 503, and any carrying one of ``fail_nonces``."""
        calls = {"n": 0}

        def hook(request: httpx.Request) -> httpx.Response | None:
            calls["n"] += 1
            raw = request.content.decode()
            tokens = json.loads(raw) if raw.startswith("[") else [raw]
            self.seen.extend(_nonce(token) for token in tokens)
            if calls["n"] <= fail or any(_nonce(t) in fail_nonces for t in tokens):
                return httpx.Response(503)
            return None

        return transport_to(self.inbox, hook)

    def worker(self, transport: httpx.BaseTransport, **kwargs: object) -> object:
        return worker(self.db, self.sender, transport, **kwargs)

    def message(self, jti: str) -> OutboxMessage:
        with self.db.reading() as session:
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one()
            session.expunge(row)
            return row


def _nonce(token: str) -> str:
    import base64

    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "==="))["body"]["nonce"])


def test_a_message_is_delivered_and_its_receipt_kept(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    assert worker(db, pair.sender, pair.transport()).run_once() == 1
    row = pair.message(queued.jti)
    assert row.state == MessageState.DELIVERED
    assert row.attempts == 1
    assert row.receipt is not None and row.receipt["body"]["outcome"] == "accepted"
    assert row.delivered_at is not None and row.lease_owner is None
    assert effects(db) == 1
    assert worker(db, pair.sender, pair.transport()).run_once() == 0


def test_a_duplicate_delivery_gets_the_same_receipt_and_applies_once(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    worker(db, pair.sender, pair.transport()).run_once()
    first = pair.message(queued.jti).receipt
    with db.transaction() as session:  # as if the receipt had been lost on the way
        row = session.scalars(select(OutboxMessage)).one()
        row.state = MessageState.QUEUED.value
    worker(db, pair.sender, pair.transport()).run_once()
    again = pair.message(queued.jti)
    assert again.state == MessageState.DELIVERED and again.attempts == 2
    assert again.receipt is not None and first is not None
    assert again.receipt["jti"] == first["jti"]
    assert effects(db) == 1


def test_a_conversation_is_delivered_in_order(db: Database) -> None:
    pair = Pair(db)
    first = pair.enqueue("a0")
    pair.enqueue("a1", first.conversation)
    pair.enqueue("a2", first.conversation)
    transport = pair.transport(fail=1)
    send = worker(db, pair.sender, transport)
    for _ in range(5):
        send.run_once()
    assert pair.seen == ["a0", "a0", "a1", "a2"]
    assert set(message_states(db).values()) == {MessageState.DELIVERED}
    with db.reading() as session:
        seqs = list(session.scalars(select(InboxRecord.seq).order_by(InboxRecord.id)))
    assert seqs == [0, 1, 2]


def test_a_peer_down_then_back_gets_its_messages(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    send = worker(db, pair.sender, pair.transport(fail=3))
    for _ in range(3):
        assert send.run_once() == 1
        row = pair.message(queued.jti)
        assert row.state == MessageState.QUEUED and row.last_error == "HTTP 503"
    send.run_once()
    row = pair.message(queued.jti)
    assert (row.state, row.attempts) == (MessageState.DELIVERED, 4)
    assert effects(db) == 1


def test_a_worker_that_crashed_after_claiming_is_taken_over_when_its_lease_expires(
    db: Database,
) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    crashed = worker(db, pair.sender, pair.transport(), owner="crashed")
    assert len(crashed.claim()) == 1  # committed the lease, then died before sending
    other = worker(db, pair.sender, pair.transport(), owner="other")
    assert other.run_once() == 0  # the lease still holds
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.lease_until = utcnow() - timedelta(seconds=1)
    assert other.run_once() == 1
    assert pair.message(queued.jti).state == MessageState.DELIVERED
    assert effects(db) == 1


def test_a_receiver_that_crashed_before_answering_is_not_applied_twice(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    crash = {"once": True}

    def hook(request: httpx.Request) -> httpx.Response | None:
        if crash["once"]:
            crash["once"] = False
            pair.inbox.receive(request.content.decode(), utcnow())  # stored and committed …
            return httpx.Response(502)  # … but the answer never arrived
        return None

    send = worker(db, pair.sender, transport_to(pair.inbox, hook))
    send.run_once()
    assert pair.message(queued.jti).state == MessageState.QUEUED
    send.run_once()
    row = pair.message(queued.jti)
    assert row.state == MessageState.DELIVERED
    with db.reading() as session:
        stored = session.scalars(select(InboxRecord.receipt)).one()
    assert row.receipt is not None and row.receipt["jti"] == stored["jti"]
    assert effects(db) == 1


def test_a_business_refusal_is_final(db: Database) -> None:
    pair = Pair(db, handlers={"ping/1": refuse})
    queued = pair.enqueue()
    send = worker(db, pair.sender, pair.transport())
    assert send.run_once() == 1
    assert send.run_once() == 0
    row = pair.message(queued.jti)
    assert (row.state, row.attempts) == (MessageState.REFUSED, 1)
    assert row.receipt is not None and row.receipt["body"]["reason"] == "not_today"
    assert effects(db) == 0  # the handler's effect was rolled back with the refusal
    with db.reading() as session:
        stored = session.execute(select(InboxRecord.outcome, InboxRecord.reason)).one()
    assert tuple(stored) == ("refused", "not_today")


def test_a_dead_letter_holds_back_only_its_conversation(db: Database) -> None:
    pair = Pair(db)
    stuck = pair.enqueue("stuck")
    pair.enqueue("after", stuck.conversation)
    other = pair.enqueue("other")
    send = worker(
        db,
        pair.sender,
        pair.transport(fail_nonces=("stuck",)),
        policy=fast_policy(max_attempts=2, breaker_failures=100, batch_size=1),
    )
    for _ in range(4):
        send.run_once()
    assert pair.message(stuck.jti).state == MessageState.DEAD
    assert pair.message(other.jti).state == MessageState.DELIVERED
    assert "after" not in pair.seen
    with db.transaction() as session:
        outbox.discard(session, stuck.id, actor="test")
    send.run_once()
    assert pair.seen[-1] == "after"


def test_the_circuit_breaker_pauses_a_failing_peer(db: Database) -> None:
    pair = Pair(db)
    pair.enqueue()
    send = worker(db, pair.sender, pair.transport(fail=100), policy=fast_policy(breaker_failures=2))
    assert send.run_once() == 1
    assert send.run_once() == 1
    assert send.run_once() == 0  # open: nothing is claimed for this peer
    with db.reading() as session:
        peer = session.get(Peer, pair.peer_id)
        assert peer is not None and peer.circuit_open_until is not None
        assert peer.consecutive_failures == 2


def test_a_receipt_not_signed_by_the_peer_is_not_trusted(db: Database) -> None:
    pair = Pair(db)
    impostor = fake_node(RECEIVER)
    pair.inbox = make_inbox(db, impostor, {"ping/1": record_effect})
    queued = pair.enqueue()
    worker(db, pair.sender, pair.transport()).run_once()
    row = pair.message(queued.jti)
    assert row.state == MessageState.QUEUED
    assert row.last_error is not None and "receipt rejected: unknown_key" in row.last_error


def test_several_messages_to_one_peer_go_in_one_batch(db: Database) -> None:
    pair = Pair(db)
    for nonce in ("b1", "b2", "b3"):
        pair.enqueue(nonce)
    requests: list[int] = []

    def hook(request: httpx.Request) -> None:
        requests.append(len(json.loads(request.content)))

    assert worker(db, pair.sender, transport_to(pair.inbox, hook)).run_once() == 3
    assert requests == [3]
    assert set(message_states(db).values()) == {MessageState.DELIVERED}


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    policy = DeliveryPolicy(retry_base=timedelta(seconds=2), retry_cap=timedelta(seconds=60))
    assert [policy.backoff(n, lambda: 1.0).total_seconds() for n in (1, 2, 3, 5, 6, 50)] == [
        2,
        4,
        8,
        32,
        60,
        60,
    ]
    assert policy.backoff(4, lambda: 0.5) == timedelta(seconds=8)
    assert policy.backoff(4, lambda: 0.0) == timedelta(0)


def test_a_message_older_than_the_horizon_becomes_a_dead_letter(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.created_at = utcnow() - timedelta(hours=73)
    worker(db, pair.sender, pair.transport(fail=1)).run_once()
    assert pair.message(queued.jti).state == MessageState.DEAD


def test_nothing_is_sent_to_a_peer_that_is_not_active(db: Database) -> None:
    pair = Pair(db)
    pair.enqueue()
    with db.transaction() as session:
        peer = session.get(Peer, pair.peer_id)
        assert peer is not None
        peer.state = "suspended"
    assert worker(db, pair.sender, pair.transport()).run_once() == 0
    assert pair.seen == []


def test_two_workers_never_claim_the_same_message(db: Database) -> None:
    pair = Pair(db)
    for number in range(12):
        pair.enqueue(f"m{number}")
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(2)

    def claim(owner: str) -> None:
        send = worker(
            db, pair.sender, pair.transport(), owner=owner, policy=fast_policy(batch_size=8)
        )
        start.wait()
        claimed[owner] = [m.id for batch in send.claim() for m in batch.messages]

    threads = [threading.Thread(target=claim, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 12
    with db.reading() as session:
        owners = dict(session.execute(select(OutboxMessage.id, OutboxMessage.lease_owner)).all())
    assert all(owners[i] == "a" for i in claimed["a"])
    assert all(owners[i] == "b" for i in claimed["b"])


def test_the_circuit_closes_again_after_the_cooldown_and_a_success(db: Database) -> None:
    pair = Pair(db)
    queued = pair.enqueue()
    send = worker(db, pair.sender, pair.transport(fail=1), policy=fast_policy(breaker_failures=1))
    assert send.run_once() == 1
    assert send.run_once() == 0  # open
    with db.transaction() as session:
        peer = session.get_one(Peer, pair.peer_id)
        peer.circuit_open_until = utcnow() - timedelta(seconds=1)  # the cooldown is over
    assert send.run_once() == 1
    assert pair.message(queued.jti).state == MessageState.DELIVERED
    with db.reading() as session:
        peer = session.get_one(Peer, pair.peer_id)
        assert (peer.consecutive_failures, peer.circuit_open_until) == (0, None)


def test_a_peer_with_a_long_backlog_does_not_hold_up_the_others(db: Database) -> None:
    """Each round serves every peer with due messages (a batch each), the longest waiting
    first: one peer's backlog, older than everything else, does not starve another peer."""
    busy = Pair(db)
    quiet_id = add_peer(db, fake_node("https://quiet.example"))
    for n in range(7):
        busy.enqueue(f"backlog-{n}")
    with db.transaction() as session:
        quiet = session.get(Peer, quiet_id)
        assert quiet is not None
        outbox.enqueue(session, quiet, "ping/1", {"nonce": "urgent"})

    claimed = worker(db, busy.sender, busy.transport(), policy=fast_policy(batch_size=3)).claim()

    assert [(batch.peer_id, len(batch.messages)) for batch in claimed] == [
        (busy.peer_id, 3),
        (quiet_id, 1),
    ]
