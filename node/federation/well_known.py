"""``GET /.well-known/coopnode``: the node's descriptor, a compact JWS signed by its current key.

Built at each request from the settings, the key store and the services offered to visiting
members (:mod:`node.postings.host_profile`; nothing is cached, so a rotation or revocation shows
at once) with :func:`federation.descriptor.sign_descriptor`; peers check it with
``verify_descriptor`` against the fingerprint from ``coopnode keys fingerprint``. Served as
``application/jose`` with ``Cache-Control: no-store``. A node without a usable key-encryption key
answers 503 with a problem document instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from starlette.responses import Response

from federation.descriptor import NodeDescriptor, sign_descriptor
from federation.errors import Malformed
from federation.identity import parse_node_id
from federation.keys import KeyDecryptionError, KeySet
from node.db.types import utcnow
from node.errors import ConfigError, NotReady
from node.federation import handlers, keystore
from node.i18n import N_
from node.postings import host_profile
from node.runtime import Node
from node.web.api import PUBLIC, Call, api_route

INBOX_PATH = "/federation/v1/inbox"
JOSE = "application/jose"
log = logging.getLogger("coopnode.federation")


def node_id(node: Node) -> str:
    """The node id: ``node.base_url`` in canonical form (503 if it cannot be one)."""
    try:
        return parse_node_id(node.settings["node.base_url"])
    except Malformed as exc:
        log.error("node.base_url is not a federation node id: %s", exc)
        raise NotReady(
            N_("Federation is not configured on this node (its base URL cannot be a node id).")
        ) from None


def describe(
    node: Node, keys: KeySet, services: tuple[Mapping[str, str], ...] = ()
) -> NodeDescriptor:
    """What the node says about itself, with the key set and the services given (what it
    offers members of other co-ops working in its country, :mod:`node.postings.host_profile`)."""
    own = node_id(node)
    return NodeDescriptor(
        node_id=own,
        name=node.settings["node.name"],
        country=node.settings["node.country"],
        currency=node.settings["node.currency"],
        inbox=own + INBOX_PATH,
        messages=handlers.node_message_types(node).advertised(),
        keys=keys,
        services=services,
    )


def signed_descriptor(node: Node, now: datetime | None = None) -> str:
    """The descriptor as a compact JWS, signed by the current key (made first if missing)."""
    now = now or utcnow()
    try:
        master = keystore.kek(node.settings)
        keystore.current_signing_key(node, now)  # makes the first key if migrate did not
        with node.db.reading() as session:  # one snapshot: the signer is in the key set
            keys = keystore.published_key_set(session, now)
            key = keystore.current_private_key(session, master, now)
            services = host_profile.advertised_services(session)
    except ConfigError as exc:
        log.error("federation descriptor unavailable: %s", exc)
        raise NotReady(keystore.NOT_CONFIGURED) from None
    except KeyDecryptionError:
        log.error("federation descriptor unavailable: the key-encryption key does not open the key")
        raise NotReady(
            N_("The node's federation key cannot be opened with its key-encryption key.")
        ) from None
    return sign_descriptor(describe(node, keys, services), key, now)


@api_route(
    "GET",
    "/.well-known/coopnode",
    summary="This node's federation descriptor: a compact JWS signed by its current key.",
    roles=PUBLIC,
    tag="federation",
    response={"type": "string", "description": "compact JWS, typ coopnode-descriptor+jwt"},
    media_type=JOSE,
    database="none",
)
def node_descriptor(call: Call) -> Response:
    token = signed_descriptor(call.node)
    return Response(token, media_type=JOSE, headers={"Cache-Control": "no-store"})


ROUTES = [node_descriptor]
