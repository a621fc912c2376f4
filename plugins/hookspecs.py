"""Hook specifications: the contract between the node and its plugins.

Every hook is prefixed ``coop_``. Two families:

* ``coop_register_*`` hooks return objects that the node collects from *all* plugins
  (no first-result races). A duplicate registration (two plugins for one country, two commands
  with one name) is a start-up error that names both plugins.
* ``coop_on_*`` event hooks are called *after* the database transaction that caused the event has
  committed, with plain immutable snapshots (never live database rows). An exception raised by an
  event hook is logged and does not undo the committed change.

Hook arguments are opt-in: an implementation may accept any subset of the arguments named in the
spec, so specs can grow new arguments without breaking existing plugins.

Each docstring below is the reference documentation of its hook; ``docs/plugins.md`` repeats the
signature and a test keeps the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from plugins import PROJECT_NAME

if TYPE_CHECKING:  # pragma: no cover - typing only
    from starlette.routing import BaseRoute

    from node.config import Settings
    from node.events import ClientCreated, IbanChangeRequested, MemberJoined
    from node.extensions import Command, MessageType
    from plugins.jurisdiction import Jurisdiction

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def coop_register_jurisdictions(settings: Settings) -> list[Jurisdiction]:
    """Register country jurisdictions (the country facts and, later, payroll law).

    :param settings: the node's validated settings.
    :return: a list of :class:`plugins.jurisdiction.Jurisdiction` objects, one per country code
        the plugin covers (may be empty).

    All results are collected. Called once at start-up, after plugins are loaded. Two
    jurisdictions with the same ``country`` code are a start-up error naming both plugins.
    """


@hookspec
def coop_register_routes(settings: Settings) -> list[BaseRoute]:
    """Add HTTP routes to the node's application.

    :param settings: the node's validated settings.
    :return: a list of Starlette routes. Paths should sit under ``/api/v1/x/<plugin>/`` for API
        routes or ``/x/<plugin>/`` for pages so they cannot shadow the node's own.

    All results are collected. Called once when the application is built; routes whose endpoint
    carries an :func:`node.web.api.endpoint` declaration appear in ``/openapi.json``.
    """


@hookspec
def coop_register_commands(settings: Settings | None) -> list[Command]:
    """Add sub-commands to the ``coopnode`` command line.

    :param settings: the node's settings when a configuration could be loaded, else ``None``
        (``coopnode init`` runs before any configuration exists).
    :return: a list of :class:`node.extensions.Command` objects.

    All results are collected. Called once when the command line is built. A command whose name
    is already taken (by the node or another plugin) is a start-up error naming both.
    """


@hookspec
def coop_register_message_types(settings: Settings) -> list[MessageType]:
    """Add federation message types: a schema and a handler each.

    :param settings: the node's validated settings.
    :return: a list of :class:`node.extensions.MessageType` objects; each type's name must start
        with ``x-`` (the node's own types never do).

    All results are collected. Called once when the node's inbox and descriptor are first built.
    The types are advertised in the node's descriptor and accepted by its inbox from active
    peers; a name without the prefix, a schema that is not a valid message schema, or a type
    claimed twice is a start-up error naming the plugin. To send one, queue it with
    ``node.federation.outbox.enqueue(..., catalogue=node_message_types(node).catalogue)``.
    """


@hookspec
def coop_on_member_joined(event: MemberJoined) -> Any:
    """React to a new member record.

    :param event: a :class:`node.events.MemberJoined` snapshot (member id, status, home country,
        language, when it happened). It carries no national id or IBAN.

    All implementations are called, after the transaction that created the member commits. The
    return value is ignored; an exception is logged and does not undo the creation.
    """


@hookspec
def coop_on_client_created(event: ClientCreated) -> Any:
    """React to a new client record (a company or person the co-op invoices).

    :param event: a :class:`node.events.ClientCreated` snapshot (client id, kind, name, country,
        VAT number, when it happened).

    All implementations are called, after the transaction that created the client commits. The
    return value is ignored; an exception is logged and does not undo the creation.
    """


@hookspec
def coop_on_iban_change_requested(event: IbanChangeRequested) -> Any:
    """Notify a member that their IBAN is being changed (e.g. by email, on another channel than
    the one that may have been compromised).

    :param event: a :class:`node.events.IbanChangeRequested` snapshot (change id, member id, the
        new IBAN masked, ``effective_at`` — None while the change awaits a second staff approval,
        else when payouts start using it — and when it happened).

    All implementations are called: once after the transaction that requested the change commits,
    and again after the one that approved it commits. The return value is ignored; an exception is
    logged and does not undo the change.
    """
