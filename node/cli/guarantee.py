"""``coopnode guarantee``: the salary guarantee fund's report and default write-offs."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from node.cli.context import EXIT_OK, load_node, say
from node.db.types import utcnow
from node.extensions import Command
from node.guarantee import report, writeoffs
from node.guarantee.policy import GuaranteePolicy


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    shown = actions.add_parser("report", help="balance, exposure, defaults, write-offs")
    shown.add_argument("--as-of", type=date.fromisoformat, help="count days overdue to this day")
    shown.add_argument("--csv", type=Path, metavar="FILE", help="write the report as CSV")
    write_off = actions.add_parser("write-off", help="charge a defaulted covered invoice to it")
    write_off.add_argument("invoice_id", type=int)
    write_off.add_argument("--reason", required=True)
    write_off.add_argument("--key", required=True, help="idempotency key of this write-off")


def run_guarantee(args: argparse.Namespace) -> int:
    node = load_node()
    policy = GuaranteePolicy.from_settings(node.settings)
    today = utcnow().date()
    try:
        if args.action == "report":
            with node.db.reading() as session:
                data = report.fund_report(session, policy, args.as_of or today)
            if args.csv:
                args.csv.write_text(report.fund_report_csv(data), encoding="utf-8")
                say(f"wrote {args.csv}")
            else:
                say(json.dumps(data, indent=2))
            return EXIT_OK
        with node.db.transaction() as session:
            row, created = writeoffs.write_off(
                session,
                args.invoice_id,
                policy=policy,
                as_of=today,
                reason=args.reason,
                idempotency_key=args.key,
                actor="cli",
            )
            (view,) = report.write_off_views(session, row.id)
            shown = view.present()
        verb = "wrote off" if created else "already wrote off"
        say(f"{verb} invoice {shown['number']}: {shown['amount']} {shown['currency']}")
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("guarantee", "Report on the salary guarantee fund.", _configure, run_guarantee)]
