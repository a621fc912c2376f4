"""A member's rights over their data: export (GDPR art. 15 and 20) and erasure (art. 17).

Export gives everything the node holds about the member in one JSON document, identifiers in
clear. Erasure pseudonymises the record rather than deleting it, because the law makes the co-op
keep part of it (see :func:`erase_member`). The audit trail never holds members' personal values
(their names, emails and identifiers are masked when recorded), so it can stay append-only and
still not outlive an erasure with the data it was meant to protect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from node import audit
from node.audit.models import AuditEntry
from node.db.types import utcnow
from node.errors import Conflict
from node.federation.attestations import (
    CONSENT_ENTITY,
    consents_of,
    erase_consents,
    export_consents,
)
from node.identity.models import LoginSession, User
from node.members import checks, iban_changes
from node.members.cross_border import audited_records, erase_cross_border, export_cross_border
from node.members.identifiers import Vault
from node.members.models import Member, MemberStatus
from node.members.service import AUDIT_MASKED, present, snapshot
from node.payroll.privacy import erase_payroll_profile, export_payroll
from node.shares.service import holdings, present_holdings, transactions
from node.shares.terms import Terms

EXPORT_FORMAT = "coopnode.member-export/1"


def audit_entries_about(session: Session, member_id: int) -> list[AuditEntry]:
    """Audit entries about the member record, their share movements, their consents and their
    cross-border records."""
    records = {
        "share_transaction": [str(row.id) for row in transactions(session, member_id)],
        CONSENT_ENTITY: [str(row.id) for row in consents_of(session, member_id)],
        **audited_records(session, member_id),
    }
    about = or_(
        and_(AuditEntry.entity == "member", AuditEntry.entity_id == str(member_id)),
        *(
            and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))
            for entity, ids in records.items()
        ),
    )
    return list(session.scalars(select(AuditEntry).where(about).order_by(AuditEntry.id)))


def export_member(
    session: Session,
    vault: Vault,
    terms: Terms,
    member: Member,
    *,
    actor: str,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Everything about the member: profile (identifiers in clear), shares, payroll (profile,
    contracts, payslips), the consents they gave other co-ops' nodes, their cross-border records
    (postings, hosting, value-chain shares: :mod:`node.members.cross_border`), audit entries.

    The export is itself audited: handing out personal data is processing that must be traceable.
    """
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow(),
        "member": present(member, vault, full=True),
        "shares": present_holdings(session, terms, member.id),
        "payroll": export_payroll(session, member.id, member.language),
        "federation": {"consents": export_consents(session, member.id)},
        "cross_border": export_cross_border(session, member.id),
        "audit": [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "changes": e.changes,
            }
            for e in audit_entries_about(session, member.id)
        ],
    }
    audit.record(
        session,
        actor=actor,
        action="member.export",
        entity="member",
        entity_id=member.id,
        request_id=request_id,
    )
    return document


def erase_member(
    session: Session,
    vault: Vault,
    member: Member,
    *,
    actor: str,
    request_id: str | None = None,
) -> Member:
    """Pseudonymise a member who asked to be forgotten; refused (409) while they hold shares.

    Removed: name (becomes ``Erased member #id``), email (a unique placeholder), national id,
    IBAN, home node URL, the payroll profile's personal values, the pseudonyms of their
    federation consents (open consents are revoked: :func:`node.federation.attestations.
    erase_consents`), the personal details of their postings, hosting and value-chain shares that
    the books do not need (:mod:`node.members.cross_border`), and the login (deactivated, its
    email and name replaced, its sessions revoked). The status becomes ``left``.

    Kept, because the law requires it (GDPR art. 17(3)(b): data needed to meet a legal
    obligation): the share movements with their classes, counts, nominal values and dates, since
    co-operative law makes the co-op keep its register of members and shares, and accounting law
    keeps the records behind the books (capital is equity) for seven to ten years depending on the
    country. The pseudonymous record stays as their anchor with what the register needs to be
    read (country, language, kind, status, joining and leaving dates); and payroll records
    (contracts, pre-hire declarations, payslips), which labour law makes the employer keep
    (:mod:`node.payroll.privacy`); the ledger and invoices (self-billed ones of value chains
    included), and what shows where, when and for how much they worked abroad.

    Shares must be redeemed first: the co-op still owes their value, which needs a payee.
    """
    checks.refuse_erased(member)
    held = holdings(session, member.id)
    if any(held.values()):
        raise Conflict("The member still holds shares: redeem them first.", holdings=held)
    before = snapshot(member, vault)
    now = utcnow()
    user_id = member.user_id
    member.name = f"Erased member #{member.id}"
    member.email = f"erased-member-{member.id}@erased.invalid"
    member.national_id_encrypted = member.national_id_hash = member.iban_encrypted = None
    member.home_node_url = None
    member.user_id = None
    member.left_on = member.left_on or checks.today()
    member.status = MemberStatus.LEFT
    member.erased_at = now
    iban_changes.erase(session, member.id, actor=actor, now=now)
    erase_payroll_profile(session, member.id)
    erase_consents(session, member.id, actor=actor, request_id=request_id)
    abroad = erase_cross_border(session, member.id, member.name)
    session.flush()
    changes = audit.diff(before, snapshot(member, vault), sensitive=AUDIT_MASKED)
    audit.record(
        session,
        actor=actor,
        action="member.erase",
        entity="member",
        entity_id=member.id,
        request_id=request_id,
        changes={**changes, "cross_border": [None, abroad]},
    )
    if user_id is not None:
        _close_login(session, user_id, actor=actor, request_id=request_id)
    return member


def _close_login(session: Session, user_id: int, *, actor: str, request_id: str | None) -> None:
    """Deactivate and pseudonymise the erased member's login, and end its sessions."""
    user = session.get(User, user_id)
    if user is None:
        return
    user.is_active = False
    user.email = f"erased-user-{user.id}@erased.invalid"
    user.display_name = "Erased user"
    user.password_hash = "!erased"  # noqa: S105 - not a hash: matches no password
    user.totp_secret = None
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(
        session,
        actor=actor,
        action="user.erase",
        entity="user",
        entity_id=user_id,
        changes={"is_active": [True, False]},
        request_id=request_id,
    )
