"""Two fresh real nodes (``coopnode serve`` on 127.0.0.1, each with its own database and keys)
peer through the CLI with fingerprints exchanged "out of band", then ping each other.

Node A always runs on SQLite; node B on the test's engine (on PostgreSQL, a database of its own
is created for it and dropped afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from node.db import Database
from node.federation import outbox
from node.federation.models import MessageState, OutboxMessage, Peer
from tests.realnodes import RealNode, cli, eventually, ok
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process
WAIT_SECONDS = 30
T = TypeVar("T")


def peer_row(db: Database, node_id: str, state: str) -> tuple[str, str] | None:
    with db.reading() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == node_id)).one_or_none()
        if peer is None or peer.state != state:
            return None
        return peer.state, peer.fingerprint


def delivered(db: Database, jti: str) -> str | None:
    with db.reading() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one()
        return row.state if row.state == MessageState.DELIVERED else None


def ping(db: Database, node_id: str) -> str:
    with db.transaction() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == node_id)).one()
        return outbox.enqueue(session, peer, "ping/1", {"nonce": "hello"}).jti


@pytest.fixture
def fresh_nodes(tmp_path: Path, own_database: str | None) -> Iterator[tuple[RealNode, RealNode]]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    first, second = RealNode(tmp_path / "a"), RealNode(tmp_path / "b")
    if own_database is not None:
        second.environ["COOPNODE_DATABASE_URL"] = own_database
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_two_nodes_peer_with_fingerprints_and_then_ping_both_ways(
    fresh_nodes: tuple[RealNode, RealNode],
) -> None:
    a, b = fresh_nodes
    a_db, b_db = a.database(), b.database()
    try:
        a_print = ok(a, "keys", "fingerprint").strip()
        b_print = ok(b, "keys", "fingerprint").strip()
        assert a_print != b_print

        # "--fingerprint=F": a fingerprint may start with "-", which argparse takes for an option
        ok(a, "peers", "add", b.url, f"--fingerprint={b_print}")
        assert peer_row(a_db, b.url, "pending") == ("pending", b_print)
        eventually("B never saw A's request", lambda: peer_row(b_db, a.url, "pending"), a, b)
        listing = ok(b, "peers")
        assert a.url in listing and "pending" in listing and a_print in listing

        refused = cli(b, "peers", "approve", a.url, f"--fingerprint={b_print}")  # the wrong one
        assert refused.returncode != 0 and "fingerprint" in refused.stderr, refused.stderr
        assert peer_row(b_db, a.url, "pending") == ("pending", a_print)

        ok(b, "peers", "approve", a.url, f"--fingerprint={a_print}")
        assert peer_row(b_db, a.url, "active") == ("active", a_print)
        eventually("A never got B's accept", lambda: peer_row(a_db, b.url, "active"), a, b)

        to_b, to_a = ping(a_db, b.url), ping(b_db, a.url)
        eventually("A's ping not delivered", lambda: delivered(a_db, to_b), a, b)
        eventually("B's ping not delivered", lambda: delivered(b_db, to_a), a, b)
        assert "active" in ok(a, "peers")
    finally:
        a_db.dispose()
        b_db.dispose()
    assert "Traceback" not in a.log.read_text() + b.log.read_text()
