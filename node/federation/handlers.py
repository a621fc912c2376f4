"""The node's message handlers: the registry handed to the inbox (``type -> handler``).

Business families add theirs here; plugins add theirs, each with its schema, through the
``coop_register_message_types`` hook (:func:`node_message_types`). A type without a handler is
not accepted (``unsupported_type``) nor advertised in the node's descriptor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jsonschema.exceptions import SchemaError
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from federation.errors import FederationError
from federation.schemas import Catalogue, Schema, read_schema_files, schema_from_document
from node.chains.handlers import HANDLERS as CHAIN_HANDLERS
from node.errors import PluginError
from node.extensions import PLUGIN_TYPE_PREFIX, MessageType
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


MESSAGE_TYPES_EXTRA = "federation.message_types"
#: Not received by the inbox, but advertised: the receipts this node signs.
RECEIPT = "receipt/1"


@dataclass(frozen=True)
class MessageTypes:
    """What the node accepts: a handler per type, and every schema (shipped and plugins'), for
    the inbox (which accepts the handled types only) and for senders of plugins' types."""

    handlers: Handlers
    catalogue: Catalogue

    def advertised(self) -> dict[str, list[int]]:
        """Types and majors for the descriptor: those handled, and the receipts."""
        return self.catalogue.restricted([*self.handlers, RECEIPT]).advertised()


def node_message_types(node: Node) -> MessageTypes:
    """The node's own types and its plugins', built once (a bad plugin type: PluginError)."""
    found = node.extras.get(MESSAGE_TYPES_EXTRA)
    if not isinstance(found, MessageTypes):
        found = _build(node)
        node.extras[MESSAGE_TYPES_EXTRA] = found
    return found


def _build(node: Node) -> MessageTypes:
    handlers = dict(node_handlers(node))
    plugin_types: dict[str, MessageType] = node.plugins.unique_by_name(
        "coop_register_message_types", "message type", taken=handlers, settings=node.settings
    )
    schemas = read_schema_files()
    for tag, message_type in plugin_types.items():
        schemas.append(_plugin_schema(tag, message_type))
        handlers[tag] = message_type.handler
    catalogue = Catalogue.from_schemas(schemas)
    catalogue.restricted(handlers)  # every handled type has a schema
    return MessageTypes(handlers, catalogue)


def _plugin_schema(tag: str, message_type: MessageType) -> Schema:
    try:
        schema = schema_from_document(message_type.schema)
    except (FederationError, SchemaError) as exc:
        raise PluginError(f"message type {tag!r}: {exc}") from None
    if not schema.name.startswith(PLUGIN_TYPE_PREFIX):
        raise PluginError(
            f"message type {tag!r}: a plugin's type names start with {PLUGIN_TYPE_PREFIX!r}"
        )
    if schema.kind != "message":
        raise PluginError(f'message type {tag!r}: x-coopnode-kind must be "message"')
    return schema
