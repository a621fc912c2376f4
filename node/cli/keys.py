"""``coopnode keys``: the node's federation signing keys.

::

    coopnode keys list                       every key: fingerprint, status, validity
    coopnode keys fingerprint                the current key's fingerprint, to give peers
    coopnode keys rotate [--grace-hours 48]  new active key; the old one retires after the grace
    coopnode keys revoke --reason compromised [--force] -- KID

A key id is base64url and may start with ``-``: give it after ``--``.

Each command makes the first key if there is none yet (``coopnode migrate`` normally has).
``revoke`` refuses the only active key unless ``--force``, which then makes a new key at once:
peers cannot learn that key from a signed announcement and must re-peer with its fingerprint
(see docs/federation.md, "When a key is lost or stolen"). The keys-rotated / keys-revoked
announcements are queued for every active peer in the same transaction as the change and sent by
the delivery worker (``node.federation.key_changes``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta

from federation.keys import KeyDecryptionError
from node.cli.context import EXIT_OK, fail, load_node, say
from node.extensions import Command
from node.federation import key_changes, keystore
from node.runtime import Node

MAX_GRACE_HOURS = key_changes.MAX_GRACE_HOURS


def _grace_hours(text: str) -> int:
    try:
        hours = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of hours: {text!r}") from None
    if not 1 <= hours <= MAX_GRACE_HOURS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_GRACE_HOURS} hours")
    return hours


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every key: fingerprint, status, validity")
    actions.add_parser("fingerprint", help="the current key's fingerprint, to give peers")
    rotated = actions.add_parser("rotate", help="make a new key; the old one retires later")
    rotated.add_argument(
        "--grace-hours",
        type=_grace_hours,
        default=int(keystore.DEFAULT_GRACE.total_seconds() // 3600),
        metavar="N",
        help="hours the old key keeps verifying (default 48, at most 168)",
    )
    revoked = actions.add_parser("revoke", help="stop trusting a key now")
    revoked.add_argument(
        "kid", metavar="KID", help="the key's id; one starting with '-' goes after '--'"
    )
    revoked.add_argument("--reason", required=True, choices=keystore.REVOCATION_REASONS)
    revoked.add_argument(
        "--force", action="store_true", help="revoke even the only active key (a new one is made)"
    )


def _list(node: Node, master: bytes) -> None:
    with node.db.transaction() as session:
        keystore.ensure_key(session, master, actor="cli")
        shown = keystore.describe(keystore.rows(session))
    for key in shown:
        line = f"{key['kid']}  {key['status']:<7}  {key['not_before']} .. {key['not_after'] or '-'}"
        say(line + (f"  ({key['reason']})" if key["reason"] else ""))


def _fingerprint(node: Node) -> None:
    key = keystore.current_signing_key(node)  # opening it proves the KEK is right
    say(key.kid)


def _rotate(node: Node, master: bytes, grace_hours: int) -> None:
    with node.db.transaction() as session:  # the change and its announcement commit together
        rotation, queued = key_changes.rotate(
            session, master, timedelta(hours=grace_hours), actor="cli"
        )
        shown = key_changes.rotation_view(rotation, queued)
    say(f"new key {shown['new_kid']} active")
    for old in shown["retired"]:
        say(f"retired {old['kid']}: verifies what it signed until {old['verifies_until']}")
    say(f"announced to peers: {shown['announcements_queued']} message(s) queued")


def _revoke(node: Node, master: bytes, kid: str, reason: str, force: bool) -> None:
    with node.db.transaction() as session:
        revocation, queued = key_changes.revoke(
            session, master, kid, reason, force=force, actor="cli"
        )
        shown = key_changes.revocation_view(revocation, queued)
    say(f"revoked {shown['kid']} ({reason}) at {shown['revoked_at']}")
    say(f"announced to peers: {shown['announcements_queued']} message(s) queued")
    if shown["new_kid"] is not None:
        say(f"new key {shown['new_kid']} active: peers must re-peer with it")


def run_keys(args: argparse.Namespace) -> int:
    node = load_node()
    try:
        master = keystore.kek(node.settings)  # a one-line config error when it is not set
        actions: dict[str, Callable[[], None]] = {
            "list": lambda: _list(node, master),
            "fingerprint": lambda: _fingerprint(node),
            "rotate": lambda: _rotate(node, master, args.grace_hours),
            "revoke": lambda: _revoke(node, master, args.kid, args.reason, args.force),
        }
        try:
            actions[args.action]()
        except KeyDecryptionError:
            fail(f"{keystore.KEK_SETTING} does not open the node's keys (was it changed?)")
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("keys", "The node's federation signing keys.", _configure, run_keys)]
