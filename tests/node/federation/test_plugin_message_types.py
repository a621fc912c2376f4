"""Plugins add federation message types (``coop_register_message_types``): a schema and a
handler each, advertised in the descriptor and accepted by the inbox like the node's own; a bad
registration is a start-up error naming the plugin."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from federation import envelope
from federation.envelope import Envelope
from federation.schemas import BASE_URI
from node import audit
from node.app import create_app
from node.audit.models import AuditEntry
from node.config import Settings
from node.db import Database
from node.errors import PluginError
from node.extensions import MessageType
from node.federation.handlers import node_message_types
from node.federation.inbox import BusinessRefusal
from node.federation.signing import SIGNER_EXTRA
from node.pluginhost import PluginHost, load_plugins
from node.runtime import Node, bootstrap
from plugins import HOOK_API_VERSION, hookimpl
from tests.node.federation.fed_helpers import RECEIVER, add_peer, fake_node

NOTE = "x-toy-note/1"


def note_schema(name: str = "x-toy-note", **changes: Any) -> dict[str, Any]:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}{name}/1",
        "x-coopnode-kind": "message",
        "type": "object",
        "properties": {"text": {"type": "string", "maxLength": 20}},
        "required": ["text"],
        "additionalProperties": False,
    }
    return {**schema, **changes}


def take_note(session: Session, message: Envelope) -> None:
    if message.body["text"] == "no":
        raise BusinessRefusal("toy_refused")
    audit.record(
        session, actor=message.iss, action="toy.note", entity="note", entity_id=message.jti
    )


def plugin(*message_types: MessageType) -> types.ModuleType:
    module = types.ModuleType("coop_toy_messages")
    module.COOPNODE_HOOK_API = HOOK_API_VERSION  # type: ignore[attr-defined]

    @hookimpl
    def coop_register_message_types() -> list[MessageType]:
        return list(message_types)

    module.coop_register_message_types = coop_register_message_types  # type: ignore[attr-defined]
    return module


def node_with(settings: Settings, db: Database, *message_types: MessageType) -> Node:
    host: PluginHost = load_plugins(settings)
    host.register(plugin(*message_types), name="coop_toy_messages")
    return bootstrap(settings, db=db, plugin_host=host)


@pytest.fixture
def toy_node(settings: Settings, db: Database) -> Iterator[Node]:
    node = node_with(settings, db, MessageType(note_schema(), take_note))
    node.extras[SIGNER_EXTRA] = fake_node(RECEIVER).signer
    yield node


def notes(db: Database) -> list[str]:
    with db.reading() as session:
        query = select(AuditEntry.entity_id).where(AuditEntry.action == "toy.note")
        return [str(entity) for entity in session.scalars(query)]


def test_hook_coop_register_message_types(toy_node: Node, db: Database) -> None:
    """A plugin's type is advertised, applied once, refused for business reasons with a signed
    receipt, and its schema checked."""
    sender = fake_node("https://peer.example")
    add_peer(db, sender)
    client = TestClient(create_app(toy_node))
    descriptor = client.get("/.well-known/coopnode").text
    advertised = envelope.open_compact(descriptor, "coopnode-descriptor+jwt").claims["messages"]
    assert advertised["x-toy-note"] == [1] and advertised["receipt"] == [1]

    catalogue = node_message_types(toy_node).catalogue  # a sender of the type knows its schema
    token = sender.sign(type=NOTE, body={"text": "hello"}, catalogue=catalogue)
    for _ in range(2):  # a resend: the same receipt, no second effect
        answer = client.post("/federation/v1/inbox", content=token, headers=JOSE)
        assert answer.status_code == 200, answer.text
    assert len(notes(db)) == 1

    refused = client.post(
        "/federation/v1/inbox",
        content=sender.sign(type=NOTE, body={"text": "no"}, catalogue=catalogue),
        headers=JOSE,
    )
    receipt = envelope.open_compact(refused.text, envelope.MESSAGE_TYP).claims["body"]
    assert (receipt["outcome"], receipt["reason"]) == ("refused", "toy_refused")

    invalid = client.post(
        "/federation/v1/inbox",
        content=sender.sign(type=NOTE, body={"text": 7}, check=False),
        headers=JOSE,
    )
    assert (invalid.status_code, invalid.json()["code"]) == (400, "invalid_body")
    assert len(notes(db)) == 1


JOSE = {"Content-Type": "application/jose"}


@pytest.mark.parametrize(
    ("message_type", "error"),
    [
        (MessageType(note_schema("toy-note"), take_note), "start with 'x-'"),
        (MessageType(note_schema(**{"x-coopnode-kind": "document"}), take_note), "must be"),
        (MessageType(note_schema(type="nonsense"), take_note), "x-toy-note/1"),
        (MessageType(note_schema(**{"$id": "https://elsewhere.example/x"}), take_note), "\\$id"),
        (MessageType(note_schema("ping"), take_note), "claimed twice"),
    ],
)
def test_a_bad_registration_is_an_error_naming_the_type(
    settings: Settings, db: Database, message_type: MessageType, error: str
) -> None:
    node = node_with(settings, db, message_type)
    with pytest.raises(PluginError, match=error):
        node_message_types(node)


def test_two_plugins_cannot_claim_one_type(settings: Settings, db: Database) -> None:
    note = MessageType(note_schema(), take_note)
    node = node_with(settings, db, note, note)
    with pytest.raises(PluginError, match=r"x-toy-note/1.*claimed twice"):
        node_message_types(node)
