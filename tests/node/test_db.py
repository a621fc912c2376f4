"""Storage: migrations agree with the models and go both ways; transactions are all-or-nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from node import audit
from node.audit.models import AuditEntry
from node.db import Database, after_commit
from node.db import migrate as migrations
from node.db.registry import metadata


def test_models_and_migrations_agree(db: Database) -> None:
    assert migrations.schema_diff(db) == []
    assert migrations.is_current(db)


def test_every_model_table_is_created_by_migrations(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in metadata().sorted_tables} <= tables


def test_downgrade_to_base_and_upgrade_again(db: Database) -> None:
    migrations.downgrade(db, "base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    assert not migrations.is_current(db)
    migrations.upgrade(db)
    assert migrations.is_current(db)
    assert migrations.schema_diff(db) == []


def test_sqlite_is_tuned(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'tuned.db'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def _count(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        audit.record(session, actor="test", action="a", entity="e", entity_id=1)
        session.flush()
        raise RuntimeError("boom")
    assert _count(db) == 0


def test_after_commit_runs_only_after_a_commit(db: Database) -> None:
    seen: list[int] = []
    with db.transaction() as session:
        audit.record(session, actor="test", action="a", entity="e", entity_id=1)
        after_commit(session, lambda: seen.append(_count(db)))
        assert seen == []
    assert seen == [1]  # the callback saw the committed row
    with pytest.raises(RuntimeError), db.transaction() as session:
        after_commit(session, lambda: seen.append(-1))
        raise RuntimeError("boom")
    assert seen == [1]


def test_failing_callback_does_not_undo_the_commit(db: Database) -> None:
    errors: list[BaseException] = []
    db.on_callback_error = errors.append
    with db.transaction() as session:
        audit.record(session, actor="test", action="a", entity="e", entity_id=1)
        after_commit(session, lambda: 1 / 0)
    assert _count(db) == 1
    assert isinstance(errors[0], ZeroDivisionError)


def test_concurrent_writers_queue_instead_of_failing(db: Database) -> None:
    """Two writers that read then write: with BEGIN IMMEDIATE (SQLite) or row locks, both land."""
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with db.transaction() as session:
                session.scalar(select(func.count()).select_from(AuditEntry))
                time.sleep(0.05)
                audit.record(session, actor="test", action="a", entity="e", entity_id=n)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _count(db) == 4


def test_reading_never_writes(db: Database) -> None:
    with db.reading() as session:
        audit.record(session, actor="test", action="a", entity="e", entity_id=1)
        session.flush()
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    assert _count(db) == 0


def test_timestamps_are_aware_utc(db: Database) -> None:
    with db.transaction() as session:
        entry = audit.record(session, actor="test", action="a", entity="e", entity_id=1)
    with db.reading() as session:
        stored = session.get(AuditEntry, entry.id)
        assert stored is not None
        assert stored.at.utcoffset() is not None
        assert stored.at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1


def test_audit_diff_masks_sensitive_fields() -> None:
    changes = audit.diff(
        {"name": "Ann", "iban": "BE68539007547034", "same": 1},
        {"name": "Anne", "iban": "FR1420041010050500013M02606", "same": 1},
        sensitive=("iban",),
    )
    assert changes == {"iban": ["***", "***"], "name": ["Ann", "Anne"]}
