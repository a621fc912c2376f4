"""The node's own message handlers: the registry handed to the inbox (``type -> handler``).

Business families add theirs here; a type without a handler is not accepted (``unsupported_type``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node.federation.inbox import Handlers


def handle_ping(session: Session, message: Envelope) -> None:
    """A ping only proves reachability and signatures: the receipt is the answer."""


def node_handlers() -> Handlers:
    return {"ping/1": handle_ping}
