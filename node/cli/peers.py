"""``coopnode peers``: the nodes this one federates with.

::

    coopnode peers [list]                          each peer: state, fingerprint, queue, last error
    coopnode peers add URL --fingerprint=F         fetch its descriptor, send a peering request
    coopnode peers approve NODE_ID [--fingerprint=F]
    coopnode peers suspend|reactivate|revoke NODE_ID

Before ``approve``, compare the fingerprint shown by ``coopnode peers`` with the one the other
co-op gave out of band (``--fingerprint`` makes the command compare it). Write ``--fingerprint=F``:
a fingerprint may start with ``-``, which would otherwise be read as an option. See
docs/federation.md.
"""

from __future__ import annotations

import argparse

from node.cli.context import EXIT_OK, load_node, say
from node.extensions import Command
from node.federation import peering
from node.runtime import Node


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="each peer: state, fingerprint, queue depth, last error")
    added = actions.add_parser("add", help="ask a node to peer (its fingerprint given out of band)")
    added.add_argument("url", metavar="URL", help="the other node's id (its base URL)")
    added.add_argument("--fingerprint", required=True, metavar="F", help="write --fingerprint=F")
    approved = actions.add_parser("approve", help="accept a pending node's peering request")
    approved.add_argument("node_id", metavar="NODE_ID")
    approved.add_argument(
        "--fingerprint", metavar="F", help="must match the request's key (write --fingerprint=F)"
    )
    for name in peering.TRANSITIONS:
        action = actions.add_parser(name, help=f"{name} a peer")
        action.add_argument("node_id", metavar="NODE_ID")


def _list(node: Node) -> None:
    with node.db.reading() as session:
        rows = peering.peers_overview(session)
    if not rows:
        say("no peers")
    for row in rows:
        say(
            f"{row['node_id']}  {row['name']} ({row['country']})  {row['state']}\n"
            f"  fingerprint {row['fingerprint']}\n"
            f"  queue {row['queue_depth']} (dead {row['dead']}), "
            f"oldest undelivered {row['oldest_undelivered'] or '-'}, "
            f"last error {row['last_error'] or '-'}"
        )


def _peer_id(node: Node, node_id: str) -> int:
    with node.db.reading() as session:
        return peering.peer_id_of(session, node_id)


def run_peers(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        action = args.action or "list"
        if action == "list":
            _list(node)
        elif action == "add":
            peer = peering.request_peering(node, args.url, args.fingerprint, actor="cli")
            say(f"{peer['node_id']} is pending; a peering request is queued")
        elif action == "approve":
            peer_id = _peer_id(node, args.node_id)
            peer = peering.approve(node, peer_id, args.fingerprint, actor="cli")
            say(f"{peer['node_id']} is {peer['state']}; a peering accept is queued")
        else:
            peer_id = _peer_id(node, args.node_id)
            with node.db.transaction() as session:
                peer = peering.change_state(session, peer_id, action, actor="cli")
            say(f"{peer['node_id']} is {peer['state']}")
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("peers", "The nodes this one federates with.", _configure, run_peers)]
