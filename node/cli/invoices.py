"""``coopnode invoices``: overdue invoices and their reminders.

``coopnode invoices remind [--as-of DATE] [--dry-run] [--letters DIR]`` records the reminders due
(:mod:`node.invoices.reminders`; run it daily, e.g. from cron: a second run the same day records
nothing) and can write each new letter to ``DIR`` as HTML and plain text, for staff to send.
``coopnode invoices overdue [--as-of DATE] [--csv FILE]`` lists the overdue invoices.
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path

from node.cli.context import EXIT_OK, EXIT_USAGE, fail, load_node, say
from node.csvutil import to_csv
from node.extensions import Command
from node.invoices import overdue, reminders
from node.invoices.models import Invoice
from node.money import from_minor
from node.runtime import Node


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    remind = actions.add_parser(
        "remind", help="record the reminders due (each once) and write their letters"
    )
    remind.add_argument(
        "--as-of", type=date.fromisoformat, help="the day of the run (YYYY-MM-DD, default today)"
    )
    remind.add_argument("--dry-run", action="store_true", help="list what is due; record nothing")
    remind.add_argument(
        "--letters", type=Path, metavar="DIR", help="write each new letter here (.html and .txt)"
    )
    listing = actions.add_parser("overdue", help="list the overdue invoices")
    listing.add_argument(
        "--as-of", type=date.fromisoformat, help="compare due dates with this day (default today)"
    )
    listing.add_argument("--csv", type=Path, metavar="FILE", help="write the list as CSV")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _amount(minor: int, currency: str) -> str:
    return f"{from_minor(minor, currency)} {currency}"


def run_invoices(args: argparse.Namespace) -> int:
    today = date.today()
    as_of = args.as_of or today
    if args.action == "remind" and as_of > today:
        fail("--as-of: a reminder cannot be dated in the future", EXIT_USAGE)
    if args.action == "remind" and args.letters is not None and not args.letters.is_dir():
        fail(f"{args.letters}: no such directory", EXIT_USAGE)
    node = load_node()
    try:
        if args.action == "overdue":
            return _overdue(node, as_of, args.csv)
        if args.dry_run:
            return _preview(node, as_of)
        return _remind(node, as_of, args.letters)
    finally:
        node.close()


def _overdue(node: Node, as_of: date, csv_file: Path | None) -> int:
    with node.db.reading() as session:
        found = overdue.overdue_invoices(session, as_of)
    if csv_file is not None:
        columns = ("number", "client_name", "due_date", "days_overdue", "currency", "outstanding")
        rows = [
            [getattr(item, column) for column in columns[:-1]]
            + [from_minor(item.open_minor, item.currency)]
            for item in found
        ]
        csv_file.write_text(to_csv(columns, rows), encoding="utf-8")
        say(f"wrote {csv_file}: {len(found)} invoices overdue on {as_of}")
        return EXIT_OK
    for item in found:
        say(
            f"{item.number}  {item.client_name[:30]:30}  due {item.due_date}  "
            f"{item.days_overdue:>4} days  {_amount(item.open_minor, item.currency):>16}"
        )
    say(f"overdue on {as_of}: {len(found)}")
    return EXIT_OK


def _preview(node: Node, as_of: date) -> int:
    schedule = node.settings["invoices.reminder_days"]
    with node.db.reading() as session:
        due = reminders.due_reminders(session, as_of, schedule)
    for reminder in due:
        item = reminder.invoice
        final = " (final)" if reminder.final else ""
        say(
            f"{item.number}: reminder {reminder.level}{final} due — {item.days_overdue} days "
            f"overdue, {_amount(item.open_minor, item.currency)} open"
        )
    say(f"reminders due on {as_of}: {len(due)} (--dry-run: nothing recorded)")
    return EXIT_OK


def _remind(node: Node, as_of: date, letters: Path | None) -> int:
    settings = node.settings
    with node.db.transaction() as session:
        recorded = reminders.send_reminders(
            session,
            as_of,
            _actor(),
            schedule=settings["invoices.reminder_days"],
            language=settings["node.language"],
        )
        written: list[tuple[str, str, str]] = []
        for reminder in recorded:
            invoice = session.get(Invoice, reminder.invoice_id)
            assert invoice is not None
            letter = reminders.letter_of(reminder, invoice)
            final = " (final)" if reminder.final else ""
            say(
                f"{invoice.number}: reminder {reminder.level}{final} recorded — "
                f"{reminder.days_overdue} days overdue, "
                f"{_amount(reminder.open_minor, reminder.currency)} open"
            )
            name = f"{invoice.number}-reminder-{reminder.level}"
            written.append((name, letter.html(), letter.text()))
    if letters is not None:  # only once the reminders are committed
        for name, html, text in written:
            (letters / f"{name}.html").write_text(html, encoding="utf-8")
            (letters / f"{name}.txt").write_text(text, encoding="utf-8")
        if written:
            say(f"wrote {len(written)} letters to {letters}")
    say(f"reminders recorded on {as_of}: {len(recorded)}")
    return EXIT_OK


COMMANDS = [Command("invoices", "Overdue invoices and their reminders.", _configure, run_invoices)]
