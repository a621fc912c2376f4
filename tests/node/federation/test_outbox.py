"""The outbox: enqueue in the caller's transaction, and the admin's view of dead letters."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from federation.errors import InvalidBody, UnsupportedType
from node.db import Database
from node.db.types import utcnow
from node.federation import outbox
from node.federation.models import MessageState, OutboxMessage, Peer
from node.runtime import Node
from tests.node.federation.fed_helpers import SENDER, add_peer, counts, fake_node


def peer_id(db: Database) -> int:
    return add_peer(db, fake_node(SENDER))


def enqueue(db: Database, pid: int, conversation: str | None = None, nonce: str = "n") -> int:
    with db.transaction() as session:
        peer = session.get(Peer, pid)
        assert peer is not None
        return outbox.enqueue(session, peer, "ping/1", {"nonce": nonce}, conversation).id


def test_seq_counts_up_within_a_conversation(db: Database) -> None:
    pid = peer_id(db)
    first = enqueue(db, pid)
    with db.reading() as session:
        conversation = session.get_one(OutboxMessage, first).conversation
    enqueue(db, pid, conversation)
    enqueue(db, pid, conversation)
    enqueue(db, pid)
    with db.reading() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.conversation == conversation, r.seq) for r in rows] == [
            (True, 0),
            (True, 1),
            (True, 2),
            (False, 0),
        ]
        assert rows[0].conversation == rows[0].jti
        assert {r.state for r in rows} == {MessageState.QUEUED}


@pytest.mark.parametrize(
    ("type", "body", "error"),
    [("ping/1", {"nonce": "no spaces"}, InvalidBody), ("nosuch/1", {}, UnsupportedType)],
)
def test_a_bad_message_fails_at_home_and_rolls_back(
    db: Database, type: str, body: dict[str, Any], error: type[Exception]
) -> None:
    pid = peer_id(db)
    before = counts(db)
    with pytest.raises(error), db.transaction() as session:
        peer = session.get(Peer, pid)
        assert peer is not None
        outbox.enqueue(session, peer, type, body)
    assert counts(db) == before


def make_dead(db: Database, message_id: int, age: timedelta = timedelta(hours=1)) -> None:
    with db.transaction() as session:
        row = session.get_one(OutboxMessage, message_id)
        row.state = MessageState.DEAD.value
        row.attempts = 60
        row.created_at = utcnow() - age


def test_admins_see_retry_and_discard_dead_letters(
    client: TestClient, node: Node, login_as: Any
) -> None:
    pid = peer_id(node.db)
    dead = enqueue(node.db, pid)
    other = enqueue(node.db, pid)
    make_dead(node.db, dead)
    make_dead(node.db, other)
    admin = login_as("admin")
    listed = client.get("/api/v1/federation/outbox", headers=login_as("staff")).json()
    assert [m["id"] for m in listed["dead_letters"]] == [dead, other]
    assert listed["peers"][0]["dead"] == 2 and listed["peers"][0]["queued"] == 0

    retried = client.post(f"/api/v1/federation/outbox/{dead}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["state"], retried.json()["attempts"]) == ("queued", 0)
    again = client.post(f"/api/v1/federation/outbox/{dead}/retry", headers=admin)
    assert again.status_code == 409  # no longer a dead letter

    discarded = client.post(f"/api/v1/federation/outbox/{other}/discard", headers=admin)
    assert discarded.json()["state"] == "discarded"
    summary = client.get("/api/v1/federation/outbox", headers=admin).json()
    assert summary["dead_letters"] == []
    assert summary["peers"][0]["queued"] == 1
    assert client.post("/api/v1/federation/outbox/999/discard", headers=admin).status_code == 404


def test_a_dead_letter_too_old_to_resend_safely_stays_dead(
    client: TestClient, node: Node, login_as: Any
) -> None:
    dead = enqueue(node.db, peer_id(node.db))
    make_dead(node.db, dead, age=timedelta(days=8))
    answer = client.post(f"/api/v1/federation/outbox/{dead}/retry", headers=login_as("admin"))
    assert answer.status_code == 409
    with node.db.reading() as session:
        assert session.get_one(OutboxMessage, dead).state == MessageState.DEAD


@pytest.fixture
def cli(settings: Any, db: Database, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    from node.cli.main import main

    return main


def test_the_outbox_command_lists_retries_and_discards(
    cli: Any, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = peer_id(db)
    first, second = enqueue(db, pid), enqueue(db, pid)
    make_dead(db, first)
    make_dead(db, second)
    assert cli(["outbox", "list"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in listed["dead_letters"]] == [first, second]
    assert cli(["outbox", "retry", str(first)]) == 0
    assert "is now queued" in capsys.readouterr().out
    assert cli(["outbox", "discard", str(second)]) == 0
    assert cli(["outbox", "discard", str(second)]) == 1  # no longer a dead letter
    with db.reading() as session:
        states = [
            r.state for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert states == [MessageState.QUEUED, MessageState.DISCARDED]
