"""Ed25519 signing keys, their public JWKs and key sets, and their encryption at rest.

A key's id (``kid``) is its RFC 7638 thumbprint: SHA-256 over the JWK's required members
(``crv``, ``kty``, ``x``), base64url without padding. The same string is the fingerprint admins
compare out of band, so a key cannot be renamed and two nodes cannot disagree on its name.

Each public key carries a validity window (``not_before``, ``not_after``; an active key may leave
``not_after`` open) and a status: ``active`` (signs and verifies), ``retired`` (verifies what was
signed inside its window, after a rotation) or ``revoked`` (verifies nothing, from the moment the
revocation is known, whatever time a message claims to have been signed: a stolen key can write
any ``iat``).

Private keys at rest are sealed with AES-256-GCM under a key-encryption key (KEK) from the
node's configuration, the key id bound as associated data so a sealed key cannot be swapped into
another key's row unnoticed. Not Fernet: it is AES-128-CBC with an HMAC, gives no associated
data, and this package keeps HMAC out of its code entirely. All of this is pure: storing the
sealed string is the caller's business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from federation.errors import FederationError, InactiveKey, Malformed, RevokedKey, UnknownKey

ALGORITHM = "EdDSA"
SEALED_PREFIX = "v1."
KEK_BYTES = 32
_NONCE_BYTES = 12
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class KeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


class KeyDecryptionError(FederationError):
    """A sealed private key could not be opened: wrong KEK, wrong kid or damaged ciphertext."""


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as JOSE writes every binary value."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`: no padding, no foreign characters, canonical."""
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise Malformed("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Malformed("not base64url") from exc
    if b64url_encode(data) != text:
        raise Malformed("not canonical base64url")
    return data


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 JWK; other members are ignored."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise Malformed("only OKP keys on curve Ed25519 are used in federation")
    required = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def to_rfc3339(moment: datetime) -> str:
    """UTC, whole seconds, ``Z``: the one spelling of a time in keys and descriptors."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_rfc3339(text: object) -> datetime:
    """Parse the one spelling :func:`to_rfc3339` writes (fractions of a second tolerated)."""
    if not isinstance(text, str) or not _RFC3339_UTC.match(text):
        raise Malformed("a time must be an RFC 3339 UTC string such as 2026-01-31T12:00:00Z")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise Malformed(f"not an RFC 3339 time: {text!r}") from exc


@dataclass(frozen=True)
class PublicKey:
    """One public key of a node, with the window in which it may have signed and its status."""

    kid: str
    x: str
    not_before: datetime
    not_after: datetime | None = None
    status: KeyStatus = KeyStatus.ACTIVE

    def crypto_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(self.x))

    def covers(self, moment: datetime) -> bool:
        """True if ``moment`` lies in the validity window (revocation is checked separately)."""
        return self.not_before <= moment and (self.not_after is None or moment <= self.not_after)

    def to_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": ALGORITHM,
            "use": "sig",
            "not_before": to_rfc3339(self.not_before),
            "status": self.status.value,
        }
        if self.not_after is not None:
            jwk["not_after"] = to_rfc3339(self.not_after)
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Parse a JWK of a key set; its ``kid`` must be its own thumbprint."""
        if not isinstance(jwk, Mapping):
            raise Malformed("a JWK must be an object")
        kid = thumbprint(jwk)
        if jwk.get("kid") != kid:
            raise Malformed("a key's kid must be its RFC 7638 thumbprint")
        if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
            raise Malformed("federation keys are EdDSA signing keys")
        if len(b64url_decode(jwk["x"])) != 32:
            raise Malformed("an Ed25519 public key is 32 bytes")
        try:
            status = KeyStatus(str(jwk.get("status")))
        except ValueError as exc:
            raise Malformed("a key's status is active, retired or revoked") from exc
        not_after = jwk.get("not_after")
        return cls(
            kid=kid,
            x=jwk["x"],
            not_before=from_rfc3339(jwk.get("not_before")),
            not_after=None if not_after is None else from_rfc3339(not_after),
            status=status,
        )


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key and its kid; never leaves the node except sealed."""

    private: Ed25519PrivateKey
    kid: str

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_private(Ed25519PrivateKey.generate())

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        return cls(private=private, kid=thumbprint(_okp(private.public_key())))

    def public(
        self,
        not_before: datetime,
        not_after: datetime | None = None,
        status: KeyStatus = KeyStatus.ACTIVE,
    ) -> PublicKey:
        x = _okp(self.private.public_key())["x"]
        return PublicKey(self.kid, x, _whole(not_before), _whole_or_none(not_after), status)

    def raw(self) -> bytes:
        return self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _okp(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def _whole(moment: datetime) -> datetime:
    """Drop sub-seconds and force UTC, so a key compares equal after a JWKS round trip."""
    if moment.tzinfo is None:
        raise ValueError("key validity times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _whole_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _whole(moment)


@dataclass(frozen=True)
class KeySet:
    """A node's public keys (its JWKS), oldest first; immutable, every change returns a new set."""

    keys: tuple[PublicKey, ...] = ()

    def __post_init__(self) -> None:
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise Malformed("a key set lists a kid twice")

    def __iter__(self) -> Iterator[PublicKey]:
        return iter(self.keys)

    def get(self, kid: str) -> PublicKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def verifying_key(self, kid: str, signed_at: datetime) -> PublicKey:
        """The key that may verify a signature made at ``signed_at`` by ``kid``, or a rejection.

        Revoked keys verify nothing; other keys verify what was signed inside their window.
        """
        key = self.get(kid)
        if key is None:
            raise UnknownKey(f"no key {kid!r} in the sender's key set")
        if key.status is KeyStatus.REVOKED:
            raise RevokedKey(f"key {kid!r} is revoked")
        if not key.covers(signed_at):
            raise InactiveKey(f"key {kid!r} was not valid at {to_rfc3339(signed_at)}")
        return key

    def active(self, at: datetime) -> tuple[PublicKey, ...]:
        """Keys that may sign new messages at ``at``."""
        return tuple(k for k in self.keys if k.status is KeyStatus.ACTIVE and k.covers(at))

    def current(self, at: datetime) -> PublicKey:
        """The key to sign with now: the most recent active one."""
        active = self.active(at)
        if not active:
            raise FederationError("no active key: generate one before signing")
        return max(active, key=lambda key: key.not_before)

    def with_key(self, key: PublicKey) -> KeySet:
        return KeySet((*self.keys, key))

    def rotate(self, new: PublicKey, at: datetime, grace: timedelta) -> KeySet:
        """Add ``new`` as the active key; keys active until now retire after ``grace``.

        ``grace`` covers messages already signed and in flight (their lifetime plus clock skew).
        """
        end = _whole(at + grace)
        kept = tuple(
            replace(key, status=KeyStatus.RETIRED, not_after=_earliest(key.not_after, end))
            if key.status is KeyStatus.ACTIVE
            else key
            for key in self.keys
        )
        return KeySet((*kept, new))

    def revoke(self, kid: str, at: datetime) -> KeySet:
        """Mark ``kid`` revoked; it stops verifying at once, whatever its window said."""
        if self.get(kid) is None:
            raise UnknownKey(f"no key {kid!r} to revoke")
        end = _whole(at)
        return KeySet(
            tuple(
                replace(key, status=KeyStatus.REVOKED, not_after=_earliest(key.not_after, end))
                if key.kid == kid
                else key
                for key in self.keys
            )
        )

    def to_jwks(self) -> dict[str, Any]:
        return {"keys": [key.to_jwk() for key in self.keys]}

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> KeySet:
        keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(keys, list):
            raise Malformed("a JWKS is an object with a list of keys")
        return cls(tuple(PublicKey.from_jwk(jwk) for jwk in keys))

    @classmethod
    def of(cls, keys: Iterable[PublicKey]) -> KeySet:
        return cls(tuple(keys))


def _earliest(current: datetime | None, end: datetime) -> datetime:
    return end if current is None else min(current, end)


def load_kek(value: str | bytes) -> bytes:
    """The key-encryption key from configuration: 32 raw bytes, or their base64 (either alphabet)."""
    if isinstance(value, bytes) and len(value) == KEK_BYTES:
        return value
    text = value.decode("ascii") if isinstance(value, bytes) else value
    try:
        padded = text.replace("-", "+").replace("_", "/").rstrip("=")
        raw = base64.b64decode(padded + "=" * (-len(padded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FederationError("the key-encryption key must be 32 bytes, base64-encoded") from exc
    if len(raw) != KEK_BYTES:
        raise FederationError("the key-encryption key must be 32 bytes, base64-encoded")
    return raw


def new_kek() -> str:
    """A fresh key-encryption key, base64url, for ``coopnode init`` to write into the config."""
    return b64url_encode(os.urandom(KEK_BYTES))


def seal(key: SigningKey, kek: bytes) -> str:
    """Encrypt ``key`` for storage: ``v1.`` + base64url(nonce ‖ AES-256-GCM ciphertext)."""
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(load_kek(kek)).encrypt(nonce, key.raw(), key.kid.encode("ascii"))
    return SEALED_PREFIX + b64url_encode(nonce + ciphertext)


def unseal(sealed: str, kek: bytes, kid: str) -> SigningKey:
    """Open what :func:`seal` wrote for ``kid``; any mismatch is a :class:`KeyDecryptionError`."""
    if not sealed.startswith(SEALED_PREFIX):
        raise KeyDecryptionError("unknown sealed-key format")
    try:
        blob = b64url_decode(sealed[len(SEALED_PREFIX) :])
        nonce, ciphertext = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        raw = AESGCM(load_kek(kek)).decrypt(nonce, ciphertext, kid.encode("ascii"))
    except (Malformed, InvalidTag, ValueError) as exc:
        raise KeyDecryptionError("cannot open the sealed key (wrong KEK or kid?)") from exc
    key = SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(raw))
    if key.kid != kid:
        raise KeyDecryptionError("the sealed key does not match its kid")
    return key


MAX_ROTATION_GRACE = timedelta(days=7)


def accept_rotation(
    keys: KeySet, body: Mapping[str, Any], signer_kid: str, received_at: datetime
) -> KeySet:
    """Apply a verified ``keys-rotated/1`` body to a peer's key set.

    The message must be signed by the key it retires: that is what lets a peer trust the new key
    without a new out-of-band check. The old key keeps verifying until ``retire_at`` (at most
    :data:`MAX_ROTATION_GRACE` away). Applying the same rotation twice changes nothing.
    """
    if body["retiring"] != signer_kid:
        raise Malformed("a key rotation must be signed by the key it retires")
    new = PublicKey.from_jwk(body["new_key"])
    if new.status is not KeyStatus.ACTIVE:
        raise Malformed("the announced key must be active")
    if keys.get(new.kid) is not None:  # already applied (the kid is the hash of the key)
        return keys
    retire_at = min(from_rfc3339(body["retire_at"]), received_at + MAX_ROTATION_GRACE)
    return keys.rotate(new, received_at, max(retire_at - received_at, timedelta(0)))


def accept_revocation(keys: KeySet, body: Mapping[str, Any], received_at: datetime) -> KeySet:
    """Apply a verified ``keys-revoked/1`` body: the key stops verifying from ``received_at``.

    Any key of the sender may sign a revocation, the revoked one included (a thief revoking a
    stolen key only helps). A repeated revocation changes nothing.
    """
    kid = body["kid"]
    known = keys.get(kid)
    if known is not None and known.status is KeyStatus.REVOKED:
        return keys
    return keys.revoke(kid, received_at)
