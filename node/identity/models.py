"""Identity tables: users, their login sessions and refresh tokens, API clients, login attempts.

No secret is stored as given: passwords are argon2id hashes, refresh tokens and client secrets are
SHA-256 hashes of 256-bit random tokens (a hash is enough for a value with that much entropy),
and TOTP secrets — which must be read back to check a code — are encrypted with the node's
:class:`node.crypto.Cipher`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.db import Base
from node.db.types import BigIntId, UTCDateTime, utcnow


class User(Base):
    """Someone who signs in: a member, a staff member or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Second factor: the Fernet-encrypted base32 secret, and the last accepted 30-second time
    # step so a code cannot be replayed (RFC 6238 §5.2).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginSession(Base):
    """One sign-in: an API token family or a browser session. Logout revokes it, which also kills
    every access token that names it (tokens carry its id in ``sid``)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "api" or "browser"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it ended: "logout", "refresh-reuse", "deactivated" (for operators reading the table).
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """One refresh token of an API session. Each is single-use: refreshing marks it used and
    issues the next. Used tokens are kept until the session goes, so presenting one again is
    recognised as theft and ends the whole session."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiClient(Base):
    """A platform (e.g. a delivery platform) calling the API with client credentials. Its tokens
    name it as ``client:<id>`` with the ``platform`` role; revoking it stops them at once."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """One login attempt, kept for throttling (failures per account and per address in a window)
    and as a security log. ``account`` is the e-mail address tried, or ``client:<client_id>``."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
