"""The envelope: every refusal has its code, and nothing but an EdDSA signature by a live key passes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from federation import envelope, errors
from federation.envelope import MESSAGE_TYP, receipt_body, sign, verify
from federation.errors import (
    BadSignature,
    Code,
    Expired,
    InactiveKey,
    InvalidBody,
    Malformed,
    NotYetValid,
    Rejection,
    RevokedKey,
    TooLarge,
    UnknownKey,
    UnknownPeer,
    UnsupportedAlgorithm,
    UnsupportedType,
    WrongAudience,
)
from federation.keys import KeySet, SigningKey, b64url_decode, b64url_encode
from federation.schemas import default_catalogue
from tests.federation.conftest import (
    NOW,
    START,
    A,
    B,
    claims,
    forge,
    header_for,
    ping,
    segment,
)

Resolver = Callable[[str], KeySet]


def refused(
    token: str | bytes, resolver: Resolver, code: Code, status: int, **kwargs: Any
) -> Rejection:
    kwargs.setdefault("now", NOW)
    with pytest.raises(Rejection) as caught:
        verify(token, resolver, B, **kwargs)
    assert caught.value.code is code, caught.value
    assert caught.value.status == status
    return caught.value


def test_valid_message(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a, conversation="conv-9", seq=4)
    message = verify(token, resolver, B, NOW)
    assert (message.iss, message.aud, message.type) == (A, B, "ping/1")
    assert (message.jti, message.conversation, message.seq) == ("msg-1", "conv-9", 4)
    assert message.body == {"nonce": "n0nce"}
    assert message.kid == key_a.kid
    assert message.exp - message.iat == envelope.DEFAULT_LIFETIME
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": key_a.kid, "typ": MESSAGE_TYP}


def test_retry_is_re_signed_with_same_id_and_body(key_a: SigningKey, resolver: Resolver) -> None:
    first = ping(key_a)
    retry = ping(key_a, now=NOW + timedelta(minutes=3))
    assert first != retry
    one = verify(first, resolver, B, NOW)
    two = verify(retry, resolver, B, NOW + timedelta(minutes=3))
    assert (one.jti, one.body) == (two.jti, two.body)
    assert two.iat - one.iat == timedelta(minutes=3)


def test_pyjwt_is_pinned_to_eddsa() -> None:
    assert envelope._JWS.get_algorithms() == ["EdDSA"]


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "RS256", "ES256", "eddsa", "Ed25519"])
def test_other_algorithms_refused(alg: str, key_a: SigningKey, resolver: Resolver) -> None:
    token = forge(header_for(key_a, alg=alg), claims(), key_a.private.sign)
    refused(token, resolver, Code.UNSUPPORTED_ALGORITHM, 401)


def test_alg_none_with_empty_signature(key_a: SigningKey, resolver: Resolver) -> None:
    token = f"{segment(header_for(key_a, alg='none'))}.{segment(claims())}."
    refused(token, resolver, Code.UNSUPPORTED_ALGORITHM, 401)


def test_hs256_with_public_key_as_secret(key_a: SigningKey, resolver: Resolver) -> None:
    """The classic confusion attack: HMAC keyed with the (public) verification key."""
    secret = b64url_decode(key_a.public(START).x)

    def mac(data: bytes) -> bytes:
        return hmac.new(secret, data, hashlib.sha256).digest()

    refused(
        forge(header_for(key_a, alg="HS256"), claims(), mac),
        resolver,
        Code.UNSUPPORTED_ALGORITHM,
        401,
    )
    # Relabelled as EdDSA, the MAC is just a wrong signature.
    refused(forge(header_for(key_a), claims(), mac), resolver, Code.BAD_SIGNATURE, 401)


def test_rs256_signed_with_rsa_key(key_a: SigningKey, resolver: Resolver) -> None:
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        claims(), rsa, algorithm="RS256", headers={"kid": key_a.kid, "typ": MESSAGE_TYP}
    )
    refused(token, resolver, Code.UNSUPPORTED_ALGORITHM, 401)


@pytest.mark.parametrize(
    "extra",
    [
        {
            "jwk": {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            }
        },
        {"jku": "https://evil.example/jwks"},
        {"x5u": "https://evil.example/cert"},
        {"crit": ["b64"], "b64": False},
        {"cty": "JWT"},
        {"nonce": "1"},
    ],
)
def test_extra_header_members_refused(
    extra: dict[str, Any], key_a: SigningKey, resolver: Resolver
) -> None:
    token = forge(header_for(key_a, **extra), claims(), key_a.private.sign)
    refused(token, resolver, Code.MALFORMED, 400)


@pytest.mark.parametrize("missing", ["kid", "typ"])
def test_missing_header_members_refused(
    missing: str, key_a: SigningKey, resolver: Resolver
) -> None:
    header = header_for(key_a)
    del header[missing]
    refused(forge(header, claims(), key_a.private.sign), resolver, Code.MALFORMED, 400)


@pytest.mark.parametrize("typ", ["JWT", "coopnode-consent+jwt", "coopnode-descriptor+jwt"])
def test_other_typ_refused(typ: str, key_a: SigningKey, resolver: Resolver) -> None:
    token = forge(header_for(key_a, typ=typ), claims(), key_a.private.sign)
    refused(token, resolver, Code.MALFORMED, 400)


def test_duplicate_header_member_refused(key_a: SigningKey, resolver: Resolver) -> None:
    header = f'{{"alg":"EdDSA","kid":"{key_a.kid}","typ":"{MESSAGE_TYP}","alg":"EdDSA"}}'
    refused(forge(header, claims(), key_a.private.sign), resolver, Code.MALFORMED, 400)


def test_kid_must_be_a_thumbprint(key_a: SigningKey, resolver: Resolver) -> None:
    for kid in (7, "../../etc/passwd", ""):
        token = forge(header_for(key_a, kid=kid), claims(), key_a.private.sign)
        refused(token, resolver, Code.MALFORMED, 400)


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        '{"iss": NaN}',
        json.dumps(claims())[:-1] + ', "iss": "https://coop-b.example:8443"}',  # duplicate iss
    ],
)
def test_bad_payload_json_refused(payload: str, key_a: SigningKey, resolver: Resolver) -> None:
    refused(forge(header_for(key_a), payload, key_a.private.sign), resolver, Code.MALFORMED, 400)


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "http://coop-a.example"},
        {"aud": "https://coop-b.example:8443/"},
        {"iat": "now"},
        {"seq": -1},
        {"type": "ping"},
        {"body": ["nonce"]},
        {"nbf": 0},
    ],
)
def test_claims_against_envelope_schema(
    change: dict[str, Any], key_a: SigningKey, resolver: Resolver
) -> None:
    token = forge(header_for(key_a), claims(**change), key_a.private.sign)
    refused(token, resolver, Code.MALFORMED, 400)


def test_missing_claim_refused(key_a: SigningKey, resolver: Resolver) -> None:
    payload = claims()
    del payload["jti"]
    refused(forge(header_for(key_a), payload, key_a.private.sign), resolver, Code.MALFORMED, 400)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "a.b.c.d.e", "eyJ.eyJ.sig=", "é.b.c"],
)
def test_not_a_compact_jws(token: str, resolver: Resolver) -> None:
    refused(token, resolver, Code.MALFORMED, 400)


def test_padded_segments_refused(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a)
    head, payload, signature = token.split(".")
    padded = f"{head}.{payload}.{signature}=="
    refused(padded, resolver, Code.MALFORMED, 400)


def test_tampered_body(key_a: SigningKey, resolver: Resolver) -> None:
    head, _, signature = ping(key_a).split(".")
    tampered = f"{head}.{segment(claims(body={'nonce': 'other'}))}.{signature}"
    refused(tampered, resolver, Code.BAD_SIGNATURE, 401)


def test_flipped_signature(key_a: SigningKey, resolver: Resolver) -> None:
    head, payload, signature = ping(key_a).split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 1
    refused(f"{head}.{payload}.{b64url_encode(bytes(raw))}", resolver, Code.BAD_SIGNATURE, 401)


def test_other_keys_signature_under_our_kid(
    key_a: SigningKey, other_key: SigningKey, resolver: Resolver
) -> None:
    token = forge(header_for(key_a), claims(), other_key.private.sign)
    refused(token, resolver, Code.BAD_SIGNATURE, 401)


def test_unknown_kid(other_key: SigningKey, resolver: Resolver) -> None:
    refused(ping(other_key), resolver, Code.UNKNOWN_KEY, 401)


def test_unknown_peer(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a, iss="https://stranger.example")
    with pytest.raises(UnknownPeer) as caught:
        verify(token, resolver, B, NOW)
    assert (caught.value.code, caught.value.status) == (Code.UNKNOWN_PEER, 403)


def test_revoked_key(key_a: SigningKey, keys_a: KeySet) -> None:
    revoked = keys_a.revoke(key_a.kid, NOW)
    token = ping(key_a, now=NOW - timedelta(minutes=1))  # signed before the revocation
    refused(token, lambda iss: revoked, Code.REVOKED_KEY, 401)


def test_key_outside_its_window(key_a: SigningKey, other_key: SigningKey) -> None:
    retired_early = KeySet.of([key_a.public(START, NOW - timedelta(hours=1))])
    refused(ping(key_a), lambda iss: retired_early, Code.INACTIVE_KEY, 401)
    not_yet = KeySet.of([key_a.public(NOW + timedelta(hours=1))])
    refused(ping(key_a), lambda iss: not_yet, Code.INACTIVE_KEY, 401)


def test_rotation_window(key_a: SigningKey, other_key: SigningKey, keys_a: KeySet) -> None:
    rotated = keys_a.rotate(other_key.public(NOW), NOW, grace=timedelta(minutes=20))
    resolve: Resolver = lambda iss: rotated  # noqa: E731
    # In flight when the rotation happened: still good.
    assert verify(
        ping(key_a, now=NOW + timedelta(minutes=1)), resolve, B, NOW + timedelta(minutes=1)
    )
    # New messages under the new key are good at once.
    assert verify(ping(other_key), resolve, B, NOW).kid == other_key.kid
    # Signed by the old key after its grace: refused.
    late = NOW + timedelta(minutes=25)
    with pytest.raises(InactiveKey):
        verify(ping(key_a, now=late), resolve, B, late)


def test_wrong_audience(key_a: SigningKey, resolver: Resolver) -> None:
    refused(ping(key_a, aud="https://coop-c.example"), resolver, Code.WRONG_AUDIENCE, 401)
    refused(ping(key_a, aud="https://coop-b.example"), resolver, Code.WRONG_AUDIENCE, 401)


def test_expiry_and_skew(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a)  # lives 300 s
    assert verify(token, resolver, B, NOW + timedelta(seconds=359))  # inside the 60 s skew
    with pytest.raises(Expired):
        verify(token, resolver, B, NOW + timedelta(seconds=360))
    refused(token, resolver, Code.EXPIRED, 401, now=NOW + timedelta(hours=1))
    tight = timedelta(seconds=0)
    with pytest.raises(Expired):
        verify(token, resolver, B, NOW + timedelta(seconds=300), skew=tight)


def test_iat_in_the_future(key_a: SigningKey, resolver: Resolver) -> None:
    assert verify(ping(key_a, now=NOW + timedelta(seconds=60)), resolver, B, NOW)
    with pytest.raises(NotYetValid):
        verify(ping(key_a, now=NOW + timedelta(seconds=61)), resolver, B, NOW)
    refused(ping(key_a, now=NOW + timedelta(days=1)), resolver, Code.NOT_YET_VALID, 401)


def test_lifetime_bounds(key_a: SigningKey, resolver: Resolver) -> None:
    iat = int(NOW.timestamp())
    too_long = claims(exp=iat + 3600)
    refused(forge(header_for(key_a), too_long, key_a.private.sign), resolver, Code.MALFORMED, 400)
    backwards = claims(exp=iat)
    refused(forge(header_for(key_a), backwards, key_a.private.sign), resolver, Code.MALFORMED, 400)


def test_size_limit(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a)
    assert verify(token, resolver, B, NOW, max_size=len(token))
    refused(token, resolver, Code.TOO_LARGE, 413, max_size=len(token) - 1)
    refused("x" * (envelope.DEFAULT_MAX_SIZE + 1), resolver, Code.TOO_LARGE, 413)
    refused(token.encode(), resolver, Code.TOO_LARGE, 413, max_size=100)


def test_unsupported_type(key_a: SigningKey, resolver: Resolver) -> None:
    for type_tag in ("invoice-issued/1", "ping/2"):
        token = forge(header_for(key_a), claims(type=type_tag), key_a.private.sign)
        refused(token, resolver, Code.UNSUPPORTED_TYPE, 400)
    only_receipts = default_catalogue().restricted(["receipt/1"])
    refused(ping(key_a), resolver, Code.UNSUPPORTED_TYPE, 400, catalogue=only_receipts)


def test_invalid_body(key_a: SigningKey, resolver: Resolver) -> None:
    bad = forge(header_for(key_a), claims(body={"nonce": ""}), key_a.private.sign)
    error = refused(bad, resolver, Code.INVALID_BODY, 400)
    assert "nonce" in error.detail


def test_body_checked_only_after_signature(
    other_key: SigningKey, resolver: Resolver, key_a: SigningKey
) -> None:
    """An unsigned stranger learns nothing about which types or bodies we accept."""
    token = forge(header_for(key_a), claims(type="secret-type/1"), other_key.private.sign)
    refused(token, resolver, Code.BAD_SIGNATURE, 401)


def test_sign_refuses_what_the_receiver_would(key_a: SigningKey) -> None:
    with pytest.raises(InvalidBody):
        sign(key_a, iss=A, aud=B, type="ping/1", body={}, now=NOW)
    with pytest.raises(UnsupportedType):
        sign(key_a, iss=A, aud=B, type="nothing/1", body={}, now=NOW)
    with pytest.raises(Malformed):
        sign(key_a, iss="http://coop-a.example", aud=B, type="ping/1", body={"nonce": "x"}, now=NOW)


def test_signed_receipts(key_a: SigningKey, other_key: SigningKey, resolver: Resolver) -> None:
    message = verify(ping(key_a, conversation="conv-1", seq=2), resolver, B, NOW)
    keys_b = KeySet.of([other_key.public(START)])
    for reason, outcome in ((None, "accepted"), ("peer_suspended", "refused")):
        body = receipt_body(message, reason=reason)
        token = sign(
            other_key,
            iss=B,
            aud=A,
            type="receipt/1",
            body=body,
            now=NOW,
            conversation=message.conversation,
            seq=message.seq,
        )
        receipt = verify(token, lambda iss: keys_b, A, NOW)
        assert receipt.body["message"] == message.jti
        assert receipt.body["outcome"] == outcome
        assert receipt.body.get("reason") == reason


def test_rejection_codes_are_unique_and_stable() -> None:
    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, Rejection) and cls is not Rejection
    ]
    assert sorted(cls.code.value for cls in classes) == sorted(code.value for code in Code)
    assert {
        cls.code: cls.status for cls in (Malformed, TooLarge, BadSignature, RevokedKey, UnknownPeer)
    } == {
        Code.MALFORMED: 400,
        Code.TOO_LARGE: 413,
        Code.BAD_SIGNATURE: 401,
        Code.REVOKED_KEY: 401,
        Code.UNKNOWN_PEER: 403,
    }
    assert {
        cls.status
        for cls in (UnknownKey, WrongAudience, Expired, NotYetValid, UnsupportedAlgorithm)
    } == {401}


def test_sender_side_guards(key_a: SigningKey, resolver: Resolver) -> None:
    with pytest.raises(ValueError, match="at most"):
        ping(key_a, lifetime=timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone"):
        verify(ping(key_a), resolver, B, NOW.replace(tzinfo=None))


def test_token_must_be_text(resolver: Resolver) -> None:
    refused(None, resolver, Code.MALFORMED, 400)  # type: ignore[arg-type]
    refused("é.b.c".encode(), resolver, Code.MALFORMED, 400)


def test_every_single_character_change_is_refused(key_a: SigningKey, resolver: Resolver) -> None:
    token = ping(key_a)
    for position, char in enumerate(token):
        changed = token[:position] + ("B" if char == "A" else "A") + token[position + 1 :]
        with pytest.raises(Rejection):
            verify(changed, resolver, B, NOW)
