"""Throttling of login attempts: failures per account and per client address in a time window.

At ``security.login_max_failures`` failures within ``security.login_window_minutes`` a login is
refused with 429 and a ``Retry-After`` before the password is even checked, so guessing costs the
attacker time instead of the node CPU. A successful login clears the account's count (not the
address's: knowing one password must not buy more guesses at others).

Attempts are recorded by the caller in their own committed transaction (:func:`record`), because
the request that failed rolls its own transaction back.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from node.config import Settings
from node.db.types import utcnow
from node.errors import TooManyRequests
from node.i18n import N_
from node.identity.models import LoginAttempt

KEEP_FOR = timedelta(days=90)  # attempts are a security log too; older ones are pruned


def _window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings["security.login_window_minutes"])


def _failures_since(
    session: Session, condition: ColumnElement[bool], since: datetime
) -> tuple[int, datetime]:
    count, oldest = session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
            condition, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
        )
    ).one()
    return int(count), oldest


def check(session: Session, settings: Settings, *, account: str, address: str) -> None:
    """Raise :class:`TooManyRequests` (with ``retry_after`` seconds) if either limit is reached."""
    now = utcnow()
    window = _window(settings)
    start = now - window
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.account == account, LoginAttempt.succeeded.is_(True)
        )
    )
    since_account = max(start, last_success) if last_success is not None else start
    limit = settings["security.login_max_failures"]
    for condition, since in (
        (LoginAttempt.account == account, since_account),
        (LoginAttempt.address == address, start),
    ):
        count, oldest = _failures_since(session, condition, since)
        if count >= limit:
            wait = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise TooManyRequests(
                N_("Too many failed sign-ins; wait before trying again."), retry_after=wait
            )


def record(session: Session, *, account: str, address: str, succeeded: bool, reason: str) -> None:
    """Add one attempt (and prune those older than :data:`KEEP_FOR`)."""
    session.add(
        LoginAttempt(
            account=account[:254], address=address[:64], succeeded=succeeded, reason=reason
        )
    )
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KEEP_FOR))
