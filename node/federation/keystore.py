"""The node's own federation signing keys: stored sealed, rotated, revoked, published.

Each row is one Ed25519 key: its ``kid`` (the RFC 7638 thumbprint, also the fingerprint admins
compare out of band), its public JWK, its private key sealed with AES-256-GCM under
``federation.key_encryption_key`` (:func:`federation.keys.seal`), its validity window and status.
The window rules are those of :class:`federation.keys.KeySet` (rotation retires the active keys
after a grace period, revocation ends a key at once): this module computes the new key set with
it and writes the differences back, so the node and its peers apply the same rules.

The first key is made by ``coopnode migrate`` when the key-encryption key is set, and otherwise
lazily by the first thing that needs it (the descriptor, ``coopnode keys``): ``coopnode init``
only writes the configuration and cannot reach the database. Every key change is audited.

Announcing a change to peers is the outbox's job: :func:`announcements_for_rotation` and
:func:`announcements_for_revocation` return the ``(type, body)`` pairs it sends. A
``keys-rotated/1`` is signed by the key it retires (``body["retiring"]``, opened with
:func:`signing_key`); a ``keys-revoked/1`` by the current key (:func:`current_signing_key`,
which the message code calls with the node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from federation.errors import FederationError
from federation.keys import (
    KeySet,
    KeyStatus,
    PublicKey,
    SigningKey,
    load_kek,
    seal,
    to_rfc3339,
    unseal,
)
from federation.schemas import default_catalogue
from node import audit
from node.config import Settings
from node.db import Base
from node.db.types import UTCDateTime, utcnow
from node.errors import ConfigError, Conflict, NotFound
from node.i18n import N_

if TYPE_CHECKING:
    from node.runtime import Node

KEK_SETTING = "federation.key_encryption_key"
KEK_VARIABLE = "COOPNODE_FEDERATION_KEY_ENCRYPTION_KEY"
DEFAULT_GRACE = timedelta(hours=48)
ROTATED = "keys-rotated/1"
REVOKED = "keys-revoked/1"
REVOCATION_REASONS = ("compromised", "superseded", "unused")
NOT_CONFIGURED = N_(
    "Federation is not configured on this node (its key-encryption key is missing or invalid)."
)
ENTITY = "federation_key"


class FederationKey(Base):
    """One of the node's own signing keys (never a peer's)."""

    __tablename__ = "federation_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)  # kty, crv, x
    sealed_private: Mapped[str] = mapped_column(String(200))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def public(self) -> PublicKey:
        return PublicKey(
            kid=self.kid,
            x=self.public_jwk["x"],
            not_before=self.not_before,
            not_after=self.not_after,
            status=KeyStatus(self.status),
        )


@dataclass(frozen=True)
class Rotation:
    """What :func:`rotate` did: the new active key, the keys it retired, until when."""

    new: PublicKey
    retired: tuple[PublicKey, ...]


@dataclass(frozen=True)
class Revocation:
    """What :func:`revoke` did; ``replacement`` is set when the only active key was revoked."""

    revoked: PublicKey
    reason: str
    revoked_at: datetime
    replacement: PublicKey | None


def kek(settings: Settings) -> bytes:
    """The key-encryption key, or a one-line :class:`ConfigError` saying what to set."""
    value = settings[KEK_SETTING]
    if not value:
        raise ConfigError(KEK_SETTING, f"missing (set it in the config file or {KEK_VARIABLE})")
    try:
        return load_kek(value)
    except FederationError as exc:
        raise ConfigError(KEK_SETTING, str(exc)) from None


def has_kek(settings: Settings) -> bool:
    return bool(settings[KEK_SETTING])


def _lock(session: Session) -> None:
    """Serialise key changes (SQLite's write transaction already is exclusive)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE federation_keys IN SHARE ROW EXCLUSIVE MODE"))


def rows(session: Session) -> list[FederationKey]:
    """Every key, oldest first."""
    query = select(FederationKey).order_by(FederationKey.not_before, FederationKey.id)
    return list(session.scalars(query))


def key_set(session: Session) -> KeySet:
    """All the node's keys, for verifying what it signed (revoked keys verify nothing)."""
    return KeySet.of(row.public() for row in rows(session))


def published_key_set(session: Session, now: datetime) -> KeySet:
    """The JWKS of the descriptor: active keys, retired keys inside their window, revoked keys
    (listed so that peers learn of the revocation); retired keys past their window are left out."""
    keys = key_set(session)
    return KeySet.of(
        key
        for key in keys
        if key.status is not KeyStatus.RETIRED
        or (key.not_after is not None and now <= key.not_after)
    )


def _create(session: Session, master: bytes, now: datetime, actor: str) -> FederationKey:
    key = SigningKey.generate()
    public = key.public(not_before=now)
    row = FederationKey(
        kid=key.kid,
        public_jwk={"kty": "OKP", "crv": "Ed25519", "x": public.x},
        sealed_private=seal(key, master),
        not_before=public.not_before,
        status=KeyStatus.ACTIVE.value,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="federation_key.create",
        entity=ENTITY,
        entity_id=key.kid,
        changes={"status": [None, KeyStatus.ACTIVE.value], "not_before": [None, public.not_before]},
    )
    return row


def ensure_key(
    session: Session, master: bytes, now: datetime | None = None, actor: str = "system"
) -> tuple[PublicKey, bool]:
    """The current key, made first if there is no active one; ``(key, created)``.

    Call it in a write transaction; concurrent callers queue on the table lock, so two
    processes starting at once do not both create a key.
    """
    now = now or utcnow()
    current = _current(session, now)
    if current is not None:
        return current, False
    _lock(session)
    current = _current(session, now)
    if current is not None:
        return current, False
    return _create(session, master, now, actor).public(), True


def _current(session: Session, now: datetime) -> PublicKey | None:
    keys = key_set(session)
    return keys.current(now) if keys.active(now) else None


def current_key(session: Session, now: datetime | None = None) -> PublicKey | None:
    """The key the node signs with now, or None before the first key exists."""
    return _current(session, now or utcnow())


def signing_key(session: Session, master: bytes, kid: str) -> SigningKey:
    """Open the sealed private key ``kid`` (not a revoked one); wrong KEK → KeyDecryptionError."""
    row = session.scalars(select(FederationKey).where(FederationKey.kid == kid)).one_or_none()
    if row is None:
        raise NotFound(N_("There is no federation key {kid}.").format(kid=kid))
    if row.status == KeyStatus.REVOKED.value:
        raise Conflict(N_("The federation key {kid} is revoked.").format(kid=kid))
    return unseal(row.sealed_private, master, row.kid)


def current_private_key(session: Session, master: bytes, now: datetime | None = None) -> SigningKey:
    """The private key to sign with now (there must be one: see :func:`ensure_key`)."""
    current = current_key(session, now)
    if current is None:
        raise Conflict(N_("The node has no active federation key yet."))
    return signing_key(session, master, current.kid)


def current_signing_key(node: Node, now: datetime | None = None) -> SigningKey:
    """The node's key to sign with now, made on first use if ``coopnode migrate`` did not.

    Opens its own transactions: a read, and a write only when the first key is missing (so on
    SQLite do not call it while holding a write transaction before any key exists).
    """
    master = kek(node.settings)
    now = now or utcnow()
    with node.db.reading() as session:
        if current_key(session, now) is not None:
            return current_private_key(session, master, now)
    with node.db.transaction() as session:
        ensure_key(session, master, now)
        return current_private_key(session, master, now)


def usable_signing_key(
    session: Session, master: bytes, kid: str, now: datetime | None = None
) -> SigningKey:
    """Open own key ``kid`` to sign with now: an active key, or a retired one inside its window
    (the retiring key signs its ``keys-rotated/1`` during the grace, and not after)."""
    now = now or utcnow()
    public = key_set(session).get(kid)
    if public is not None and public.status is KeyStatus.RETIRED and not public.covers(now):
        raise Conflict(N_("The federation key {kid} is past its validity.").format(kid=kid))
    return signing_key(session, master, kid)


def named_signing_key(node: Node, kid: str, now: datetime | None = None) -> SigningKey:
    """:func:`usable_signing_key` in its own read (the delivery worker signs outside any)."""
    master = kek(node.settings)
    with node.db.reading() as session:
        return usable_signing_key(session, master, kid, now)


def _write_back(session: Session, keys: KeySet, actor: str, action: str) -> list[PublicKey]:
    """Store the statuses and windows ``keys`` gives; audit and return the keys that changed."""
    changed = []
    for row in rows(session):
        new = keys.get(row.kid)
        if new is None or (new.status.value, new.not_after) == (row.status, row.not_after):
            continue
        audit.record(
            session,
            actor=actor,
            action=action,
            entity=ENTITY,
            entity_id=row.kid,
            changes=audit.diff(
                {"status": row.status, "not_after": row.not_after},
                {"status": new.status.value, "not_after": new.not_after},
            ),
        )
        row.status, row.not_after = new.status.value, new.not_after
        changed.append(new)
    return changed


def rotate(
    session: Session,
    master: bytes,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
    actor: str = "system",
) -> Rotation:
    """Make a new active key; the keys active until now retire ``grace`` from now.

    During the grace the retiring key still signs the ``keys-rotated`` announcement (each
    delivery attempt is re-signed) and peers still accept what it signed before.
    """
    now = now or utcnow()
    _lock(session)
    before = key_set(session)
    for key in before.active(now):  # a wrong KEK must fail here, not when announcing
        signing_key(session, master, key.kid)
    row = _create(session, master, now, actor)
    after = before.rotate(row.public(), now, grace)
    retired = _write_back(session, after, actor, "federation_key.retire")
    return Rotation(new=row.public(), retired=tuple(retired))


def revoke(
    session: Session,
    master: bytes,
    kid: str,
    reason: str,
    *,
    force: bool = False,
    now: datetime | None = None,
    actor: str = "system",
) -> Revocation:
    """Revoke ``kid`` at once. Revoking the only active key needs ``force`` and then makes a new
    key, so the node can still sign; peers learn that key only by re-peering (no old key is left
    to vouch for it)."""
    if reason not in REVOCATION_REASONS:
        raise ValueError(f"reason must be one of {REVOCATION_REASONS}")
    now = now or utcnow()
    _lock(session)
    keys = key_set(session)
    target = keys.get(kid)
    if target is None:
        raise NotFound(N_("There is no federation key {kid}.").format(kid=kid))
    if target.status is KeyStatus.REVOKED:
        raise Conflict(N_("The federation key {kid} is revoked.").format(kid=kid))
    others = [key for key in keys.active(now) if key.kid != kid]
    if target.status is KeyStatus.ACTIVE and not others and not force:
        raise Conflict(
            N_("{kid} is the only active key: rotate first, or force it to make a new key.").format(
                kid=kid
            )
        )
    (revoked,) = _write_back(session, keys.revoke(kid, now), actor, "federation_key.revoke")
    row = session.scalars(select(FederationKey).where(FederationKey.kid == kid)).one()
    row.revoked_at, row.reason = now, reason
    replacement = None
    if target.status is KeyStatus.ACTIVE and not others:
        replacement = _create(session, master, now, actor).public()
    return Revocation(revoked, reason, row.revoked_at, replacement)


def announcements_for_rotation(rotation: Rotation) -> list[tuple[str, dict[str, Any]]]:
    """The ``keys-rotated/1`` messages the outbox sends to every active peer: one per retired
    key, each to be signed by that key (``body["retiring"]``)."""
    found = []
    for old in rotation.retired:
        assert old.not_after is not None  # a retired key always has an end
        body = {
            "new_key": rotation.new.to_jwk(),
            "retiring": old.kid,
            "retire_at": to_rfc3339(old.not_after),
        }
        found.append(_checked(ROTATED, body))
    return found


def announcements_for_revocation(revocation: Revocation) -> list[tuple[str, dict[str, Any]]]:
    """The ``keys-revoked/1`` message the outbox sends to every active peer, signed by the
    current key; after a forced revocation that key is new to peers, who refuse it until they
    re-peer (the admin tells them out of band)."""
    body = {
        "kid": revocation.revoked.kid,
        "revoked_at": to_rfc3339(revocation.revoked_at),
        "reason": revocation.reason,
    }
    return [_checked(REVOKED, body)]


def _checked(tag: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    default_catalogue().validate_body(tag, body)
    return tag, body


def describe(keys: Sequence[FederationKey]) -> list[dict[str, Any]]:
    """Rows as plain values for listings (no private material)."""
    return [
        {
            "kid": row.kid,
            "status": row.status,
            "not_before": to_rfc3339(row.not_before),
            "not_after": to_rfc3339(row.not_after) if row.not_after else None,
            "reason": row.reason,
        }
        for row in keys
    ]
