"""A batch is received in one transaction with a savepoint per envelope: each envelope is applied,
refused or rejected on its own, exactly as if it had come alone."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.audit.models import AuditEntry
from node.db import Database
from node.db.types import utcnow
from node.federation.inbox import BusinessRefusal
from node.federation.models import InboxRecord, InboxRejection
from tests.node.federation.fed_helpers import RECEIVER, add_peer, fake_node, make_inbox


def by_nonce(session: Session, message: Envelope) -> None:
    """Leaves an effect (an audit entry), then accepts, refuses or fails as the nonce says."""
    audit.record(
        session, actor=message.iss, action="test.batch", entity="ping", entity_id=message.jti
    )
    nonce = message.body["nonce"]
    if nonce == "refuse":
        raise BusinessRefusal("not_today")
    if nonce == "fail":
        raise RuntimeError("the handler broke")


def effects(db: Database) -> list[str]:
    with db.reading() as session:
        query = select(AuditEntry.entity_id).where(AuditEntry.action == "test.batch")
        return sorted(str(entity) for entity in session.scalars(query))


def test_each_envelope_of_a_batch_stands_on_its_own(db: Database) -> None:
    sender, receiver = fake_node("http://127.0.0.1:9001"), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver, {"ping/1": by_nonce})
    now = utcnow()
    ok = sender.sign(jti="a" * 22, body={"nonce": "ok"}, now=now)
    tokens = [
        ok,
        sender.sign(jti="b" * 22, body={"nonce": "fail"}, now=now),
        sender.sign(jti="c" * 22, body={"nonce": "refuse"}, now=now),
        sender.sign(jti="d" * 22, aud="https://elsewhere.example", now=now),
        ok,  # the same message again in the same batch: its stored receipt, no second effect
        sender.sign(jti="a" * 22, body={"nonce": "other"}, now=now),  # same id, another body
    ]

    results = inbox.receive_batch(tokens, now, "127.0.0.1")

    assert [result.status for result in results] == [200, 500, 200, 401, 200, 409]
    assert results[4].receipt == results[0].receipt
    assert effects(db) == ["a" * 22]  # the failed and the refused envelopes left nothing
    with db.reading() as session:
        records = {r.jti: r.outcome for r in session.scalars(select(InboxRecord))}
        rejected = sorted(session.scalars(select(InboxRejection.code)))
        assert session.scalar(select(func.count()).select_from(InboxRecord)) == 2
    assert records == {"a" * 22: "accepted", "c" * 22: "refused"}
    assert rejected == ["conflict", "wrong_audience"]


def test_a_failed_envelope_is_applied_when_it_comes_again(db: Database) -> None:
    sender, receiver = fake_node("http://127.0.0.1:9001"), fake_node(RECEIVER)
    add_peer(db, sender)
    now = utcnow()
    token = sender.sign(jti="e" * 22, body={"nonce": "fail"}, now=now)
    assert (
        make_inbox(db, receiver, {"ping/1": by_nonce}).receive_batch([token], now)[0].status == 500
    )

    again = make_inbox(db, receiver, {"ping/1": lambda session, message: None})
    assert again.receive_batch([token], now)[0].status == 200
    with db.reading() as session:
        assert session.scalars(select(InboxRecord.outcome)).all() == ["accepted"]


def test_a_batch_of_accepted_envelopes_costs_a_few_statements_not_a_few_per_envelope(
    db: Database,
) -> None:
    """Known ids read in one query, the sender's keys once, no savepoints, the records inserted
    at commit: only the inserts grow with the batch (~7 statements per envelope otherwise), and
    on PostgreSQL they go in one statement."""
    sender, receiver = fake_node("http://127.0.0.1:9001"), fake_node(RECEIVER)
    add_peer(db, sender)
    inbox = make_inbox(db, receiver, {"ping/1": lambda session, message: None})
    now = utcnow()
    tokens = [sender.sign(body={"nonce": f"n{n}"}, now=now) for n in range(50)]
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        results = inbox.receive_batch(tokens, now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert [result.status for result in results] == [200] * 50
    inserts = [s for s in statements if s.startswith("INSERT INTO federation_inbox")]
    assert len(statements) - len(inserts) <= 6, statements
    assert len(inserts) == (1 if db.engine.dialect.name == "postgresql" else 50)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(InboxRecord)) == 50
