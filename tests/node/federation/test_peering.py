"""Peering: fetching descriptors, the inbox's exception for peering requests, approval and states.

The other node is a :class:`FakeNode` whose descriptor an :class:`httpx.MockTransport` serves;
the node under test is the ``receiver`` fixture (``RECEIVER``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from federation import envelope
from federation.descriptor import DESCRIPTOR_TYP, NodeDescriptor, sign_descriptor
from federation.errors import FingerprintMismatch, Malformed
from federation.keys import KeySet, SigningKey
from federation.schemas import default_catalogue
from node.audit.models import AuditEntry
from node.db.types import utcnow
from node.errors import Conflict, ValidationProblem
from node.federation import peering
from node.federation.api import node_inbox
from node.federation.delivery import DeliveryWorker
from node.federation.inbox import Inbox
from node.federation.introductions import FixedWindow, Introductions, introductions_for
from node.federation.models import InboxRecord, MessageState, OutboxMessage, Peer, PeerState
from node.federation.peering import (
    FETCHER_EXTRA,
    PEERING_ACCEPT,
    PEERING_REQUEST,
    DescriptorFetcher,
    FetchPolicy,
    Unreachable,
)
from node.runtime import Node
from tests.node.federation.fed_helpers import (
    LONG_AGO,
    RECEIVER,
    FakeNode,
    add_peer,
    counts,
    fake_node,
    fast_policy,
)

OTHER = "https://other.example"
INBOX = "/federation/v1/inbox"
JOSE = {"Content-Type": "application/jose"}


def descriptor_token(
    other: FakeNode, *, signing: SigningKey | None = None, keys: KeySet | None = None
) -> str:
    described = NodeDescriptor(
        node_id=other.node_id,
        name="Other co-op",
        country="FR",
        currency="EUR",
        inbox=other.node_id + INBOX,
        messages=default_catalogue().advertised(),
        keys=keys or other.keys(),
    )
    return sign_descriptor(described, signing or other.key, utcnow())


@dataclass
class Served:
    """A mock network: what each URL answers, and the requests seen."""

    answers: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def serve(self, other: FakeNode, token: str | None = None) -> None:
        body = token or descriptor_token(other)
        self.answers[other.node_id + peering.WELL_KNOWN_PATH] = lambda _: httpx.Response(
            200, content=body.encode(), headers={"content-type": "application/jose"}
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url))
        answer = self.answers.get(str(request.url))
        return answer(request) if answer else httpx.Response(404)

    def fetcher(self, **policy: Any) -> DescriptorFetcher:
        client = httpx.Client(transport=httpx.MockTransport(self.handler))
        return DescriptorFetcher(client, FetchPolicy(**policy))


@pytest.fixture
def other() -> FakeNode:
    return fake_node(OTHER)


@pytest.fixture
def network() -> Served:
    return Served()


@pytest.fixture
def wired(node: Node, receiver: FakeNode, network: Served) -> Iterator[Node]:
    """The node under test, fetching descriptors from the mock network."""
    node.extras[FETCHER_EXTRA] = network.fetcher()
    yield node


def fetch(network: Served, node_id: str = OTHER, kid: str | None = None, **policy: Any) -> Any:
    kids = [kid] if kid else []
    return network.fetcher(**policy).fetch(node_id, kids, utcnow())


# -- fetching ------------------------------------------------------------------------------------


def test_a_descriptor_signed_by_the_pinned_key_is_verified(
    network: Served, other: FakeNode
) -> None:
    network.serve(other)
    verified = fetch(network, kid=other.key.kid)
    assert verified.descriptor.node_id == OTHER
    assert verified.kid == other.key.kid
    assert network.seen == [OTHER + "/.well-known/coopnode"]


@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ReadTimeout])
def test_a_timeout_is_unreachable(network: Served, other: FakeNode, error: type) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise error("too slow", request=request)

    network.answers[OTHER + peering.WELL_KNOWN_PATH] = slow
    with pytest.raises(Unreachable, match="timed out"):
        fetch(network, kid=other.key.kid)


def test_the_timeouts_come_from_the_policy(network: Served, other: FakeNode) -> None:
    timeouts: list[dict[str, float | None]] = []

    def record(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(404)

    network.answers[OTHER + peering.WELL_KNOWN_PATH] = record
    with pytest.raises(Unreachable, match="HTTP 404"):
        fetch(network, kid=other.key.kid, connect_timeout=1.5, read_timeout=2.5)
    assert timeouts[0]["connect"] == 1.5 and timeouts[0]["read"] == 2.5


@pytest.mark.parametrize("declared", [True, False])
def test_an_oversized_descriptor_is_abandoned(
    network: Served, other: FakeNode, declared: bool
) -> None:
    chunks_read: list[int] = []

    def chunks() -> Iterator[bytes]:
        for number in range(100):
            chunks_read.append(number)
            yield b"a" * 1024

    def big(_: httpx.Request) -> httpx.Response:
        if declared:
            return httpx.Response(200, content=b"a" * 100_000)
        return httpx.Response(200, content=chunks())  # streamed: no content-length

    network.answers[OTHER + peering.WELL_KNOWN_PATH] = big
    with pytest.raises(Unreachable, match="larger than"):
        fetch(network, kid=other.key.kid, max_bytes=10_000)
    if not declared:
        assert len(chunks_read) < 20  # stopped reading soon after the limit


def test_a_redirect_is_not_followed(network: Served, other: FakeNode) -> None:
    network.serve(fake_node("https://elsewhere.example"))
    network.answers[OTHER + peering.WELL_KNOWN_PATH] = lambda _: httpx.Response(
        302, headers={"location": "https://elsewhere.example/.well-known/coopnode"}
    )
    with pytest.raises(Unreachable, match="redirects"):
        fetch(network, kid=other.key.kid)
    assert network.seen == [OTHER + "/.well-known/coopnode"]


def test_a_fingerprint_not_in_the_descriptor_is_refused(network: Served, other: FakeNode) -> None:
    network.serve(other)
    with pytest.raises(FingerprintMismatch):
        fetch(network, kid=SigningKey.generate().kid)


def test_a_descriptor_listing_the_pinned_key_but_signed_by_another_is_refused(
    network: Served, other: FakeNode
) -> None:
    impostor = SigningKey.generate()
    keys = KeySet.of([other.key.public(LONG_AGO), impostor.public(LONG_AGO)])
    network.serve(other, descriptor_token(other, signing=impostor, keys=keys))
    with pytest.raises(FingerprintMismatch):
        fetch(network, kid=other.key.kid)


def test_a_descriptor_with_its_inbox_on_another_origin_is_refused(
    network: Served, other: FakeNode
) -> None:
    now = envelope.to_numeric(utcnow())
    claims = {
        "iss": OTHER,
        "iat": now,
        "exp": now + 3600,
        "name": "Other co-op",
        "country": "FR",
        "currency": "EUR",
        "inbox": "https://thief.example/federation/v1/inbox",
        "messages": {"ping": [1]},
        "keys": other.keys().to_jwks(),
    }
    network.serve(other, envelope.sign_compact(claims, other.key, DESCRIPTOR_TYP))
    with pytest.raises(Malformed, match="origin"):
        fetch(network, kid=other.key.kid)


@pytest.mark.parametrize(
    "node_id", ["https://other.example/path", "https://OTHER.example", "ftp://other.example"]
)
def test_only_canonical_node_ids_are_fetched(network: Served, node_id: str) -> None:
    with pytest.raises(Malformed):
        fetch(network, node_id=node_id, kid=SigningKey.generate().kid)
    assert network.seen == []


# -- the admin adds a node -----------------------------------------------------------------------


def test_adding_a_node_records_it_pending_and_queues_a_peering_request(
    wired: Node, network: Served, other: FakeNode, receiver: FakeNode
) -> None:
    network.serve(other)
    view = peering.request_peering(wired, OTHER + "/", other.key.kid, actor="admin:1")
    assert (view["node_id"], view["state"], view["fingerprint"]) == (
        OTHER,
        "pending",
        other.key.kid,
    )
    with wired.db.reading() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.type == PEERING_REQUEST and message.state == MessageState.QUEUED
        assert message.body["fingerprint"] == receiver.key.kid
        assert message.body["peer_fingerprint"] == other.key.kid
        assert session.scalars(select(AuditEntry.action)).all() == ["federation.peer.add"]


@pytest.mark.parametrize(
    ("url", "fingerprint", "field"),
    [
        ("not a url", "k" * 43, "url"),
        (RECEIVER, "k" * 43, "url"),  # itself
        (OTHER, "short", "fingerprint"),
        (OTHER, "k" * 43, "fingerprint"),  # not the key that signs its descriptor
        ("https://silent.example", "k" * 43, "url"),  # 404
    ],
)
def test_bad_input_to_add_changes_nothing(
    wired: Node, network: Served, other: FakeNode, url: str, fingerprint: str, field: str
) -> None:
    network.serve(other)
    before = counts(wired.db)
    with pytest.raises(ValidationProblem) as raised:
        peering.request_peering(wired, url, fingerprint, actor="admin:1")
    assert raised.value.errors[0].field == field
    assert counts(wired.db) == before


def test_an_active_peer_cannot_be_added_again(
    wired: Node, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    add_peer(wired.db, other)
    before = counts(wired.db)
    with pytest.raises(Conflict):
        peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")
    assert counts(wired.db) == before


def test_the_delivery_worker_sends_only_peering_requests_to_a_pending_peer(
    wired: Node, receiver: FakeNode, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")
    with wired.db.transaction() as session:
        peer = session.scalars(select(Peer)).one()
        from node.federation import outbox

        outbox.enqueue(session, peer, "ping/1", {"nonce": "n1"})
    worker = DeliveryWorker(wired.db, receiver.signer, fast_policy(), httpx.Client())
    claimed = worker.claim()
    assert [m.type for batch in claimed for m in batch.messages] == [PEERING_REQUEST]


# -- the inbox's exception -----------------------------------------------------------------------


def request_from(sender: FakeNode, *, key: SigningKey | None = None, **body: Any) -> str:
    signing = key or sender.key
    content = {
        "name": "Other co-op",
        "country": "FR",
        "fingerprint": signing.kid,
        "peer_fingerprint": "r" * 43,
        **body,
    }
    return envelope.sign(
        signing,
        iss=sender.node_id,
        aud=RECEIVER,
        type=PEERING_REQUEST,
        body=content,
        now=utcnow(),
    )


def post(client: TestClient, token: str) -> Any:
    return client.post(INBOX, content=token, headers=JOSE)


def receipt_outcome(response: Any) -> str:
    assert response.status_code == 200, response.text
    claims = envelope.open_compact(response.text, envelope.MESSAGE_TYP).claims
    return str(claims["body"]["outcome"])


def test_a_peering_request_from_an_unknown_node_creates_a_pending_peer_and_nothing_else(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    before = counts(wired.db)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    after = counts(wired.db)
    assert after == {
        **before,
        "federation_peers": before["federation_peers"] + 1,
        "federation_inbox": before["federation_inbox"] + 1,
    }
    with wired.db.reading() as session:
        peer = session.scalars(select(Peer)).one()
        assert (peer.node_id, peer.state, peer.fingerprint) == (OTHER, "pending", other.key.kid)
        assert peer.inbox_url == OTHER + INBOX
        record = session.scalars(select(InboxRecord)).one()
        assert record.type == PEERING_REQUEST


def test_a_repeated_request_from_a_pending_peer_is_idempotent(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    fetches = len(network.seen)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    assert len(network.seen) == fetches  # known now: verified with its stored keys
    with wired.db.reading() as session:
        assert [p.state for p in session.scalars(select(Peer))] == ["pending"]


@pytest.mark.parametrize(
    ("state", "status", "outcome"),
    [
        (PeerState.ACTIVE, 200, "accepted"),
        (PeerState.REVOKED, 403, "inactive_peer"),
        (PeerState.SUSPENDED, 403, "inactive_peer"),
    ],
)
def test_a_peering_request_from_a_known_peer(
    wired: Node,
    client: TestClient,
    other: FakeNode,
    state: PeerState,
    status: int,
    outcome: str,
) -> None:
    add_peer(wired.db, other, state=state)
    before = counts(wired.db)
    response = post(client, request_from(other))
    assert response.status_code == status, response.text
    if status == 200:
        assert receipt_outcome(response) == outcome
    else:
        assert response.json()["code"] == outcome
        assert counts(wired.db) == {
            **before,
            "federation_rejections": before["federation_rejections"] + 1,
        }
    with wired.db.reading() as session:
        assert session.scalars(select(Peer.state)).one() == state


@pytest.mark.parametrize(
    ("serve", "status", "code"),
    [
        ("unreachable", 403, "unknown_peer"),
        ("other key signs the descriptor", 401, "fingerprint_mismatch"),
    ],
)
def test_a_peering_request_whose_sender_cannot_be_checked_changes_nothing(
    wired: Node,
    client: TestClient,
    network: Served,
    other: FakeNode,
    serve: str,
    status: int,
    code: str,
) -> None:
    if serve != "unreachable":
        second = SigningKey.generate()
        keys = KeySet.of([other.key.public(LONG_AGO), second.public(LONG_AGO)])
        network.serve(other, descriptor_token(other, signing=second, keys=keys))
    before = counts(wired.db)
    response = post(client, request_from(other))
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert counts(wired.db) == {
        **before,
        "federation_rejections": before["federation_rejections"] + 1,
    }


def test_a_request_not_signed_by_the_key_it_names_is_refused(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    response = post(client, request_from(other, fingerprint="f" * 43))
    assert receipt_outcome(response) == "refused"
    with wired.db.reading() as session:
        assert session.scalars(select(Peer)).all() == []


def test_a_request_addressed_to_another_node_fetches_nothing(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    body = {
        "name": "O",
        "country": "FR",
        "fingerprint": other.key.kid,
        "peer_fingerprint": "r" * 43,
    }
    token = other.sign(aud="https://elsewhere.example", type=PEERING_REQUEST, body=body)
    response = post(client, token)
    assert response.status_code == 403 and response.json()["code"] == "unknown_peer"
    assert network.seen == []


def test_business_messages_from_a_pending_peer_are_refused(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    response = post(client, other.sign())  # a ping
    assert response.status_code == 403
    assert response.json()["code"] == "inactive_peer"


def test_unauthenticated_peering_requests_are_rate_limited_before_any_fetch(
    wired: Node, client: TestClient, network: Served
) -> None:
    introductions_for(wired).limit = FixedWindow(per_remote=2, overall=10, seconds=60)
    strangers = [fake_node(f"https://n{number}.example") for number in range(3)]
    answers = [post(client, request_from(stranger)) for stranger in strangers]
    assert [a.status_code for a in answers] == [403, 403, 429]  # 403: nothing served them
    problem = answers[2].json()
    assert answers[2].headers["content-type"].startswith("application/problem+json")
    assert (problem["code"], problem["status"]) == ("rate_limited", 429)
    assert len(network.seen) == 2
    assert counts(wired.db)["federation_peers"] == 0


def test_the_fixed_window_limits_per_remote_and_overall_and_then_resets() -> None:
    now = [0.0]
    window = FixedWindow(per_remote=2, overall=3, seconds=10, clock=lambda: now[0])
    assert [window.admit("a") for _ in range(3)] == [True, True, False]
    assert [window.admit("b"), window.admit("c")] == [True, False]  # overall: 3
    now[0] = 10.0
    assert window.admit("a") and window.admit("c")


# -- approval and the accept ---------------------------------------------------------------------


def requested(node: Node, client: TestClient, network: Served, other: FakeNode) -> int:
    network.serve(other)
    assert receipt_outcome(post(client, request_from(other))) == "accepted"
    with node.db.reading() as session:
        return session.scalars(select(Peer.id)).one()


def test_approving_activates_the_peer_and_queues_the_accept(
    wired: Node, client: TestClient, network: Served, other: FakeNode, receiver: FakeNode
) -> None:
    peer_id = requested(wired, client, network, other)
    view = peering.approve(wired, peer_id, other.key.kid, actor="admin:1")
    assert view["state"] == "active"
    with wired.db.reading() as session:
        request = session.scalars(select(InboxRecord)).one()
        message = session.scalars(select(OutboxMessage)).one()
        assert message.type == PEERING_ACCEPT
        assert message.body == {
            "request": request.jti,
            "fingerprint": receiver.key.kid,
            "peer_fingerprint": other.key.kid,
        }
    assert receipt_outcome(post(client, other.sign())) == "accepted"  # business flows now


def test_approving_with_another_fingerprint_changes_nothing(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    peer_id = requested(wired, client, network, other)
    before = counts(wired.db)
    with pytest.raises(ValidationProblem):
        peering.approve(wired, peer_id, SigningKey.generate().kid, actor="admin:1")
    assert counts(wired.db) == before
    with wired.db.reading() as session:
        assert session.scalars(select(Peer.state)).one() == "pending"


def test_a_node_that_never_asked_cannot_be_approved(
    wired: Node, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")  # we asked, not it
    with wired.db.reading() as session:
        peer_id = session.scalars(select(Peer.id)).one()
    with pytest.raises(Conflict):
        peering.approve(wired, peer_id, None, actor="admin:1")


def accept_from(other: FakeNode, request: str, key: SigningKey | None = None) -> str:
    signing = key or other.key
    body = {"request": request, "fingerprint": signing.kid, "peer_fingerprint": "r" * 43}
    return envelope.sign(
        signing, iss=other.node_id, aud=RECEIVER, type=PEERING_ACCEPT, body=body, now=utcnow()
    )


@pytest.fixture
def asked(wired: Node, network: Served, other: FakeNode) -> str:
    """This node asked ``other`` to peer; the request's id."""
    network.serve(other)
    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")
    with wired.db.reading() as session:
        return session.scalars(select(OutboxMessage.jti)).one()


def peer_state(node: Node) -> str:
    with node.db.reading() as session:
        return session.scalars(select(Peer.state)).one()


def test_an_accept_of_our_request_signed_by_the_pinned_key_activates_the_peer(
    wired: Node, client: TestClient, other: FakeNode, asked: str
) -> None:
    assert receipt_outcome(post(client, accept_from(other, asked))) == "accepted"
    assert peer_state(wired) == "active"


def test_an_accept_of_a_request_we_never_sent_is_refused(
    wired: Node, client: TestClient, other: FakeNode, asked: str
) -> None:
    assert receipt_outcome(post(client, accept_from(other, "not-" + asked))) == "refused"
    assert peer_state(wired) == "pending"


def test_an_accept_signed_by_another_key_of_the_peer_is_refused(
    wired: Node, client: TestClient, network: Served, other: FakeNode
) -> None:
    second = SigningKey.generate()
    keys = KeySet.of([other.key.public(LONG_AGO), second.public(LONG_AGO)])
    network.serve(other, descriptor_token(other, keys=keys))
    peering.request_peering(wired, OTHER, other.key.kid, actor="admin:1")
    with wired.db.reading() as session:
        asked = session.scalars(select(OutboxMessage.jti)).one()
    assert receipt_outcome(post(client, accept_from(other, asked, second))) == "refused"
    assert peer_state(wired) == "pending"


def test_an_accept_from_a_stranger_is_refused(
    wired: Node, client: TestClient, network: Served
) -> None:
    stranger = fake_node("https://stranger.example")
    network.serve(stranger)
    response = post(client, accept_from(stranger, "x"))
    assert response.status_code == 403
    assert network.seen == []  # only a request makes the inbox fetch


# -- states --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (PeerState.ACTIVE, "suspend", PeerState.SUSPENDED),
        (PeerState.SUSPENDED, "reactivate", PeerState.ACTIVE),
        (PeerState.PENDING, "revoke", PeerState.REVOKED),
        (PeerState.ACTIVE, "revoke", PeerState.REVOKED),
        (PeerState.PENDING, "suspend", None),
        (PeerState.ACTIVE, "reactivate", None),
        (PeerState.REVOKED, "reactivate", None),
        (PeerState.REVOKED, "revoke", None),
    ],
)
def test_state_changes(
    node: Node, other: FakeNode, start: PeerState, action: str, end: PeerState | None
) -> None:
    peer_id = add_peer(node.db, other, state=start)
    if end is None:
        with pytest.raises(Conflict), node.db.transaction() as session:
            peering.change_state(session, peer_id, action, actor="admin:1")
        assert peer_state(node) == start
        return
    with node.db.transaction() as session:
        peering.change_state(session, peer_id, action, actor="admin:1")
    assert peer_state(node) == end
    with node.db.reading() as session:
        assert session.scalars(select(AuditEntry.action)).all() == [f"federation.peer.{action}"]


# -- the admin API -------------------------------------------------------------------------------


def test_the_api_adds_lists_and_changes_peers(
    wired: Node, client: TestClient, login_as: Any, network: Served, other: FakeNode
) -> None:
    network.serve(other)
    admin = login_as("admin")
    added = client.post(
        "/api/v1/federation/peers",
        json={"url": OTHER, "fingerprint": other.key.kid},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    peer_id = added.json()["id"]
    listed = client.get("/api/v1/federation/peers", headers=login_as("staff"))
    assert listed.status_code == 200
    (row,) = listed.json()
    assert (row["node_id"], row["state"], row["fingerprint"]) == (OTHER, "pending", other.key.kid)
    assert row["queue_depth"] == 1 and row["oldest_undelivered"] is not None
    approve = client.post(f"/api/v1/federation/peers/{peer_id}/approve", json={}, headers=admin)
    assert approve.status_code == 409  # it never asked
    revoked = client.post(f"/api/v1/federation/peers/{peer_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"


@pytest.mark.parametrize(
    "body",
    [{}, {"url": OTHER}, {"url": OTHER, "fingerprint": "short"}, {"url": 1, "fingerprint": "k"}],
)
def test_the_api_refuses_bad_input_and_changes_nothing(
    wired: Node, client: TestClient, login_as: Any, body: dict[str, Any]
) -> None:
    before = counts(wired.db)
    response = client.post("/api/v1/federation/peers", json=body, headers=login_as("admin"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert counts(wired.db) == before


def test_the_node_inbox_makes_the_peering_exception(wired: Node) -> None:
    inbox = node_inbox(wired)
    assert isinstance(inbox, Inbox) and isinstance(inbox.introducer, Introductions)
    assert timedelta(0) < inbox.policy.skew


# -- the CLI's arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["peers"],
        ["peers", "add", OTHER, "--fingerprint=-" + "a" * 42],
        ["peers", "approve", OTHER],
        ["peers", "revoke", OTHER],
    ],
)
def test_the_peers_command_parses(argv: list[str]) -> None:
    from node.cli.main import build_parser, builtin_command, builtin_commands

    assert "peers" in [command.name for command in builtin_commands()]
    args = build_parser([builtin_command("peers")]).parse_args(argv)
    assert args.action == (argv[1] if len(argv) > 1 else None)
    if args.action == "add":
        assert args.fingerprint == "-" + "a" * 42  # a fingerprint may start with "-"
