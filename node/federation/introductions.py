"""The inbox's one exception to "the sender must be an active peer": peering messages.

* ``peering-request/1`` from a node that is **not a peer yet**: the inbox fetches the sender's
  descriptor from its node id (no database transaction is open), requires it to be signed by the
  key that signed the request, and verifies the request with the descriptor's keys; the handler
  then records the sender ``pending`` with that key's fingerprint, for the admin to check out of
  band. These requests cost an outgoing HTTP request each, so they are rate-limited per remote
  address and overall in a small fixed window (429 ``rate_limited``), before anything is fetched.
* ``peering-request/1`` or ``peering-accept/1`` from a **pending** (or active) peer: verified
  with the keys stored for it (an accept must answer a request this node sent; its handler checks).
  A peering request from a pending peer signed by a key not stored for it (the peer rotated its
  key since) makes the inbox fetch its descriptor again, as above (rate-limited the same way): if
  that descriptor lists and is signed by the new key, the handler refreshes the stored keys.

Suspended and revoked senders are refused as for any other message (403 ``inactive_peer``);
every other type from a pending peer too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation import envelope
from federation.descriptor import VerifiedDescriptor
from federation.errors import InactivePeer, Rejection, UnknownPeer
from federation.keys import KeySet
from node.config import Settings
from node.db import Database
from node.federation.inbox import ResolverFactory, Throttled
from node.federation.models import Peer, PeerState
from node.federation.peering import (
    INTRODUCED,
    PEERING_ACCEPT,
    PEERING_REQUEST,
    DescriptorFetcher,
    Unreachable,
    fetcher_for,
)
from node.federation.signing import node_signer, peer_keys

if TYPE_CHECKING:
    from node.runtime import Node

log = logging.getLogger("coopnode.federation")
ALLOWED_WHILE_PENDING = frozenset({PEERING_REQUEST, PEERING_ACCEPT})
INTRODUCTIONS_EXTRA = "federation.introductions"


@dataclass
class FixedWindow:
    """At most ``per_remote`` from one address and ``overall`` in all per ``seconds`` window.

    Kept in memory, per process: a node with several server processes admits that many times
    the limit, which is still small.
    """

    per_remote: int
    overall: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    _started: float = field(default=float("-inf"), init=False)
    _counts: Counter[str] = field(default_factory=Counter, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> FixedWindow:
        return cls(
            per_remote=settings["federation.peering_requests_per_remote"],
            overall=settings["federation.peering_requests_overall"],
            seconds=float(settings["federation.peering_window_seconds"]),
        )

    def admit(self, remote: str | None) -> bool:
        """Count one request from ``remote`` if both limits allow it."""
        key = remote or "?"
        with self._lock:
            now = self.clock()
            if now - self._started >= self.seconds:
                self._started, self._counts = now, Counter()
            if self._counts.total() >= self.overall or self._counts[key] >= self.per_remote:
                return False
            self._counts[key] += 1
            return True


def _signed_by_a_new_key(peer: Peer, kid: str) -> bool:
    """A pending peer signing with a key we do not hold for it (it rotated since we fetched its
    descriptor): its descriptor is fetched again, as for a node that is not a peer yet."""
    return peer.state == PeerState.PENDING and peer_keys(peer).get(kid) is None


def _resolver(session: Session, introduced: VerifiedDescriptor | None) -> envelope.KeyResolver:
    """Keys of a pending or active sender; of the introduced node if it is not a peer yet, or if
    it is a pending peer whose descriptor was fetched again."""

    def resolve(iss: str) -> KeySet:
        peer = session.scalars(select(Peer).where(Peer.node_id == iss)).one_or_none()
        fetched = introduced is not None and introduced.descriptor.node_id == iss
        if peer is not None and peer.state not in (PeerState.PENDING, PeerState.ACTIVE):
            raise InactivePeer(f"{iss} is {peer.state}, not an active peer")
        if fetched and (peer is None or peer.state == PeerState.PENDING):
            assert introduced is not None
            session.info[INTRODUCED] = introduced
            return introduced.descriptor.keys
        if peer is None:
            raise UnknownPeer(f"{iss} is not a peer of this node")
        return peer_keys(peer)

    return resolve


class Introductions:
    """Decides, before the inbox opens its transaction, how a peering message's sender is known."""

    def __init__(
        self,
        db: Database,
        own_node_id: str,
        fetcher: DescriptorFetcher,
        limit: FixedWindow,
        max_size: int = envelope.DEFAULT_MAX_SIZE,
    ) -> None:
        self.db = db
        self.own_node_id = own_node_id
        self.fetcher = fetcher
        self.limit = limit
        self.max_size = max_size

    def __call__(
        self, token: str | bytes, now: datetime, remote: str | None
    ) -> ResolverFactory | None:
        """A resolver factory for peering messages; None for anything else (the usual rule)."""
        try:
            unverified = envelope.open_compact(token, envelope.MESSAGE_TYP, self.max_size)
        except Rejection:
            return None  # the usual path rejects it with the same reason
        claims = unverified.claims
        iss, type = claims.get("iss"), claims.get("type")
        if type not in ALLOWED_WHILE_PENDING or not isinstance(iss, str) or iss == self.own_node_id:
            return None
        if claims.get("aud") != self.own_node_id:
            return None  # not for this node: the usual path refuses it without fetching anything
        with self.db.reading() as session:
            peer = session.scalars(select(Peer).where(Peer.node_id == iss)).one_or_none()
            stale = peer is not None and _signed_by_a_new_key(peer, unverified.kid)
        if type != PEERING_REQUEST or (peer is not None and not stale):
            return lambda session: _resolver(session, None)
        introduced = self._introduce(iss, unverified.kid, now, remote)
        return lambda session: _resolver(session, introduced)

    def _introduce(
        self, iss: str, kid: str, now: datetime, remote: str | None
    ) -> VerifiedDescriptor:
        if not self.limit.admit(remote):
            raise Throttled("too many peering requests from nodes that are not peers; retry later")
        try:
            return self.fetcher.fetch(iss, [kid], now)
        except Unreachable as exc:
            log.info("peering request from %s: descriptor not fetched: %s", iss[:300], exc)
            raise UnknownPeer(
                f"{iss} is not a peer and its descriptor could not be fetched"
            ) from None


def introductions_for(node: Node) -> Introductions:
    """The node's introductions (one rate limit per process), built on first use."""
    found = node.extras.get(INTRODUCTIONS_EXTRA)
    if not isinstance(found, Introductions):
        found = Introductions(
            node.db,
            node_signer(node).node_id,
            fetcher_for(node),
            FixedWindow.from_settings(node.settings),
            node.settings["federation.max_envelope_bytes"],
        )
        node.extras[INTRODUCTIONS_EXTRA] = found
    return found
