"""Objects plugins return from ``coop_register_*`` hooks (besides jurisdictions and routes)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlalchemy.orm import Session

    from federation.envelope import Envelope


@dataclass(frozen=True)
class Command:
    """A ``coopnode`` sub-command.

    :param name: the sub-command word (``coopnode NAME``).
    :param help: one line shown in ``coopnode --help``.
    :param configure: adds the command's arguments to its ``argparse`` sub-parser.
    :param run: runs the command with the parsed arguments; returns the exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: Names of plugins' message types start with this, so they never meet one the node ships later.
PLUGIN_TYPE_PREFIX = "x-"


@dataclass(frozen=True)
class MessageType:
    """A federation message type a plugin adds: its schema and the handler that applies it.

    :param schema: a JSON Schema (Draft 2020-12) document whose ``$id`` is
        ``https://coopnode.org/schemas/federation/<name>/<major>`` (``name`` starting with
        :data:`PLUGIN_TYPE_PREFIX`) and whose ``x-coopnode-kind`` is ``"message"``; it may refer
        to the shipped ``common/1`` definitions.
    :param handler: ``handler(session, envelope)``, run by the inbox once per message in the
        transaction that records it; it raises ``node.federation.inbox.BusinessRefusal(reason)``
        to refuse a valid message (the sender does not retry), anything else to fail (nothing
        applied, the sender retries).
    """

    schema: Mapping[str, Any]
    handler: Callable[[Session, Envelope], None]

    @property
    def name(self) -> str:
        """The type tag, ``name/major`` (``x-acme-note/1``), from the schema's ``$id``."""
        from federation.schemas import BASE_URI

        return str(self.schema.get("$id", "")).removeprefix(BASE_URI)
