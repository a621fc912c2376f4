"""The peers a posting involves: the host node (home side), the home node (host side)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.federation.models import Peer, PeerState


def active_peer(session: Session, node_id: str) -> Peer | None:
    query = select(Peer).where(Peer.node_id == node_id, Peer.state == PeerState.ACTIVE.value)
    return session.scalars(query).one_or_none()


def peer_actor(node_id: str) -> str:
    """How the audit trail names a peer whose message made a change."""
    return f"peer:{node_id}"[:100]
