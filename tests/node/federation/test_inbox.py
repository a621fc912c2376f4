"""The inbox over HTTP: every protocol rejection changes nothing but the rejection log; valid
messages are applied once and answered with a signed receipt."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from federation import envelope
from federation.keys import KeySet, SigningKey, b64url_encode
from node.db.types import utcnow
from node.federation.models import PeerState
from node.runtime import Node
from tests.node.federation.fed_helpers import (
    RECEIVER,
    SENDER,
    FakeNode,
    add_peer,
    counts,
    fake_node,
)

INBOX = "/federation/v1/inbox"
JOSE = {"Content-Type": "application/jose"}


def _b64json(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def claims(sender: FakeNode, **changes: Any) -> dict[str, Any]:
    now = envelope.to_numeric(utcnow())
    base = {
        "iss": sender.node_id,
        "aud": RECEIVER,
        "iat": now,
        "exp": now + 300,
        "jti": envelope.new_message_id(),
        "type": "ping/1",
        "conversation": "c1",
        "seq": 0,
        "body": {"nonce": "n1"},
    }
    return {**base, **changes}


def hand_signed(sender: FakeNode, **changes: Any) -> str:
    """Signed without the sender-side checks (types and bodies a real sender would refuse)."""
    return envelope.sign_compact(claims(sender, **changes), sender.key, envelope.MESSAGE_TYP)


def with_header(token: str, header: dict[str, Any], signature: bytes = b"x" * 64) -> str:
    _, payload, _ = token.split(".")
    head = _b64json(header)
    return f"{head}.{payload}.{b64url_encode(signature)}"


def hs256_with_public_key(sender: FakeNode) -> str:
    token = sender.sign()
    _, payload, _ = token.split(".")
    head = _b64json({"alg": "HS256", "kid": sender.key.kid, "typ": envelope.MESSAGE_TYP})
    secret = sender.keys().keys[0].x.encode()
    mac = hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{b64url_encode(mac)}"


def tampered(sender: FakeNode) -> str:
    head, _, signature = sender.sign().split(".")
    return f"{head}.{_b64json(claims(sender, body={'nonce': 'other'}))}.{signature}"


def other_key_with_senders_kid(sender: FakeNode) -> str:
    forged = FakeNode(sender.node_id, SigningKey.generate()).sign()
    head = {"alg": "EdDSA", "kid": sender.key.kid, "typ": envelope.MESSAGE_TYP}
    _, payload, signature = forged.split(".")
    return f"{_b64json(head)}.{payload}.{signature}"


def alg(name: str) -> Callable[[FakeNode], str]:
    return lambda s: with_header(
        s.sign(), {"alg": name, "kid": s.key.kid, "typ": envelope.MESSAGE_TYP}
    )


BAD: dict[str, tuple[Callable[[FakeNode], str], int, str]] = {
    "tampered body": (tampered, 401, "bad_signature"),
    "other key, sender's kid": (other_key_with_senders_kid, 401, "bad_signature"),
    "other key's own kid": (
        lambda s: FakeNode(s.node_id, SigningKey.generate()).sign(),
        401,
        "unknown_key",
    ),
    "alg none": (alg("none"), 401, "unsupported_algorithm"),
    "HS256 with the public key": (hs256_with_public_key, 401, "unsupported_algorithm"),
    "RS256": (alg("RS256"), 401, "unsupported_algorithm"),
    "wrong audience": (lambda s: s.sign(aud="https://elsewhere.example"), 401, "wrong_audience"),
    "expired": (lambda s: s.sign(now=utcnow() - timedelta(hours=1)), 401, "expired"),
    "iat beyond skew": (
        lambda s: s.sign(now=utcnow() + timedelta(minutes=5)),
        401,
        "not_yet_valid",
    ),
    "schema-invalid body": (
        lambda s: hand_signed(s, body={"nonce": "not a nonce!"}),
        400,
        "invalid_body",
    ),
    "unknown version": (lambda s: hand_signed(s, type="ping/2"), 400, "unsupported_type"),
    "type without handler": (
        lambda s: hand_signed(s, type="receipt/1", body={"message": "m1"}),  # never handled
        400,
        "unsupported_type",
    ),
    "oversized envelope": (
        lambda s: hand_signed(s, body={"nonce": "a" * 300_000}),
        413,
        "too_large",
    ),
    "malformed JWS": (lambda s: "not.a-jws", 400, "malformed"),
    "JSON payload not an object": (
        lambda s: with_header(s.sign(), {"alg": "EdDSA"}).replace(s.sign().split(".")[1], "WzFd"),
        400,
        "malformed",
    ),
    "unknown peer": (lambda s: fake_node("https://stranger.example").sign(), 403, "unknown_peer"),
}


@pytest.fixture
def sender(node: Node, receiver: FakeNode) -> FakeNode:
    me = fake_node(SENDER)
    add_peer(node.db, me)
    return me


def post(client: TestClient, token: str) -> Any:
    return client.post(INBOX, content=token, headers=JOSE)


def assert_refused(client: TestClient, node: Node, token: str, status: int, code: str) -> None:
    before = counts(node.db)
    response = post(client, token)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["type"].endswith("/" + code)
    after = counts(node.db)
    assert after == {**before, "federation_rejections": before["federation_rejections"] + 1}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_envelope_changes_nothing_but_the_rejection_log(
    client: TestClient, node: Node, sender: FakeNode, case: str
) -> None:
    build, status, code = BAD[case]
    assert_refused(client, node, build(sender), status, code)


@pytest.mark.parametrize("state", [PeerState.SUSPENDED, PeerState.REVOKED, PeerState.PENDING])
def test_an_inactive_peer_is_refused(
    client: TestClient, node: Node, receiver: FakeNode, state: PeerState
) -> None:
    peer = fake_node(SENDER)
    add_peer(node.db, peer, state=state)
    assert_refused(client, node, peer.sign(), 403, "inactive_peer")


def test_a_revoked_key_is_refused(client: TestClient, node: Node, receiver: FakeNode) -> None:
    peer = fake_node(SENDER)
    add_peer(node.db, peer, keys=peer.keys().revoke(peer.key.kid, utcnow()))
    assert_refused(client, node, peer.sign(), 401, "revoked_key")


def test_a_ping_is_accepted_with_a_signed_receipt(
    client: TestClient, node: Node, sender: FakeNode, receiver: FakeNode
) -> None:
    token = sender.sign(jti="5f0c3bb8-4d0b-4a4b-8c2a-1d5c8f1f0a01", conversation="conv", seq=3)
    response = post(client, token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/jose"
    receipt = envelope.verify(response.text, lambda iss: receiver.keys(), SENDER, utcnow())
    assert (receipt.iss, receipt.type) == (RECEIVER, "receipt/1")
    assert (receipt.conversation, receipt.seq) == ("conv", 3)
    assert receipt.body == {
        "message": "5f0c3bb8-4d0b-4a4b-8c2a-1d5c8f1f0a01",
        "message_type": "ping/1",
        "outcome": "accepted",
    }
    assert counts(node.db)["federation_inbox"] == 1


def test_a_replay_with_the_same_body_gets_the_same_receipt(
    client: TestClient, node: Node, sender: FakeNode
) -> None:
    jti = envelope.new_message_id()
    first = post(client, sender.sign(jti=jti))
    again = post(client, sender.sign(jti=jti, now=utcnow() + timedelta(seconds=1)))
    assert first.status_code == again.status_code == 200
    assert again.text == first.text
    assert counts(node.db)["federation_inbox"] == 1


def test_a_replay_with_another_body_is_a_conflict(
    client: TestClient, node: Node, sender: FakeNode
) -> None:
    jti = envelope.new_message_id()
    assert post(client, sender.sign(jti=jti)).status_code == 200
    assert_refused(client, node, sender.sign(jti=jti, body={"nonce": "n2"}), 409, "conflict")
    log = client.app.state.node.db  # type: ignore[attr-defined]
    assert counts(log)["federation_inbox"] == 1


def test_a_batch_answers_each_envelope_in_order(
    client: TestClient, node: Node, sender: FakeNode
) -> None:
    good = sender.sign()
    response = client.post(INBOX, json=[good, "garbage", sender.sign(aud="https://x.example")])
    assert response.status_code == 200
    items = response.json()
    assert [item["status"] for item in items] == [200, 400, 401]
    assert "receipt" in items[0]
    assert [items[1]["problem"]["code"], items[2]["problem"]["code"]] == [
        "malformed",
        "wrong_audience",
    ]
    assert counts(node.db)["federation_inbox"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (json.dumps(["x"] * 51), 413, "too_large"),
        ("[not json", 400, "malformed"),
        ("[]", 400, "malformed"),
        ('{"token": "x"}', 400, "malformed"),
    ],
)
def test_a_bad_batch_changes_nothing(
    client: TestClient, node: Node, sender: FakeNode, body: str, status: int, code: str
) -> None:
    before = counts(node.db)
    response = client.post(INBOX, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert counts(node.db) == before


def test_an_oversized_batch_is_refused_before_parsing(
    client: TestClient, node: Node, sender: FakeNode
) -> None:
    body = json.dumps(["a" * 300_000] * 50)
    response = client.post(INBOX, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413  # the node's own body limit may answer first
    assert response.headers["content-type"].startswith("application/problem+json")
    assert counts(node.db)["federation_inbox"] == 0


def test_rejections_are_listed_for_staff(
    client: TestClient, node: Node, sender: FakeNode, login_as: Any
) -> None:
    post(client, sender.sign(aud="https://elsewhere.example"))
    listed = client.get("/api/v1/federation/rejections", headers=login_as("staff"))
    assert listed.status_code == 200
    assert listed.json()[0]["code"] == "wrong_audience"
    assert listed.json()[0]["claimed_iss"] == SENDER


def test_the_sender_key_set_is_checked_per_message(
    client: TestClient, node: Node, receiver: FakeNode
) -> None:
    peer = fake_node(SENDER)
    rotated = FakeNode(SENDER, SigningKey.generate())
    add_peer(node.db, peer, keys=KeySet.of([*peer.keys(), *rotated.keys()]))
    assert post(client, peer.sign()).status_code == 200
    assert post(client, rotated.sign()).status_code == 200


def test_problem_titles_follow_accept_language(
    client: TestClient, node: Node, sender: FakeNode
) -> None:
    answer = client.post(
        INBOX,
        content=sender.sign(aud="https://elsewhere.example"),
        headers={**JOSE, "Accept-Language": "fr"},
    )
    assert answer.status_code == 401
    assert answer.json()["title"] == "Message de fédération non authentifié"
    assert answer.json()["code"] == "wrong_audience"  # codes are never translated
