"""Shared fixtures.

Database tests take the ``db`` fixture (or one built on it: ``node``, ``client`` …). They run on
SQLite, and again on PostgreSQL when ``COOPNODE_TEST_DATABASE_URL`` is set; tests that never touch
the database run once. Each database test starts from a freshly migrated, empty schema: on SQLite
a copy of a migrated template file, on PostgreSQL the migrated schema with every table truncated.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from node.app import create_app
from node.config import Settings, load_settings, starter_config
from node.db import Base, Database
from node.db import migrate as migrations
from node.db.registry import metadata
from node.ledger.entries import GENESIS_HASH
from node.runtime import Node, bootstrap

POSTGRES_URL = os.environ.get("COOPNODE_TEST_DATABASE_URL")
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
REPO = Path(__file__).resolve().parent.parent
STANDARDS = Path(os.environ.get("COOPNODE_STANDARDS_DIR", REPO.parent / "shared" / "standards"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", ENGINES, scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrations.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    assert POSTGRES_URL
    db = Database(POSTGRES_URL)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(db)
    db.dispose()
    yield POSTGRES_URL


SEEDED_TABLES = {"ledger_head"}  # rows a migration inserts; reset, not emptied


def truncate_all(db: Database) -> None:
    tables = [t.name for t in reversed(metadata().sorted_tables) if t.name not in SEEDED_TABLES]
    names = ", ".join(f'"{name}"' for name in tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("UPDATE ledger_head SET sequence = 0, hash = :genesis"), {"genesis": GENESIS_HASH}
        )


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if engine == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "node.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_migrated")


@pytest.fixture
def db(database_url: str, engine: str) -> Iterator[Database]:
    database = Database(database_url)
    if engine == "postgresql":
        truncate_all(database)
    yield database
    database.dispose()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    path = tmp_path / "coopnode.toml"
    if not path.exists():
        path.write_text(starter_config())
    environ = {"COOPNODE_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}
    settings = load_settings(path, environ=environ)
    return settings.replace(**overrides) if overrides else settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, **{"database.url": database_url})


@pytest.fixture
def node(settings: Settings, db: Database) -> Iterator[Node]:
    yield bootstrap(settings, db=db)


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def standards_dir() -> Path:
    if not STANDARDS.is_dir():
        pytest.skip(f"standards folder {STANDARDS} is absent (set COOPNODE_STANDARDS_DIR)")
    return STANDARDS


__all__ = ["Base", "make_settings"]


@pytest.fixture
def settings_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Make settings in a temp dir without a database fixture: ``settings_factory(**overrides)``."""

    def factory(**overrides: object) -> Settings:
        return make_settings(tmp_path, **overrides)

    return factory
