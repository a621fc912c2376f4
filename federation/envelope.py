"""The signed envelope: every federation message is a compact JWS over its claims, EdDSA only.

Header: exactly ``alg`` (``EdDSA``), ``kid`` (the signing key's thumbprint) and ``typ``. ``typ``
is required and fixed per kind of token (RFC 8725 §3.11, explicit typing): a node signs envelopes,
its descriptor and members' consent tokens with the same key, and ``typ`` keeps one from being
replayed as another. Any other header member is refused; so is any ``alg`` but ``EdDSA``, before
PyJWT is called, and PyJWT itself is pinned to ``EdDSA`` (no HMAC algorithm is even registered).

Claims (``schemas/envelope.v1.json``): ``iss``, ``aud``, ``iat``, ``exp``, ``jti`` (stable across
retries), ``type`` (``name/major``), ``conversation``, ``seq`` and ``body``. Each delivery attempt
is signed afresh: new ``iat``/``exp``, same ``jti`` and body.

:func:`verify` checks in an order that spends little on garbage and reveals nothing before the
signature holds: size, shape and header, claims schema, sender's key set (the caller's resolver
may refuse an unknown or inactive peer), kid known and not revoked, signature, times, key window
at ``iat``, audience, then type and body.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidSignatureError, PyJWTError

from federation.errors import (
    BadSignature,
    Expired,
    Malformed,
    NotYetValid,
    RevokedKey,
    TooLarge,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongAudience,
)
from federation.keys import ALGORITHM, KeySet, KeyStatus, PublicKey, SigningKey, b64url_decode
from federation.schemas import Catalogue, default_catalogue

MESSAGE_TYP = "coopnode-message+jwt"
HEADER_MEMBERS = frozenset({"alg", "kid", "typ"})
DEFAULT_LIFETIME = timedelta(minutes=5)
MAX_LIFETIME = timedelta(minutes=15)
DEFAULT_SKEW = timedelta(seconds=60)
DEFAULT_MAX_SIZE = 256 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
_KID = re.compile(r"^[A-Za-z0-9_-]{43}$")

_JWS = PyJWS(algorithms=[ALGORITHM])

KeyResolver = Callable[[str], KeySet]
"""Given a sender's node id, its key set; raises UnknownPeer or InactivePeer to refuse it."""


@dataclass(frozen=True)
class Envelope:
    """A verified message: its claims, the key that signed it and the token as received."""

    iss: str
    aud: str
    iat: datetime
    exp: datetime
    jti: str
    type: str
    conversation: str
    seq: int
    body: dict[str, Any]
    kid: str
    token: str


@dataclass(frozen=True)
class Unverified:
    """A compact JWS split and parsed, signature not yet checked: trust nothing in it."""

    token: str
    kid: str
    claims: dict[str, Any]


def new_message_id() -> str:
    return str(uuid.uuid4())


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects with a repeated member are refused: parsers disagree on which one wins."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise Malformed(f"duplicate JSON member {name!r}")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise Malformed(f"{name} is not JSON")


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(
            b64url_decode(segment).decode("utf-8"),
            object_pairs_hook=_refuse_duplicates,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"the {what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise Malformed(f"the {what} must be a JSON object")
    return value


def _check_header(header: Mapping[str, Any], typ: str) -> str:
    """Refuse every header but ``{alg: EdDSA, kid, typ}``; return the kid."""
    if header.get("alg") != ALGORITHM:
        raise UnsupportedAlgorithm(f"alg must be {ALGORITHM}, not {header.get('alg')!r}")
    if set(header) != HEADER_MEMBERS:
        raise Malformed(f"the header must hold exactly {sorted(HEADER_MEMBERS)}")
    if header["typ"] != typ:
        raise Malformed(f"typ must be {typ!r} here")
    kid = header["kid"]
    if not isinstance(kid, str) or not _KID.match(kid):
        raise Malformed("kid must be an RFC 7638 thumbprint")
    return kid


def open_compact(token: str | bytes, typ: str, max_size: int = DEFAULT_MAX_SIZE) -> Unverified:
    """Split and parse a compact JWS and check its header, without verifying the signature."""
    if not isinstance(token, str | bytes):
        raise Malformed("a compact JWS is a string")
    if len(token) > max_size:
        raise TooLarge(f"token of {len(token)} bytes exceeds the limit of {max_size}")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise Malformed("a compact JWS is ASCII") from exc
    segments = token.split(".")
    if len(segments) != 3 or not _SEGMENT.match(segments[0]):
        raise Malformed("not a compact JWS (three base64url segments)")
    kid = _check_header(_json_object(segments[0], "header"), typ)
    if not all(_SEGMENT.match(segment) for segment in segments[1:]):
        raise Malformed("not a compact JWS (empty or non-base64url payload or signature)")
    return Unverified(token, kid, _json_object(segments[1], "payload"))


def check_signature(unverified: Unverified, key: PublicKey) -> None:
    """Verify the signature with ``key`` through PyJWT, pinned to EdDSA."""
    if key.status is KeyStatus.REVOKED:
        raise RevokedKey(f"key {key.kid!r} is revoked")
    try:
        _JWS.decode_complete(unverified.token, key=key.crypto_key(), algorithms=[ALGORITHM])
    except InvalidSignatureError as exc:
        raise BadSignature("the signature does not verify") from exc
    except PyJWTError as exc:
        raise Malformed(f"not a valid JWS: {exc}") from exc


def sign_compact(claims: Mapping[str, Any], key: SigningKey, typ: str) -> str:
    """Sign ``claims`` as a compact JWS with the only header this package writes."""
    payload = json.dumps(claims, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return _JWS.encode(
        payload.encode("utf-8"),
        key.private,
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": typ},
    )


def to_numeric(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return int(moment.timestamp())


def from_numeric(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def check_times(
    iat: int, exp: int, now: datetime, skew: timedelta, max_lifetime: timedelta
) -> None:
    """Refuse a token from the future, a stale one, and one that claims too long a life."""
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    now_ts = now.timestamp()
    if iat > now_ts + skew.total_seconds():
        raise NotYetValid("iat is in the future beyond the allowed clock skew")
    if exp <= iat:
        raise Malformed("exp must come after iat")
    if exp - iat > max_lifetime.total_seconds():
        raise Malformed(f"a token may live at most {int(max_lifetime.total_seconds())} seconds")
    if now_ts - skew.total_seconds() >= exp:
        raise Expired("the token has expired")


def sign(
    key: SigningKey,
    *,
    iss: str,
    aud: str,
    type: str,
    body: Mapping[str, Any],
    now: datetime,
    jti: str | None = None,
    conversation: str | None = None,
    seq: int = 0,
    lifetime: timedelta = DEFAULT_LIFETIME,
    catalogue: Catalogue | None = None,
    check: bool = True,
) -> str:
    """Sign one delivery attempt of a message; checks the claims and body first (fail at home).

    ``check=False`` skips the schema checks for a body its sender has checked already (a queued
    message, validated when it was queued) or built itself (a receipt): they cost more than the
    signature, and the receiver checks everything again anyway."""
    if lifetime > MAX_LIFETIME:
        raise ValueError(f"a message may live at most {MAX_LIFETIME}")
    jti = jti or new_message_id()
    iat = to_numeric(now)
    claims = {
        "iss": iss,
        "aud": aud,
        "iat": iat,
        "exp": iat + int(lifetime.total_seconds()),
        "jti": jti,
        "type": type,
        "conversation": conversation or jti,
        "seq": seq,
        "body": dict(body),
    }
    if check:
        catalogue = catalogue or default_catalogue()
        catalogue.validate_document("envelope", claims)
        catalogue.validate_body(type, claims["body"])
    return sign_compact(claims, key, MESSAGE_TYP)


def verify(
    token: str | bytes,
    resolve_keys: KeyResolver,
    expected_audience: str,
    now: datetime,
    *,
    skew: timedelta = DEFAULT_SKEW,
    max_size: int = DEFAULT_MAX_SIZE,
    max_lifetime: timedelta = MAX_LIFETIME,
    catalogue: Catalogue | None = None,
) -> Envelope:
    """Verify a received message or raise the :class:`~federation.errors.Rejection` that says why."""
    catalogue = catalogue or default_catalogue()
    unverified = open_compact(token, MESSAGE_TYP, max_size)
    claims = unverified.claims
    catalogue.validate_document("envelope", claims)
    keys = resolve_keys(claims["iss"])
    key = keys.get(unverified.kid)
    if key is None:
        raise UnknownKey(f"no key {unverified.kid!r} for {claims['iss']}")
    check_signature(unverified, key)
    check_times(claims["iat"], claims["exp"], now, skew, max_lifetime)
    keys.verifying_key(unverified.kid, from_numeric(claims["iat"]))
    if claims["aud"] != expected_audience:
        raise WrongAudience(f"addressed to {claims['aud']}, not to {expected_audience}")
    catalogue.validate_body(claims["type"], claims["body"])
    return _envelope(unverified)


def _envelope(unverified: Unverified) -> Envelope:
    claims = unverified.claims
    return Envelope(
        iss=claims["iss"],
        aud=claims["aud"],
        iat=from_numeric(claims["iat"]),
        exp=from_numeric(claims["exp"]),
        jti=claims["jti"],
        type=claims["type"],
        conversation=claims["conversation"],
        seq=claims["seq"],
        body=claims["body"],
        kid=unverified.kid,
        token=unverified.token,
    )


def receipt_body(
    envelope: Envelope, reason: str | None = None, detail: str | None = None
) -> dict[str, Any]:
    """The body of the signed receipt answering ``envelope``: accepted, or refused with a reason.

    Send it as a ``receipt/1`` message to ``envelope.iss`` in the same conversation and ``seq``.
    """
    body: dict[str, Any] = {
        "message": envelope.jti,
        "message_type": envelope.type,
        "outcome": "accepted" if reason is None else "refused",
    }
    if reason is not None:
        body["reason"] = reason
    if detail is not None:
        body["detail"] = detail
    return body
