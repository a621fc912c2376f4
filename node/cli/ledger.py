"""``coopnode ledger``: verify the hash chain, print the trial balance, export the journal."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from node.cli.context import EXIT_FAILURE, EXIT_OK, load_node, say, warn
from node.extensions import Command
from node.ledger import reports, service


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("verify", help="recompute the hash chain and every entry's balance")
    trial = actions.add_parser("trial-balance", help="debits and credits per account")
    trial.add_argument("--until", type=date.fromisoformat, help="as of this date (YYYY-MM-DD)")
    trial.add_argument("--json", action="store_true", help="print JSON")
    export = actions.add_parser("export-journal", help="write the journal as CSV")
    export.add_argument("file", type=Path)


def run_ledger(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        with node.db.reading() as session:
            if args.action == "verify":
                return _verify(service.verify_chain(session))
            if args.action == "trial-balance":
                report = reports.trial_balance(session, until=args.until)
                if args.json:
                    say(json.dumps(report, indent=2))
                else:
                    _print_trial_balance(report)
                return EXIT_OK
            args.file.write_text(reports.journal_csv(session), encoding="utf-8")
            say(f"wrote {args.file}")
            return EXIT_OK
    finally:
        node.close()


def _verify(problems: list[service.ChainProblem]) -> int:
    if not problems:
        say("ledger verified: the hash chain is intact and every entry balances")
        return EXIT_OK
    for problem in problems:
        warn(f"entry {problem.entry_id} (sequence {problem.sequence}): {problem.problem}")
    return EXIT_FAILURE


def _print_trial_balance(report: dict) -> None:  # type: ignore[type-arg]
    say(f"{'ACCOUNT':30} {'CUR':4} {'DEBIT':>16} {'CREDIT':>16}")
    for row in report["accounts"]:
        say(f"{row['account'][:30]:30} {row['currency']:4} {row['debit']:>16} {row['credit']:>16}")
    for total in report["totals"]:
        mark = "" if total["balanced"] else "  UNBALANCED"
        say(f"{'TOTAL':30} {total['currency']:4} {total['debit']:>16} {total['credit']:>16}{mark}")


COMMANDS = [Command("ledger", "Verify and report on the ledger.", _configure, run_ledger)]
