"""Peering: fetching another node's descriptor, asking it to peer, approving, suspending, revoking.

The two admins exchange fingerprints out of band (``coopnode keys fingerprint``). Node A adds B
with B's fingerprint: A fetches B's descriptor, checks it was signed by that key, records B as
``pending`` and queues a ``peering-request/1`` (the delivery worker sends peering requests to
pending peers; every other message waits until the peer is active). B's inbox fetches A's
descriptor itself and records A as ``pending`` with the fingerprint of the key that signed the
request (see :mod:`node.federation.introductions`). B's admin compares that fingerprint with the
one A's admin gave and approves: B makes A ``active`` and sends ``peering-accept/1``; A activates
B when the accept answers a request A sent and is signed by B's pinned key.

States: ``pending`` → ``active`` ⇄ ``suspended``; any state → ``revoked``. Only ``add`` leaves
``revoked`` (a fresh start with a fingerprint checked again out of band).

Descriptor fetching follows **no redirects at all**: a node id is the origin its descriptor is
served from, and a redirect could only lead elsewhere or hide that the node moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from federation import envelope
from federation.descriptor import MAX_SIZE, VerifiedDescriptor, verify_descriptor
from federation.envelope import Envelope
from federation.errors import FederationError, FingerprintMismatch, Malformed, Rejection
from federation.identity import parse_node_id
from node import audit
from node.config import Settings
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation import outbox
from node.federation.inbox import BusinessRefusal
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer, PeerState
from node.federation.peers import add_peer, set_state
from node.federation.signing import node_signer
from node.i18n import N_

if TYPE_CHECKING:
    from node.runtime import Node

PEERING_REQUEST = "peering-request/1"
PEERING_ACCEPT = "peering-accept/1"
WELL_KNOWN_PATH = "/.well-known/coopnode"
JOSE = "application/jose"
FETCHER_EXTRA = "federation.descriptor_fetcher"
INTRODUCED = "federation.introduced"  # session.info key: the descriptor an introduction fetched
PEER_MISSING = N_("No such peer.")
_KID = re.compile(r"^[A-Za-z0-9_-]{43}$")


class Unreachable(FederationError):
    """The descriptor could not be fetched (network, timeout, HTTP status, redirect, size)."""


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    max_bytes: int = MAX_SIZE
    skew: timedelta = envelope.DEFAULT_SKEW

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        timeout = float(settings["federation.descriptor_timeout_seconds"])
        return cls(
            connect_timeout=timeout,
            read_timeout=timeout,
            skew=timedelta(seconds=settings["federation.clock_skew_seconds"]),
        )


class DescriptorFetcher:
    """GETs ``<node id>/.well-known/coopnode`` and verifies it against trusted fingerprints."""

    def __init__(self, client: httpx.Client, policy: FetchPolicy | None = None) -> None:
        self.client = client
        self.policy = policy or FetchPolicy()

    def fetch(self, node_id: str, fingerprints: Iterable[str], now: datetime) -> VerifiedDescriptor:
        """The verified descriptor; :class:`Unreachable` or a :class:`Rejection` otherwise."""
        if parse_node_id(node_id) != node_id:
            raise Malformed(f"{node_id!r} is not a node id in canonical form")
        token = self._download(node_id + WELL_KNOWN_PATH)
        return verify_descriptor(token, node_id, fingerprints, now, skew=self.policy.skew)

    def _download(self, url: str) -> bytes:
        timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        try:
            with self.client.stream(
                "GET", url, headers={"Accept": JOSE}, timeout=timeout, follow_redirects=False
            ) as response:
                if response.is_redirect:
                    raise Unreachable(f"{url} redirects; node descriptors are never redirected")
                if response.status_code != 200:
                    raise Unreachable(f"{url} answered HTTP {response.status_code}")
                return self._limited(response)
        except httpx.TimeoutException as exc:
            raise Unreachable(f"{url} timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"{url} could not be fetched ({type(exc).__name__})") from None

    def _limited(self, response: httpx.Response) -> bytes:
        """The body, read in chunks and abandoned as soon as it exceeds the size limit."""
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Unreachable(f"the descriptor is larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise Unreachable(f"the descriptor is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def fetcher_for(node: Node) -> DescriptorFetcher:
    """The node's fetcher (a test's, or one built once with its own client)."""
    fetcher = node.extras.get(FETCHER_EXTRA)
    if not isinstance(fetcher, DescriptorFetcher):
        client = httpx.Client(trust_env=False, follow_redirects=False)
        fetcher = DescriptorFetcher(client, FetchPolicy.from_settings(node.settings))
        node.extras[FETCHER_EXTRA] = fetcher
    return fetcher


def descriptor_claims(verified: VerifiedDescriptor) -> dict[str, Any]:
    """What :func:`node.federation.peers.add_peer` reads from a verified descriptor."""
    described = verified.descriptor
    return {
        "iss": described.node_id,
        "name": described.name,
        "country": described.country,
        "currency": described.currency,
        "inbox": described.inbox,
        "keys": described.keys.to_jwks(),
    }


# -- the admin's actions -------------------------------------------------------------------------


def _peer_view(peer: Peer) -> dict[str, Any]:
    return {
        "id": peer.id,
        "node_id": peer.node_id,
        "name": peer.name,
        "country": peer.country,
        "currency": peer.currency,
        "state": peer.state,
        "fingerprint": peer.fingerprint,
        "inbox": peer.inbox_url,
        "updated_at": peer.updated_at,
    }


def peers_overview(session: Session) -> list[dict[str, Any]]:
    """Every peer with its queue (the outbox's summary): what ``coopnode peers`` shows.

    The peers are the summary's own: on PostgreSQL each statement sees what is committed when
    it starts, so a second query for them could see a peer the summary did not (one just
    introduced) or miss one it saw."""
    overview = []
    for queue in outbox.queue_summary(session):
        peer = session.get(Peer, queue["peer_id"])
        if peer is None:  # never deleted; kept for safety rather than a KeyError
            continue
        overview.append(
            {
                **_peer_view(peer),
                "queue_depth": queue["queued"] + queue["in_flight"] + queue["dead"],
                "dead": queue["dead"],
                "oldest_undelivered": queue["oldest_undelivered"],
                "last_error": queue["last_error"],
            }
        )
    return overview


def _fingerprint(value: str, field: str = "fingerprint") -> str:
    if not isinstance(value, str) or not _KID.match(value):
        raise ValidationProblem.single(field, N_("A fingerprint is 43 base64url characters."))
    return value


def _remote_node_id(url: str, own: str) -> str:
    try:
        node_id = parse_node_id(url)
    except Malformed as exc:
        raise ValidationProblem.single("url", exc.detail) from None
    if node_id == own:
        raise ValidationProblem.single("url", N_("That is this node's own id."))
    return node_id


def _audit(session: Session, peer: Peer, action: str, actor: str, request_id: str | None) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"federation.peer.{action}",
        entity="federation_peers",
        entity_id=peer.id,
        changes={"node_id": peer.node_id, "state": peer.state, "fingerprint": peer.fingerprint},
        request_id=request_id,
    )


def request_peering(
    node: Node, url: str, fingerprint: str, *, actor: str, request_id: str | None = None
) -> dict[str, Any]:
    """Fetch and verify the other node's descriptor, record it pending, queue a peering request.

    The fetch happens before any transaction is opened (no database lock across HTTP).
    """
    signer = node_signer(node)
    node_id = _remote_node_id(url, signer.node_id)
    _fingerprint(fingerprint)
    try:
        verified = fetcher_for(node).fetch(node_id, [fingerprint], utcnow())
    except Unreachable as exc:
        raise ValidationProblem.single("url", str(exc), "unreachable") from None
    except Rejection as exc:
        field = "fingerprint" if exc.code.value == "fingerprint_mismatch" else "url"
        raise ValidationProblem.single(field, exc.detail, exc.code.value) from None
    own_kid = signer.current_key().kid  # the key store may read the database: not inside ours
    with node.db.transaction() as session:
        known = session.scalars(select(Peer).where(Peer.node_id == node_id)).one_or_none()
        if known is not None and known.state not in (PeerState.PENDING, PeerState.REVOKED):
            raise Conflict(N_("This node is already a peer (see its state)."))
        peer = add_peer(session, descriptor_claims(verified), fingerprint)
        body = {
            "name": node.settings["node.name"][:200],
            "country": node.settings["node.country"],
            "fingerprint": own_kid,
            "peer_fingerprint": fingerprint,
        }
        outbox.enqueue(session, peer, PEERING_REQUEST, body)
        _audit(session, peer, "add", actor, request_id)
        return _peer_view(peer)


def peer_id_of(session: Session, node_id: str) -> int:
    """The row id of the peer named ``node_id`` (404 when there is none)."""
    found = session.scalar(select(Peer.id).where(Peer.node_id == node_id))
    if found is None:
        raise NotFound(PEER_MISSING)
    return found


def _latest_request(session: Session, peer: Peer) -> InboxRecord | None:
    return session.scalars(
        select(InboxRecord)
        .where(InboxRecord.iss == peer.node_id, InboxRecord.type == PEERING_REQUEST)
        .order_by(InboxRecord.id.desc())
        .limit(1)
    ).one_or_none()


def approve(
    node: Node,
    peer_id: int,
    fingerprint: str | None,
    *,
    actor: str,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Make a pending peer that asked to peer active and queue ``peering-accept/1`` to it.

    With ``fingerprint`` (the one the other co-op gave out of band) it must be the one the
    request was signed with.
    """
    if fingerprint is not None:
        _fingerprint(fingerprint)
    own_kid = node_signer(node).current_key().kid
    with node.db.transaction() as session:
        peer = locked(session, Peer, peer_id, PEER_MISSING)
        if peer.state != PeerState.PENDING:
            raise Conflict(N_("Only a pending peer can be approved."))
        if fingerprint is not None and fingerprint != peer.fingerprint:
            raise ValidationProblem.single(
                "fingerprint",
                N_("This is not the fingerprint the peer signed with."),
                "fingerprint_mismatch",
            )
        request = _latest_request(session, peer)
        if request is None:
            raise Conflict(
                N_("This node has not asked to peer (or its request was forgotten); ask again.")
            )
        set_state(session, peer, PeerState.ACTIVE)
        body = {
            "request": request.jti,
            "fingerprint": own_kid,
            "peer_fingerprint": peer.fingerprint,
        }
        outbox.enqueue(session, peer, PEERING_ACCEPT, body)
        _audit(session, peer, "approve", actor, request_id)
        return _peer_view(peer)


# action: (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], PeerState]] = {
    "suspend": (frozenset({PeerState.ACTIVE.value}), PeerState.SUSPENDED),
    "reactivate": (frozenset({PeerState.SUSPENDED.value}), PeerState.ACTIVE),
    "revoke": (
        frozenset({PeerState.PENDING.value, PeerState.ACTIVE.value, PeerState.SUSPENDED.value}),
        PeerState.REVOKED,
    ),
}


def change_state(
    session: Session, peer_id: int, action: str, *, actor: str, request_id: str | None = None
) -> dict[str, Any]:
    """Suspend, reactivate or revoke a peer (409 from a state the action does not apply to)."""
    starts, target = TRANSITIONS[action]
    peer = locked(session, Peer, peer_id, PEER_MISSING)
    if peer.state not in starts:
        raise Conflict(N_("This peer's state does not allow that."))
    set_state(session, peer, target)
    _audit(session, peer, action, actor, request_id)
    if target is PeerState.REVOKED:
        _discard_queue(session, peer, actor=actor, request_id=request_id)
    return _peer_view(peer)


def _discard_queue(session: Session, peer: Peer, *, actor: str, request_id: str | None) -> int:
    """Give up on what was still to be sent to a revoked peer, so that a later re-peering does
    not deliver stale messages. The rows stay (state ``discarded``) for the record.

    A message a worker is sending at this moment may still arrive; the worker then records it
    ``delivered``, which is what happened.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.peer_id == peer.id, OutboxMessage.state.in_(outbox.UNDELIVERED))
        .values(state=MessageState.DISCARDED.value, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    discarded = int(getattr(result, "rowcount", 0) or 0)
    if discarded:
        audit.record(
            session,
            actor=actor,
            action="federation.outbox.discard_revoked",
            entity="federation_peers",
            entity_id=peer.id,
            changes={"discarded": [0, discarded]},
            request_id=request_id,
        )
    return discarded


# -- the handlers ---------------------------------------------------------------------------------


def _sender(session: Session, message: Envelope) -> Peer | None:
    return session.scalars(select(Peer).where(Peer.node_id == message.iss)).one_or_none()


def handle_peering_request(session: Session, message: Envelope) -> None:
    """A node asks to peer: record it pending (its admin's fingerprint is checked at approval).

    Repeated requests from a pending or active peer change nothing; the inbox has already
    refused suspended and revoked senders.
    """
    if message.body["fingerprint"] != message.kid:
        raise BusinessRefusal("fingerprint_mismatch", "the request is not signed by its key")
    peer = _sender(session, message)
    introduced = session.info.get(INTRODUCED)
    if not isinstance(introduced, VerifiedDescriptor) or introduced.descriptor.node_id != (
        message.iss
    ):
        introduced = None
    if peer is not None and peer.state not in (PeerState.PENDING, PeerState.ACTIVE):
        raise BusinessRefusal("peering_refused", f"this node has {peer.state} the sender")
    if peer is not None and (peer.state == PeerState.ACTIVE or introduced is None):
        return
    if introduced is None:
        raise BusinessRefusal("unknown_peer", "the sender's descriptor was not fetched")
    if peer is not None:
        _refresh_pending(session, peer, introduced, message)
        return
    peer = add_peer(session, descriptor_claims(introduced), message.kid)
    _audit(session, peer, "requested", f"peer:{message.iss}"[:100], None)


def _refresh_pending(
    session: Session, peer: Peer, introduced: VerifiedDescriptor, message: Envelope
) -> None:
    """A pending peer asked again with a key we did not hold (it rotated): store the keys of the
    descriptor just fetched (signed by that key). The fingerprint shown for approval becomes the
    new key, unless this node's admin pinned one when adding the peer: that one stays, and must
    still be listed."""
    pinned = _asked_by_us(session, peer)
    try:
        add_peer(
            session, descriptor_claims(introduced), peer.fingerprint if pinned else message.kid
        )
    except FingerprintMismatch:
        raise BusinessRefusal(
            "fingerprint_mismatch", "the descriptor no longer lists the pinned key"
        ) from None
    _audit(session, peer, "keys_refreshed", f"peer:{message.iss}"[:100], None)


def _asked_by_us(session: Session, peer: Peer) -> bool:
    query = select(OutboxMessage.id).where(
        OutboxMessage.peer_id == peer.id, OutboxMessage.type == PEERING_REQUEST
    )
    return session.scalars(query.limit(1)).first() is not None


def handle_peering_accept(session: Session, message: Envelope) -> None:
    """The peer accepted: activate it if we asked it and it signed with the pinned key."""
    peer = _sender(session, message)
    if peer is None:
        raise BusinessRefusal("unknown_peer", "no such peer")
    if peer.state == PeerState.ACTIVE:
        return
    if peer.state != PeerState.PENDING:
        raise BusinessRefusal("not_pending", f"the peer is {peer.state}")
    if message.kid != peer.fingerprint:
        raise BusinessRefusal("fingerprint_mismatch", "not signed by the pinned key")
    asked = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.peer_id == peer.id,
            OutboxMessage.type == PEERING_REQUEST,
            OutboxMessage.jti == message.body["request"],
        )
    )
    if asked is None:
        raise BusinessRefusal("not_requested", "this node did not send that peering request")
    set_state(session, peer, PeerState.ACTIVE)
    _audit(session, peer, "accepted", f"peer:{message.iss}"[:100], None)
