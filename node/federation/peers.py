"""Adding and activating peers from a verified descriptor (the peering CLI and API build on it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.errors import FingerprintMismatch
from federation.keys import KeySet
from node.db.types import utcnow
from node.federation.models import Peer, PeerState


def add_peer(
    session: Session,
    descriptor: dict[str, Any],
    fingerprint: str,
    *,
    state: PeerState = PeerState.PENDING,
    fetched_at: datetime | None = None,
) -> Peer:
    """Record (or refresh) a peer from its descriptor's claims, already verified by the caller.

    ``fingerprint`` is the key the admin checked out of band; it must be in the descriptor's keys.
    """
    keys = KeySet.from_jwks(descriptor["keys"])
    if keys.get(fingerprint) is None:
        raise FingerprintMismatch("the descriptor does not list the pinned fingerprint")
    now = utcnow()
    peer = session.scalars(select(Peer).where(Peer.node_id == descriptor["iss"])).one_or_none()
    if peer is None:
        peer = Peer(node_id=descriptor["iss"], created_at=now, consecutive_failures=0)
        session.add(peer)
    peer.name = descriptor["name"]
    peer.country = descriptor["country"]
    peer.currency = descriptor["currency"]
    peer.inbox_url = descriptor["inbox"]
    peer.jwks = keys.to_jwks()
    peer.jwks_fetched_at = fetched_at or now
    peer.fingerprint = fingerprint
    peer.state = state.value
    peer.updated_at = now
    session.flush()
    return peer


def set_state(session: Session, peer: Peer, state: PeerState) -> Peer:
    """Activate, suspend or revoke a peer (suspended and revoked peers' messages are refused)."""
    peer.state = state.value
    peer.updated_at = utcnow()
    session.flush()
    return peer
