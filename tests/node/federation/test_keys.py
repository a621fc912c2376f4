"""The node's key store: sealed at rest, rotation windows, immediate revocation, announcements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from federation import envelope
from federation.errors import InactiveKey, RevokedKey
from federation.keys import (
    KeyDecryptionError,
    KeySet,
    KeyStatus,
    accept_revocation,
    accept_rotation,
    b64url_encode,
    new_kek,
    unseal,
)
from node.audit.models import AuditEntry
from node.config import Settings
from node.db import Database
from node.errors import ConfigError, Conflict, NotFound
from node.federation import keystore
from node.federation.keystore import FederationKey

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ME = "https://coop-a.example"
PEER = "https://coop-b.example"
GRACE = timedelta(hours=2)


@pytest.fixture
def master(settings: Settings) -> bytes:
    return keystore.kek(settings)


def first_key(db: Database, master: bytes) -> str:
    with db.transaction() as session:
        key, created = keystore.ensure_key(session, master, T0)
    assert created
    return key.kid


def state(db: Database) -> list[tuple[str, str, datetime | None]]:
    with db.reading() as session:
        return [(row.kid, row.status, row.not_after) for row in keystore.rows(session)]


def signed_by(db: Database, master: bytes, kid: str, at: datetime) -> str:
    with db.reading() as session:
        key = keystore.signing_key(session, master, kid)
    return envelope.sign(key, iss=ME, aud=PEER, type="ping/1", body={"nonce": "n1"}, now=at)


def check(db: Database, token: str, at: datetime) -> envelope.Envelope:
    """Verify as a peer holding the node's current key set would."""
    with db.reading() as session:
        keys = keystore.key_set(session)
    return envelope.verify(token, lambda iss: keys, PEER, at)


def test_the_sealed_key_cannot_be_read_without_the_kek(db: Database, master: bytes) -> None:
    kid = first_key(db, master)
    with db.reading() as session:
        row = session.scalars(select(FederationKey)).one()
        sealed, row_kid = row.sealed_private, row.kid
        opened = keystore.signing_key(session, master, kid)
    assert sealed.startswith("v1.")
    assert b64url_encode(opened.raw()) not in sealed
    assert opened.kid == kid == row_kid
    with pytest.raises(KeyDecryptionError):
        unseal(sealed, new_kek().encode(), kid)
    with db.reading() as session, pytest.raises(KeyDecryptionError):
        keystore.signing_key(session, new_kek().encode(), kid)


def test_an_empty_or_bad_kek_is_a_clear_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"federation\.key_encryption_key: missing"):
        keystore.kek(settings.replace(**{"federation.key_encryption_key": ""}))
    with pytest.raises(ConfigError, match="32 bytes"):
        keystore.kek(settings.replace(**{"federation.key_encryption_key": "x" * 40}))


def test_ensure_key_makes_one_key_once_and_audits_it(db: Database, master: bytes) -> None:
    kid = first_key(db, master)
    with db.transaction() as session:
        again, created = keystore.ensure_key(session, master, T0 + timedelta(hours=1))
    assert (again.kid, created) == (kid, False)
    assert state(db) == [(kid, "active", None)]
    with db.reading() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == kid))
        assert list(actions) == ["federation_key.create"]


def test_rotation_keeps_old_signatures_inside_the_window_only(db: Database, master: bytes) -> None:
    old = first_key(db, master)
    before = signed_by(db, master, old, T0 + timedelta(minutes=1))
    with db.transaction() as session:
        rotation = keystore.rotate(session, master, GRACE, now=T0 + timedelta(minutes=10))
    new = rotation.new.kid
    assert [key.kid for key in rotation.retired] == [old]
    assert state(db) == [
        (old, "retired", T0 + timedelta(minutes=10) + GRACE),
        (new, "active", None),
    ]
    assert check(db, before, T0 + timedelta(minutes=2)).kid == old
    late = signed_by(db, master, old, T0 + timedelta(minutes=10) + GRACE + timedelta(minutes=1))
    with pytest.raises(InactiveKey):
        check(db, late, T0 + timedelta(minutes=10) + GRACE + timedelta(minutes=2))
    with db.reading() as session:
        assert keystore.current_private_key(session, master, T0 + timedelta(hours=1)).kid == new


def test_a_wrong_kek_stops_a_rotation_before_anything_changes(db: Database, master: bytes) -> None:
    kid = first_key(db, master)
    with pytest.raises(KeyDecryptionError), db.transaction() as session:
        keystore.rotate(session, new_kek().encode(), GRACE, now=T0 + timedelta(minutes=5))
    assert state(db) == [(kid, "active", None)]


def test_revocation_takes_effect_at_once(db: Database, master: bytes) -> None:
    old = first_key(db, master)
    token = signed_by(db, master, old, T0 + timedelta(minutes=1))
    with db.transaction() as session:
        new = keystore.rotate(session, master, GRACE, now=T0 + timedelta(minutes=2)).new.kid
        revocation = keystore.revoke(
            session, master, old, "compromised", now=T0 + timedelta(minutes=3)
        )
    assert revocation.replacement is None
    fresh = signed_by(db, master, new, T0 + timedelta(minutes=4))
    assert check(db, fresh, T0 + timedelta(minutes=4)).kid == new
    with pytest.raises(RevokedKey):  # signed before the revocation, inside the old window
        check(db, token, T0 + timedelta(minutes=3, seconds=30))
    with db.reading() as session, pytest.raises(Conflict):
        keystore.signing_key(session, master, old)
    with db.reading() as session:
        row = session.scalars(select(FederationKey).where(FederationKey.kid == old)).one()
        assert (row.status, row.reason) == ("revoked", "compromised")
        assert row.revoked_at == T0 + timedelta(minutes=3)


def test_the_only_active_key_is_revoked_only_by_force(db: Database, master: bytes) -> None:
    kid = first_key(db, master)
    later = T0 + timedelta(minutes=5)
    with pytest.raises(Conflict, match="only active key"), db.transaction() as session:
        keystore.revoke(session, master, kid, "compromised", now=later)
    assert state(db) == [(kid, "active", None)]
    with db.transaction() as session:
        revocation = keystore.revoke(session, master, kid, "compromised", force=True, now=later)
    assert revocation.replacement is not None
    with db.reading() as session:
        current = keystore.current_key(session, later)
    assert current is not None and current.kid == revocation.replacement.kid != kid
    with pytest.raises(Conflict), db.transaction() as session:
        keystore.revoke(session, master, kid, "compromised", now=later)
    with pytest.raises(NotFound), db.transaction() as session:
        keystore.revoke(session, master, "no-such-kid", "unused", now=later)


def test_the_published_key_set_drops_retired_keys_past_their_window(
    db: Database, master: bytes
) -> None:
    first = first_key(db, master)
    with db.transaction() as session:
        second = keystore.rotate(session, master, GRACE, now=T0 + timedelta(minutes=1)).new.kid
        third = keystore.rotate(session, master, GRACE, now=T0 + timedelta(hours=1)).new.kid
        keystore.revoke(session, master, second, "superseded", now=T0 + timedelta(hours=1))
    with db.reading() as session:
        inside = keystore.published_key_set(session, T0 + timedelta(hours=2))
        after = keystore.published_key_set(session, T0 + timedelta(hours=4))
    assert {key.kid: key.status for key in inside} == {
        first: KeyStatus.RETIRED,
        second: KeyStatus.REVOKED,
        third: KeyStatus.ACTIVE,
    }
    assert {key.kid: key.status for key in after} == {
        second: KeyStatus.REVOKED,
        third: KeyStatus.ACTIVE,
    }


def test_announcements_are_valid_bodies_a_peer_can_apply(db: Database, master: bytes) -> None:
    old = first_key(db, master)
    with db.reading() as session:
        peer_view = keystore.key_set(session)  # what a peer learnt at peering
    with db.transaction() as session:
        rotation = keystore.rotate(session, master, GRACE, now=T0 + timedelta(minutes=1))
        revocation = keystore.revoke(
            session, master, old, "superseded", now=T0 + timedelta(minutes=2)
        )
    ((kind, body),) = keystore.announcements_for_rotation(rotation)
    assert kind == "keys-rotated/1" and body["retiring"] == old
    rotated = accept_rotation(peer_view, body, old, T0 + timedelta(minutes=1))
    assert rotated.current(T0 + timedelta(minutes=1)).kid == rotation.new.kid
    ((kind, body),) = keystore.announcements_for_revocation(revocation)
    assert (kind, body["kid"], body["reason"]) == ("keys-revoked/1", old, "superseded")
    assert body["revoked_at"] == "2026-11-26T12:02:00Z"
    revoked = accept_revocation(rotated, body, T0 + timedelta(minutes=2))
    got = revoked.get(old)
    assert got is not None and got.status is KeyStatus.REVOKED
    assert isinstance(revoked, KeySet)


def test_key_changes_are_audited(db: Database, master: bytes) -> None:
    old = first_key(db, master)
    with db.transaction() as session:
        new = keystore.rotate(session, master, GRACE, now=T0, actor="cli").new.kid
        keystore.revoke(session, master, old, "superseded", now=T0, actor="cli")
    with db.reading() as session:
        seen = [
            (entry.action, entry.entity_id, entry.actor)
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert seen == [
        ("federation_key.create", old, "system"),
        ("federation_key.create", new, "cli"),
        ("federation_key.retire", old, "cli"),
        ("federation_key.revoke", old, "cli"),
    ]
