"""The federation issue's "done when", end to end: two FRESH real nodes (``coopnode serve`` on
127.0.0.1, each its own database and keys), set up only as two co-ops' admins would, then a member
attestation between them, then messages the receiving node must refuse without changing anything.

1. Each admin runs ``coopnode init``, ``migrate``, ``create-admin`` and reads the node's fingerprint
   (``coopnode keys fingerprint``); the fingerprints are exchanged "out of band" (by this test).
2. A's admin: ``coopnode peers add B --fingerprint=<B's>``. B's admin sees A pending in
   ``GET /api/v1/federation/peers``, checks the fingerprint shown against the one A's admin gave,
   and approves it through the API; A becomes B's active peer when B's accept arrives.
3. A's admin creates a member with a login; the member consents (``POST
   /api/v1/federation/consents``) to B learning two fields; B's staff present the token (``POST
   /api/v1/federation/attestations``) and read the answer: yes, with those two fields only.
4. Against B's real inbox, as an attacker or a faulty A would: a tampered body, a replay of A's
   answer (same body: the stored receipt, no second effect; another body: a conflict the admin
   sees), and a message from A once B's admin has suspended it. B's state, read through its API
   before and after each, does not change (only its rejection log grows).

Node A runs on SQLite; node B on the test's engine (its own database on PostgreSQL).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from federation import envelope
from federation.keys import SigningKey, b64url_decode, b64url_encode
from node.db.types import utcnow
from node.federation import attestations, keystore
from node.federation.models import OutboxMessage
from tests.node.federation.test_key_changes_nodes import master
from tests.node.federation.test_peering_nodes import fresh_nodes
from tests.node.member_helpers import member_body
from tests.realnodes import Api, RealNode, create_admin, eventually, login, ok

__all__ = ["fresh_nodes"]  # the fixture
T = TypeVar("T")
WAIT_SECONDS = 30
ALLOWED = ["member_since", "share_class"]


def peer_in(api: Api, node_id: str, state: str) -> dict[str, Any] | None:
    for peer in api.call("GET", "/api/v1/federation/peers"):
        if peer["node_id"] == node_id and peer["state"] == state:
            return dict(peer)
    return None


def state_of(api: Api) -> dict[str, Any]:
    """What B's admin sees of federation: peers, outbox, attestations (not the rejection log)."""
    return {
        "peers": api.call("GET", "/api/v1/federation/peers"),
        "outbox": api.call("GET", "/api/v1/federation/outbox"),
        "attestations": api.call("GET", "/api/v1/federation/attestations"),
    }


def settled(api: Api) -> bool | None:
    """True once nothing is queued or in flight to any peer."""
    queues = api.call("GET", "/api/v1/federation/outbox")["peers"]
    return True if all(q["queued"] + q["in_flight"] == 0 for q in queues) else None


def rejections(api: Api) -> list[dict[str, Any]]:
    return list(api.call("GET", "/api/v1/federation/rejections"))


def post_inbox(node: RealNode, token: str) -> httpx.Response:
    return httpx.post(
        f"{node.url}/federation/v1/inbox",
        content=token,
        headers={"Content-Type": "application/jose"},
        timeout=10,
        trust_env=False,
    )


def refused_without_change(
    b_admin: Api, token: str, status: int, code: str, before: dict[str, Any]
) -> None:
    """B refuses ``token`` with a problem document; nothing but the rejection log changes."""
    logged = rejections(b_admin)
    response = post_inbox(b_admin.node, token)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert state_of(b_admin) == before
    latest = rejections(b_admin)
    assert len(latest) == len(logged) + 1 and latest[0]["code"] == code


def a_signing_key(a: RealNode) -> SigningKey:
    """A's current private key, as a faulty or replaying sender holding it would use it."""
    db = a.database()
    try:
        with db.reading() as session:
            kid = keystore.current_key(session).kid  # type: ignore[union-attr]
            return keystore.signing_key(session, master(a), kid)
    finally:
        db.dispose()


def sent_answer(a: RealNode) -> OutboxMessage:
    db = a.database()
    try:
        with db.reading() as session:
            query = select(OutboxMessage).where(OutboxMessage.type == attestations.ANSWER)
            row = session.scalars(query).one()
            session.expunge(row)
            return row
    finally:
        db.dispose()


def tamper(token: str) -> str:
    """The same signature over a body changed after signing."""
    head, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["body"]["nonce"] = "tampered"
    changed = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{changed}.{signature}"


def test_two_fresh_nodes_peer_attest_a_member_and_refuse_bad_messages(
    fresh_nodes: tuple[RealNode, RealNode],
) -> None:
    a, b = fresh_nodes

    # 1. Each co-op's admin, and the fingerprints they exchange out of band.
    a_admin, b_admin = create_admin(a), create_admin(b)
    a_print = ok(a, "keys", "fingerprint").strip()
    b_print = ok(b, "keys", "fingerprint").strip()
    assert a_print != b_print

    # 2. A asks B; B's admin checks A's fingerprint and approves; B's accept activates A's side.
    ok(a, "peers", "add", b.url, f"--fingerprint={b_print}")
    asked = eventually("B seeing A's request", lambda: peer_in(b_admin, a.url, "pending"), a, b)
    assert asked["fingerprint"] == a_print  # what B's admin compares with what A's admin said
    approved = b_admin.call(
        "POST",
        f"/api/v1/federation/peers/{asked['id']}/approve",
        json={"fingerprint": a_print},
    )
    assert approved["state"] == "active"
    eventually("A receiving B's accept", lambda: peer_in(a_admin, b.url, "active"), a, b)

    # 3. A member of A consents; B's staff obtain the attestation.
    user_id, member = login(a_admin, "member", "ada@coop-a.example")
    a_admin.call(
        "POST",
        "/api/v1/members",
        201,
        json=member_body(
            name="Ada Lovelace",
            status="active",
            kind="worker",
            joined_on="2024-03-01",
            user_id=user_id,
        ),
    )
    given = member.call(
        "POST",
        "/api/v1/federation/consents",
        201,
        json={"audience": b.url, "purpose": "guest_membership", "fields": ALLOWED},
    )
    _, staff = login(b_admin, "staff", "desk@coop-b.example")
    asking = staff.call(
        "POST", "/api/v1/federation/attestations", 201, json={"consent": given["token"]}
    )
    assert asking["state"] == "pending"

    def answered() -> dict[str, Any] | None:
        found = staff.call("GET", f"/api/v1/federation/attestations/{asking['id']}")
        return dict(found) if found["state"] == "answered" else None

    answer = eventually("B storing A's answer", answered, a, b)
    assert answer["in_good_standing"] is True
    assert answer["fields"] == {"member_since": "2024-03-01", "share_class": "A"}
    assert set(answer["fields"]) == set(ALLOWED)  # not the name, not the country
    consents = member.call("GET", "/api/v1/federation/consents")
    assert [c["state"] for c in consents] == ["used"]

    # 4. What B must refuse, changing nothing (once both sides have recorded every receipt).
    eventually("B's outbox settling", lambda: settled(b_admin), a, b)
    eventually("A's outbox settling", lambda: settled(a_admin), a, b)
    key, now = a_signing_key(a), utcnow()
    before = state_of(b_admin)
    assert before["outbox"]["dead_letters"] == []
    ping = envelope.sign(key, iss=a.url, aud=b.url, type="ping/1", body={"nonce": "n"}, now=now)
    refused_without_change(b_admin, tamper(ping), 401, "bad_signature", before)

    original = sent_answer(a)
    replay = {
        "iss": a.url,
        "aud": b.url,
        "type": attestations.ANSWER,
        "jti": original.jti,
        "conversation": original.conversation,
        "seq": original.seq,
        "now": utcnow(),
    }
    same = post_inbox(b, envelope.sign(key, body=original.body, **replay))
    assert same.status_code == 200, same.text  # the stored receipt: applied once, not refused
    receipt = envelope.open_compact(same.text, envelope.MESSAGE_TYP).claims
    assert receipt["body"]["outcome"] == "accepted"
    assert original.receipt is not None and receipt["jti"] == original.receipt["jti"]
    assert state_of(b_admin) == before

    other_body = {**original.body, "in_good_standing": False, "fields": {}}
    refused_without_change(
        b_admin, envelope.sign(key, body=other_body, **replay), 409, "conflict", before
    )
    assert rejections(b_admin)[0]["claimed_iss"] == a.url  # the admin sees who reused the id

    b_admin.call("POST", f"/api/v1/federation/peers/{asked['id']}/suspend")
    suspended = state_of(b_admin)
    fresh = envelope.sign(
        key, iss=a.url, aud=b.url, type="ping/1", body={"nonce": "s"}, now=utcnow()
    )
    refused_without_change(b_admin, fresh, 403, "inactive_peer", suspended)
    assert staff.call("GET", f"/api/v1/federation/attestations/{asking['id']}") == answer

    assert "Traceback" not in a.log.read_text() + b.log.read_text()
