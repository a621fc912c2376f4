"""Two real nodes (``coopnode serve`` on 127.0.0.1, each with its own database and keys) exchange
pings: the sender's built-in delivery worker sends them, the receiver answers with signed
receipts, and the sender records them — also when the receiver was down for a while."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from federation.keys import b64url_decode
from node.db import Database
from node.federation import outbox, peers
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer, PeerState
from tests.test_server_process import COOPNODE, free_port, node_environment, wait_until_healthy

pytestmark = pytest.mark.process
DELIVERY_SECONDS = 30


class RealNode:
    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environ = {**node_environment(folder), "COOPNODE_BASE_URL": self.url}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "serve.log"

    def run(self, *args: str) -> None:
        result = subprocess.run(
            [str(COOPNODE), *args],
            cwd=self.folder,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        self.run("init")
        self.run("migrate")
        self.serve()

    def serve(self) -> None:
        """Start ``coopnode serve`` (again, after :meth:`stop`: same folder, port and database)."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(COOPNODE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(self.process, self.url, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def database(self) -> Database:
        return Database(self.environ["COOPNODE_DATABASE_URL"])

    def descriptor(self) -> dict[str, object]:
        token = httpx.get(f"{self.url}/.well-known/coopnode", timeout=5, trust_env=False).text
        return dict(json.loads(b64url_decode(token.split(".")[1])))


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


def peer_with(db: Database, other: RealNode) -> int:
    """Peer ``db``'s node with ``other`` from its descriptor (the fingerprint: its current key)."""
    descriptor = other.descriptor()
    keys = descriptor["keys"]
    assert isinstance(keys, dict)
    fingerprint = keys["keys"][-1]["kid"]
    with db.transaction() as session:
        return peers.add_peer(session, descriptor, fingerprint, state=PeerState.ACTIVE).id


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
