"""``coopnode members``: bulk work on the member register.

``coopnode members import FILE.csv [--all-or-nothing]`` imports members from a CSV file (format in
:mod:`node.members.importing`). Exit codes: 0 every row imported; 1 some rows refused (each is
reported as ``line 7: national_id: …``; with ``--all-or-nothing`` none were imported); 2 the file
cannot be used at all (missing, not UTF-8, wrong header) or the command line is wrong.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from tqdm import tqdm

from node.cli.context import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load_node, say, warn
from node.extensions import Command
from node.members import importing

IMPORT_HELP = (
    "Import members from a CSV file. Header columns: "
    f"{', '.join(importing.REQUIRED_COLUMNS)} (required); "
    f"{', '.join(importing.OPTIONAL_COLUMNS)} (optional). Good rows are imported, bad rows are "
    "reported with their line number."
)


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="members_command", metavar="SUBCOMMAND")
    sub.required = True
    imp = sub.add_parser("import", help="import members from a CSV file", description=IMPORT_HELP)
    imp.add_argument("file", type=Path, help="the CSV file (UTF-8, header on the first line)")
    imp.add_argument(
        "--all-or-nothing", action="store_true", help="import nothing if any row is refused"
    )
    imp.set_defaults(members_run=run_import)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _read(path: Path) -> list[importing.Row]:
    if not path.is_file():
        fail(f"{path}: no such file", EXIT_USAGE)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text; save the CSV as UTF-8", EXIT_USAGE)
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror})", EXIT_USAGE)
    try:
        return importing.read_rows(text)
    except importing.UnreadableFile as exc:
        fail(f"{path}: {exc}", EXIT_USAGE)


def run_import(args: argparse.Namespace) -> int:
    rows = _read(args.file)
    node = load_node()
    try:
        report = importing.import_members(
            node,
            rows,
            actor=_actor(),
            all_or_nothing=args.all_or_nothing,
            progress=lambda items: tqdm(
                items, total=len(rows), desc="import", unit="row", file=sys.stderr
            ),
        )
    finally:
        node.close()
    for error in report.refused:
        warn(str(error))
    refused = len(report.refused_lines)
    if not refused:
        say(f"imported {len(report.imported)} of {report.rows} members")
        return EXIT_OK
    if args.all_or_nothing:
        say(f"imported none of {report.rows} members: {refused} rows refused (--all-or-nothing)")
    else:
        say(f"imported {len(report.imported)} of {report.rows} members; {refused} rows refused")
    return EXIT_FAILURE


def run(args: argparse.Namespace) -> int:
    return int(args.members_run(args))


COMMANDS = [Command("members", "Work on the member register (import from CSV).", _configure, run)]
