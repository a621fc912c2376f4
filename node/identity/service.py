"""Users and signing in: plain functions over a database session (no HTTP here).

* :func:`create_user` / :func:`deactivate_user` / :func:`list_users` — accounts, audited.
* :func:`login` — password (+ TOTP for staff and admins) to a new session, throttled.

Signing in answers the same 401 for an unknown address, a wrong password and a deactivated
account, and hashes a dummy password for unknown addresses, so neither the answer nor its timing
tells which addresses have accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.config import SUPPORTED_LANGUAGES, Settings
from node.crypto import Cipher
from node.db import Database
from node.db.types import utcnow
from node.errors import Conflict, NotFound, TotpRequired, Unauthorized, ValidationProblem
from node.i18n import N_
from node.identity import passwords, sessions, throttle, totp
from node.identity.models import User
from node.identity.roles import ROLES_NEEDING_TOTP, Role

WRONG_CREDENTIALS = N_("The e-mail address or password is wrong.")
USER_ROLES = (Role.MEMBER, Role.STAFF, Role.ADMIN)


@dataclass(frozen=True)
class NewUser:
    """A created user and the secrets shown once: a generated password, the TOTP enrolment."""

    user: User
    generated_password: str | None
    totp_secret: str | None
    totp_uri: str | None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_email(email: str) -> None:
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or " " in email or len(email) > 254:
        raise ValidationProblem.single("email", N_("Not a valid e-mail address."), "format")


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    settings: Settings,
    cipher: Cipher,
    *,
    email: str,
    display_name: str,
    role: str,
    actor: str,
    password: str | None = None,
    language: str = "en",
    request_id: str | None = None,
) -> NewUser:
    """Create a login. Staff and admins get a TOTP secret, returned here and never again."""
    email = normalise_email(email)
    _check_email(email)
    if role not in USER_ROLES:
        raise ValidationProblem.single("role", N_("Must be member, staff or admin."), "enum")
    if language not in SUPPORTED_LANGUAGES:
        raise ValidationProblem.single("language", N_("Unsupported language."), "enum")
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    passwords.check_policy(password)
    if find_by_email(session, email) is not None:
        raise Conflict(N_("A user with this e-mail address already exists."))
    secret = totp.new_secret() if Role(role) in ROLES_NEEDING_TOTP else None
    user = User(
        email=email,
        display_name=display_name.strip() or email,
        role=role,
        password_hash=passwords.hash_password(password),
        language=language,
        totp_secret=cipher.encrypt(secret) if secret else None,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent creation won the race for the address
        raise Conflict(N_("A user with this e-mail address already exists.")) from None
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        changes=audit.diff(
            {},
            {
                "email": email,
                "display_name": user.display_name,
                "role": role,
                "language": language,
                "second_factor": secret is not None,
            },
            # Personal values stay out of the append-only trail, so erasure leaves none behind.
            sensitive=("email", "display_name"),
        ),
        request_id=request_id,
    )
    uri = (
        totp.provisioning_uri(secret, account=email, issuer=settings["node.name"])
        if secret
        else None
    )
    return NewUser(user, generated, secret, uri)


def active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN.value, User.is_active.is_(True)
            )
        )
        or 0
    )


def deactivate_user(
    session: Session, user_id: int, *, actor: str, request_id: str | None = None
) -> User:
    """Stop a user signing in and end their sessions now. The last active admin stays."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    if not user.is_active:
        return user
    if user.role == Role.ADMIN.value and active_admins(session) <= 1:
        raise Conflict(N_("This is the last active admin; create another admin first."))
    user.is_active = False
    user.deactivated_at = utcnow()
    ended = sessions.end_all(session, user.id, "deactivated")
    audit.record(
        session,
        actor=actor,
        action="user.deactivate",
        entity="user",
        entity_id=user.id,
        changes={"is_active": [True, False], "sessions_ended": [None, ended]},
        request_id=request_id,
    )
    return user


def list_users(session: Session, role: str | None = None) -> list[User]:
    query = select(User).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    return list(session.scalars(query))


def present_user(user: User) -> dict[str, Any]:
    """The public view of a user (never the password hash nor the TOTP secret)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "language": user.language,
        "is_active": user.is_active,
        "second_factor": user.totp_secret is not None,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def _second_factor(user: User, cipher: Cipher, code: str | None) -> str | None:
    """None if the second factor is satisfied (or not needed); else why not."""
    if Role(user.role) not in ROLES_NEEDING_TOTP:
        return None
    if user.totp_secret is None:
        return "totp-not-enrolled"
    code = totp.normalise(code)
    if code is None:
        return "totp-missing"
    step = totp.verify(cipher.decrypt(user.totp_secret), code, last_step=user.totp_last_step)
    if step is None:
        return "totp"
    user.totp_last_step = step
    return None


def login(
    db: Database,
    settings: Settings,
    cipher: Cipher,
    *,
    email: str,
    password: str,
    code: str | None,
    address: str,
    kind: str,
) -> sessions.Started:
    """Check the credentials and open a session; 429, 401 or 401 ``totp-required`` otherwise.

    Runs its own transactions: failed attempts must be recorded although the request fails.
    """
    account = normalise_email(email)
    with db.reading() as session:
        throttle.check(session, settings, account=account, address=address)
        found = session.execute(
            select(User.id, User.password_hash).where(User.email == account)
        ).one_or_none()
    if found is None:
        passwords.burn()
    if found is None or not passwords.verify_password(found.password_hash, password):
        _record_failure(db, account, address, "password")
        raise Unauthorized(WRONG_CREDENTIALS)
    new_hash = (
        passwords.hash_password(password) if passwords.needs_rehash(found.password_hash) else None
    )
    with db.transaction() as session:
        # Locked, so two sign-ins racing with the same TOTP code cannot both succeed.
        user = session.get(User, found.id, with_for_update=True)
        failure = "inactive" if user is None or not user.is_active else None
        if user is not None and failure is None:
            failure = _second_factor(user, cipher, code)
        if user is not None and failure is None:
            if new_hash is not None:
                user.password_hash = new_hash
            user.last_login_at = utcnow()
            throttle.record(session, account=account, address=address, succeeded=True, reason=kind)
            return sessions.start(session, settings, user, kind)
    if failure == "inactive":
        _record_failure(db, account, address, failure)
        raise Unauthorized(WRONG_CREDENTIALS)
    if failure == "totp-missing":
        raise TotpRequired(N_("Staff and admins must also give the code from their authenticator."))
    _record_failure(db, account, address, str(failure))
    if failure == "totp-not-enrolled":
        raise TotpRequired(N_("No authenticator is enrolled for this account; ask an admin."))
    raise TotpRequired(N_("The authenticator code is wrong or was already used."))


def _record_failure(db: Database, account: str, address: str, reason: str) -> None:
    with db.transaction() as session:
        throttle.record(session, account=account, address=address, succeeded=False, reason=reason)
