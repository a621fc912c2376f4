"""``coopnode fx``: import ECB reference rates, show the rates in force, convert an amount.

::

    coopnode fx import FILE                  eurofxref-daily.xml, eurofxref-hist-90d.xml, …, .csv, .zip
    coopnode fx rates [--on DATE]            configured rates and the ECB rates in force on DATE
    coopnode fx convert AMOUNT FROM TO [--on DATE]

Dates are YYYY-MM-DD (default today). See docs/fx.md.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from node.cli.context import EXIT_OK, EXIT_USAGE, currency_argument, fail, load_node, say
from node.db.types import utcnow
from node.extensions import Command
from node.money import MoneyError, from_minor, parse_amount, to_minor

HELP = "Exchange rates: import ECB reference rates, show them, convert an amount."


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imported = actions.add_parser("import", help="import an ECB reference-rate file")
    imported.add_argument("file", type=Path, metavar="FILE", help="XML, CSV or ZIP as published")
    shown = actions.add_parser("rates", help="the configured and ECB rates in force on a day")
    shown.add_argument(
        "--on", type=date.fromisoformat, metavar="DATE", help="YYYY-MM-DD (default today)"
    )
    converted = actions.add_parser("convert", help="convert an amount with the rate in force")
    converted.add_argument("amount", metavar="AMOUNT", help="a decimal amount such as 1000.00")
    converted.add_argument("source", metavar="FROM", help="its currency (ISO 4217)")
    converted.add_argument("target", metavar="TO", help="the currency wanted (ISO 4217)")
    converted.add_argument(
        "--on", type=date.fromisoformat, metavar="DATE", help="YYYY-MM-DD (default today)"
    )


def _rate_line(rate: dict[str, str]) -> str:
    return f"  {rate['base']}/{rate['quote']}  {rate['rate']}"


def _show_rates(view: dict[str, Any]) -> None:
    say(f"rates in force on {view['on']}")
    say("configured (fx.rates):" if view["configured"] else "configured (fx.rates): none")
    for rate in view["configured"]:
        say(_rate_line(rate))
    ecb = view["ecb"]
    if ecb is not None:
        say(f"ECB reference rates of {ecb['day']}:")
        for rate in ecb["rates"]:
            say(_rate_line(rate))
        return
    latest = view["latest_ecb_day"]
    older = f"the latest imported is of {latest}" if latest else "none imported"
    say(
        f"ECB reference rates: none within {view['max_age_days']} days ({older}); "
        "import one with `coopnode fx import FILE`"
    )


def _convert(args: argparse.Namespace, session: Any, settings: Any) -> None:
    from node.fx.rates import convert_minor
    from node.fx.service import rate_on

    source, target = currency_argument("FROM", args.source), currency_argument("TO", args.target)
    try:
        amount = parse_amount(args.amount, source)
    except MoneyError as exc:
        fail(f"AMOUNT: {exc}", EXIT_USAGE)
    day = args.on or utcnow().date()
    rate = rate_on(session, settings, source, target, day)
    result = from_minor(convert_minor(to_minor(amount, source), rate, source, target), target)
    say(
        f"{amount} {source} = {result} {target} "
        f"(rate {rate.pair} {format(rate.rate, 'f')}, {rate.source} {rate.day})"
    )


def run_fx(args: argparse.Namespace) -> int:
    from node.fx import service

    node = load_node()
    try:
        if args.action == "import":
            with node.db.transaction() as session:
                summary = service.import_file(session, args.file, actor="cli")
            say(
                f"{args.file.name}: {summary.rates} rates of {summary.days} day(s) "
                f"({summary.first_day} … {summary.last_day}): {summary.added} added, "
                f"{summary.unchanged} already stored"
            )
        elif args.action == "rates":
            with node.db.reading() as session:
                day = args.on or utcnow().date()
                _show_rates(service.rates_in_force(session, node.settings, day))
        else:
            with node.db.reading() as session:
                _convert(args, session, node.settings)
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("fx", HELP, _configure, run_fx)]
