"""Migration 0003 (members, share movements, clients) agrees with the models and goes both ways."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from node.db import Database
from node.db import migrate as migrations

TABLES = {"members", "share_transactions", "clients"}


def test_downgrade_drops_and_upgrade_recreates(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'migrate.db'}")
    try:
        migrations.upgrade(db)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        migrations.downgrade(db, "0003-1")
        remaining = set(inspect(db.engine).get_table_names())
        assert not TABLES & remaining and "users" in remaining
        migrations.upgrade(db)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
    finally:
        db.dispose()
