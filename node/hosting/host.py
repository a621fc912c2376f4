"""The host (B): receiving a peer's hosting request, deciding, employing the guest, completing.

**Receiving** ``hosting-request/1`` (:func:`handle_request`): the consent token is checked as
:mod:`node.hosting.service` explains (a failed check is a business refusal: ``consent_invalid``,
``consent_expired``, ``consent_not_yet_valid``, ``consent_wrong_audience``,
``consent_other_member``, ``consent_used``); a hosting id the sender used before is refused
(``hosting_exists``). The mission is then stored as ``requested`` for an admin to decide, unless
its dates cannot be hosted: then it is refused at once with the reason ``dates_invalid``.

**Deciding** (admins): :func:`accept` creates the guest — a login with a generated password
(:func:`node.identity.service.create_user`, shown once, as for any new login) and a member
record with status ``guest`` naming the home node (:func:`node.members.service.create_member`),
or reuses the guest record this home node's member already has here — and opens an activity for
the mission with the guest as its lead; :func:`refuse` takes a reason from
:data:`~node.hosting.service.REFUSAL_REASONS`. Either queues the ``hosting-answer/1``. The guest
then works, is invoiced for and paid under this node's law with the usual machinery.

**Completing** (staff, :func:`complete`): the period ends on the day given (default: the
mission's end, or today while the mission runs); the summary (:mod:`node.hosting.summary`)
holds only the figures in ``share_back``, and goes home in a ``hosting-completion/1``.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from federation.errors import Rejection
from federation.keys import KeySet
from node import audit
from node.activities import service as activities
from node.activities.models import Activity
from node.activities.service import LARGEST_ID
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation.inbox import BusinessRefusal
from node.federation.models import Peer
from node.federation.outbox import enqueue
from node.hosting import service, summary
from node.hosting.models import HostedMission, HostingState
from node.identity import service as identity
from node.identity.roles import Principal, Role
from node.members import service as members
from node.members.checks import normal_email
from node.members.identifiers import Vault
from node.members.models import Member, MemberStatus

if TYPE_CHECKING:
    from node.runtime import Node

_NO_SUCH = "No such hosted mission."
AUTO = "auto"


# -- receiving ----------------------------------------------------------------------------------


def _checked_consent(session: Session, message: Envelope, peer: Peer) -> str:
    """The token's id, once it is for this node and this member, from the sender, unused."""
    body = message.body
    try:
        consent = service.verified_consent(
            body["attestation"]["consent"],
            home=message.iss,
            home_keys=KeySet.from_jwks(peer.jwks),
            host=message.aud,
        )
    except Rejection as exc:
        raise BusinessRefusal(service.consent_refusal(exc), exc.detail[:500]) from None
    if consent.subject != body["member"]["home_member_ref"]:
        raise BusinessRefusal(service.CONSENT_OTHER_MEMBER, "the consent names another member")
    used = select(HostedMission.id).where(
        HostedMission.home == message.iss, HostedMission.consent_jti == consent.jti
    )
    if session.scalars(used).first() is not None:
        raise BusinessRefusal(service.CONSENT_USED, "this consent was presented already")
    return consent.jti


def handle_request(session: Session, message: Envelope) -> None:
    """Store a peer's request for an admin to decide (or refuse it at once: dates)."""
    peer = service.active_peer(session, message.iss)
    assert peer is not None  # the inbox only applies messages of active peers
    body = message.body
    known = select(HostedMission.id).where(
        HostedMission.home == message.iss, HostedMission.hosting == body["hosting"]
    )
    if session.scalars(known).first() is not None:
        raise BusinessRefusal(service.HOSTING_EXISTS, "this hosting id was used already")
    consent_jti = _checked_consent(session, message, peer)
    mission = body["mission"]
    row = HostedMission(
        hosting=body["hosting"],
        peer_id=peer.id,
        home=peer.node_id,
        request_jti=message.jti,
        consent_jti=consent_jti,
        home_member_ref=body["member"]["home_member_ref"],
        member_name=body["member"]["name"],
        member_email=normal_email(body["member"]["email"]),
        start_on=date.fromisoformat(mission["start"]),
        end_on=date.fromisoformat(mission["end"]),
        mission=dict(mission),
        share_back=list(body["share_back"]),
        state=HostingState.REQUESTED.value,
    )
    session.add(row)
    session.flush()
    _audit(session, row, "hosting.received", service.peer_actor(message.iss))
    if service.dates_invalid(row.start_on, row.end_on, utcnow().date()):
        _decide(session, row, peer, HostingState.REFUSED, AUTO, reason=service.DATES_INVALID)


# -- deciding -----------------------------------------------------------------------------------


def _audit(
    session: Session, row: HostedMission, action: str, actor: str, request_id: str | None = None
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=service.ENTITY_HOSTED,
        entity_id=row.id,
        changes={"state": [None, row.state], "reason": [None, row.reason]},
        request_id=request_id,
    )


def _decide(
    session: Session,
    row: HostedMission,
    peer: Peer,
    decision: HostingState,
    actor: str,
    *,
    reason: str | None = None,
    request_id: str | None = None,
) -> None:
    """Record the decision, forget the request's personal data, and answer the home node."""
    row.state, row.reason = decision.value, reason
    row.decided_by, row.decided_at = actor[:120], utcnow()
    row.member_name = row.member_email = None  # now in the guest's member record, or not needed
    answer: dict[str, Any] = {"hosting": row.hosting, "decision": decision.value}
    if decision is HostingState.ACCEPTED:
        row.guest_ref = "g-" + secrets.token_urlsafe(12)
        answer["guest_ref"] = row.guest_ref
    else:
        answer["reason"] = reason
    enqueue(session, peer, service.ANSWER, answer, row.hosting)
    _audit(session, row, f"hosting.{decision.value}", actor, request_id)


def _pending(session: Session, hosted_id: int) -> tuple[HostedMission, Peer]:
    row = _locked(session, hosted_id)
    if row.state != HostingState.REQUESTED:
        raise Conflict("This hosting request was decided already.", state=row.state)
    return row, _answerable_peer(session, row)


def _locked(session: Session, hosted_id: int) -> HostedMission:
    if not 1 <= hosted_id <= LARGEST_ID:
        raise NotFound(_NO_SUCH)
    return locked(session, HostedMission, hosted_id, _NO_SUCH)


def _answerable_peer(session: Session, row: HostedMission) -> Peer:
    peer = service.active_peer(session, row.home)
    if peer is None:
        raise Conflict("The member's home node is no longer an active peer of this node.")
    return peer


def _guest(
    session: Session, node: Node, row: HostedMission, peer: Peer, actor: str, request_id: str | None
) -> tuple[Member, str | None]:
    """The guest member for this request and, for a new login, its generated password."""
    assert row.member_email is not None and row.member_name is not None
    existing = session.scalars(select(Member).where(Member.email == row.member_email)).first()
    if existing is not None:
        if existing.status != MemberStatus.GUEST or existing.home_node_url != row.home:
            raise Conflict(
                "A member of this node already uses this email; refuse the request "
                "(reason member_conflict) or settle it with the home co-op."
            )
        return existing, None
    language = node.settings["node.language"]
    login = identity.create_user(
        session,
        node.settings,
        node.cipher,
        email=row.member_email,
        display_name=row.member_name,
        role=Role.MEMBER.value,
        language=language,
        actor=actor,
        request_id=request_id,
    )
    member = members.create_member(
        session,
        Vault.from_settings(node.settings, node.cipher),
        node.jurisdictions,
        actor=actor,
        name=row.member_name,
        email=row.member_email,
        home_country=peer.country,
        language=language,
        status=MemberStatus.GUEST.value,
        home_node_url=row.home,
        user_id=login.user.id,
        request_id=request_id,
        hook=node.plugins.hook,
    )
    return member, login.generated_password


def accept(
    session: Session, node: Node, hosted_id: int, *, actor: str, request_id: str | None = None
) -> tuple[HostedMission, str | None]:
    """Employ the guest: member record (and login), an activity; answer ``accepted``.

    Returns the mission and, when a login was created, its generated password (shown once)."""
    row, peer = _pending(session, hosted_id)
    member, password = _guest(session, node, row, peer, actor, request_id)
    activity = activities.open_activity(
        session,
        name=f"Hosted: {row.mission['description']}"[:200],
        member_ids=[member.id],
        lead_id=member.id,
        currency=node.settings["node.currency"],
        actor=actor,
        request_id=request_id,
    )
    row.member_id, row.activity_id = member.id, activity.id
    _decide(session, row, peer, HostingState.ACCEPTED, actor, request_id=request_id)
    return row, password


def refuse(
    session: Session, hosted_id: int, reason: str, *, actor: str, request_id: str | None = None
) -> HostedMission:
    """Refuse the request with a stable reason; nothing is created."""
    row, peer = _pending(session, hosted_id)
    _decide(session, row, peer, HostingState.REFUSED, actor, reason=reason, request_id=request_id)
    return row


# -- completing ---------------------------------------------------------------------------------


def _period_end(row: HostedMission, end: date | None) -> date:
    today = utcnow().date()
    last = end if end is not None else min(row.end_on, today)
    if last < row.start_on or last > today:
        raise ValidationProblem.single(
            "end",
            "The period ends on or after the mission's start, and not after today.",
            "out_of_range",
        )
    return last


def complete(
    session: Session,
    node: Node,
    hosted_id: int,
    *,
    end: date | None = None,
    actor: str,
    request_id: str | None = None,
) -> HostedMission:
    """Mark an accepted mission complete and report home the consented figures only."""
    row = _locked(session, hosted_id)
    if row.state != HostingState.ACCEPTED:
        raise Conflict("Only an accepted hosting can be completed.", state=row.state)
    peer = _answerable_peer(session, row)
    period = (row.start_on, _period_end(row, end))
    assert row.member_id is not None and row.activity_id is not None
    activity = session.get_one(Activity, row.activity_id)
    jurisdiction = node.jurisdiction
    figures = summary.figures(
        session,
        member_id=row.member_id,
        activity_id=activity.id,
        currency=activity.currency,
        period=period,
        is_working_day=jurisdiction.is_working_day,
    )
    row.summary = summary.consented(figures, row.share_back)
    row.period_start, row.period_end = period
    row.state, row.completed_by, row.completed_at = HostingState.COMPLETED.value, actor, utcnow()
    body = {
        "hosting": row.hosting,
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "summary": row.summary,
    }
    enqueue(session, peer, service.COMPLETION, body, row.hosting)
    _audit(session, row, "hosting.complete", actor, request_id)
    return row


# -- reading ------------------------------------------------------------------------------------


def visible(session: Session, principal: Principal, hosted_id: int) -> HostedMission:
    """Staff see every hosted mission, a guest only their own: else the same 404 as for none."""
    row = session.get(HostedMission, hosted_id) if 1 <= hosted_id <= LARGEST_ID else None
    if row is None or not (principal.is_staff or _guest_of(row, principal)):
        raise NotFound(_NO_SUCH)
    return row


def _guest_of(row: HostedMission, principal: Principal) -> bool:
    return principal.member_id is not None and row.member_id == principal.member_id


def hosted_of(session: Session, principal: Principal) -> list[HostedMission]:
    query = select(HostedMission).order_by(HostedMission.id.desc()).limit(200)
    if not principal.is_staff:
        if principal.member_id is None:  # a login without a member record has no missions
            return []
        query = query.where(HostedMission.member_id == principal.member_id)
    return list(session.scalars(query))


def hosted_view(session: Session, row: HostedMission) -> dict[str, Any]:
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    return {
        "id": row.id,
        "hosting": row.hosting,
        "home": row.home,
        "member": {
            "name": member.name if member is not None else row.member_name,
            "email": member.email if member is not None else row.member_email,
        },
        "member_id": row.member_id,
        "activity_id": row.activity_id,
        "mission": row.mission,
        "share_back": list(row.share_back),
        "state": row.state,
        "reason": row.reason,
        "guest_ref": row.guest_ref,
        "received_at": row.received_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "period": service.period_view(row.period_start, row.period_end),
        "summary": row.summary,
        "completed_at": row.completed_at,
    }
