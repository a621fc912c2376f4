"""Member attestation at the node: consents at the home node, requests and answers at the asker.

**At the member's home node.** A member gives a consent (:func:`give_consent`): a consent token
(:func:`federation.attestation.issue_consent`, signed by the node's current key) naming the one
active peer that may use it, one purpose from :data:`PURPOSES` and the fields that peer may learn
(from :data:`federation.attestation.FIELDS`). Its ``jti``, member, audience, purpose, fields and
expiry are recorded, never the token; its subject is a random pseudonym, new for each consent. The
member can list their consents and revoke one (:func:`revoke_consent`).

When an ``attestation-request/1`` arrives, :func:`handle_request` verifies the token (issued by
this node, presented by its audience, for its purpose, unexpired), finds its record (not revoked,
not used: a token serves at most ONCE), marks it used and queues the ``attestation-answer/1``
(:func:`federation.attestation.answer_body`) in the same transaction. A member is **in good
standing** when their status is ``active`` (not applicant, guest, suspended or left) and the
record is not erased; otherwise the answer is "no" with no fields at all. A token that fails any
check is a business refusal with a stable reason code (:data:`REFUSALS`): nothing is marked used.

**At the asking node.** Staff present a token (:func:`ask`): it must come from an active peer and
name this node; the request is queued in a new conversation. :func:`handle_answer` stores the
answer after :func:`federation.attestation.check_answer` (only the fields the consent allows).

There is no lookup by a national id, nor by any other identifier than a token the member gave.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation import attestation
from federation.attestation import CONSENT_TYP, Consent, MemberStanding
from federation.envelope import Envelope, from_numeric, open_compact
from federation.errors import Code, FederationError, Rejection
from federation.identity import parse_node_id
from federation.keys import KeySet
from node import audit
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation import keystore
from node.federation.attestation_models import Attestation, MemberConsent
from node.federation.inbox import BusinessRefusal
from node.federation.models import MessageState, OutboxMessage, Peer, PeerState
from node.federation.outbox import enqueue
from node.i18n import N_
from node.members.models import Member, MemberKind, MemberStatus
from node.shares.service import CLASS_OF_KIND

REQUEST = "attestation-request/1"
ANSWER = "attestation-answer/1"
#: What a consent may be used for (the ``purpose`` of the token; documented in the API schema).
PURPOSES = ("guest_membership", "cross_border_mission", "membership_transfer")
FIELDS = attestation.FIELDS
DEFAULT_LIFETIME_HOURS = 24
MAX_LIFETIME_HOURS = int(attestation.MAX_LIFETIME.total_seconds() // 3600)
#: Reason codes of the home node's refusals, by the check that failed.
REFUSALS = {
    Code.EXPIRED: "consent_expired",
    Code.NOT_YET_VALID: "consent_not_yet_valid",
    Code.WRONG_AUDIENCE: "consent_wrong_audience",
}
CONSENT_INVALID = "consent_invalid"
CONSENT_UNKNOWN = "consent_unknown"
CONSENT_REVOKED = "consent_revoked"
CONSENT_USED = "consent_used"
CONSENT_ENTITY = "federation_consent"
ATTESTATION_ENTITY = "federation_attestation"


def _active_peer(session: Session, node_id: object) -> Peer | None:
    if not isinstance(node_id, str):
        return None
    query = select(Peer).where(Peer.node_id == node_id, Peer.state == PeerState.ACTIVE.value)
    return session.scalars(query).one_or_none()


def _peer_actor(node_id: str) -> str:
    return f"peer:{node_id}"[:100]


# -- the member's home node: standing and facts -------------------------------------------------


def in_good_standing(member: Member) -> bool:
    """Active members only: applicants, guests (members elsewhere), suspended and left are not."""
    return member.status == MemberStatus.ACTIVE.value and member.erased_at is None


def member_facts(member: Member) -> dict[str, Any]:
    """Every field a consent may allow, as the answer schema spells them."""
    facts: dict[str, Any] = {
        "display_name": member.name,
        "home_country": member.home_country,
        "share_class": CLASS_OF_KIND[MemberKind(member.kind)].value,
    }
    if member.joined_on is not None:
        facts["member_since"] = member.joined_on.isoformat()
    return facts


# -- the member's home node: consents -----------------------------------------------------------


def give_consent(
    session: Session,
    master: bytes,
    node_id: str,
    member: Member,
    *,
    audience: str,
    purpose: str,
    fields: list[str],
    lifetime: timedelta,
    actor: str,
    request_id: str | None = None,
) -> tuple[MemberConsent, str]:
    """Issue and record a consent token for ``member``; returns the row and the token."""
    with suppress(FederationError):  # not a node id: it then matches no peer
        audience = parse_node_id(audience)  # two spellings of one node are one node
    peer = _active_peer(session, audience)
    if peer is None:
        raise Conflict(N_("The audience is not an active peer of this node."))
    keystore.ensure_key(session, master)
    key = keystore.current_private_key(session, master)
    token = attestation.issue_consent(
        key,
        home=node_id,
        audience=peer.node_id,
        subject=secrets.token_urlsafe(24),
        purpose=purpose,
        fields=fields,
        now=utcnow(),
        lifetime=lifetime,
    )
    claims = open_compact(token, CONSENT_TYP).claims
    row = MemberConsent(
        jti=claims["jti"],
        member_id=member.id,
        subject=claims["sub"],
        audience=peer.node_id,
        purpose=purpose,
        fields=list(claims["fields"]),
        issued_at=from_numeric(claims["iat"]),
        expires_at=from_numeric(claims["exp"]),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="federation.consent.give",
        entity=CONSENT_ENTITY,
        entity_id=row.id,
        changes={"audience": [None, row.audience], "purpose": [None, purpose]},
        request_id=request_id,
    )
    return row, token


def consents_of(session: Session, member_id: int | None) -> list[MemberConsent]:
    if member_id is None:
        return []
    query = select(MemberConsent).where(MemberConsent.member_id == member_id)
    return list(session.scalars(query.order_by(MemberConsent.id)))


def revoke_consent(
    session: Session,
    member_id: int | None,
    consent_id: int,
    *,
    actor: str,
    request_id: str | None = None,
) -> MemberConsent:
    """The member withdraws a consent: a request presenting it later is refused."""
    missing = N_("No such consent.")
    row = locked(session, MemberConsent, consent_id, missing)
    if row.member_id != member_id:
        raise NotFound(missing)  # another member's consent is indistinguishable from none
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="federation.consent.revoke",
            entity=CONSENT_ENTITY,
            entity_id=row.id,
            changes={"revoked_at": [None, row.revoked_at]},
            request_id=request_id,
        )
    return row


def consent_state(row: MemberConsent, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.used_at is not None:
        return "used"
    return "expired" if row.expires_at <= now else "open"


def consent_view(row: MemberConsent, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "jti": row.jti,
        "audience": row.audience,
        "purpose": row.purpose,
        "fields": list(row.fields),
        "issued_at": row.issued_at,
        "expires_at": row.expires_at,
        "used_at": row.used_at,
        "revoked_at": row.revoked_at,
        "state": consent_state(row, now or utcnow()),
    }


def export_consents(session: Session, member_id: int) -> list[dict[str, Any]]:
    """The member's consents for their data export: to whom, for what, which fields, when, and
    whether used or revoked (with the pseudonym the asking node received, so the member can
    recognise it there)."""
    now = utcnow()
    return [
        {**consent_view(row, now), "subject": row.subject}
        for row in consents_of(session, member_id)
    ]


ERASED_SUBJECT = ""


def erase_consents(
    session: Session, member_id: int, *, actor: str, request_id: str | None = None
) -> int:
    """On erasure: revoke the member's consents still open, and forget each consent's pseudonym,
    the one value that links this member to what an asking node stored. What a record of a
    disclosure needs stays: when, to whom, for what purpose and which fields.

    A token presented afterwards matches no consent (``consent_unknown``). Returns how many were
    revoked.
    """
    now = utcnow()
    revoked = 0
    for row in consents_of(session, member_id):
        row.subject = ERASED_SUBJECT
        if row.revoked_at is None and row.used_at is None:
            row.revoked_at = now
            revoked += 1
            audit.record(
                session,
                actor=actor,
                action="federation.consent.revoke",
                entity=CONSENT_ENTITY,
                entity_id=row.id,
                changes={"revoked_at": [None, now], "reason": [None, "erasure"]},
                request_id=request_id,
            )
    session.flush()
    return revoked


# -- the member's home node: answering ----------------------------------------------------------


def _verified(session: Session, message: Envelope) -> Consent:
    try:
        return attestation.verify_consent(
            message.body["consent"],
            home=message.aud,
            home_keys=keystore.key_set(session),
            asker=message.iss,
            purpose=message.body["purpose"],
            now=utcnow(),
        )
    except Rejection as exc:
        raise BusinessRefusal(REFUSALS.get(exc.code, CONSENT_INVALID), exc.detail[:500]) from None


def _usable_record(session: Session, consent: Consent) -> MemberConsent:
    query = select(MemberConsent).where(MemberConsent.jti == consent.jti).with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None or not row.subject or row.subject != consent.subject:
        raise BusinessRefusal(CONSENT_UNKNOWN, "no such consent at this node")
    if row.audience != consent.audience:
        raise BusinessRefusal(CONSENT_UNKNOWN, "no such consent at this node")
    if row.revoked_at is not None:
        raise BusinessRefusal(CONSENT_REVOKED, "the member revoked this consent")
    if row.used_at is not None:
        raise BusinessRefusal(CONSENT_USED, "this consent was used already")
    return row


def handle_request(session: Session, message: Envelope) -> None:
    """Check the consent, use it up, and queue the answer (yes with allowed fields, or no)."""
    consent = _verified(session, message)
    row = _usable_record(session, consent)
    row.used_at, row.used_by = utcnow(), message.jti
    member = session.get(Member, row.member_id)
    standing = None
    if member is not None:
        good = in_good_standing(member)
        standing = MemberStanding(good, member_facts(member) if good else {})
    answer = attestation.answer_body(message.jti, consent, standing)
    peer = _active_peer(session, message.iss)
    assert peer is not None  # the inbox only applies messages of active peers
    enqueue(session, peer, ANSWER, answer, message.conversation)
    audit.record(
        session,
        actor=_peer_actor(message.iss),
        action="federation.consent.use",
        entity=CONSENT_ENTITY,
        entity_id=row.id,
        changes={"used_at": [None, row.used_at], "answer": [None, answer["in_good_standing"]]},
    )


# -- the asking node ----------------------------------------------------------------------------


def _invalid(detail: str) -> ValidationProblem:
    return ValidationProblem.single("consent", detail[:500])


def ask(
    session: Session, node_id: str, token: str, *, actor: str, request_id: str | None = None
) -> Attestation:
    """Present a member's consent token to their home node (an active peer)."""
    try:
        claims = open_compact(token, CONSENT_TYP, attestation.MAX_SIZE).claims
    except Rejection as exc:
        raise _invalid(exc.detail) from None
    peer = _active_peer(session, claims.get("iss"))
    if peer is None:
        raise Conflict(N_("The consent token's home node is not an active peer of this node."))
    purpose = claims.get("purpose")
    try:
        consent = attestation.verify_consent(
            token,
            home=peer.node_id,
            home_keys=KeySet.from_jwks(peer.jwks),
            asker=node_id,
            purpose=purpose if isinstance(purpose, str) else "",
            now=utcnow(),
        )
    except Rejection as exc:
        raise _invalid(f"{exc.code.value}: {exc.detail}") from None
    known = select(Attestation.id).where(
        Attestation.home == peer.node_id, Attestation.consent_jti == consent.jti
    )
    if session.scalars(known).first() is not None:
        raise Conflict(N_("This consent token was presented already."))
    message = enqueue(session, peer, REQUEST, {"consent": token, "purpose": consent.purpose})
    row = Attestation(
        peer_id=peer.id,
        home=peer.node_id,
        request_jti=message.jti,
        consent_jti=consent.jti,
        subject=consent.subject,
        purpose=consent.purpose,
        allowed_fields=list(consent.fields),
        consent_issued_at=consent.issued_at,
        consent_expires_at=consent.expires_at,
        requested_by=actor[:100],
        requested_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="federation.attestation.ask",
        entity=ATTESTATION_ENTITY,
        entity_id=row.id,
        changes={"home": [None, row.home], "purpose": [None, row.purpose]},
        request_id=request_id,
    )
    return row


def _consent_of(row: Attestation, asker: str) -> Consent:
    return Consent(
        home=row.home,
        audience=asker,
        subject=row.subject,
        purpose=row.purpose,
        fields=tuple(row.allowed_fields),
        issued_at=row.consent_issued_at,
        expires_at=row.consent_expires_at,
        jti=row.consent_jti,
    )


def handle_answer(session: Session, message: Envelope) -> None:
    """Store the home node's answer to one of our requests (from that node, only once)."""
    body = message.body
    query = (
        select(Attestation)
        .where(Attestation.request_jti == body["request"], Attestation.home == message.iss)
        .with_for_update()
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        raise BusinessRefusal("unknown_request", "no attestation request of ours has this id")
    if row.answered_at is not None:
        raise BusinessRefusal("already_answered", "this request was answered already")
    try:
        attestation.check_answer(body, _consent_of(row, message.aud))
    except Rejection as exc:
        raise BusinessRefusal(exc.code.value, exc.detail[:500]) from None
    row.in_good_standing = bool(body["in_good_standing"])
    row.fields = dict(body["fields"])
    row.answered_at = utcnow()
    audit.record(
        session,
        actor=_peer_actor(message.iss),
        action="federation.attestation.answer",
        entity=ATTESTATION_ENTITY,
        entity_id=row.id,
        changes={"in_good_standing": [None, row.in_good_standing]},
    )


def attestation_state(session: Session, row: Attestation) -> tuple[str, str | None]:
    """``answered``; ``pending`` while the request travels; ``refused`` (the home node's reason)
    or ``failed`` (a dead letter) when no answer will come."""
    if row.answered_at is not None:
        return "answered", None
    query = select(OutboxMessage).where(OutboxMessage.jti == row.request_jti)
    message = session.scalars(query).one_or_none()
    if message is None:
        return "pending", None
    if message.state == MessageState.REFUSED.value:
        reason = (message.receipt or {}).get("body", {}).get("reason")
        return "refused", reason
    if message.state in (MessageState.DEAD.value, MessageState.DISCARDED.value):
        return "failed", message.last_error
    return "pending", None


def attestation_view(session: Session, row: Attestation) -> dict[str, Any]:
    state, reason = attestation_state(session, row)
    return {
        "id": row.id,
        "home": row.home,
        "purpose": row.purpose,
        "allowed_fields": list(row.allowed_fields),
        "consent_expires_at": row.consent_expires_at,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "state": state,
        "reason": reason,
        "answered_at": row.answered_at,
        "in_good_standing": row.in_good_standing,
        "fields": row.fields,
    }
