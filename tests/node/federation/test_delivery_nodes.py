"""Two real nodes (``coopnode serve`` on 127.0.0.1, each with its own database and keys) exchange
a ping: the sender's built-in delivery worker sends it, the receiver answers with a signed
receipt, and the sender records it."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
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
        with self.log.open("wb") as output:
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
