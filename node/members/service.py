"""Member onboarding and upkeep: create, change, change status, list, present.

The rules live here so every door (API, CSV import, later pages) applies the same ones:

* a national id is checked by the home country's jurisdiction; it is required when that
  jurisdiction can check one, except for guests (their home co-op identifies them); an IBAN is
  optional and checked by schwifty;
* a guest (a member of another co-op working here) names their home co-op's node URL; nobody
  else has one;
* emails, national ids and login links are unique (409 when taken);
* statuses move only along :data:`node.members.models.TRANSITIONS`;
* every write is audited with national id, IBAN, name and email masked, and a new member is
  announced to plugins (``coop_on_member_joined``) only once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node import audit
from node.db import after_commit
from node.errors import Conflict, FieldError, ValidationProblem
from node.events import MemberJoined
from node.members import checks, iban_changes
from node.members.identifiers import Jurisdictions, Vault, mask_iban, mask_national_id
from node.members.models import TRANSITIONS, Member, MemberKind, MemberStatus

SENSITIVE = ("national_id", "iban")
#: Masked in the audit trail: identifiers, and also name and email, so the append-only trail holds
#: no personal values and an erasure leaves none behind (it still says who changed which field).
AUDIT_MASKED = (*SENSITIVE, "name", "email")
MAX_ID = 2_147_483_647


def get_member(session: Session, member_id: int) -> Member | None:
    """The member with this id, or None (ids beyond the column's range simply do not exist)."""
    if not 1 <= member_id <= MAX_ID:
        return None
    return session.get(Member, member_id)


def snapshot(member: Member, vault: Vault) -> dict[str, Any]:
    """The member's fields for audit diffs (identifiers in clear: ``audit.diff`` masks them)."""
    return {
        "name": member.name,
        "email": member.email,
        "home_country": member.home_country,
        "language": member.language,
        "kind": member.kind,
        "status": member.status,
        "home_node_url": member.home_node_url,
        "national_id": vault.open(member.national_id_encrypted),
        "iban": vault.open(member.iban_encrypted),
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "user_id": member.user_id,
    }


def _audit(
    session: Session,
    member: Member,
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    actor: str,
    request_id: str | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="member",
        entity_id=member.id,
        changes=audit.diff(before, after, sensitive=AUDIT_MASKED),
        request_id=request_id,
    )


def create_member(
    session: Session,
    vault: Vault,
    jurisdictions: Jurisdictions,
    *,
    actor: str,
    name: str,
    email: str,
    home_country: str,
    language: str,
    national_id: str | None = None,
    iban: str | None = None,
    kind: str = MemberKind.WORKER,
    status: str = MemberStatus.APPLICANT,
    home_node_url: str | None = None,
    joined_on: date | str | None = None,
    user_id: int | None = None,
    request_id: str | None = None,
    hook: Any = None,
) -> Member:
    """Add a member (applicant, active or guest); 422 for bad fields, 409 for taken ones.

    ``hook`` is the plugin host's hook relay: ``coop_on_member_joined`` is called through it
    after commit (``None`` announces nothing, for callers without plugins).
    """
    errors: list[FieldError] = []
    guest = status == MemberStatus.GUEST
    email = checks.normal_email(email)
    member = Member(
        name=name.strip(),
        email=email,
        home_country=home_country,
        language=language,
        kind=kind,
        status=status,
        user_id=user_id,
    )
    member_hash = checks.set_national_id(errors, member, vault, jurisdictions, national_id)
    checks.require_national_id(errors, jurisdictions, member)
    checks.set_iban(errors, member, vault, iban)
    member.home_node_url = checks.home_node_url(errors, guest, home_node_url)
    member.joined_on = checks.joining_date(errors, status, joined_on)
    checks.user_exists(errors, session, user_id)
    if errors:
        raise ValidationProblem(errors)
    checks.refuse_taken(session, email=email, national_id_hash=member_hash, user_id=user_id)
    member.national_id_hash = member_hash
    session.add(member)
    session.flush()
    _audit(session, member, "member.create", {}, snapshot(member, vault), actor, request_id)
    if hook is not None:
        event = MemberJoined(
            member.id, member.status, member.home_country, member.language, member.created_at
        )
        after_commit(session, lambda: hook.coop_on_member_joined(event=event))
    return member


def update_member(
    session: Session,
    vault: Vault,
    jurisdictions: Jurisdictions,
    member: Member,
    changes: Mapping[str, Any],
    *,
    actor: str,
    request_id: str | None = None,
    hook: Any = None,
) -> Member:
    """Change some fields; the whole record must still be valid afterwards (422 / 409 if not).

    The first IBAN is set at once; a change of the IBAN on file is only requested
    (:mod:`node.members.iban_changes`: a second staff approval and a hold), and ``hook`` (the
    plugin host's hook relay, or None) announces it after commit.
    """
    checks.refuse_erased(member)
    before = snapshot(member, vault)
    errors: list[FieldError] = []
    guest = member.status == MemberStatus.GUEST
    for field in ("name", "language", "home_country"):
        if field in changes:
            setattr(member, field, changes[field].strip() if field == "name" else changes[field])
    new_hash = member.national_id_hash
    if "national_id" in changes:
        new_hash = checks.set_national_id(
            errors, member, vault, jurisdictions, changes["national_id"]
        )
    elif member.home_country != before["home_country"] and before["national_id"] is not None:
        new_hash = checks.set_national_id(
            errors, member, vault, jurisdictions, before["national_id"], moved=True
        )
    if "national_id" in changes or member.home_country != before["home_country"]:
        checks.require_national_id(errors, jurisdictions, member)
    requested_iban: list[str | None] = []  # the change to request, once everything is valid
    if "iban" in changes and before["iban"] is None:
        checks.set_iban(errors, member, vault, changes["iban"])
    elif "iban" in changes:
        try:
            requested_iban.append(iban_changes.check_new_iban(changes["iban"]))
        except ValidationProblem as exc:
            errors.extend(exc.errors)
    if "home_node_url" in changes:
        member.home_node_url = checks.home_node_url(errors, guest, changes["home_node_url"])
    if changes.get("user_id") is not None:
        checks.user_exists(errors, session, changes["user_id"])
    if errors:
        raise ValidationProblem(errors)
    email = checks.normal_email(changes["email"]) if "email" in changes else member.email
    user_id = changes.get("user_id", member.user_id)
    checks.refuse_taken(
        session, email=email, national_id_hash=new_hash, user_id=user_id, member_id=member.id
    )
    if "kind" in changes and changes["kind"] != member.kind:
        checks.refuse_kind_change_with_shares(session, member)
        member.kind = changes["kind"]
    member.email, member.user_id, member.national_id_hash = email, user_id, new_hash
    after = snapshot(member, vault)
    if after != before:
        session.flush()
        _audit(session, member, "member.update", before, after, actor, request_id)
    for compact in requested_iban:
        iban_changes.request_change(
            session, vault, member, compact, actor=actor, request_id=request_id, hook=hook
        )
    return member


def change_status(
    session: Session,
    vault: Vault,
    member: Member,
    status: str,
    *,
    actor: str,
    on: date | str | None = None,
    request_id: str | None = None,
) -> Member:
    """Move a member along an allowed transition; ``on`` dates a joining or a leaving."""
    checks.refuse_erased(member)
    current, target = MemberStatus(member.status), MemberStatus(status)
    if target not in TRANSITIONS[current]:
        allowed = sorted(TRANSITIONS[current])
        raise Conflict(
            f"A member who is {current} cannot become {target}.", allowed=[str(s) for s in allowed]
        )
    day = checks.past_date("on", on)
    before = snapshot(member, vault)
    if target is MemberStatus.ACTIVE and member.joined_on is None:
        member.joined_on = day
    if target is MemberStatus.LEFT:
        if member.joined_on is not None and day < member.joined_on:
            raise ValidationProblem.single("on", "A member cannot leave before joining.")
        member.left_on = day
    member.status = target
    session.flush()
    _audit(session, member, "member.status", before, snapshot(member, vault), actor, request_id)
    return member


def list_members(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Member], int]:
    """One page of members in id order, and how many match in all."""
    query = select(Member)
    if status is not None:
        query = query.where(Member.status == status)
    if kind is not None:
        query = query.where(Member.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Member.id).limit(limit).offset(offset)).all()
    return list(page), total


def present(member: Member, vault: Vault, *, full: bool = False) -> dict[str, Any]:
    """The member as the API shows it: identifiers masked unless ``full``."""
    national_id = vault.open(member.national_id_encrypted)
    iban = vault.open(member.iban_encrypted)
    if not full:
        national_id = mask_national_id(national_id) if national_id else None
        iban = mask_iban(iban) if iban else None
    return {
        "id": member.id,
        "name": member.name,
        "email": member.email,
        "home_country": member.home_country,
        "language": member.language,
        "kind": member.kind,
        "status": member.status,
        "home_node_url": member.home_node_url,
        "national_id": national_id,
        "iban": iban,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "user_id": member.user_id,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
        "erased": member.erased_at is not None,
        "identifiers": "full" if full else "masked",
    }
