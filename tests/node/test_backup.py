"""``coopnode backup`` and ``coopnode restore``: a backup restores into a fresh node, a damaged one
is refused without changing anything."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from node import audit
from node.app import create_app
from node.audit.models import AuditEntry
from node.cli.main import main
from node.config import load_settings, starter_config
from node.crypto import Cipher
from node.db import Database
from node.db import migrate as migrations
from node.identity.models import User
from node.runtime import bootstrap

RESTORE_DATABASE = "coopnode_test_restore"


@dataclass
class Place:
    """One node's files: where its configuration is and which database it uses."""

    folder: Path
    url: str

    @property
    def config(self) -> Path:
        return self.folder / "coopnode.toml"

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COOPNODE_CONFIG", str(self.config))
        monkeypatch.setenv("COOPNODE_DATABASE_URL", self.url)
        monkeypatch.chdir(self.folder)


@pytest.fixture
def source(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Place:
    """A node with a configuration file and some data, selected through the environment."""
    place = Place(tmp_path / "source", database_url)
    place.folder.mkdir()
    place.config.write_text(starter_config())
    place.use(monkeypatch)
    with db.transaction() as session:
        session.add(
            User(email="ada@example.org", display_name="Ada", role="admin", password_hash="x")
        )
        for number in range(3):
            audit.record(
                session, actor="test", action="member.create", entity="member", entity_id=number
            )
    return place


@pytest.fixture
def target_url(engine: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'node.db'}"
        return
    server = make_url(os.environ["COOPNODE_TEST_DATABASE_URL"])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {RESTORE_DATABASE}"))
    try:
        yield server.set(database=RESTORE_DATABASE).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DATABASE} WITH (FORCE)"))
        admin.dispose()


def counts(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        with database.reading() as session:
            users = session.scalar(select(func.count()).select_from(User))
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        database.dispose()
    return users or 0, entries or 0


def test_backup_restores_into_a_fresh_node(
    source: Place,
    target_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = Cipher.from_settings(load_settings()).encrypt("BE68 5390 0754 7034")
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["schema_revisions"] == sorted(migrations.head_revisions())
    assert set(manifest["files"]) == {manifest["database"], "coopnode.toml"}
    assert backup.stat().st_mode & 0o077 == 0

    fresh = Place(tmp_path / "restored", target_url)
    fresh.folder.mkdir(exist_ok=True)
    fresh.use(monkeypatch)
    assert main(["restore", str(backup)]) == 0
    assert fresh.config.read_bytes() == source.config.read_bytes()
    assert "restored the database" in capsys.readouterr().out

    node = bootstrap(load_settings())
    with TestClient(create_app(node)) as client:
        assert client.get("/readyz").status_code == 200
        with node.db.reading() as session:
            assert session.scalars(select(User.email)).all() == ["ada@example.org"]
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3
        assert node.cipher.decrypt(secret) == "BE68 5390 0754 7034"


def test_restore_refuses_a_database_with_data_unless_forced(
    source: Place, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    with db.transaction() as session:
        audit.record(session, actor="test", action="later", entity="member", entity_id=9)
    db.dispose()
    capsys.readouterr()

    assert main(["restore", str(backup)]) == 1
    assert "already holds data" in capsys.readouterr().err
    assert counts(source.url) == (1, 4)

    assert main(["restore", str(backup), "--force"]) == 0
    assert counts(source.url) == (1, 3)


def test_a_damaged_backup_is_refused_and_changes_nothing(
    source: Place,
    engine: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    database_file = backup / json.loads((backup / "manifest.json").read_text())["database"]
    data = bytearray(database_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database_file.write_bytes(bytes(data))
    capsys.readouterr()

    fresh = Place(tmp_path / "restored", f"sqlite:///{tmp_path / 'restored' / 'node.db'}")
    fresh.folder.mkdir()
    fresh.use(monkeypatch)
    assert main(["restore", str(backup)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("coopnode: ") and "SHA-256" in error
    assert error.count("\n") == 1
    assert list(fresh.folder.iterdir()) == []

    monkeypatch.setenv("COOPNODE_DATABASE_URL", source.url)
    assert main(["restore", str(backup), "--force"]) == 1
    assert counts(source.url) == (1, 3)


def test_an_older_backup_is_brought_forward_by_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = Place(tmp_path / "old", f"sqlite:///{tmp_path / 'old' / 'node.db'}")
    old.folder.mkdir()
    old.config.write_text(starter_config())
    old.use(monkeypatch)
    database = Database(old.url)
    migrations.upgrade(database)
    migrations.downgrade(database, "base")  # stands for a schema older than this coopnode's
    database.dispose()
    assert main(["backup", str(tmp_path / "backup")]) == 0

    fresh = Place(tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'node.db'}")
    fresh.folder.mkdir()
    fresh.use(monkeypatch)
    assert main(["restore", str(tmp_path / "backup")]) == 0
    assert "run `coopnode migrate`" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    database = Database(fresh.url)
    assert migrations.is_current(database)
    database.dispose()


def test_restore_refuses_a_backup_from_a_newer_coopnode(
    source: Place, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["schema_revisions"].append("9999")
    (backup / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["restore", str(backup), "--force"]) == 1
    assert "9999 is unknown" in capsys.readouterr().err


def test_backup_needs_a_new_folder(source: Place, tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    assert main(["backup", str(occupied)]) == 1
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]


def test_restore_of_a_folder_that_is_no_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COOPNODE_CONFIG", raising=False)
    assert main(["restore", str(tmp_path)]) == 1
    assert "not a coopnode backup" in capsys.readouterr().err


def test_postgresql_backup_without_pg_dump_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "coopnode.toml"
    config.write_text(starter_config())
    monkeypatch.setenv("COOPNODE_CONFIG", str(config))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["backup", str(tmp_path / "backup")]) == 1
    assert "pg_dump not found on PATH" in capsys.readouterr().err
    assert not (tmp_path / "backup").exists()


def test_restore_refuses_a_manifest_that_leaves_a_file_unchecked(
    source: Place, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    del manifest["files"]["coopnode.toml"]
    (backup / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["restore", str(backup), "--force"]) == 1
    assert "inconsistent" in capsys.readouterr().err
