"""Access tokens for the API: short-lived JWTs signed with the node's secret.

The algorithm is pinned (HS256) on both sides, so ``alg: none`` or an asymmetric-key confusion is
refused by PyJWT itself. Every token names its login session (``sid``); the caller checks that the
session is still live, which is how logout revokes tokens before they expire. Platform tokens
(client credentials) name their API client (``sub = client:<id>``) instead and have no session;
the caller checks that the client is still active.

Opaque secrets (refresh tokens, client secrets) are 256-bit random strings; only their SHA-256
is stored (:func:`hash_token`), which is enough for values nobody can guess.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from node.config import Settings
from node.db.types import utcnow
from node.errors import Unauthorized
from node.i18n import N_

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "typ", "role"]
CLIENT_PREFIX = "client:"
USER_PREFIX = "user:"


def new_token() -> str:
    """A fresh opaque secret: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What is stored for an opaque secret: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    role: str
    session_id: str | None
    expires_at: datetime


def _audience(settings: Settings) -> str:
    return settings["node.base_url"] + "/api"


def issue_access_token(
    settings: Settings, *, subject: str, role: str, session_id: str | None
) -> tuple[str, datetime]:
    """Sign an access token; returns it with its expiry time."""
    now = utcnow()
    expires = now + timedelta(minutes=settings["security.access_token_minutes"])
    claims = {
        "iss": settings["node.base_url"],
        "aud": _audience(settings),
        "sub": subject,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_urlsafe(16),
        "typ": "access",
    }
    if session_id is not None:
        claims["sid"] = session_id
    token = jwt.encode(claims, settings["security.secret_key"], algorithm=ALGORITHM)
    return token, expires


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verify signature, algorithm, issuer, audience, expiry; raise 401 on any failure."""
    try:
        claims = jwt.decode(
            token,
            settings["security.secret_key"],
            algorithms=[ALGORITHM],
            audience=_audience(settings),
            issuer=settings["node.base_url"],
            options={"require": REQUIRED_CLAIMS},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(N_("The access token has expired.")) from None
    except jwt.PyJWTError:
        raise Unauthorized(N_("The access token is invalid.")) from None
    if claims.get("typ") != "access":
        raise Unauthorized(N_("The access token is invalid."))
    return AccessClaims(
        subject=str(claims["sub"]),
        role=str(claims["role"]),
        session_id=claims.get("sid"),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )
