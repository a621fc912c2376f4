"""Postings at the member's home node: declared here, notified to the host node, answered there.

A member of this node (``active``) works for a while in another country while staying employed
here, under this country's social security (A1 certificate) and payroll law. Staff — or the member
themself — declare it (:func:`declare`): the host node must be an **active peer** in another
country (the place of work is in that country), the dates must be in order and not over, the A1
reference given, hours and hourly gross positive (Decimal). In the same transaction the posting
is stored with the first month's pay under this node's law (:mod:`node.postings.home_pay`) and a
``posting-notice/1`` is queued to the host node in a new conversation named by the posting id.

The host node answers with ``posting-answer/1`` (:mod:`node.postings.host`); :func:`handle_answer`
stores it once, only from the node the notice went to. A refusal or a dead letter shows in the
posting's ``state`` (from the outbox), as for attestation requests.

Per member, the 24-month social-security limit and the 12/18-month host labour-law thresholds are
tracked across all their postings (:func:`member_limits`, :mod:`node.postings.limits`) and shown
with every posting of theirs.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from federation.errors import FederationError
from federation.identity import parse_node_id
from federation.schemas import default_catalogue
from node import audit
from node.db.types import utcnow
from node.errors import FieldError, ValidationProblem
from node.federation.inbox import BusinessRefusal, Handler
from node.federation.models import MessageState, OutboxMessage, Peer
from node.federation.outbox import enqueue
from node.identity.roles import Principal
from node.members.models import Member, MemberStatus
from node.money import from_minor, positive_minor
from node.payroll.service import own_rows, profile_of, visible_own
from node.postings import home_pay, host, limits
from node.postings.models import MemberPosting, PostingState
from node.postings.peers import active_peer, peer_actor

if TYPE_CHECKING:
    from node.runtime import Node

NOTICE, ANSWER = host.NOTICE, host.ANSWER
ENTITY = "member_posting"
NO_SUCH_POSTING = "No such posting."
MAX_HOURS = host.MAX_HOURS


@dataclass(frozen=True)
class Declaration:
    """A mission abroad as declared: who, where (host node, client, place), when, how paid."""

    member_id: int
    host_node: str
    a1_reference: str
    start: date
    end: date
    client_name: str
    client_country: str
    address: str
    city: str
    hours_per_week: Decimal
    hourly_gross: Decimal
    postal_code: str | None = None
    place_country: str | None = None
    activity: str | None = None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


# -- declaring ------------------------------------------------------------------------------------


def _member_errors(session: Session, member_id: int) -> tuple[Member | None, list[FieldError]]:
    member = session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        return None, [FieldError("member_id", "No such member.", "unknown")]
    if member.status != MemberStatus.ACTIVE.value:
        return None, [FieldError("member_id", "The member is not active.", "not_active")]
    return member, []


def _host_errors(
    session: Session, given: Declaration, own_country: str
) -> tuple[Peer | None, list[FieldError]]:
    try:
        node_id = parse_node_id(given.host_node)
    except FederationError:
        node_id = given.host_node
    peer = active_peer(session, node_id)
    if peer is None:
        return None, [FieldError("host_node", "Not an active peer of this node.", "not_a_peer")]
    if peer.country == own_country:
        text = "The host node is in this node's country: a posting is work abroad."
        return None, [FieldError("host_node", text, "not_abroad")]
    if given.place_country is not None and given.place_country != peer.country:
        text = f"Must be the host node's country ({peer.country})."
        return None, [FieldError("place_of_work.country", text, "wrong_country")]
    return peer, []


def _terms_errors(given: Declaration, today: date, currency: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if given.end < given.start:
        errors.append(FieldError("end", "The posting ends before it starts.", "before_start"))
    elif given.end < today:
        text = "The posting is over already: a notice is sent before the work."
        errors.append(FieldError("end", text, "in_the_past"))
    if not _clean(given.a1_reference):
        errors.append(
            FieldError("a1_reference", "Give the A1 certificate's reference.", "required")
        )
    hours = given.hours_per_week
    exponent = hours.as_tuple().exponent
    if not (hours.is_finite() and Decimal(0) < hours <= MAX_HOURS) or (
        isinstance(exponent, int) and exponent < -2
    ):
        text = f"Above 0 and at most {MAX_HOURS}, with at most two decimals."
        errors.append(FieldError("hours_per_week", text, "invalid"))
    try:
        positive_minor(given.hourly_gross, currency, "hourly_gross")
    except ValidationProblem as problem:
        errors += problem.errors
    return errors


def _member_ref(session: Session, member_id: int, host_node: str) -> str:
    """The member's reference at this host node: the one sent before, else a new random one."""
    query = select(MemberPosting.member_ref).where(
        MemberPosting.member_id == member_id, MemberPosting.host_node == host_node
    )
    return session.scalars(query.limit(1)).first() or secrets.token_urlsafe(16)


def notice_body(row: MemberPosting, member_name: str) -> dict[str, Any]:
    """The ``posting-notice/1`` of a posting."""
    place = {"address": row.place_address, "city": row.place_city, "country": row.host_country}
    if row.place_postal_code:
        place["postal_code"] = row.place_postal_code
    body: dict[str, Any] = {
        "posting": row.uuid,
        "member": {"name": member_name, "home_member_ref": row.member_ref},
        "a1_reference": row.a1_reference,
        "start": row.start_on.isoformat(),
        "end": row.end_on.isoformat(),
        "client": {"name": row.client_name, "country": row.client_country},
        "place_of_work": place,
        "hours_per_week": row.hours_per_week,
        "hourly_gross": {
            "amount": str(from_minor(row.hourly_gross_minor, row.currency)),
            "currency": row.currency,
        },
    }
    if row.activity:
        body["activity"] = row.activity
    return body


def _schema_errors(body: dict[str, Any]) -> list[FieldError]:
    """What the notice's schema still refuses (lengths, patterns): named by the notice's path."""
    validator = default_catalogue().validator("posting-notice", 1)
    return [
        FieldError(
            ".".join(str(p) for p in error.absolute_path) or "body", error.message, "invalid"
        )
        for error in validator.iter_errors(body)
    ]


def declare(
    session: Session,
    node: Node,
    given: Declaration,
    *,
    actor: str,
    request_id: str | None = None,
) -> MemberPosting:
    """Record a posting and queue its notice to the host node (422 naming each bad field)."""
    settings = node.settings
    currency, today = settings["node.currency"], utcnow().date()
    member, errors = _member_errors(session, given.member_id)
    peer, host_errors = _host_errors(session, given, settings["node.country"])
    errors += host_errors + _terms_errors(given, today, currency)
    if errors:
        raise ValidationProblem(errors)
    assert member is not None and peer is not None
    profile = profile_of(session, member.id)
    row = MemberPosting(
        uuid=str(uuid.uuid4()),
        member_id=member.id,
        peer_id=peer.id,
        host_node=peer.node_id,
        host_country=peer.country,
        member_ref=_member_ref(session, member.id, peer.node_id),
        a1_reference=_clean(given.a1_reference),
        start_on=given.start,
        end_on=given.end,
        client_name=_clean(given.client_name),
        client_country=given.client_country,
        place_address=_clean(given.address),
        place_postal_code=_clean(given.postal_code) or None,
        place_city=_clean(given.city),
        hours_per_week=str(given.hours_per_week),
        hourly_gross_minor=positive_minor(given.hourly_gross, currency, "hourly_gross"),
        currency=currency,
        activity=_clean(given.activity) or None,
        home_pay=home_pay.estimate(
            node.jurisdiction.payroll(),
            profile.params if profile is not None else {},
            start=given.start,
            end=given.end,
            hours_per_week=given.hours_per_week,
            hourly_gross=given.hourly_gross,
            currency=currency,
        ),
        state=PostingState.NOTIFIED.value,
        created_by=actor[:120],
        created_at=utcnow(),
    )
    body = notice_body(row, member.name)
    schema_errors = _schema_errors(body)
    if schema_errors:
        raise ValidationProblem(schema_errors)
    row.notice_jti = enqueue(session, peer, NOTICE, body, row.uuid).jti
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="postings.declare",
        entity=ENTITY,
        entity_id=row.id,
        changes={
            "member_id": [None, member.id],
            "host_node": [None, row.host_node],
            "start": [None, row.start_on.isoformat()],
            "end": [None, row.end_on.isoformat()],
        },
        request_id=request_id,
    )
    return row


# -- the host node's answer -----------------------------------------------------------------------


def handle_answer(session: Session, message: Envelope) -> None:
    """Store the host node's answer to one of our notices (from that node, only once)."""
    body = message.body
    query = (
        select(MemberPosting)
        .where(MemberPosting.uuid == body["posting"], MemberPosting.host_node == message.iss)
        .with_for_update()
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        raise BusinessRefusal("unknown_posting", "no posting of ours has this id and host")
    if row.answer is not None:
        raise BusinessRefusal("already_answered", "this posting was answered already")
    if body["requirements"]["country"] != row.host_country:
        raise BusinessRefusal("wrong_country", "the requirements are not the host country's")
    row.answer, row.answered_at = dict(body), utcnow()
    row.state = PostingState.ANSWERED.value
    audit.record(
        session,
        actor=peer_actor(message.iss),
        action="postings.answer",
        entity=ENTITY,
        entity_id=row.id,
        changes={
            "state": [PostingState.NOTIFIED.value, row.state],
            "meets_minimum_wage": [None, body["meets_minimum_wage"]],
        },
    )


def handlers(node: Node) -> dict[str, Handler]:
    """The inbox handlers of postings; the host side needs the node (its country and law)."""
    return {NOTICE: partial(host.handle_notice, node), ANSWER: handle_answer}


# -- reading --------------------------------------------------------------------------------------


def visible_posting(session: Session, principal: Principal, posting_id: int) -> MemberPosting:
    """The posting if the caller may see its member (staff; the member); else the same 404."""
    return visible_own(session, principal, MemberPosting, posting_id, NO_SUCH_POSTING)


def postings_of(
    session: Session, principal: Principal, member_id: int | None = None
) -> list[MemberPosting]:
    return own_rows(session, principal, MemberPosting, member_id=member_id)


def member_limits(session: Session, member_id: int, today: date) -> list[dict[str, Any]]:
    """The limits the member's postings approach, reach or exceed, in every host country."""
    query = select(MemberPosting.host_country, MemberPosting.start_on, MemberPosting.end_on).where(
        MemberPosting.member_id == member_id
    )
    stays = [limits.Stay(country, start, end) for country, start, end in session.execute(query)]
    return [asdict(warning) for warning in limits.warnings(stays, today=today)]


def delivery_state(session: Session, row: MemberPosting) -> tuple[str, str | None]:
    """``answered``; ``notified`` while the notice travels or waits for its answer; ``refused``
    (the host's reason) or ``failed`` (a dead letter) when no answer will come."""
    if row.state == PostingState.ANSWERED.value:
        return row.state, None
    query = select(OutboxMessage).where(OutboxMessage.jti == row.notice_jti)
    message = session.scalars(query).one_or_none()
    if message is not None and message.state == MessageState.REFUSED.value:
        return "refused", (message.receipt or {}).get("body", {}).get("reason")
    if message is not None and message.state in (
        MessageState.DEAD.value,
        MessageState.DISCARDED.value,
    ):
        return "failed", message.last_error
    return PostingState.NOTIFIED.value, None


def posting_view(
    session: Session, row: MemberPosting, warnings: list[dict[str, Any]]
) -> dict[str, Any]:
    state, reason = delivery_state(session, row)
    member = session.get(Member, row.member_id)
    return {
        "id": row.id,
        "posting": row.uuid,
        "member_id": row.member_id,
        "member_name": member.name if member is not None else None,
        "host_node": row.host_node,
        "host_country": row.host_country,
        "a1_reference": row.a1_reference,
        "start": row.start_on,
        "end": row.end_on,
        "client": {"name": row.client_name, "country": row.client_country},
        "place_of_work": {
            "address": row.place_address,
            "postal_code": row.place_postal_code,
            "city": row.place_city,
            "country": row.host_country,
        },
        "hours_per_week": row.hours_per_week,
        "hourly_gross": {
            "amount": from_minor(row.hourly_gross_minor, row.currency),
            "currency": row.currency,
        },
        "activity": row.activity,
        "home_pay": row.home_pay,
        "state": state,
        "reason": reason,
        "answer": row.answer,
        "answered_at": row.answered_at,
        "limits": warnings,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def views(session: Session, rows: Iterable[MemberPosting]) -> list[dict[str, Any]]:
    """Postings with their members' limit warnings (computed once per member)."""
    today, found = utcnow().date(), {}
    out = []
    for row in rows:
        if row.member_id not in found:
            found[row.member_id] = member_limits(session, row.member_id, today)
        out.append(posting_view(session, row, found[row.member_id]))
    return out
