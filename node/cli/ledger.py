"""``coopnode ledger``: verify the hash chain, print the trial balance, export the journal (as CSV,
or in the country's national format such as the French FEC)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from node.cli.context import EXIT_FAILURE, EXIT_OK, load_node, say, warn
from node.extensions import Command
from node.ledger import national, reports, service
from node.ledger.chart import Chart
from node.runtime import Node


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("verify", help="recompute the hash chain and every entry's balance")
    trial = actions.add_parser("trial-balance", help="debits and credits per account")
    trial.add_argument("--until", type=date.fromisoformat, help="as of this date (YYYY-MM-DD)")
    trial.add_argument("--json", action="store_true", help="print JSON")
    export = actions.add_parser("export-journal", help="write the journal as CSV")
    export.add_argument("file", type=Path)
    national_ = actions.add_parser(
        "export-national", help="write a period's journal in the national format (France: FEC)"
    )
    national_.add_argument(
        "file", type=Path, help="where to write it (the format's own name is shown)"
    )
    national_.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    national_.add_argument("--end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")


def run_ledger(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        with node.db.reading() as session:
            if args.action == "verify":
                return _verify(service.verify_chain(session))
            if args.action == "trial-balance":
                chart = Chart(node.jurisdiction, args.until)
                report = reports.trial_balance(session, until=args.until, chart=chart)
                if args.json:
                    say(json.dumps(report, indent=2))
                else:
                    _print_trial_balance(report)
                return EXIT_OK
            if args.action == "export-national":
                return _export_national(node, session, args)
            args.file.write_text(
                reports.journal_csv(session, Chart(node.jurisdiction)), encoding="utf-8"
            )
            say(f"wrote {args.file}")
            return EXIT_OK
    finally:
        node.close()


def _export_national(node: Node, session: Session, args: argparse.Namespace) -> int:
    """Write the file; its prescribed name (e.g. ``<SIREN>FEC<date>.txt``) is printed so the
    operator can name the copy they hand over accordingly."""
    exported = national.national_export(
        session, node.jurisdiction, node.settings, start=args.start, end=args.end
    )
    args.file.write_bytes(exported.content)
    say(f"wrote {args.file} ({exported.format}; file name to hand over: {exported.filename})")
    return EXIT_OK


def _verify(problems: list[service.ChainProblem]) -> int:
    if not problems:
        say("ledger verified: the hash chain is intact and every entry balances")
        return EXIT_OK
    for problem in problems:
        warn(f"entry {problem.entry_id} (sequence {problem.sequence}): {problem.problem}")
    return EXIT_FAILURE


def _print_trial_balance(report: dict) -> None:  # type: ignore[type-arg]
    say(f"{'NUMBER':8} {'ACCOUNT':30} {'CUR':4} {'DEBIT':>16} {'CREDIT':>16}")
    for row in report["accounts"]:
        number = row["chart_number"] or ""
        say(
            f"{number:8} {row['account'][:30]:30} {row['currency']:4} "
            f"{row['debit']:>16} {row['credit']:>16}"
        )
    for total in report["totals"]:
        mark = "" if total["balanced"] else "  UNBALANCED"
        say(
            f"{'':8} {'TOTAL':30} {total['currency']:4} "
            f"{total['debit']:>16} {total['credit']:>16}{mark}"
        )


COMMANDS = [Command("ledger", "Verify and report on the ledger.", _configure, run_ledger)]
