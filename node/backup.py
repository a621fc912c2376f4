"""Backups a node can be rebuilt from, and restoring them.

A backup is a folder holding everything a node cannot regenerate::

    manifest.json      what and when: coopnode version, schema revisions, UTC time, engine,
                       and the SHA-256 of every other file (written last: no manifest, no backup)
    database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API, so the
                       node may keep serving while it runs
    database.pgdump    PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot too)
    coopnode.toml      the configuration file

The configuration file is part of the backup because it holds ``security.encryption_key``:
without that key the national ids and IBANs encrypted in the database are lost for good, and
without ``security.secret_key`` every session and token is invalidated. The folder therefore
holds secrets: it is created ``0700`` and its files ``0600``.

Restoring checks every digest before it touches anything, so a damaged or tampered backup changes
nothing. The database is restored with the same tools (SQLite's backup API into the target file;
``pg_restore --clean --if-exists`` into the target database); ``coopnode migrate`` then brings an
older backup up to the current schema. The commands live in :mod:`node.cli.backup`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, literal, select, table
from sqlalchemy.engine import make_url

from node import __version__
from node.config import FIELDS, Settings, mask_url_password
from node.errors import CoopError

FORMAT = 1
MANIFEST = "manifest.json"
CONFIG_FILE = "coopnode.toml"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VERSION_TABLE = "alembic_version"


class BackupError(CoopError):
    """A backup or restore cannot be done; the message says why in one line."""


@dataclass
class BackupReport:
    """What :func:`create_backup` wrote, and what the operator must still keep safe by hand."""

    directory: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def engine_of(url: str) -> str:
    """``sqlite`` or ``postgresql``: the engines a backup can hold."""
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"cannot back up a {backend} database (only SQLite and PostgreSQL)")
    return backend


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- backup ------------------------------------------------------------------------------------


def create_backup(settings: Settings, directory: Path) -> BackupReport:
    """Write a backup of the node described by ``settings`` into the new folder ``directory``."""
    url = settings["database.url"]
    engine = engine_of(url)
    if engine == "postgresql":
        _tool("pg_dump")  # fail before creating anything
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} exists and is not an empty folder; choose a new one")
    created = not directory.exists()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return _write_backup(settings, directory, engine)
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            for child in directory.iterdir():
                child.unlink()
        raise


def _write_backup(settings: Settings, directory: Path, engine: str) -> BackupReport:
    url = settings["database.url"]
    database_file = directory / DATABASE_FILES[engine]
    if engine == "sqlite":
        _sqlite_copy(_sqlite_path(url, must_exist=True), database_file)
        revisions = _revisions(f"sqlite:///{database_file}")
    else:
        revisions = _revisions(url)
        _pg_dump(url, database_file)
    database_file.chmod(0o600)
    files = [database_file]
    warnings = []
    config = settings.path
    if config is not None and config.is_file():
        shutil.copyfile(config, directory / CONFIG_FILE)
        (directory / CONFIG_FILE).chmod(0o600)
        files.append(directory / CONFIG_FILE)
    else:
        warnings.append("no configuration file was found, so none is in the backup")
    for f in FIELDS:
        source = settings.sources.get(f.name, "")
        if f.secret and source == f.env:
            warnings.append(
                f"{f.name} comes from {f.env} and is not in the backup; keep it with the backup"
            )
    manifest = {
        "format": FORMAT,
        "coopnode_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "engine": engine,
        "schema_revisions": sorted(revisions),
        "database": database_file.name,
        "config": CONFIG_FILE if len(files) > 1 else None,
        "files": {path.name: sha256(path) for path in files},
    }
    manifest_file = directory / MANIFEST
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    manifest_file.chmod(0o600)
    return BackupReport(directory, manifest, warnings)


def _sqlite_path(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or "mode=memory" in url:
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"the database file {path} does not exist")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API: a consistent snapshot even while the node writes."""
    try:
        with (
            closing(sqlite3.connect(source)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            (status,) = dst.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the SQLite database {source}: {exc}") from None
    if status != "ok":
        raise BackupError(f"the copy of {source} failed its integrity check: {status}")


def _revisions(url: str) -> set[str]:
    """The schema revisions recorded in a database (empty before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)  # a plain engine: no WAL switch on the SQLite copy
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:
        raise BackupError(f"cannot read {mask_url_password(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


# --- PostgreSQL tools --------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found on PATH; install the PostgreSQL client tools "
            "(the same major version as the server, or newer)"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for the tools, with the password passed in the environment, not argv."""
    parsed = make_url(url)
    environ = dict(os.environ)
    if parsed.password:
        environ["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), environ


def _run(argv: list[str], environ: Mapping[str, str], what: str) -> None:
    result = subprocess.run(argv, env=dict(environ), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[-1] if lines else f'exit {result.returncode}'}")


def _pg_dump(url: str, target: Path) -> None:
    uri, environ = _libpq(url)
    argv = [_tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={uri}"]
    _run(argv, environ, "pg_dump")


def _pg_restore(source: Path, url: str) -> None:
    uri, environ = _libpq(url)
    argv = [
        _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(source),
    ]  # fmt: skip
    _run(argv, environ, "pg_restore")


# --- restore -----------------------------------------------------------------------------------


def verify_backup(directory: Path) -> dict[str, Any]:
    """Read the manifest and check every file against its digest; return the manifest."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} is not a coopnode backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory / MANIFEST} is unreadable: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{directory / MANIFEST} is not a backup manifest of format {FORMAT}")
    engine, files = manifest.get("engine"), manifest.get("files")
    revisions = manifest.get("schema_revisions")
    if (
        engine not in DATABASE_FILES
        or not isinstance(files, dict)
        or not isinstance(revisions, list)
        or not all(isinstance(revision, str) for revision in revisions)
        or manifest.get("database") != DATABASE_FILES[engine]
        or manifest.get("config") not in (None, CONFIG_FILE)
        or not {manifest["database"], manifest["config"]} - {None} <= set(files)
    ):
        raise BackupError(f"{directory / MANIFEST} is incomplete or inconsistent")
    for name, expected in files.items():
        path = directory / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if sha256(path) != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest; backup damaged")
    return manifest


def database_has_data(url: str) -> bool:
    """True when any table but the migration marker holds a row (a fresh schema is empty)."""
    if engine_of(url) == "sqlite" and not _sqlite_path(url, must_exist=False).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            for name in inspect(connection).get_table_names():
                if name == VERSION_TABLE:
                    continue
                if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
                    return True
        return False
    except Exception as exc:
        raise BackupError(f"cannot open {mask_url_password(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def restore_database(directory: Path, manifest: Mapping[str, Any], url: str) -> None:
    """Replace the database at ``url`` with the one in the (verified) backup."""
    engine = engine_of(url)
    if engine != manifest["engine"]:
        raise BackupError(
            f"the backup holds a {manifest['engine']} database but database.url is {engine}"
        )
    source = directory / manifest["database"]
    if engine == "sqlite":
        target = _sqlite_path(url, must_exist=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(target)) as dst,
            ):
                src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot restore into {target}: {exc}") from None
    else:
        _pg_restore(source, url)


def unknown_revisions(manifest: Mapping[str, Any]) -> list[str]:
    """Schema revisions of the backup this coopnode does not know (a backup from a newer one)."""
    from alembic.script import ScriptDirectory

    from node.db.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    return sorted(set(manifest["schema_revisions"]) - known)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
