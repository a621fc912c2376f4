"""The identity migration (0002) goes up and down cleanly on every engine."""

from __future__ import annotations

from sqlalchemy import inspect

from node.db import Database
from node.db import migrate as migrations

IDENTITY_TABLES = {"refresh_tokens", "api_clients", "login_attempts"}


def tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def columns(db: Database, table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_0002_downgrades_and_upgrades_again(db: Database) -> None:
    assert tables(db) >= IDENTITY_TABLES
    assert {"totp_secret", "totp_last_step"} <= columns(db, "users")
    # Later revisions may depend on 0002, so go back to 0001 (and whatever does not need 0002).
    migrations.downgrade(db, "0001")
    assert not IDENTITY_TABLES & tables(db)
    assert "totp_secret" not in columns(db, "users")
    assert "revoked_reason" not in columns(db, "login_sessions")
    migrations.upgrade(db)
    assert tables(db) >= IDENTITY_TABLES
    assert migrations.is_current(db)
