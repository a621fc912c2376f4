"""Key ids are RFC 7638 thumbprints; validity windows and revocation; private keys sealed at rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.errors import FederationError, InactiveKey, Malformed, RevokedKey, UnknownKey
from federation.keys import (
    MAX_ROTATION_GRACE,
    KeyDecryptionError,
    KeySet,
    KeyStatus,
    PublicKey,
    SigningKey,
    accept_revocation,
    accept_rotation,
    b64url_decode,
    b64url_encode,
    load_kek,
    new_kek,
    seal,
    thumbprint,
    unseal,
)

# RFC 8037 appendix A.1-A.3 (the key of RFC 8032's first Ed25519 test vector).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8032_PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_thumbprint_matches_rfc8037() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    assert thumbprint(jwk) == RFC8037_THUMBPRINT
    # Members other than crv, kty and x do not change it (RFC 7638 §3.2).
    assert thumbprint({**jwk, "kid": "anything", "use": "sig", "status": "retired"}) == (
        RFC8037_THUMBPRINT
    )


def test_signing_key_from_rfc8037_private_key() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    key = SigningKey.from_private(private)
    assert key.kid == RFC8037_THUMBPRINT
    public = key.public(T0)
    assert public.x == RFC8037_X
    assert b64url_decode(public.x).hex() == RFC8032_PUBLIC_HEX


def test_thumbprint_refuses_other_key_types() -> None:
    with pytest.raises(Malformed):
        thumbprint({"kty": "RSA", "n": "abc", "e": "AQAB"})
    with pytest.raises(Malformed):
        thumbprint({"kty": "OKP", "crv": "X25519", "x": RFC8037_X})


def test_b64url_is_strict() -> None:
    assert b64url_decode(b64url_encode(b"\xff\xfe")) == b"\xff\xfe"
    for bad in ("a===", "ab+/", "abc=", "a", "ab!c", "AB"):  # "AB" is not canonical (trailing bits)
        with pytest.raises(Malformed):
            b64url_decode(bad)


def test_jwk_round_trip_and_kid_binding() -> None:
    key = SigningKey.generate()
    public = key.public(T0, T0 + timedelta(days=90), KeyStatus.RETIRED)
    jwk = public.to_jwk()
    assert jwk["kid"] == thumbprint(jwk) == key.kid
    assert jwk["not_before"] == "2026-01-01T00:00:00Z"
    assert PublicKey.from_jwk(jwk) == public
    with pytest.raises(Malformed, match="thumbprint"):
        PublicKey.from_jwk({**jwk, "kid": SigningKey.generate().kid})
    with pytest.raises(Malformed):
        PublicKey.from_jwk({**jwk, "status": "sleepy"})
    with pytest.raises(Malformed):
        PublicKey.from_jwk({**jwk, "alg": "RS256"})
    with pytest.raises(Malformed):
        PublicKey.from_jwk({**jwk, "not_before": "2026-01-01T00:00:00+01:00"})


def test_validity_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone"):
        SigningKey.generate().public(datetime(2026, 1, 1))


def test_key_set_refuses_duplicate_kids() -> None:
    public = SigningKey.generate().public(T0)
    with pytest.raises(Malformed):
        KeySet.of([public, public])


def test_which_key_verifies_at_a_time() -> None:
    key = SigningKey.generate()
    keys = KeySet.of([key.public(T0, T0 + timedelta(days=10))])
    assert keys.verifying_key(key.kid, T0).kid == key.kid
    assert keys.verifying_key(key.kid, T0 + timedelta(days=10)).kid == key.kid
    with pytest.raises(InactiveKey):
        keys.verifying_key(key.kid, T0 - timedelta(seconds=1))
    with pytest.raises(InactiveKey):
        keys.verifying_key(key.kid, T0 + timedelta(days=10, seconds=1))
    with pytest.raises(UnknownKey):
        keys.verifying_key(SigningKey.generate().kid, T0)


def test_rotation_keeps_the_old_key_for_its_window() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    keys = KeySet.of([old.public(T0)])
    rotated_at = T0 + timedelta(days=100)
    keys = keys.rotate(new.public(rotated_at), rotated_at, grace=timedelta(minutes=20))

    retired = keys.get(old.kid)
    assert retired is not None and retired.status is KeyStatus.RETIRED
    assert retired.not_after == rotated_at + timedelta(minutes=20)
    assert keys.current(rotated_at).kid == new.kid
    assert [key.kid for key in keys.active(rotated_at)] == [new.kid]
    # Old signatures made inside the window still verify, later ones do not.
    assert keys.verifying_key(old.kid, T0 + timedelta(days=50)).kid == old.kid
    assert keys.verifying_key(old.kid, rotated_at + timedelta(minutes=19)).kid == old.kid
    with pytest.raises(InactiveKey):
        keys.verifying_key(old.kid, rotated_at + timedelta(minutes=21))
    # The new key verifies nothing from before it existed.
    with pytest.raises(InactiveKey):
        keys.verifying_key(new.kid, rotated_at - timedelta(seconds=1))
    # The set survives a JWKS round trip unchanged.
    assert KeySet.from_jwks(keys.to_jwks()) == keys


def test_revocation_is_immediate_and_total() -> None:
    key, spare = SigningKey.generate(), SigningKey.generate()
    keys = KeySet.of([key.public(T0), spare.public(T0)])
    revoked = keys.revoke(key.kid, T0 + timedelta(days=5))
    # Even a signature claiming a time well inside the old window is refused.
    with pytest.raises(RevokedKey):
        revoked.verifying_key(key.kid, T0 + timedelta(days=1))
    assert revoked.current(T0 + timedelta(days=6)).kid == spare.kid
    assert keys.verifying_key(key.kid, T0 + timedelta(days=1)).kid == key.kid  # immutable
    with pytest.raises(UnknownKey):
        keys.revoke(SigningKey.generate().kid, T0)


def test_no_active_key_cannot_sign() -> None:
    key = SigningKey.generate()
    keys = KeySet.of([key.public(T0)]).revoke(key.kid, T0)
    with pytest.raises(FederationError):
        keys.current(T0)


def test_seal_round_trip() -> None:
    kek = load_kek(new_kek())
    key = SigningKey.generate()
    sealed = seal(key, kek)
    assert sealed.startswith("v1.")
    assert key.raw() not in b64url_decode(sealed[3:])
    assert unseal(sealed, kek, key.kid).raw() == key.raw()
    assert seal(key, kek) != sealed  # fresh nonce each time


def test_unseal_refuses_wrong_kek_kid_or_damage() -> None:
    kek, other_kek = load_kek(new_kek()), load_kek(new_kek())
    key, other = SigningKey.generate(), SigningKey.generate()
    sealed = seal(key, kek)
    with pytest.raises(KeyDecryptionError):
        unseal(sealed, other_kek, key.kid)
    with pytest.raises(KeyDecryptionError):
        unseal(sealed, kek, other.kid)  # swapped into another key's row
    damaged = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(KeyDecryptionError):
        unseal(damaged, kek, key.kid)
    with pytest.raises(KeyDecryptionError):
        unseal("v0." + sealed[3:], kek, key.kid)


def test_kek_formats() -> None:
    raw = bytes(range(32))
    assert load_kek(raw) == raw
    assert load_kek(b64url_encode(raw)) == raw
    assert load_kek("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") == raw
    for bad in ("short", b64url_encode(bytes(16)), "!!!not base64!!!"):
        with pytest.raises(FederationError):
            load_kek(bad)


def test_accept_rotation_from_a_peer() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    keys = KeySet.of([old.public(T0)])
    at = T0 + timedelta(days=3)
    body = {
        "new_key": new.public(at).to_jwk(),
        "retiring": old.kid,
        "retire_at": "2026-01-04T00:30:00Z",
    }
    rotated = accept_rotation(keys, body, old.kid, at)
    assert rotated.current(at).kid == new.kid
    assert rotated.verifying_key(old.kid, at + timedelta(minutes=29)).kid == old.kid
    with pytest.raises(InactiveKey):
        rotated.verifying_key(old.kid, at + timedelta(minutes=31))
    assert accept_rotation(rotated, body, old.kid, at + timedelta(minutes=1)) == rotated


def test_rotation_must_be_signed_by_the_retiring_key() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    keys = KeySet.of([old.public(T0)])
    body = {
        "new_key": new.public(T0).to_jwk(),
        "retiring": old.kid,
        "retire_at": "2026-01-02T00:00:00Z",
    }
    with pytest.raises(Malformed):
        accept_rotation(keys, body, new.kid, T0)
    retired_jwk = {**new.public(T0).to_jwk(), "status": "retired"}
    with pytest.raises(Malformed):
        accept_rotation(keys, {**body, "new_key": retired_jwk}, old.kid, T0)


def test_rotation_grace_is_bounded() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    keys = KeySet.of([old.public(T0)])
    body = {
        "new_key": new.public(T0).to_jwk(),
        "retiring": old.kid,
        "retire_at": "2099-01-01T00:00:00Z",
    }
    retired = accept_rotation(keys, body, old.kid, T0).get(old.kid)
    assert retired is not None and retired.not_after == T0 + MAX_ROTATION_GRACE


def test_accept_revocation_from_a_peer() -> None:
    key = SigningKey.generate()
    keys = KeySet.of([key.public(T0)])
    body = {"kid": key.kid, "revoked_at": "2026-01-01T00:00:00Z", "reason": "compromised"}
    revoked = accept_revocation(keys, body, T0 + timedelta(days=1))
    with pytest.raises(RevokedKey):
        revoked.verifying_key(key.kid, T0 + timedelta(hours=1))
    assert accept_revocation(revoked, body, T0 + timedelta(days=2)) == revoked
    with pytest.raises(UnknownKey):
        accept_revocation(keys, {**body, "kid": SigningKey.generate().kid}, T0)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01",
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:00+01:00Z",
        "20260101T000000Z",
        "2026-02-30T00:00:00Z",
        5,
    ],
)
def test_times_in_jwks_are_strict(text: object) -> None:
    jwk = SigningKey.generate().public(T0).to_jwk()
    with pytest.raises(Malformed):
        PublicKey.from_jwk({**jwk, "not_before": text})
