"""Commands that set a node up and run it: ``init``, ``migrate``, ``serve``."""

from __future__ import annotations

import argparse
from pathlib import Path

from node.cli.context import EXIT_OK, fail, load_node, say, settings, warn
from node.config import config_path, load_settings, starter_config
from node.db import Database, is_sqlite
from node.db import migrate as migrations
from node.extensions import Command


def _configure_init(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        help="where to write (default: $COOPNODE_CONFIG or ./var/coopnode.toml)",
    )
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing (and succeed) when the file already exists",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def run_init(args: argparse.Namespace) -> int:
    path: Path = args.config or config_path()
    if path.exists():
        if args.if_missing:
            return EXIT_OK
        if not args.force:
            fail(f"{path} exists; use --force to overwrite it (its secrets would be lost)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_config())
    path.chmod(0o600)
    load_settings(path, environ={})  # the starter file must itself be valid
    say(f"wrote {path}; edit [node] to describe your co-op, then run `coopnode migrate`")
    return EXIT_OK


def _ensure_sqlite_folder(url: str) -> None:
    if is_sqlite(url) and ":memory:" not in url:
        database_file = url.split("///", 1)[-1]
        if database_file:
            Path(database_file).parent.mkdir(parents=True, exist_ok=True)


def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", default="heads", help="target revision (default: latest)")
    parser.add_argument("--downgrade", action="store_true", help="go down to --revision")


def run_migrate(args: argparse.Namespace) -> int:
    url = settings()["database.url"]
    _ensure_sqlite_folder(url)
    db = Database(url)
    try:
        if args.downgrade:
            if args.revision == "heads":
                fail("--downgrade needs --revision (e.g. base)", 2)
            migrations.downgrade(db, args.revision)
        else:
            migrations.upgrade(db, args.revision)
        say(f"database at revision {', '.join(sorted(migrations.current_revisions(db))) or 'base'}")
        if not args.downgrade and migrations.is_current(db):
            _first_federation_key(db)
    finally:
        db.dispose()
    return EXIT_OK


def _first_federation_key(db: Database) -> None:
    """Make the first federation signing key once its table exists (``init`` has no database)."""
    from node.federation import keystore

    loaded = settings()
    if not keystore.has_kek(loaded):
        warn(f"{keystore.KEK_SETTING} is not set: no federation key made yet (set it and migrate)")
        return
    with db.transaction() as session:
        key, created = keystore.ensure_key(session, keystore.kek(loaded))
    if created:
        say(f"federation signing key {key.kid} created")


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="override server.host")
    parser.add_argument("--port", type=int, help="override server.port")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from node.logs import configure_logging

    node = load_node()  # fail fast, with a one-line error, before uvicorn starts
    if not migrations.is_current(node.db):
        fail("the database schema is not current; run `coopnode migrate` first")
    host = args.host or node.settings["server.host"]
    port = args.port or node.settings["server.port"]
    node.close()
    configure_logging(node.settings["server.log_level"])
    say(f"coopnode serving {node.settings['node.name']} on http://{host}:{port}")
    uvicorn.run(
        "node.federation.serving:app_with_delivery",  # node.asgi:app plus the delivery worker
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )
    return EXIT_OK


COMMANDS = [
    Command(
        "init",
        "Write a commented starter configuration with fresh secrets.",
        _configure_init,
        run_init,
    ),
    Command("migrate", "Bring the database schema up to date.", _configure_migrate, run_migrate),
    Command("serve", "Serve the node over HTTP.", _configure_serve, run_serve),
]
