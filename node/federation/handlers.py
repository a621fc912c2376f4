"""The node's own message handlers: the registry handed to the inbox (``type -> handler``).

Business families add theirs here; a type without a handler is not accepted (``unsupported_type``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node.chains.handlers import HANDLERS as CHAIN_HANDLERS
from node.federation import attestations, key_changes, peering
from node.federation.inbox import Handler, Handlers
from node.hosting import home, host
from node.hosting import service as hosting
from node.postings import service as postings
from node.settlement.handlers import handlers as settlement_handlers

if TYPE_CHECKING:
    from node.runtime import Node


def handle_ping(session: Session, message: Envelope) -> None:
    """A ping only proves reachability and signatures: the receipt is the answer."""


def node_handlers(node: Node | None = None) -> Handlers:
    """Every handler; those that need the running node (its country, its law) only with it."""
    handlers: dict[str, Handler] = {
        "ping/1": handle_ping,
        "keys-rotated/1": key_changes.handle_keys_rotated,
        "keys-revoked/1": key_changes.handle_keys_revoked,
        attestations.REQUEST: attestations.handle_request,
        attestations.ANSWER: attestations.handle_answer,
        peering.PEERING_REQUEST: peering.handle_peering_request,
        peering.PEERING_ACCEPT: peering.handle_peering_accept,
        hosting.REQUEST: host.handle_request,
        hosting.ANSWER: home.handle_answer,
        hosting.COMPLETION: home.handle_completion,
        **CHAIN_HANDLERS,
    }
    if node is not None:
        handlers.update(postings.handlers(node))
        handlers.update(settlement_handlers(node.settings))
    return handlers
