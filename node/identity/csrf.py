"""Browser session cookies and the CSRF tokens bound to them.

The cookie ``coopnode_session`` holds ``<session id>.<signature>``: the id of a ``browser``
:class:`~node.identity.models.LoginSession` (256 random bits) and an HMAC of it under the node's
``security.secret_key``. The signature means a copy of the database alone (which holds the ids)
is not enough to forge a cookie.

Cookies ride along on cross-site requests, so an unsafe request authenticated by the cookie must
also carry the CSRF token — ``HMAC(secret_key, "csrf:" + session id)`` — in the form field
``csrf_token`` or the ``X-CSRF-Token`` header. Pages embed it in their forms; a script on
another site cannot read it. The token needs no storage and dies with the session.

The sign-in form is posted before any session exists, yet it needs the same protection: a hostile
site could otherwise post the attacker's credentials and sign the victim's browser into the
attacker's account (login CSRF), so that what the victim then enters lands in that account.
``GET /login`` therefore sets a pre-session cookie ``coopnode_login_csrf`` (256 random bits,
HttpOnly, SameSite=Strict, path ``/login``, two hours) and embeds ``HMAC(secret_key, "login-csrf:"
+ cookie)`` in the form as ``csrf_token``; ``POST /login`` needs both to match (a signed double
submit: another site can neither read the cookie nor compute the token). The cookie is cleared
once the sign-in succeeds. Like every double-submit scheme this assumes nobody else can set
cookies for the node's host (no hostile sibling subdomains, https in production).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any

from node.config import Settings

COOKIE_NAME = "coopnode_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_COOKIE_NAME = "coopnode_login_csrf"
LOGIN_COOKIE_PATH = "/login"
LOGIN_COOKIE_MAX_AGE = 2 * 60 * 60  # seconds: long enough to fill in the form, then gone
_LOGIN_NONCE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def _mac(settings: Settings, purpose: str, value: str) -> str:
    key = settings["security.secret_key"].encode()
    digest = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_session(settings: Settings, session_id: str) -> str:
    """The cookie value for a browser session."""
    return f"{session_id}.{_mac(settings, 'session', session_id)}"


def unsign_session(settings: Settings, cookie: str) -> str | None:
    """The session id in a cookie value, or None if the signature does not match."""
    session_id, _, signature = cookie.rpartition(".")
    if not session_id or not hmac.compare_digest(
        signature.encode(), _mac(settings, "session", session_id).encode()
    ):
        return None
    return session_id


def csrf_token(settings: Settings, session_id: str) -> str:
    """The CSRF token of a browser session (embed it in every form of its pages)."""
    return _mac(settings, "csrf", session_id)


def csrf_valid(settings: Settings, session_id: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), csrf_token(settings, session_id).encode())


def cookie_options(settings: Settings, *, max_age: int) -> dict[str, Any]:
    """Options for ``Response.set_cookie``: HttpOnly, SameSite=Lax, Secure when configured."""
    return {
        "max_age": max_age,
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": bool(settings["security.cookie_secure"]),
    }


def new_login_nonce() -> str:
    """A fresh random value (256 bits) for the ``coopnode_login_csrf`` cookie."""
    return secrets.token_urlsafe(32)


def is_login_nonce(value: str | None) -> bool:
    """Whether ``value`` looks like a cookie value from :func:`new_login_nonce`."""
    return value is not None and _LOGIN_NONCE.match(value) is not None


def login_csrf_token(settings: Settings, nonce: str) -> str:
    """The token the sign-in form carries for the browser holding the cookie ``nonce``."""
    return _mac(settings, "login-csrf", nonce)


def login_csrf_valid(settings: Settings, nonce: str | None, presented: str | None) -> bool:
    """Whether the form's token belongs to the browser's ``coopnode_login_csrf`` cookie."""
    if not presented or nonce is None or not is_login_nonce(nonce):
        return False
    return hmac.compare_digest(presented.encode(), login_csrf_token(settings, nonce).encode())


def login_cookie_options(
    settings: Settings, *, max_age: int = LOGIN_COOKIE_MAX_AGE
) -> dict[str, Any]:
    """Options for the pre-session cookie: HttpOnly, SameSite=Strict, only sent to ``/login``."""
    return {
        "max_age": max_age,
        "path": LOGIN_COOKIE_PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": bool(settings["security.cookie_secure"]),
    }
