"""Field checks of member records, shared by creation and update.

Field-level problems are appended to an ``errors`` list so one answer names every bad field (422);
clashes with other records raise :class:`node.errors.Conflict` (409) at once.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.config import is_loopback_host
from node.db.types import utcnow
from node.errors import Conflict, FieldError, ValidationProblem
from node.identity.models import User
from node.members.identifiers import (
    IdentifierError,
    Jurisdictions,
    Vault,
    check_iban,
    check_national_id,
    national_id_expected,
)
from node.members.models import Member, MemberStatus


def today() -> date:
    """The node's calendar day (UTC: the same answer on every worker, whatever its time zone)."""
    return utcnow().date()


def normal_email(email: str) -> str:
    """Emails compare case-insensitively in practice; store them trimmed and lower-cased."""
    return email.strip().lower()


def set_national_id(
    errors: list[FieldError],
    member: Member,
    vault: Vault,
    jurisdictions: Jurisdictions,
    value: str | None,
    *,
    moved: bool = False,
) -> str | None:
    """Validate and encrypt ``value`` onto ``member``; return its lookup hash (None if cleared).

    ``moved``: the home country changed and the stored id is re-checked against the new one.
    """
    if value is None:
        member.national_id_encrypted = None
        return None
    try:
        compact = check_national_id(jurisdictions, member.home_country, value)
    except IdentifierError as exc:
        error = exc.error
        if moved:
            error = FieldError(
                "national_id",
                f"{error.message} (the stored national id is not "
                "valid in the new home country: send the new one too)",
                error.code,
            )
        errors.append(error)
        return member.national_id_hash
    member.national_id_encrypted = vault.seal(compact)
    return vault.national_id_hash(member.home_country, compact)


def require_national_id(
    errors: list[FieldError], jurisdictions: Jurisdictions, member: Member
) -> None:
    """A member (not a guest) living where national ids can be checked must have one."""
    if (
        member.national_id_encrypted is None
        and member.status != MemberStatus.GUEST
        and national_id_expected(jurisdictions, member.home_country)
        and not any(error.field == "national_id" for error in errors)
    ):
        errors.append(
            FieldError(
                "national_id",
                f"This field is required for members living in {member.home_country}.",
                "required",
            )
        )


def set_iban(errors: list[FieldError], member: Member, vault: Vault, value: str | None) -> None:
    if value is None:
        member.iban_encrypted = None
        return
    try:
        member.iban_encrypted = vault.seal(check_iban(value))
    except IdentifierError as exc:
        errors.append(exc.error)


def home_node_url(errors: list[FieldError], guest: bool, value: str | None) -> str | None:
    """A guest's home co-op node URL (https, or http on loopback); nobody else has one."""
    if not guest:
        if value is not None:
            errors.append(
                FieldError("home_node_url", "Only guests have a home node.", "not_allowed")
            )
        return None
    if value is None:
        errors.append(
            FieldError("home_node_url", "A guest needs their home co-op's node URL.", "required")
        )
        return None
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and is_loopback_host(parts.hostname or "")
    )
    if not parts.hostname or not secure or parts.query or parts.fragment:
        errors.append(
            FieldError("home_node_url", "Must be the https base URL of a node.", "invalid_url")
        )
        return None
    return url


def parse_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def past_date(field: str, value: date | str | None) -> date:
    """``value`` (default today), refused when in the future."""
    day = today() if value is None else parse_date(value)
    if day > today():
        raise ValidationProblem.single(field, "Must not be in the future.", "future_date")
    return day


def joining_date(errors: list[FieldError], status: str, value: date | str | None) -> date | None:
    """When an active member or a guest joined (default today); applicants have not joined."""
    if status == MemberStatus.APPLICANT:
        if value is not None:
            errors.append(
                FieldError("joined_on", "An applicant has not joined yet.", "not_allowed")
            )
        return None
    try:
        return past_date("joined_on", value)
    except ValidationProblem as exc:
        errors.extend(exc.errors)
        return None


def user_exists(errors: list[FieldError], session: Session, user_id: int | None) -> None:
    if user_id is not None and session.get(User, user_id) is None:
        errors.append(FieldError("user_id", "No such user.", "not_found"))


def refuse_taken(
    session: Session,
    *,
    email: str,
    national_id_hash: str | None,
    user_id: int | None,
    member_id: int | None = None,
) -> None:
    """409 when another member already has this email, national id or login."""
    others = select(Member.id)
    if member_id is not None:
        others = others.where(Member.id != member_id)
    clashes = (
        ("email", Member.email == email, "A member with this email already exists."),
        (
            "national_id",
            Member.national_id_hash == national_id_hash,
            "A member with this national id already exists.",
        ),
        ("user_id", Member.user_id == user_id, "This login is already linked to another member."),
    )
    for field, condition, message in clashes:
        value = {"email": email, "national_id": national_id_hash, "user_id": user_id}[field]
        if value is not None and session.scalar(others.where(condition).limit(1)) is not None:
            raise Conflict(message, field=field)


def refuse_erased(member: Member) -> None:
    if member.erased_at is not None:
        raise Conflict("This member's personal data has been erased; the record is closed.")


def refuse_kind_change_with_shares(session: Session, member: Member) -> None:
    """The kind decides the share class; it may change only while no shares are held."""
    from node.shares.service import holdings

    if any(holdings(session, member.id).values()):
        raise Conflict("Redeem the member's shares before changing their kind.", field="kind")
