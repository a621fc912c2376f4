"""The member's home node (A): asking a peer to host a member, and receiving its answers.

**Asking** (:func:`request_hosting`, staff): the member must be in good standing here
(:func:`node.federation.attestations.in_good_standing`) and must have given a consent token for
the host (``POST /api/v1/federation/consents``, purpose ``guest_membership``, audience the host).
The token must verify against this node's keys and belong to that member's open consent; it is
marked used by the request, which is queued to the host in a new conversation named after the
hosting id. ``share_back`` lists the figures the member agreed the host may report home.

**Receiving** ``hosting-answer/1`` (:func:`handle_answer`) and ``hosting-completion/1``
(:func:`handle_completion`): only from the node that was asked, once each, a completion only
after an acceptance and with only the figures in ``share_back``; anything else is a business
refusal with a stable reason code (:mod:`node.hosting.service`).
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.attestation import Consent
from federation.envelope import Envelope
from federation.errors import FederationError, Rejection
from federation.identity import parse_node_id
from node import audit
from node.activities.service import LARGEST_ID
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation import attestations, keystore
from node.federation.attestation_models import MemberConsent
from node.federation.inbox import BusinessRefusal
from node.federation.outbox import enqueue
from node.hosting import service
from node.hosting.models import HostingRequest, HostingState
from node.members.models import Member
from node.members.service import get_member

_NO_SUCH = "No such hosting request."


def _consent_for(
    session: Session, node_id: str, host: str, member: Member, token: str
) -> tuple[Consent, MemberConsent]:
    """The member's open consent behind ``token`` (locked), or 422 naming why not."""
    try:
        consent = service.verified_consent(
            token, home=node_id, home_keys=keystore.key_set(session), host=host
        )
    except Rejection as exc:
        code = service.consent_refusal(exc)
        raise ValidationProblem.single("consent", exc.detail[:500], code) from None
    try:
        row = attestations._usable_record(session, consent)
    except BusinessRefusal as exc:
        raise ValidationProblem.single("consent", exc.detail or exc.reason, exc.reason) from None
    if row.member_id != member.id:
        raise ValidationProblem.single(
            "consent", "This consent was given by another member.", service.CONSENT_OTHER_MEMBER
        )
    return consent, row


def _mission_body(mission: dict[str, Any]) -> tuple[date, date, dict[str, Any]]:
    start, end = date.fromisoformat(mission["start"]), date.fromisoformat(mission["end"])
    if service.dates_invalid(start, end, utcnow().date()):
        raise ValidationProblem.single(
            "mission.end",
            "The mission must end on or after its start, and not in the past.",
            service.DATES_INVALID,
        )
    return start, end, {k: v for k, v in mission.items() if v is not None}


def request_hosting(
    session: Session,
    node_id: str,
    *,
    member_id: int,
    host: str,
    consent: str,
    mission: dict[str, Any],
    share_back: list[str],
    actor: str,
    request_id: str | None = None,
) -> HostingRequest:
    """Ask ``host`` (an active peer) to employ the member for ``mission``; queued at once."""
    member = get_member(session, member_id)
    if member is None:
        raise ValidationProblem.single("member_id", "No such member.", "not_found")
    if not attestations.in_good_standing(member):
        raise Conflict("Only an active member in good standing can be hosted by a peer.")
    with suppress(FederationError):  # not a node id: it then matches no peer
        host = parse_node_id(host)
    peer = service.active_peer(session, host)
    if peer is None:
        raise Conflict("The host is not an active peer of this node.")
    start, end, body_mission = _mission_body(mission)
    verified, consent_row = _consent_for(session, node_id, peer.node_id, member, consent)
    hosting = str(uuid.uuid4())
    body = {
        "hosting": hosting,
        "member": {
            "name": member.name,
            "email": member.email,
            "home_member_ref": verified.subject,
        },
        "attestation": {"consent": consent},
        "mission": body_mission,
        "share_back": sorted(set(share_back), key=service.SUMMARY_FIELDS.index),
    }
    message = enqueue(session, peer, service.REQUEST, body, hosting)
    consent_row.used_at, consent_row.used_by = utcnow(), message.jti
    row = HostingRequest(
        hosting=hosting,
        peer_id=peer.id,
        host=peer.node_id,
        member_id=member.id,
        request_jti=message.jti,
        consent_jti=verified.jti,
        home_member_ref=verified.subject,
        start_on=start,
        end_on=end,
        mission=body_mission,
        share_back=body["share_back"],
        state=HostingState.REQUESTED.value,
        requested_by=actor[:120],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="hosting.request",
        entity=service.ENTITY_REQUEST,
        entity_id=row.id,
        changes={"host": [None, row.host], "member_id": [None, member.id]},
        request_id=request_id,
    )
    return row


# -- the host's messages ------------------------------------------------------------------------


def _asked(session: Session, message: Envelope) -> HostingRequest:
    """Our request this message is about, from the node we asked (locked)."""
    query = (
        select(HostingRequest)
        .where(HostingRequest.hosting == message.body["hosting"])
        .with_for_update()
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        raise BusinessRefusal(service.UNKNOWN_HOSTING, "no hosting request of ours has this id")
    if row.host != message.iss:
        raise BusinessRefusal(service.NOT_ASKED, "this hosting was not asked of the sender")
    return row


def _record(session: Session, message: Envelope, row: HostingRequest, action: str) -> None:
    audit.record(
        session,
        actor=service.peer_actor(message.iss),
        action=action,
        entity=service.ENTITY_REQUEST,
        entity_id=row.id,
        changes={"state": [None, row.state]},
    )


def handle_answer(session: Session, message: Envelope) -> None:
    """The host accepted (with its reference of the guest) or refused (with a reason)."""
    row = _asked(session, message)
    if row.state != HostingState.REQUESTED:
        raise BusinessRefusal(service.ALREADY_ANSWERED, "this hosting was answered already")
    body = message.body
    row.state = body["decision"]
    row.reason, row.guest_ref = body.get("reason"), body.get("guest_ref")
    row.decided_at = utcnow()
    _record(session, message, row, "hosting.answer")


def handle_completion(session: Session, message: Envelope) -> None:
    """The host completed the mission: store its period and summary (consented figures only)."""
    row = _asked(session, message)
    if row.state == HostingState.COMPLETED:
        raise BusinessRefusal(service.ALREADY_COMPLETED, "this hosting was completed already")
    if row.state != HostingState.ACCEPTED:
        raise BusinessRefusal(service.NOT_ACCEPTED, "this hosting was never accepted")
    body = message.body
    extra = sorted(set(body["summary"]) - set(row.share_back))
    if extra:
        raise BusinessRefusal(
            service.NOT_CONSENTED, f"the member did not consent to sharing {extra}"
        )
    row.period_start = date.fromisoformat(body["period"]["start"])
    row.period_end = date.fromisoformat(body["period"]["end"])
    row.summary = dict(body["summary"])
    row.state, row.completed_at = HostingState.COMPLETED.value, utcnow()
    _record(session, message, row, "hosting.complete")


# -- reading ------------------------------------------------------------------------------------


def requests(session: Session) -> list[HostingRequest]:
    query = select(HostingRequest).order_by(HostingRequest.id.desc()).limit(200)
    return list(session.scalars(query))


def get_request(session: Session, request_id: int) -> HostingRequest:
    row = session.get(HostingRequest, request_id) if 1 <= request_id <= LARGEST_ID else None
    if row is None:
        raise NotFound(_NO_SUCH)
    return row


def request_view(session: Session, row: HostingRequest) -> dict[str, Any]:
    """The request as staff see it. While no answer came, a request the host refused on receipt
    (its receipt's reason) shows as ``refused``, one that could not be delivered as ``failed``."""
    state, reason = row.state, row.reason
    if row.state == HostingState.REQUESTED:
        fate = service.delivery_fate(session, row.request_jti)
        if fate is not None:
            state, reason = fate
    return {
        "id": row.id,
        "hosting": row.hosting,
        "host": row.host,
        "member_id": row.member_id,
        "mission": row.mission,
        "share_back": list(row.share_back),
        "state": state,
        "reason": reason,
        "guest_ref": row.guest_ref,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "answered_at": row.decided_at,
        "period": service.period_view(row.period_start, row.period_end),
        "summary": row.summary,
        "completed_at": row.completed_at,
    }
