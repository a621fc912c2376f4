"""``coopnode payroll``: the period's payroll run, corrections and the periodic declaration.

::

    coopnode payroll run --period 2026-03 [--chunk-size 1000]
    coopnode payroll status --period 2026-03
    coopnode payroll correct PAYSLIP_ID --reason "…" [--amount 1200.00] [--days 3] [--hours 7.5]
    coopnode payroll declaration --period 2026-03 --out dsn-2026-03.json

``run`` shows a progress bar on stderr (when it is a terminal) and can be stopped and started
again: each committed chunk stays done, and a salary request is computed once.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from tqdm import tqdm

from node.cli.context import EXIT_FAILURE, EXIT_OK, load_node, say
from node.extensions import Command
from node.members.identifiers import Vault
from node.money import from_minor
from node.payroll import run, service


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    started = actions.add_parser("run", help="compute every pending salary request of a period")
    started.add_argument("--period", required=True, help="YYYY-MM")
    started.add_argument("--chunk-size", type=int, default=run.CHUNK_SIZE, metavar="N")
    status = actions.add_parser("status", help="salary requests of a period by status")
    status.add_argument("--period", required=True, help="YYYY-MM")
    corrected = actions.add_parser("correct", help="correct a payslip (reverse and repost)")
    corrected.add_argument("payslip_id", type=int)
    corrected.add_argument("--reason", required=True)
    corrected.add_argument("--amount", type=Decimal, help="new employer budget to spend")
    corrected.add_argument("--days", type=int, help="days worked (daily contracts)")
    corrected.add_argument("--hours", type=Decimal, help="hours worked (hourly contracts)")
    declared = actions.add_parser("declaration", help="the periodic declaration as JSON")
    declared.add_argument("--period", required=True, help="YYYY-MM")
    declared.add_argument("--out", type=Path, required=True, metavar="FILE")


def run_payroll(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        if args.action == "run":
            with node.db.reading() as session:
                total = run.pending_count(session, args.period)
            with tqdm(
                total=total, unit="request", file=sys.stderr, disable=None, desc=args.period
            ) as bar:
                result = run.run_period(
                    node, args.period, actor="cli", chunk_size=args.chunk_size, progress=bar.update
                )
            say(f"{result.period}: {result.computed} payslips computed, {result.failed} refused")
            for failure in result.failures:
                say(f"  request {failure['salary_request_id']}: {failure['problem']}")
            return EXIT_OK if result.failed == 0 else EXIT_FAILURE
        if args.action == "status":
            with node.db.reading() as session:
                counts = service.count_in_period(session, args.period)
            say(json.dumps({"period": args.period, "requests": counts}, indent=2))
            return EXIT_OK
        vault = Vault.from_settings(node.settings, node.cipher)
        if args.action == "correct":
            with node.db.transaction() as session:
                row = service.correct(
                    session,
                    service.payroll_of(node),
                    args.payslip_id,
                    options=service.SalaryOptions(
                        actor="cli",
                        vault=vault,
                        second_approval_above=node.settings["payouts.second_approval_above"],
                    ),
                    reason=args.reason,
                    amount=args.amount,
                    days=args.days,
                    hours=args.hours,
                )
                net = from_minor(row.net_pay_minor, row.currency)
                say(
                    f"payslip {args.payslip_id} corrected by payslip {row.id}: "
                    f"net pay {net} {row.currency}"
                )
            return EXIT_OK
        with node.db.reading() as session:
            declaration = service.periodic_declaration(
                session, service.payroll_of(node), node.settings, vault, args.period
            )
        args.out.write_text(json.dumps(declaration, indent=2, ensure_ascii=False), encoding="utf-8")
        say(f"wrote {args.out}: {declaration['name']} {declaration['period']}")
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [
    Command("payroll", "Payroll runs, corrections and declarations.", _configure, run_payroll)
]
