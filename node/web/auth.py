"""Who is calling: turn a request's credentials into a :class:`Principal`.

Two credentials are accepted:

* ``Authorization: Bearer <access JWT>`` — users' API sessions (``sub = user:<id>``, the token
  names its login session in ``sid``) and platform API clients (``sub = client:<id>``, role
  ``platform``, no session and no member). Any defect in a bearer token is a 401: expired,
  tampered, another algorithm, another key.
* the browser session cookie (pages). A cookie that is stale, forged or names an ended session
  simply counts as no credential (so the login page still works); an unsafe request (``POST`` …)
  authenticated by the cookie must also carry its CSRF token, else 403 ``csrf-failed``.

Either way the login session must be live and its user active (or the API client active), so
logout, deactivation and revocation take effect at once. A bearer token wins over a cookie.

Returns ``(principal or None, second_factor_ok)``. Sessions of staff and admins are only ever
opened after their TOTP code was checked, so the second value is always true here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from node.errors import CsrfFailed, Unauthorized
from node.i18n import N_
from node.identity import csrf
from node.identity.models import ApiClient, LoginSession, User
from node.identity.roles import Principal, Role
from node.identity.sessions import API, BROWSER, is_live
from node.identity.tokens import CLIENT_PREFIX, USER_PREFIX, decode_access_token

if TYPE_CHECKING:
    from node.config import Settings


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(N_("Use the Bearer scheme with an access token."))
    return token.strip()


def member_id_for_user(session: Session, user_id: int) -> int | None:
    from node.members.models import Member

    return session.scalar(select(Member.id).where(Member.user_id == user_id))


def _numeric_id(subject: str, prefix: str) -> int | None:
    raw = subject.removeprefix(prefix)
    return int(raw) if subject.startswith(prefix) and raw.isdigit() else None


def principal_for_session(
    session: Session,
    session_id: str | None,
    subject: str,
    *,
    via_cookie: bool = False,
    role: str | None = None,
) -> Principal:
    """Check the login session is live and the user active; build the principal.

    ``role`` is the role the token claims: if the user's role changed since, the token is stale.
    """
    user_id = _numeric_id(subject, USER_PREFIX)
    if user_id is None or not isinstance(session_id, str):
        raise Unauthorized(N_("The access token is invalid."))
    login = session.get(LoginSession, session_id)
    user = session.get(User, user_id)
    kind = BROWSER if via_cookie else API
    if login is None or login.kind != kind or not is_live(login, user) or user is None:
        raise Unauthorized(N_("The session has ended; sign in again."))
    if role is not None and role != user.role:
        raise Unauthorized(N_("Your role has changed; sign in again."))
    return Principal(
        role=Role(user.role),
        user_id=user.id,
        session_id=login.id,
        member_id=member_id_for_user(session, user.id),
        via_cookie=via_cookie,
    )


def principal_for_client(session: Session, subject: str, role: str) -> Principal:
    """A platform API client: it must still exist and be active."""
    client_pk = _numeric_id(subject, CLIENT_PREFIX)
    client = session.get(ApiClient, client_pk) if client_pk is not None else None
    if client is None or role != Role.PLATFORM.value:
        raise Unauthorized(N_("The access token is invalid."))
    if not client.is_active:
        raise Unauthorized(N_("This API client has been revoked."))
    return Principal(role=Role.PLATFORM, client_id=client.id)


def principal_from_cookie(
    request: Request, session: Session, settings: Settings
) -> Principal | None:
    """The browser session named by the cookie, or None if there is no usable cookie."""
    raw = request.cookies.get(csrf.COOKIE_NAME)
    session_id = csrf.unsign_session(settings, raw) if raw else None
    if session_id is None:
        return None
    login = session.get(LoginSession, session_id)
    if login is None:
        return None
    try:
        return principal_for_session(
            session, session_id, f"{USER_PREFIX}{login.user_id}", via_cookie=True
        )
    except Unauthorized:
        return None


def check_csrf(request: Request, settings: Settings, principal: Principal) -> None:
    """Unsafe methods authenticated by the cookie need the session's CSRF token (403 if not).

    The token comes from the ``X-CSRF-Token`` header or, for forms, the ``csrf_token`` field that
    :mod:`node.web.api` lifts out of the form into ``request.state.csrf_token``.
    """
    if request.method in csrf.SAFE_METHODS or principal.session_id is None:
        return
    presented = request.headers.get(csrf.CSRF_HEADER) or getattr(request.state, "csrf_token", None)
    if not csrf.csrf_valid(settings, principal.session_id, presented):
        raise CsrfFailed(N_("This form is stale or did not come from this site; reload the page."))


def authenticate(
    request: Request, session: Session, settings: Settings
) -> tuple[Principal | None, bool]:
    token = bearer_token(request)
    if token is not None:
        claims = decode_access_token(settings, token)
        if claims.subject.startswith(CLIENT_PREFIX):
            return principal_for_client(session, claims.subject, claims.role), True
        principal = principal_for_session(
            session, claims.session_id, claims.subject, role=claims.role
        )
        return principal, True
    from_cookie = principal_from_cookie(request, session, settings)
    if from_cookie is not None:
        check_csrf(request, settings, from_cookie)
    return from_cookie, True
