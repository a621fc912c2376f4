"""``coopnode settle PEER`` and ``coopnode reconcile PEER``.

``settle`` proposes one statement per currency of the clearing items with the peer up to
``--until`` (today) and prints one line per statement (id, uid, currency, net, payer).
``reconcile`` sends the clearing query, waits for the peer's report (``--timeout`` seconds; the
node's worker delivers the query and its ``serve`` receives the report), then prints the summary
line and one line per difference: exit 0 when balanced, 1 when not or on timeout. Bad input is
one line and exit code 2.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from node.cli.context import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load_node, say
from node.db.types import utcnow
from node.extensions import Command
from node.runtime import Node
from node.settlement import reconciliation, service
from node.settlement.messages import money

POLL_SECONDS = 0.5


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _configure_settle(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("peer", metavar="PEER", help="the peer's node id")
    parser.add_argument("--until", type=_day, help="last day of items (default: today)")


def _configure_reconcile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("peer", metavar="PEER", help="the peer's node id")
    parser.add_argument("--as-of", type=_day, help="the day to compare (default: today)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (60)")


def _own_node(node: Node) -> str:
    from federation.identity import parse_node_id
    from node.federation.signing import node_signer

    return parse_node_id(node_signer(node).node_id)


def run_settle(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        with node.db.transaction() as session:
            try:
                rows = service.propose(
                    session,
                    node.settings,
                    _own_node(node),
                    args.peer,
                    args.until or utcnow().date(),
                    actor="cli",
                )
            except service.NothingToSettle as nothing:
                say(nothing.detail or str(nothing))
                return EXIT_OK
            for row in rows:
                net = money(abs(row.net_minor), row.currency)["amount"]
                payer = row.payer if row.net_minor else "nobody"
                say(f"{row.id}\t{row.uid}\t{row.currency}\tnet {net}\tpayer {payer}")
        return EXIT_OK
    finally:
        node.close()


def _wait(node: Node, reconciliation_id: int, deadline: float) -> list[str]:
    while True:
        with node.db.reading() as session:
            row = reconciliation.get(session, reconciliation_id)
            if row.state == reconciliation.DONE:
                return reconciliation.lines(row)
        if time.monotonic() >= deadline:
            return []
        time.sleep(POLL_SECONDS)


def run_reconcile(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        fail("--timeout must be positive", EXIT_USAGE)
    node = load_node()
    try:
        deadline = time.monotonic() + args.timeout
        with node.db.transaction() as session:
            row = reconciliation.start(
                session, args.peer, args.as_of or utcnow().date(), actor="cli"
            )
            row_id = row.id
        shown = _wait(node, row_id, deadline)
        if not shown:
            fail(
                f"no clearing report from {args.peer} within {args.timeout:g} s "
                f"(reconciliation {row_id} waits for it: GET /api/v1/admin/reconciliations/{row_id})"
            )
        for line in shown:
            say(line)
        return EXIT_OK if shown[0].endswith(": balanced") else EXIT_FAILURE
    finally:
        node.close()


COMMANDS = [
    Command(
        "settle",
        "Settle with a peer: send settlement statements of the open clearing items.",
        _configure_settle,
        run_settle,
    ),
    Command(
        "reconcile",
        "Compare this node's clearing items with a peer's, to the cent.",
        _configure_reconcile,
        run_reconcile,
    ),
]
