"""``coopnode worker`` (the delivery worker, to scale out beside ``serve``) and ``coopnode outbox``
(queue depth, dead letters, retry, discard)."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from typing import Any

from node.cli.context import EXIT_OK, load_node, say
from node.extensions import Command
from node.web.jsonenc import dumps


def _configure_worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one delivery round, then exit")


def run_worker(args: argparse.Namespace) -> int:
    from node.federation.delivery import DeliveryPolicy, http_client, worker_for

    node = load_node()
    client = http_client(DeliveryPolicy.from_settings(node.settings))
    try:
        worker = worker_for(node, client)
        if args.once:
            say(f"attempted {worker.run_once()} message(s)")
            return EXIT_OK
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        say(f"delivery worker {worker.owner} running; stop with SIGTERM")
        worker.run(stop)
        return EXIT_OK
    finally:
        client.close()
        node.close()


def _configure_outbox(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="queue depth per peer and the dead letters")
    for name, help in (("retry", "send a dead letter again"), ("discard", "give up on it")):
        action = actions.add_parser(name, help=help)
        action.add_argument("message_id", type=int)


def _show(data: Any) -> None:
    say(json.dumps(json.loads(dumps(data)), indent=2))


def run_outbox(args: argparse.Namespace) -> int:
    from node.federation import outbox

    node = load_node()
    try:
        if args.action == "list":
            with node.db.reading() as session:
                _show(
                    {
                        "peers": outbox.queue_summary(session),
                        "dead_letters": [
                            outbox.message_view(m) for m in outbox.dead_letters(session)
                        ],
                    }
                )
            return EXIT_OK
        change = outbox.retry if args.action == "retry" else outbox.discard
        with node.db.transaction() as session:
            message = change(session, args.message_id, actor="cli")
            say(f"message {message.id} ({message.jti}) is now {message.state}")
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [
    Command(
        "worker",
        "Deliver queued federation messages (beside or instead of the one in `serve`).",
        _configure_worker,
        run_worker,
    ),
    Command(
        "outbox",
        "Outgoing federation messages: list, retry or discard dead letters.",
        _configure_outbox,
        run_outbox,
    ),
]
