"""``coopnode bank`` and ``coopnode activities``: the files an accountant exchanges with the
bank (CAMT.053 in, pain.001 out) and activity statements, for scripts and scheduled jobs.

Each command is one transaction, like the API endpoint it mirrors: a refused file changes
nothing and is reported in one line.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from node.activities.models import Activity
from node.activities.report import full_statement, statement_csv
from node.cli.context import EXIT_OK, currency_argument, fail, load_node, say
from node.extensions import Command
from node.members.identifiers import Vault
from node.money import from_minor
from node.payments import service as payments
from node.payouts import service as payouts


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


def _configure_bank(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    credits = actions.add_parser("import-credits", help="match a CAMT.053 file's credits")
    credits.add_argument("file", type=Path)
    debits = actions.add_parser("import-debits", help="mark payouts paid from a CAMT.053 file")
    debits.add_argument("file", type=Path)
    batch = actions.add_parser("batch", help="gather approved payouts into a pain.001 file")
    batch.add_argument("--execution-date", type=date.fromisoformat, required=True)
    batch.add_argument("--currency", help="ISO 4217 code of the payouts (default: node.currency)")
    batch.add_argument("--out", type=Path, help="where to write the file (default: MsgId.xml)")


def _summary(result: dict[str, Any]) -> str:
    return ", ".join(f"{len(items)} {name.replace('_', ' ')}" for name, items in result.items())


def run_bank(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        vault = Vault.from_settings(node.settings, node.cipher)
        if args.action == "batch":
            currency = (
                currency_argument("--currency", args.currency)
                if args.currency is not None
                else node.settings["node.currency"]
            )
            with node.db.transaction() as session:
                row = payouts.make_batch(
                    session,
                    execution_date=args.execution_date,
                    debtor_name=node.settings["node.name"],
                    debtor_iban=node.settings["payouts.debtor_iban"],
                    vault=vault,
                    actor="cli",
                    currency=currency,
                )
                out = args.out or Path(f"{row.message_id}.xml")
                out.write_bytes(row.pain001)
                total = from_minor(row.total_minor, row.currency)
                say(f"wrote {out}: {row.payment_count} payments, {total} {row.currency}")
            return EXIT_OK
        data = _read(args.file)
        with node.db.transaction() as session:
            if args.action == "import-credits":
                result = payments.import_camt_credits(session, data, actor="cli", vault=vault)
            else:
                result = payouts.import_debits(session, data, actor="cli")
        say(_summary(result))
        return EXIT_OK
    finally:
        node.close()


def _configure_activities(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    shown = actions.add_parser("statement", help="an activity's statement and available budget")
    shown.add_argument("activity_id", type=int)
    shown.add_argument("--from", dest="start", type=date.fromisoformat)
    shown.add_argument("--to", dest="end", type=date.fromisoformat)
    shown.add_argument("--csv", type=Path, metavar="FILE", help="write it as CSV")


def run_activities(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        with node.db.reading() as session:
            activity = session.get(Activity, args.activity_id)
            if activity is None:
                fail(f"no activity {args.activity_id}")
            report = full_statement(session, activity, start=args.start, end=args.end)
        if args.csv:
            args.csv.write_text(statement_csv(report), encoding="utf-8")
            say(f"wrote {args.csv}")
        else:
            say(json.dumps(report, indent=2, default=str))
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [
    Command(
        "bank", "Exchange files with the bank (CAMT.053, pain.001).", _configure_bank, run_bank
    ),
    Command("activities", "Activity statements.", _configure_activities, run_activities),
]
