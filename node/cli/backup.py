"""``coopnode backup DIR`` and ``coopnode restore DIR`` (the logic is in :mod:`node.backup`).

Restore takes the database location from the backup's own configuration file, overridden by the
environment as usual (so ``COOPNODE_DATABASE_URL`` can point a restore at a new database), and
refuses to replace a database that holds data, or a different configuration file, without
``--force``. Everything is checked before anything is changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from node import backup
from node.cli.context import EXIT_OK, fail, say, settings, warn
from node.config import load_settings, mask_url_password
from node.db.migrate import head_revisions
from node.extensions import Command


def _configure_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="new (or empty) folder to write the backup to")


def run_backup(args: argparse.Namespace) -> int:
    try:
        report = backup.create_backup(settings(), args.directory)
    except backup.BackupError as exc:
        fail(str(exc))
    for message in report.warnings:
        warn(message)
    manifest = report.manifest
    revisions = ", ".join(manifest["schema_revisions"]) or "none"
    say(
        f"backup written to {report.directory}: {manifest['engine']} database at schema "
        f"revision {revisions}" + (", configuration file" if manifest["config"] else "")
    )
    say("it holds the node's secrets: store it encrypted and off this machine")
    return EXIT_OK


def _configure_restore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="a folder written by `coopnode backup`")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a database that holds data and a different configuration file",
    )


def run_restore(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    try:
        manifest = backup.verify_backup(directory)
    except backup.BackupError as exc:
        fail(str(exc))
    unknown = backup.unknown_revisions(manifest)
    if unknown:
        fail(
            f"the backup's schema revision {', '.join(unknown)} is unknown to this coopnode; "
            f"install coopnode {manifest.get('coopnode_version')} or newer first"
        )
    config_file = directory / manifest["config"] if manifest.get("config") else None
    target_settings = load_settings(config_file, environ=os.environ) if config_file else settings()
    url = target_settings["database.url"]
    destination = Path(os.environ["COOPNODE_CONFIG"]) if os.environ.get("COOPNODE_CONFIG") else None
    if (
        config_file
        and destination
        and destination.exists()
        and not args.force
        and destination.read_bytes() != config_file.read_bytes()
    ):
        fail(f"{destination} exists and differs from the backup's; use --force to replace it")
    try:
        if backup.database_has_data(url) and not args.force:
            fail(
                f"the database {mask_url_password(url)} already holds data; "
                "use --force to replace it"
            )
        backup.restore_database(directory, manifest, url)
    except backup.BackupError as exc:
        fail(str(exc))
    say(f"restored the database into {mask_url_password(url)}")
    if config_file and destination:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config_file, destination)
        destination.chmod(0o600)
        say(f"restored the configuration file to {destination}")
    elif config_file:
        say(
            f"the configuration file is {config_file}: copy it to ./var/coopnode.toml "
            "or point COOPNODE_CONFIG at a copy of it, keeping it private (it holds the secrets)"
        )
    else:
        warn("the backup has no configuration file: the node needs its original encryption key")
    if set(manifest["schema_revisions"]) != head_revisions():
        say("the backup's schema is older than this coopnode: run `coopnode migrate` next")
    return EXIT_OK


COMMANDS = [
    Command(
        "backup",
        "Back up the database and the configuration file (secrets included) into a new folder.",
        _configure_backup,
        run_backup,
    ),
    Command(
        "restore",
        "Restore a backup made by `coopnode backup` (checks it first; see --force).",
        _configure_restore,
        run_restore,
    ),
]
