"""Schema migrations (Alembic) driven from Python: the only way the schema changes.

``coopnode migrate`` and ``make run`` call :func:`upgrade`; ``/readyz`` calls :func:`is_current`;
tests call :func:`schema_diff` to prove the models and the migrations agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from node.db import Database
from node.db.registry import metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(db: Database) -> bool:
    """True when the database is at the latest revision."""
    return current_revisions(db) == head_revisions()


def _run(db: Database, action: Any, revision: str) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


def upgrade(db: Database, revision: str = "heads") -> None:
    _run(db, command.upgrade, revision)


def downgrade(db: Database, revision: str = "base") -> None:
    _run(db, command.downgrade, revision)


def schema_diff(db: Database) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata()))
