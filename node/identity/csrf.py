"""Browser session cookies and the CSRF tokens bound to them.

The cookie ``coopnode_session`` holds ``<session id>.<signature>``: the id of a ``browser``
:class:`~node.identity.models.LoginSession` (256 random bits) and an HMAC of it under the node's
``security.secret_key``. The signature means a copy of the database alone (which holds the ids)
is not enough to forge a cookie.

Cookies ride along on cross-site requests, so an unsafe request authenticated by the cookie must
also carry the CSRF token — ``HMAC(secret_key, "csrf:" + session id)`` — in the form field
``csrf_token`` or the ``X-CSRF-Token`` header. Pages embed it in their forms; a script on
another site cannot read it. The token needs no storage and dies with the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from node.config import Settings

COOKIE_NAME = "coopnode_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
