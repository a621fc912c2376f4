"""Bulk inserts (``COPY`` on PostgreSQL) store rows exactly as an ORM insert would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from node.audit.models import AuditEntry
from node.db import Database
from node.db.bulk import insert_rows

TRICKY = {"text": 'tab\there, newline\nthere, back\\slash, quote " and é', "amount": "30.00"}


def _stored(db: Database, action: str) -> list[tuple[object, ...]]:
    with db.reading() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.entity_id)
        )
        return [(r.actor, r.entity_id, r.changes, r.request_id, r.at) for r in rows]


def test_bulk_rows_equal_orm_rows(db: Database) -> None:
    at = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    given = [
        {
            "at": at,
            "actor": "bulk",
            "entity": "x",
            "entity_id": str(n),
            "changes": TRICKY,
            "request_id": None if n % 2 else f"req-{n}",
        }
        for n in range(3)
    ]
    with db.transaction() as session:
        insert_rows(session, AuditEntry, [{**row, "action": "bulk"} for row in given])
        session.add_all(AuditEntry(**row, action="orm") for row in given)
    bulk, orm = _stored(db, "bulk"), _stored(db, "orm")
    assert bulk == orm
    assert bulk[0][2] == TRICKY and bulk[0][3] == "req-0" and bulk[1][3] is None
    assert bulk[0][4] == at


def test_python_defaults_apply(db: Database) -> None:
    before = datetime.now(UTC)
    with db.transaction() as session:
        insert_rows(
            session,
            AuditEntry,
            [
                {
                    "actor": "bulk",
                    "action": "defaults",
                    "entity": "x",
                    "entity_id": "1",
                    "request_id": None,
                }
            ],
        )
    [(_, _, changes, _, at)] = _stored(db, "defaults")
    assert changes == {}
    assert isinstance(at, datetime) and at >= before.replace(microsecond=0)


def test_a_failing_bulk_insert_leaves_nothing(db: Database) -> None:
    good = {"actor": "bulk", "action": "fails", "entity": "x", "entity_id": "1", "request_id": None}
    with pytest.raises(IntegrityError), db.transaction() as session:
        insert_rows(session, AuditEntry, [good, {**good, "entity_id": "2", "actor": None}])
    assert _stored(db, "fails") == []


def test_nothing_to_insert_is_fine(db: Database) -> None:
    with db.transaction() as session:
        insert_rows(session, AuditEntry, [])
