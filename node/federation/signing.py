"""How the inbox and the delivery worker sign, and whose keys they trust.

The node's own keys belong to :mod:`node.federation.keystore`; this module only needs a
:class:`Signer` (the node id and a way to get the current signing key), so the message code can be
tested with a key made on the spot. :func:`node_signer` builds the node's own signer: a signer put
in ``node.extras["federation.signer"]`` (tests), else the keystore's current key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation import envelope
from federation.errors import FederationError, InactivePeer, UnknownPeer
from federation.keys import KeySet, SigningKey
from node.federation.models import Peer, PeerState

if TYPE_CHECKING:
    from node.runtime import Node

SIGNER_EXTRA = "federation.signer"


@dataclass(frozen=True)
class Signer:
    """The node's id and its current signing key (looked up at each signature: keys rotate)."""

    node_id: str
    current_key: Callable[[], SigningKey]

    def pinned(self) -> Signer:
        """This signer with its current key fixed now (before a transaction is opened)."""
        key = self.current_key()
        return Signer(self.node_id, lambda: key)

    def sign(
        self,
        *,
        aud: str,
        type: str,
        body: Mapping[str, Any],
        now: datetime,
        jti: str,
        conversation: str,
        seq: int,
        lifetime: timedelta = envelope.DEFAULT_LIFETIME,
    ) -> str:
        return envelope.sign(
            self.current_key(),
            iss=self.node_id,
            aud=aud,
            type=type,
            body=body,
            now=now,
            jti=jti,
            conversation=conversation,
            seq=seq,
            lifetime=lifetime,
        )


def static_signer(node_id: str, key: SigningKey) -> Signer:
    return Signer(node_id, lambda: key)


def node_signer(node: Node) -> Signer:
    """The node's signer: a test's, or the keystore's current key (see the module docstring)."""
    given = node.extras.get(SIGNER_EXTRA)
    if isinstance(given, Signer):
        return given
    from node.federation import keystore

    current = getattr(keystore, "current_signing_key", None)
    if current is None:
        raise FederationError("the node has no federation signing key store yet")
    return Signer(node.settings["node.base_url"], lambda: current(node))


def peer_keys(peer: Peer) -> KeySet:
    return KeySet.from_jwks(peer.jwks)


def peer_resolver(session: Session) -> envelope.KeyResolver:
    """Resolve a sender's keys from its Peer row; unknown and inactive peers are refused."""

    def resolve(iss: str) -> KeySet:
        peer = session.scalars(select(Peer).where(Peer.node_id == iss)).one_or_none()
        if peer is None:
            raise UnknownPeer(f"{iss} is not a peer of this node")
        if peer.state != PeerState.ACTIVE:
            raise InactivePeer(f"{iss} is {peer.state}, not an active peer")
        return peer_keys(peer)

    return resolve
