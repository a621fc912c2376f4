"""Two real nodes (``coopnode serve`` on 127.0.0.1, each with its own database and keys) exchange
pings: the sender's built-in delivery worker sends them, the receiver answers with signed
receipts, and the sender records them — also when the receiver was down for a while."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from node.db import Database
from node.federation import outbox
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer
from tests.realnodes import RealNode, peer_with
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process
DELIVERY_SECONDS = 30


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[RealNode, RealNode]]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    first, second = RealNode(tmp_path / "a"), RealNode(tmp_path / "b")
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_two_nodes_exchange_a_ping_with_a_signed_receipt(
    two_nodes: tuple[RealNode, RealNode],
) -> None:
    sender, receiver = two_nodes
    sender_db, receiver_db = sender.database(), receiver.database()
    try:
        peer_with(receiver_db, sender)
        receiver_peer = peer_with(sender_db, receiver)
        with sender_db.transaction() as session:
            peer = session.get_one(Peer, receiver_peer)
            jti = outbox.enqueue(session, peer, "ping/1", {"nonce": "hello"}).jti
        deadline = time.monotonic() + DELIVERY_SECONDS
        state = None
        while time.monotonic() < deadline:
            with sender_db.reading() as session:
                row = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one()
                state, receipt, error = row.state, row.receipt, row.last_error
            if state == MessageState.DELIVERED:
                break
            time.sleep(0.2)
        assert state == MessageState.DELIVERED, f"{state}: {error}\n{sender.log.read_text()}"
        assert receipt is not None
        assert receipt["body"] == {"message": jti, "message_type": "ping/1", "outcome": "accepted"}
        with receiver_db.reading() as session:
            record = session.scalars(select(InboxRecord)).one()
            assert (record.iss, record.jti, record.outcome) == (sender.url, jti, "accepted")
            assert record.receipt["jti"] == receipt["jti"]
    finally:
        sender_db.dispose()
        receiver_db.dispose()
    assert "Traceback" not in sender.log.read_text() + receiver.log.read_text()


def delivered(db: Database, jtis: list[str]) -> dict[str, str]:
    with db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.jti.in_(jtis)))
        return {row.jti: row.state for row in rows}


def failed_attempts(db: Database, jti: str) -> int:
    with db.reading() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one()
        return row.attempts if row.last_error else 0


def wait_until(probe: Callable[[], bool], what: str, *logs: RealNode) -> None:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}\n" + "\n".join(node.log.read_text()[-4000:] for node in logs))


def test_a_receiver_down_for_a_while_gets_a_conversation_in_order_and_once_after_its_restart(
    tmp_path: Path,
) -> None:
    sender, receiver = RealNode(tmp_path / "a"), RealNode(tmp_path / "b")
    sender.environ.update(
        COOPNODE_FEDERATION_RETRY_BASE_SECONDS="1",
        COOPNODE_FEDERATION_RETRY_CAP_SECONDS="1",
        COOPNODE_FEDERATION_BREAKER_COOLDOWN_SECONDS="1",
    )
    try:
        sender.start()
        receiver.start()
        sender_db, receiver_db = sender.database(), receiver.database()
        peer_with(receiver_db, sender)
        receiver_peer = peer_with(sender_db, receiver)
        receiver.stop()
        with sender_db.transaction() as session:
            peer = session.get_one(Peer, receiver_peer)
            first = outbox.enqueue(session, peer, "ping/1", {"nonce": "n0"})
            rest = [
                outbox.enqueue(session, peer, "ping/1", {"nonce": f"n{n}"}, first.conversation)
                for n in (1, 2)
            ]
            jtis = [first.jti, *(message.jti for message in rest)]
        wait_until(lambda: failed_attempts(sender_db, jtis[0]) >= 2, "no retries", sender)

        receiver.serve()

        wait_until(
            lambda: set(delivered(sender_db, jtis).values()) == {MessageState.DELIVERED},
            "not delivered after the restart",
            sender,
            receiver,
        )
        with receiver_db.reading() as session:
            records = session.scalars(select(InboxRecord).order_by(InboxRecord.id)).all()
            assert [(record.jti, record.seq) for record in records] == list(
                zip(jtis, (0, 1, 2), strict=True)
            )
        sender_db.dispose()
        receiver_db.dispose()
    finally:
        sender.stop()
        receiver.stop()
    assert "Traceback" not in sender.log.read_text() + receiver.log.read_text()
