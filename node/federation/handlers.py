"""The node's own message handlers: the registry handed to the inbox (``type -> handler``).

Business families add theirs here; a type without a handler is not accepted (``unsupported_type``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node.federation import attestations, key_changes, peering
from node.federation.inbox import Handlers


def handle_ping(session: Session, message: Envelope) -> None:
    """A ping only proves reachability and signatures: the receipt is the answer."""


def node_handlers() -> Handlers:
    return {
        "ping/1": handle_ping,
        "keys-rotated/1": key_changes.handle_keys_rotated,
        "keys-revoked/1": key_changes.handle_keys_revoked,
        attestations.REQUEST: attestations.handle_request,
        attestations.ANSWER: attestations.handle_answer,
        peering.PEERING_REQUEST: peering.handle_peering_request,
        peering.PEERING_ACCEPT: peering.handle_peering_accept,
    }
