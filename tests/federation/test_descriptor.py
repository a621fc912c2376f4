"""The node descriptor: signed by a key of its own set that an admin trusts, inbox on its origin."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from federation.descriptor import (
    DESCRIPTOR_TYP,
    NodeDescriptor,
    sign_descriptor,
    verify_descriptor,
)
from federation.envelope import sign_compact
from federation.errors import (
    BadSignature,
    Expired,
    FederationError,
    FingerprintMismatch,
    InactiveKey,
    Malformed,
    RevokedKey,
    UnknownKey,
)
from federation.keys import KeySet, SigningKey
from federation.schemas import default_catalogue
from tests.federation.conftest import NOW, START, A, ping


@pytest.fixture
def descriptor(keys_a: KeySet) -> NodeDescriptor:
    return NodeDescriptor(
        node_id=A,
        name="Coop A",
        country="BE",
        currency="EUR",
        inbox=f"{A}/federation/inbox",
        messages=default_catalogue().advertised(),
        keys=keys_a,
    )


def hand_signed(keys: KeySet, key: SigningKey, **overrides: object) -> str:
    """A descriptor signed without :func:`sign_descriptor`'s checks, as an impostor would."""
    iat = int(NOW.timestamp())
    claims: dict[str, object] = {
        "iss": A,
        "iat": iat,
        "exp": iat + 60,
        "name": "Coop A",
        "country": "BE",
        "currency": "EUR",
        "inbox": f"{A}/inbox",
        "messages": {"ping": [1]},
        "keys": keys.to_jwks(),
    }
    claims.update(overrides)
    return sign_compact(claims, key, DESCRIPTOR_TYP)


def test_round_trip(descriptor: NodeDescriptor, key_a: SigningKey) -> None:
    token = sign_descriptor(descriptor, key_a, NOW)
    verified = verify_descriptor(token, "https://COOP-A.example/", [key_a.kid], NOW)
    assert verified.descriptor == descriptor
    assert verified.kid == key_a.kid
    assert verified.expires_at - verified.issued_at == timedelta(days=1)
    assert verified.descriptor.messages["ping"] == [1]


def test_fingerprint_must_be_the_signing_key(
    descriptor: NodeDescriptor, key_a: SigningKey, other_key: SigningKey
) -> None:
    token = sign_descriptor(descriptor, key_a, NOW)
    with pytest.raises(FingerprintMismatch) as caught:
        verify_descriptor(token, A, [other_key.kid], NOW)
    assert caught.value.status == 401


def test_listing_a_trusted_key_is_not_enough(
    descriptor: NodeDescriptor, key_a: SigningKey, other_key: SigningKey
) -> None:
    """An impostor copies A's public key into its set but signs with its own."""
    both = replace(descriptor, keys=descriptor.keys.with_key(other_key.public(START)))
    forged = sign_descriptor(both, other_key, NOW)
    with pytest.raises(FingerprintMismatch):
        verify_descriptor(forged, A, [key_a.kid], NOW)


def test_spliced_signature(
    descriptor: NodeDescriptor, key_a: SigningKey, other_key: SigningKey
) -> None:
    """A header naming the trusted key over a signature made by another key."""
    token = sign_descriptor(descriptor, key_a, NOW)
    head, payload, _ = token.split(".")
    other = sign_descriptor(
        replace(descriptor, keys=KeySet.of([other_key.public(START)])), other_key, NOW
    )
    with pytest.raises(BadSignature):
        verify_descriptor(f"{head}.{payload}.{other.split('.')[2]}", A, [key_a.kid], NOW)


def test_descriptor_of_another_node(descriptor: NodeDescriptor, key_a: SigningKey) -> None:
    token = sign_descriptor(descriptor, key_a, NOW)
    with pytest.raises(Malformed):
        verify_descriptor(token, "https://coop-z.example", [key_a.kid], NOW)


def test_inbox_on_other_origin(descriptor: NodeDescriptor, key_a: SigningKey) -> None:
    with pytest.raises(Malformed):
        sign_descriptor(replace(descriptor, inbox="https://evil.example/inbox"), key_a, NOW)
    token = hand_signed(descriptor.keys, key_a, inbox="https://evil.example/inbox")
    with pytest.raises(Malformed):
        verify_descriptor(token, A, [key_a.kid], NOW)


def test_retired_or_revoked_signer(
    descriptor: NodeDescriptor, key_a: SigningKey, other_key: SigningKey
) -> None:
    rotated = descriptor.keys.rotate(other_key.public(NOW), NOW, timedelta(hours=1))
    # After a rotation the node signs with the new key; the old one may not sign a descriptor.
    with pytest.raises(FederationError):
        sign_descriptor(replace(descriptor, keys=rotated), key_a, NOW)
    token = hand_signed(rotated, key_a)
    with pytest.raises(InactiveKey):
        verify_descriptor(token, A, [key_a.kid, other_key.kid], NOW)
    new_token = sign_descriptor(replace(descriptor, keys=rotated), other_key, NOW)
    assert verify_descriptor(new_token, A, [other_key.kid], NOW).kid == other_key.kid
    token = hand_signed(rotated.revoke(key_a.kid, NOW), key_a)
    with pytest.raises(RevokedKey):
        verify_descriptor(token, A, [key_a.kid], NOW)


def test_expired_descriptor(descriptor: NodeDescriptor, key_a: SigningKey) -> None:
    token = sign_descriptor(descriptor, key_a, NOW, lifetime=timedelta(hours=1))
    with pytest.raises(Expired):
        verify_descriptor(token, A, [key_a.kid], NOW + timedelta(hours=2))


def test_invalid_content(descriptor: NodeDescriptor, key_a: SigningKey) -> None:
    with pytest.raises(Malformed):
        sign_descriptor(replace(descriptor, currency="EURO"), key_a, NOW)
    with pytest.raises(FederationError):
        sign_descriptor(replace(descriptor, node_id="https://COOP-A.example"), key_a, NOW)


def test_message_is_not_a_descriptor(key_a: SigningKey) -> None:
    with pytest.raises(Malformed, match="typ"):
        verify_descriptor(ping(key_a), A, [key_a.kid], NOW)


def test_trusted_signer_missing_from_own_key_set(
    descriptor: NodeDescriptor, key_a: SigningKey, other_key: SigningKey
) -> None:
    token = hand_signed(KeySet.of([other_key.public(START)]), key_a)
    with pytest.raises(UnknownKey):
        verify_descriptor(token, A, [key_a.kid], NOW)
