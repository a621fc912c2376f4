"""Two nodes' keys at a fixed time, and a way to forge tokens the library would never write."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.envelope import MESSAGE_TYP, sign
from federation.errors import UnknownPeer
from federation.keys import KeySet, SigningKey, b64url_encode

A = "https://coop-a.example"
B = "https://coop-b.example:8443"
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
START = NOW - timedelta(days=30)


@pytest.fixture(scope="session")
def key_a() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def keys_a(key_a: SigningKey) -> KeySet:
    return KeySet.of([key_a.public(START)])


@pytest.fixture
def resolver(keys_a: KeySet) -> Callable[[str], KeySet]:
    """The receiver B knows only A."""

    def resolve(iss: str) -> KeySet:
        if iss != A:
            raise UnknownPeer(f"{iss} is not a peer")
        return keys_a

    return resolve


def ping(key: SigningKey, **overrides: Any) -> str:
    """A valid ping from A to B signed with ``key`` (claims may be overridden)."""
    args: dict[str, Any] = {
        "iss": A,
        "aud": B,
        "type": "ping/1",
        "body": {"nonce": "n0nce"},
        "now": NOW,
        "jti": "msg-1",
    }
    args.update(overrides)
    return sign(key, **args)


def claims(**overrides: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": A,
        "aud": B,
        "iat": iat,
        "exp": iat + 300,
        "jti": "msg-1",
        "type": "ping/1",
        "conversation": "msg-1",
        "seq": 0,
        "body": {"nonce": "n0nce"},
    }
    base.update(overrides)
    return base


def segment(value: Mapping[str, Any] | bytes | str) -> str:
    raw = (
        value
        if isinstance(value, bytes)
        else (value.encode() if isinstance(value, str) else json.dumps(value).encode())
    )
    return b64url_encode(raw)


def forge(
    header: Mapping[str, Any] | str,
    payload: Mapping[str, Any] | str,
    signer: Callable[[bytes], bytes],
) -> str:
    """A compact JWS with exactly this header and payload, signed by ``signer``."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64url_encode(signer(signing_input.encode()))}"


def header_for(key: SigningKey, **extra: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "kid": key.kid, "typ": MESSAGE_TYP, **extra}
