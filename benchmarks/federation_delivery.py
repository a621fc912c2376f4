"""Federation benchmark: messages per second between two real nodes on loopback, and how fast a
backlog drains when the receiver comes back, against raw Ed25519 in the same run.

Run: ``.venv/bin/python benchmarks/federation_delivery.py [--messages 5000] [--outage 10000]``; with
``COOPNODE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/coopnode_bench`` it
runs on PostgreSQL too. Each node needs a database of its own: node A uses the database the URL
names, node B that name with ``_peer`` appended; both are dropped and created afresh, and dropped
at the end — they must be expendable. Both engines keep full durability: SQLite
``synchronous=FULL`` in WAL mode, PostgreSQL ``synchronous_commit=on``.

Two nodes are started as real processes (``coopnode init``, ``migrate``, ``serve`` on 127.0.0.1
only, each with its built-in delivery workers, ``federation.delivery_threads`` of them) and
peered from each other's descriptor (the fingerprint pinned is the descriptor's current key: the
out-of-band check is not what is measured).
Node settings are the defaults except the retry delays: ``federation.retry_base_seconds`` and
``retry_cap_seconds`` at 1 s and ``breaker_cooldown_seconds`` at 1 s (and ``max_attempts`` high
enough), so the outage part measures draining, not how long a backoff of the default cap (one
hour) would make A wait before it looks again.

What it prints, per engine:

* throughput: this process enqueues ``--messages`` ``ping/1`` messages for B into A's outbox
  through :func:`node.federation.outbox.enqueue`, 500 per transaction (the enqueue time alone is
  printed too); A's delivery worker signs and sends them in batches, B verifies each (signature,
  key, peer, times, audience, schema), records ``(iss, jti)`` and applies it once, answers a
  signed receipt; A verifies the receipts and marks the messages delivered. **Timed: from the
  first enqueue to the last message delivered** (polled in A's database every 50 ms), so it
  includes the worker's wake-up (an idle worker looks again after up to 1 s) and its batches
  (``federation.delivery_batch_size``, 50 by default: one request and, on B, one commit each).
  Then B's inbox is checked: exactly one record per message, all accepted. Target: 500/s.
* outage: B is stopped, ``--outage`` pings are queued while A's worker keeps failing and
  retrying, B is started again; **timed: from B answering its health check to the last message
  delivered**. Target: drained within 60 s.
* baselines, in this process: raw Ed25519 sign+verify from ``cryptography`` on a payload of the
  size of a ping envelope's signing input, and the envelope's own sign+verify
  (``federation.envelope``, schema checks included). One delivered message costs the two nodes
  two signatures and two verifications (the message and its receipt).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, func, make_url, select, text

from federation import envelope
from federation.keys import KeySet, SigningKey, b64url_decode
from node.db import Database
from node.db.types import utcnow
from node.federation import outbox, peers
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer, PeerState

COOPNODE = Path(sys.executable).with_name("coopnode")
TARGET_RATE = 500.0
TARGET_DRAIN_SECONDS = 60.0
ENQUEUE_BATCH = 500
POLL_SECONDS = 0.05
STARTUP_SECONDS = 60
BASELINE_ROUNDS = 2000
#: Settings for both nodes: short retry delays so the outage measures draining (see above).
NODE_SETTINGS = {
    "COOPNODE_FEDERATION_RETRY_BASE_SECONDS": "1",
    "COOPNODE_FEDERATION_RETRY_CAP_SECONDS": "1",
    "COOPNODE_FEDERATION_BREAKER_COOLDOWN_SECONDS": "1",
    "COOPNODE_FEDERATION_MAX_ATTEMPTS": "1000",
    "COOPNODE_LOG_LEVEL": "warning",
}


class RealNode:
    """One ``coopnode serve`` process on 127.0.0.1 with its own folder, database and keys."""

    def __init__(self, folder: Path, port: int, database_url: str | None) -> None:
        folder.mkdir()
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = folder / "serve.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPNODE_")}
        self.environ = {
            **environ,
            **NODE_SETTINGS,
            "COOPNODE_CONFIG": str(folder / "coopnode.toml"),
            "COOPNODE_DATABASE_URL": database_url or f"sqlite:///{folder / 'node.db'}",
            "COOPNODE_BASE_URL": self.url,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> None:
        result = subprocess.run(  # noqa: S603 (the node's own entry point)
            [str(COOPNODE), *args],
            cwd=self.folder,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"coopnode {' '.join(args)} failed:\n{result.stderr}")

    def setup(self) -> None:
        self.run("init")
        self.run("migrate")

    def start(self) -> float:
        """Serve and wait until healthy; returns the seconds that took."""
        started = time.perf_counter()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 (the node's own entry point)
                [str(COOPNODE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"coopnode serve exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1, trust_env=False).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"coopnode serve not healthy in {STARTUP_SECONDS} s:\n{self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None

    def database(self) -> Database:
        return Database(self.environ["COOPNODE_DATABASE_URL"])

    def descriptor(self) -> dict[str, Any]:
        token = httpx.get(f"{self.url}/.well-known/coopnode", timeout=5, trust_env=False).text
        return dict(json.loads(b64url_decode(token.split(".")[1])))


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


@contextmanager
def postgres_databases(url: str) -> Iterator[tuple[str, str]]:
    """Node A's database (the one ``url`` names) and node B's (``<name>_peer``), both fresh."""
    base = make_url(url)
    names = (base.database or "coopnode_bench", f"{base.database or 'coopnode_bench'}_peer")
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        a, b = (base.set(database=name).render_as_string(hide_password=False) for name in names)
        yield a, b
    finally:
        drop()
        server.dispose()


def peer_each_other(a: RealNode, b: RealNode, a_db: Database, b_db: Database) -> int:
    """Each node records the other as an active peer; returns B's Peer id in A's database."""
    for db, other in ((b_db, a), (a_db, b)):
        descriptor = other.descriptor()
        fingerprint = descriptor["keys"]["keys"][-1]["kid"]
        with db.transaction() as session:
            peer_id = peers.add_peer(session, descriptor, fingerprint, state=PeerState.ACTIVE).id
    return peer_id


def enqueue(db: Database, peer_id: int, count: int, prefix: str) -> float:
    """Queue ``count`` pings for the peer, :data:`ENQUEUE_BATCH` per transaction; seconds taken."""
    started = time.perf_counter()
    for start in range(0, count, ENQUEUE_BATCH):
        with db.transaction() as session:
            peer = session.get_one(Peer, peer_id)
            for n in range(start, min(start + ENQUEUE_BATCH, count)):
                outbox.enqueue(session, peer, "ping/1", {"nonce": f"{prefix}-{n}"})
    return time.perf_counter() - started


def outbox_states(db: Database) -> dict[str, int]:
    with db.reading() as session:
        rows = session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return {state: count for state, count in rows}


def wait_delivered(db: Database, total: int, timeout: float) -> float:
    """Poll until ``total`` messages are delivered; returns the moment (perf_counter) it was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = outbox_states(db)
        if states.get(MessageState.DELIVERED.value, 0) >= total:
            return time.perf_counter()
        if states.get(MessageState.DEAD.value) or states.get(MessageState.REFUSED.value):
            raise SystemExit(f"messages not delivered: {states}")
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"not all delivered within {timeout:.0f} s: {outbox_states(db)}")


def check_inbox(receiver: RealNode, sender: str, expected: int) -> str:
    """Exactly one accepted record per ping in the receiver's inbox."""
    db = receiver.database()
    try:
        with db.reading() as session:
            rows = session.execute(
                select(
                    InboxRecord.outcome, func.count(), func.count(func.distinct(InboxRecord.jti))
                )
                .where(InboxRecord.iss == sender, InboxRecord.type == "ping/1")
                .group_by(InboxRecord.outcome)
            ).all()
    finally:
        db.dispose()
    found = {outcome: (count, distinct) for outcome, count, distinct in rows}
    accepted, distinct = found.get("accepted", (0, 0))
    ok = accepted == distinct == expected and set(found) == {"accepted"}
    verdict = "ok" if ok else "WRONG"
    return f"B holds {accepted} accepted records, {distinct} distinct ids ({verdict}): {found}"


def throughput(a: RealNode, b: RealNode, a_db: Database, peer_id: int, messages: int) -> None:
    started = time.perf_counter()
    enqueued = enqueue(a_db, peer_id, messages, "load")
    finished = wait_delivered(a_db, messages, timeout=max(120.0, messages / 20))
    took = finished - started
    rate = messages / took
    print(
        f"enqueue      : {messages} pings in {enqueued:.2f} s "
        f"({messages / enqueued:.0f}/s, {ENQUEUE_BATCH} per transaction; inside the timing)"
    )
    verdict = "met" if rate >= TARGET_RATE else "NOT met"
    print(
        f"end to end   : {messages} delivered in {took:.2f} s: {rate:.0f} messages/s "
        f"(target {TARGET_RATE:.0f}/s: {verdict})"
    )
    print(f"check        : {check_inbox(b, a.url, messages)}")


def outage(
    a: RealNode, b: RealNode, a_db: Database, peer_id: int, messages: int, before: int
) -> None:
    b.stop()
    enqueued = enqueue(a_db, peer_id, messages, "outage")
    time.sleep(2)  # let A's worker fail and back off at least once on every batch it tries
    failed = outbox_states(a_db)
    with a_db.reading() as session:
        attempts = session.scalar(
            select(func.sum(OutboxMessage.attempts)).where(OutboxMessage.delivered_at.is_(None))
        )
    print(
        f"outage       : B stopped; {messages} pings queued in {enqueued:.2f} s while A retried "
        f"({attempts or 0} failed attempts so far; states {failed})"
    )
    startup = b.start()
    back = time.perf_counter()
    finished = wait_delivered(a_db, before + messages, timeout=600)
    took = finished - back
    verdict = "met" if took <= TARGET_DRAIN_SECONDS else "NOT met"
    print(
        f"drain        : B healthy after {startup:.1f} s; all {messages} delivered "
        f"{took:.2f} s after ({messages / took:.0f} messages/s; "
        f"target within {TARGET_DRAIN_SECONDS:.0f} s: {verdict})"
    )
    print(f"check        : {check_inbox(b, a.url, before + messages)}")


def baselines(rounds: int) -> None:
    """Raw Ed25519 and the envelope's sign+verify in this process, on a ping's sizes."""
    key = SigningKey.generate()
    now = utcnow()
    node_a, node_b = "http://127.0.0.1:1", "http://127.0.0.1:2"
    token = envelope.sign(
        key, iss=node_a, aud=node_b, type="ping/1", body={"nonce": "load-1234"}, now=now
    )
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    started = time.perf_counter()
    for _ in range(rounds):
        public.verify(private.sign(signing_input), signing_input)
    raw = rounds / (time.perf_counter() - started)
    keys = KeySet.of([key.public(now - timedelta(days=1))])
    started = time.perf_counter()
    for n in range(rounds):
        signed = envelope.sign(
            key, iss=node_a, aud=node_b, type="ping/1", body={"nonce": f"load-{n}"}, now=now
        )
        envelope.verify(signed, lambda _iss: keys, node_b, now)
    wrapped = rounds / (time.perf_counter() - started)
    print(
        f"baseline     : raw Ed25519 sign+verify ({len(signing_input)}-byte signing input, "
        f"cryptography): {raw:,.0f}/s"
    )
    print(
        f"baseline     : envelope sign+verify (federation.envelope, schemas checked): "
        f"{wrapped:,.0f}/s; a delivered message needs two of these (message and receipt): "
        f"at most {wrapped / 2:,.0f} messages/s of signing alone on one core"
    )


def bench(
    label: str, urls: tuple[str | None, str | None], args: argparse.Namespace, folder: Path
) -> None:
    print(f"\n== {label}")
    folder.mkdir(parents=True)
    port_a, port_b = free_ports(2)
    a = RealNode(folder / "a", port_a, urls[0])
    b = RealNode(folder / "b", port_b, urls[1])
    a_db = b_db = None
    try:
        a.setup()
        b.setup()
        a.start()
        b.start()
        a_db, b_db = a.database(), b.database()
        peer_id = peer_each_other(a, b, a_db, b_db)
        b_db.dispose()
        baselines(BASELINE_ROUNDS)
        if args.messages:
            throughput(a, b, a_db, peer_id, args.messages)
        if args.outage:
            outage(a, b, a_db, peer_id, args.outage, args.messages)
    finally:
        if a_db is not None:
            a_db.dispose()
        a.stop()
        b.stop()
    for node in (a, b):
        if "Traceback" in node.log.read_text():
            print(f"note         : a traceback in {node.log.name} of {node.url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="pings for the throughput run")
    parser.add_argument("--outage", type=int, default=10_000, help="pings queued while B is down")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench("SQLite (WAL, synchronous=FULL)", (None, None), args, Path(folder) / "sqlite")
        url = os.environ.get("COOPNODE_BENCH_DATABASE_URL")
        if url:
            with postgres_databases(url) as urls:
                bench("PostgreSQL (synchronous_commit=on)", urls, args, Path(folder) / "pg")
        else:
            print("\n(PostgreSQL skipped: set COOPNODE_BENCH_DATABASE_URL to include it)")


if __name__ == "__main__":
    main()
