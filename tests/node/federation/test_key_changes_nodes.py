"""Two real nodes (``coopnode serve`` on 127.0.0.1, own databases and keys): A rotates its key and
B learns the new one from A's signed announcement, while what A's old key signs still verifies at
B inside the grace window; A revokes the old key and B refuses what it signs from then on. Then a
member of A consents, B's staff ask A, A answers, and B stores only the fields allowed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from federation import envelope
from federation.keys import KeySet, KeyStatus, SigningKey
from node.config import load_settings
from node.db import Database
from node.db.types import utcnow
from node.federation import attestations, keystore
from node.federation.attestation_models import Attestation, MemberConsent
from node.federation.models import Peer
from node.members.models import Member
from tests.node.federation.test_delivery_nodes import DELIVERY_SECONDS, two_nodes
from tests.realnodes import RealNode, peer_with

__all__ = ["two_nodes"]  # the fixture, shared with the ping test
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, *logs: RealNode) -> T:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} never happened\n" + "\n".join(n.log.read_text() for n in logs))


def master(node: RealNode) -> bytes:
    return keystore.kek(load_settings(node.folder / "coopnode.toml", environ=node.environ))


def keys_of(db: Database, node_id: str) -> KeySet:
    with db.reading() as session:
        peer = session.scalars(select(Peer).where(Peer.node_id == node_id)).one()
        return KeySet.from_jwks(peer.jwks)


def ping_inbox(sender: RealNode, receiver: RealNode, key: SigningKey) -> httpx.Response:
    token = envelope.sign(
        key,
        iss=sender.url,
        aud=receiver.url,
        type="ping/1",
        body={"nonce": key.kid[:12]},
        now=utcnow(),
    )
    return httpx.post(
        f"{receiver.url}/federation/v1/inbox",
        content=token,
        headers={"Content-Type": "application/jose"},
        timeout=10,
        trust_env=False,
    )


def test_a_rotation_and_a_revocation_reach_the_peer(two_nodes: tuple[RealNode, RealNode]) -> None:
    a, b = two_nodes
    a_db, b_db = a.database(), b.database()
    try:
        peer_with(a_db, b)
        peer_with(b_db, a)
        with a_db.reading() as session:
            old_kid = keystore.current_key(session).kid  # type: ignore[union-attr]
        a.run("keys", "rotate", "--grace-hours", "1")
        with a_db.reading() as session:
            new_kid = keystore.current_key(session).kid  # type: ignore[union-attr]
            old_key = keystore.signing_key(session, master(a), old_kid)

        def learned() -> KeySet | None:
            keys = keys_of(b_db, a.url)
            return keys if keys.get(new_kid) is not None else None

        keys = eventually(learned, "B learning A's new key", a, b)
        assert keys.get(old_kid).status is KeyStatus.RETIRED  # type: ignore[union-attr]
        assert ping_inbox(a, b, old_key).status_code == 200  # inside the window

        a.run("keys", "revoke", "--reason", "compromised", "--", old_kid)  # a kid may start with -

        def revoked() -> bool | None:
            old = keys_of(b_db, a.url).get(old_kid)
            return True if old is not None and old.status is KeyStatus.REVOKED else None

        eventually(revoked, "B learning of the revocation", a, b)
        refused = ping_inbox(a, b, old_key)
        assert refused.status_code == 401 and refused.json()["code"] == "revoked_key"
    finally:
        a_db.dispose()
        b_db.dispose()
    assert "Traceback" not in a.log.read_text() + b.log.read_text()


def add_member(db: Database, status: str) -> int:
    with db.transaction() as session:
        member = Member(
            name="Ada Lovelace",
            email=f"ada-{status}@example.org",
            home_country="BE",
            language="fr",
            kind="worker",
            status=status,
            joined_on=date(2024, 3, 1),
        )
        session.add(member)
        session.flush()
        return member.id


def test_a_member_of_a_is_attested_to_b_with_only_the_allowed_fields(
    two_nodes: tuple[RealNode, RealNode],
) -> None:
    a, b = two_nodes
    a_db, b_db = a.database(), b.database()
    try:
        peer_with(a_db, b)
        peer_with(b_db, a)
        member_id = add_member(a_db, "active")
        with a_db.transaction() as session:
            member = session.get_one(Member, member_id)
            given, token = attestations.give_consent(
                session,
                master(a),
                a.url,
                member,
                audience=b.url,
                purpose="guest_membership",
                fields=["member_since", "share_class"],
                lifetime=attestations.attestation.DEFAULT_LIFETIME,
                actor="test",
            )
            consent_id = given.id
        with b_db.transaction() as session:
            attestation_id = attestations.ask(session, b.url, token, actor="user:staff").id

        def answered() -> dict[str, Any] | None:
            with b_db.reading() as session:
                row = session.get_one(Attestation, attestation_id)
                if row.answered_at is None:
                    return None
                return {"yes": row.in_good_standing, "fields": row.fields}

        assert eventually(answered, "B storing A's answer", a, b) == {
            "yes": True,
            "fields": {"member_since": "2024-03-01", "share_class": "A"},
        }
        with a_db.reading() as session:
            assert session.get_one(MemberConsent, consent_id).used_at is not None
    finally:
        a_db.dispose()
        b_db.dispose()
    assert "Traceback" not in a.log.read_text() + b.log.read_text()
