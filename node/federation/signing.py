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
from functools import cache
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

#: Message types whose handlers change a peer's state or keys. The inbox reads a sender's keys
#: once per batch and again after one of these; a handler that changes a ``Peer`` row must have
#: its type listed here (a test checks the node's own handlers).
PEER_CHANGING_TYPES = frozenset(
    {"keys-rotated/1", "keys-revoked/1", "peering-request/1", "peering-accept/1"}
)


class UnusableKey(FederationError):
    """A message names an own key this signer cannot sign with."""


@dataclass(frozen=True)
class Signer:
    """The node's id and its current signing key (looked up at each signature: keys rotate).

    ``named_key`` opens one named own key, for the messages that must be signed by a given key
    (a ``keys-rotated/1`` by the key it retires); without it only the current key can be named.
    """

    node_id: str
    current_key: Callable[[], SigningKey]
    named_key: Callable[[str], SigningKey] | None = None

    def pinned(self) -> Signer:
        """This signer with its current key fixed now (before a transaction is opened)."""
        key = self.current_key()
        return Signer(self.node_id, lambda: key, self.named_key)

    def for_batch(self) -> Signer:
        """This signer opening its current key once, on first use (not once per message of a
        batch: opening reads the key store and unseals); a failure is not remembered."""
        return Signer(self.node_id, cache(self.current_key), self.named_key)

    def key(self, kid: str | None = None) -> SigningKey:
        """The key ``kid`` (it must still be usable for signing), or the current key."""
        if kid is None:
            return self.current_key()
        if self.named_key is not None:
            return self.named_key(kid)
        current = self.current_key()
        if current.kid != kid:
            raise UnusableKey(f"this node cannot sign with key {kid}")
        return current

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
        kid: str | None = None,
        check: bool = True,
    ) -> str:
        """Sign with key ``kid`` or the current key; ``check`` as in
        :func:`federation.envelope.sign`."""
        return envelope.sign(
            self.key(kid),
            iss=self.node_id,
            aud=aud,
            type=type,
            body=body,
            now=now,
            jti=jti,
            conversation=conversation,
            seq=seq,
            lifetime=lifetime,
            check=check,
        )


def static_signer(node_id: str, key: SigningKey, *others: SigningKey) -> Signer:
    """A signer with fixed keys: ``key`` is current, ``others`` may be named (tests)."""
    named = {k.kid: k for k in (key, *others)}

    def named_key(kid: str) -> SigningKey:
        if kid not in named:
            raise UnusableKey(f"this node cannot sign with key {kid}")
        return named[kid]

    return Signer(node_id, lambda: key, named_key)


def node_signer(node: Node) -> Signer:
    """The node's signer: a test's, or the keystore's current key (see the module docstring)."""
    given = node.extras.get(SIGNER_EXTRA)
    if isinstance(given, Signer):
        return given
    from node.federation import keystore

    return Signer(
        node.settings["node.base_url"],
        lambda: keystore.current_signing_key(node),
        lambda kid: keystore.named_signing_key(node, kid),
    )


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
