"""Helpers for the inbox, outbox and delivery tests: keys, peers, envelopes, two nodes in one DB.

Two nodes can share one database: each only reads its own rows (the receiver its inbox and the
Peer row of the sender, the sender its outbox and the Peer row of the receiver), and their node
ids differ. That keeps the delivery tests on every engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from federation import envelope
from federation.keys import KeySet, SigningKey
from node.db import Database
from node.db.types import utcnow
from node.federation import api
from node.federation.delivery import DeliveryPolicy, DeliveryWorker
from node.federation.handlers import node_handlers
from node.federation.inbox import Handlers, Inbox, InboxPolicy
from node.federation.models import InboxRecord, InboxRejection, OutboxMessage, Peer, PeerState
from node.federation.signing import Signer, static_signer

SENDER = "https://sender.example"
RECEIVER = "http://127.0.0.1:8000"  # the test settings' node.base_url
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeNode:
    """A node's identity for tests: id, signing key, signer."""

    node_id: str
    key: SigningKey

    @property
    def signer(self) -> Signer:
        return static_signer(self.node_id, self.key)

    def keys(self) -> KeySet:
        return KeySet.of([self.key.public(LONG_AGO)])

    def sign(self, aud: str = RECEIVER, *, now: datetime | None = None, **claims: Any) -> str:
        claims.setdefault("type", "ping/1")
        claims.setdefault("body", {"nonce": "n1"})
        return envelope.sign(self.key, iss=self.node_id, aud=aud, now=now or utcnow(), **claims)


def fake_node(node_id: str) -> FakeNode:
    return FakeNode(node_id, SigningKey.generate())


def add_peer(
    db: Database,
    node: FakeNode,
    *,
    state: PeerState = PeerState.ACTIVE,
    keys: KeySet | None = None,
) -> int:
    """Store ``node`` as a peer (of whichever node reads it); returns the Peer id."""
    with db.transaction() as session:
        peer = Peer(
            node_id=node.node_id,
            name=f"Peer {node.node_id}",
            country="BE",
            currency="EUR",
            inbox_url=f"{node.node_id}/federation/v1/inbox",
            jwks=(keys or node.keys()).to_jwks(),
            jwks_fetched_at=utcnow(),
            fingerprint=node.key.kid,
            state=state.value,
            consecutive_failures=0,
        )
        session.add(peer)
        session.flush()
        return peer.id


def counts(db: Database) -> dict[str, int]:
    """Row counts of every federation table: what a refused message must not change."""
    with db.reading() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (InboxRecord, InboxRejection, OutboxMessage, Peer)
        }


def make_inbox(db: Database, node: FakeNode, handlers: Handlers | None = None) -> Inbox:
    return Inbox(db, handlers or node_handlers(), node.signer, InboxPolicy())


def transport_to(
    inbox: Inbox, hook: Callable[[httpx.Request], httpx.Response | None] | None = None
) -> httpx.MockTransport:
    """An httpx transport that hands requests to ``inbox`` as the HTTP endpoint would."""

    def handler(request: httpx.Request) -> httpx.Response:
        if hook is not None:
            early = hook(request)
            if early is not None:
                return early
        media = request.headers.get("content-type", "").split(";")[0].strip()
        response = api.handle(inbox, media, request.content, "127.0.0.1")
        return httpx.Response(
            response.status_code,
            content=bytes(response.body),
            headers={"content-type": response.headers["content-type"]},
        )

    return httpx.MockTransport(handler)


def fast_policy(**changes: Any) -> DeliveryPolicy:
    base = DeliveryPolicy(retry_base=timedelta(0), retry_cap=timedelta(0))
    return DeliveryPolicy(**{**base.__dict__, **changes})


def worker(
    db: Database, sender: FakeNode, transport: httpx.BaseTransport, **kwargs: Any
) -> DeliveryWorker:
    policy = kwargs.pop("policy", None) or fast_policy()
    return DeliveryWorker(db, sender.signer, policy, httpx.Client(transport=transport), **kwargs)


def message_states(db: Database) -> dict[str, str]:
    with db.reading() as session:
        return {m.jti: m.state for m in session.scalars(select(OutboxMessage))}
