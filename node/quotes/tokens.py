"""Acceptance tokens: the secret in the link a client opens to accept or refuse a quote.

A token is a JWT signed with HS256 (the algorithm pinned when verifying, so ``alg: none`` and
algorithm confusion are refused by PyJWT) under a key derived from ``security.secret_key`` for
this purpose only (``HMAC(secret_key, "quote-acceptance")``), with its own audience
``quote-acceptance`` and type: neither an API access token nor any other token of the node can
pass for an acceptance token, or the reverse. Its claims:

``qid``  the quote's id            ``dig``  the SHA-256 digest of the quote as sent
``jti``  a random id (128 bits)    ``exp``  expiry (the end of the validity date, at most 30 days)
``iss``  ``node.base_url``         ``aud``  ``quote-acceptance``     ``typ``  ``quote-acceptance``

This module only checks what the token says about itself (signature, audience, issuer, type,
expiry). :func:`node.quotes.service.verify_link` then checks it against the database: the token
row of its ``jti`` exists, holds the SHA-256 of this exact text (so even a re-encoding that
decodes to the same bytes is refused), is neither used nor revoked, and the quote's current digest
is the token's (any change to the quote after sending invalidates the link).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from node.config import Settings

ALGORITHM = "HS256"
AUDIENCE = "quote-acceptance"
TOKEN_TYPE = "quote-acceptance"  # noqa: S105 (a claim value, not a secret)
REQUIRED_CLAIMS = ["iss", "aud", "iat", "exp", "jti", "typ", "qid", "dig"]
MAX_LENGTH = 2048


class TokenRefused(Exception):
    """The token is not usable; ``reason`` is ``invalid`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AcceptanceClaims:
    quote_id: int
    digest: str
    jti: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    secret = settings["security.secret_key"].encode()
    return hmac.new(secret, AUDIENCE.encode(), hashlib.sha256).digest()


def token_hash(token: str) -> str:
    """What is stored of a token: the SHA-256 of its exact text, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    settings: Settings, *, quote_id: int, digest: str, expires_at: datetime, now: datetime
) -> tuple[str, str]:
    """Sign a token for ``quote_id`` as it is now (``digest``); returns ``(token, jti)``."""
    jti = secrets.token_urlsafe(16)
    claims = {
        "iss": settings["node.base_url"],
        "aud": AUDIENCE,
        "typ": TOKEN_TYPE,
        "qid": quote_id,
        "dig": digest,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, _key(settings), algorithm=ALGORITHM), jti


def verify(settings: Settings, token: str, *, now: datetime) -> AcceptanceClaims:
    """The token's claims if its signature, audience, issuer and type hold and ``now`` is
    before its expiry; else :class:`TokenRefused` (``invalid`` or ``expired``)."""
    if not token or len(token) > MAX_LENGTH:
        raise TokenRefused("invalid")
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=settings["node.base_url"],
            # expiry is checked below against ``now`` (which tests may move)
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise TokenRefused("invalid") from None
    quote_id, digest, jti, expiry = claims["qid"], claims["dig"], claims["jti"], claims["exp"]
    if (
        claims["typ"] != TOKEN_TYPE
        or not isinstance(quote_id, int)
        or isinstance(quote_id, bool)
        or not isinstance(digest, str)
        or not isinstance(jti, str)
        or not isinstance(expiry, int)
    ):
        raise TokenRefused("invalid")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise TokenRefused("expired")
    return AcceptanceClaims(quote_id, digest, jti, expires_at)
