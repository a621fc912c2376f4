"""``coopnode chains``: the value chains this node leads or contributes to.

``coopnode chains list`` prints one line per chain (id, uid, role, state, amount, lead);
``coopnode chains show ID`` the chain as the API shows it, with its allocations, as JSON. An
unknown id is one line and exit code 2.
"""

from __future__ import annotations

import argparse

from node.chains import views
from node.chains.models import Chain
from node.cli.context import EXIT_OK, EXIT_USAGE, fail, load_node, say
from node.extensions import Command
from node.web.jsonenc import dumps


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="one line per chain")
    shown = actions.add_parser("show", help="one chain and its allocations, as JSON")
    shown.add_argument("chain_id", type=int)


def _line(chain: Chain) -> str:
    amount = views.chain_view(chain)["amount"]
    return (
        f"{chain.id}\t{chain.uid}\t{chain.role}\t{chain.state}\t{amount} {chain.currency}\t"
        f"{chain.lead_node}"
    )


def run_chains(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        with node.db.reading() as session:
            if args.action == "list":
                for row in session.query(Chain).order_by(Chain.id):
                    say(_line(row))
                return EXIT_OK
            found = session.get(Chain, args.chain_id)
            if found is None:
                fail(f"no value chain {args.chain_id}", EXIT_USAGE)
            chain = found
            refs = {c.id: c.member_ref for c in chain.contributors}
            shown = views.chain_view(chain)
            shown["allocations"] = [
                views.allocation_view(row, refs) for row in views.allocations_of(session, chain)
            ]
            say(dumps(shown).decode())
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("chains", "Value chains: list them, or show one.", _configure, run_chains)]
