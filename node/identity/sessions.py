"""Login sessions: start one, refresh its tokens, end it.

An ``api`` session hands out a pair: a short-lived access JWT (naming the session in ``sid``) and
a single-use refresh token. Refreshing spends the refresh token and returns a new pair; presenting
a spent refresh token again means two parties hold it — one of them a thief — so the whole session
is ended (OAuth 2.0 Security BCP, refresh token rotation). A ``browser`` session is named by a
signed cookie instead (see :mod:`node.identity.csrf`). Either kind lasts at most
``security.refresh_token_days``; logout or deactivation revokes it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from node.config import Settings
from node.db import Database
from node.db.types import utcnow
from node.errors import Unauthorized
from node.i18n import N_
from node.identity.models import LoginSession, RefreshToken, User
from node.identity.tokens import USER_PREFIX, hash_token, issue_access_token, new_token

API = "api"
BROWSER = "browser"


@dataclass(frozen=True)
class TokenPair:
    """What the login and refresh endpoints return (the refresh token is shown only here)."""

    access_token: str
    expires_in: int
    refresh_token: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


@dataclass(frozen=True)
class Started:
    """A new session: its id (the browser cookie carries it) and, for API sessions, tokens."""

    session_id: str
    user_id: int
    tokens: TokenPair | None
    max_age: int


def lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings["security.refresh_token_days"])


def is_live(login: LoginSession | None, user: User | None) -> bool:
    return (
        login is not None
        and user is not None
        and login.user_id == user.id
        and login.revoked_at is None
        and login.expires_at > utcnow()
        and user.is_active
    )


def _issue(session: Session, settings: Settings, user: User, login: LoginSession) -> TokenPair:
    refresh = new_token()
    session.add(RefreshToken(session_id=login.id, token_hash=hash_token(refresh)))
    access, _expires = issue_access_token(
        settings, subject=f"{USER_PREFIX}{user.id}", role=user.role, session_id=login.id
    )
    return TokenPair(access, settings["security.access_token_minutes"] * 60, refresh)


def start(session: Session, settings: Settings, user: User, kind: str) -> Started:
    """Open a session for a user who has just proved who they are."""
    login = LoginSession(
        id=new_token(), user_id=user.id, kind=kind, expires_at=utcnow() + lifetime(settings)
    )
    session.add(login)
    session.flush()
    tokens = _issue(session, settings, user, login) if kind == API else None
    return Started(login.id, user.id, tokens, int(lifetime(settings).total_seconds()))


def refresh(db: Database, settings: Settings, raw_token: str) -> TokenPair:
    """Spend a refresh token for a new pair. Runs its own transaction so that ending a session on
    reuse is committed even though the request itself fails with 401."""
    reused = False
    with db.transaction() as session:
        row = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw_token))
        )
        if row is None:
            raise Unauthorized(N_("The refresh token is invalid."))
        login = session.get(LoginSession, row.session_id)
        user = session.get(User, login.user_id) if login is not None else None
        if login is None or user is None or login.kind != API or not is_live(login, user):
            raise Unauthorized(N_("The session has ended; sign in again."))
        spent = session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            login.revoked_at = utcnow()
            login.revoked_reason = "refresh-reuse"
            reused = True
        else:
            return _issue(session, settings, user, login)
    assert reused
    raise Unauthorized(
        N_("This refresh token was already used, so the session has been ended; sign in again.")
    )


def end(session: Session, session_id: str, reason: str = "logout") -> None:
    """Revoke one session: its cookie and every access token naming it stop working now."""
    login = session.get(LoginSession, session_id)
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()
        login.revoked_reason = reason


def end_all(session: Session, user_id: int, reason: str) -> int:
    """Revoke every live session of a user (deactivation); returns how many were live."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
