"""The host side of a posting: a peer's ``posting-notice/1`` answered with ``posting-answer/1``.

A notice about a member of a peer who comes to work in this node's country is checked (the place
of work is in this country, the dates and amounts make sense, the posting is new) and answered in
the inbox's one transaction: the notice and the answer are stored, and the answer is queued to
the home node in the notice's conversation (the posting id). The answer carries:

* this country's requirements for a posted worker from its payroll plugin
  (:mod:`node.postings.requirements`), in force on the posting's first day — or, when the law data
  does not reach that day yet, on the nearest day it covers (a ``host_law_as_of`` warning says so);
* whether the declared hourly gross meets the minimum wage for the hours (a gross in another
  currency converted at today's rate of :mod:`node.fx`, a ``gross_converted`` warning says so);
* the local contact and the services of :mod:`node.postings.host_profile`;
* warnings: the minimum wage ones, and the host labour-law thresholds (12/18 months, from
  :mod:`node.postings.limits`) over every notice the home node sent for the same member — the
  ``home_member_ref`` is stable per member and host, so missions add up here too.

A notice that cannot be answered is a business refusal (:data:`REFUSALS`): nothing is stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.db.types import utcnow
from node.federation.inbox import BusinessRefusal
from node.federation.outbox import enqueue
from node.fx import service as fx
from node.fx.rates import convert_minor
from node.money import MoneyError, from_minor, to_minor
from node.postings import host_profile, limits
from node.postings.home_pay import law_day
from node.postings.models import PostingNotice
from node.postings.peers import active_peer, peer_actor
from node.postings.requirements import check_wage, requirements_body
from plugins.payroll.model import PayrollError

if TYPE_CHECKING:
    from node.runtime import Node

NOTICE = "posting-notice/1"
ANSWER = "posting-answer/1"
ENTITY = "posting_notice"
MAX_HOURS = Decimal(168)
#: Reason codes of the refusals, by what is wrong with the notice.
REFUSALS = (
    "wrong_host_country",  # the place of work is not in this node's country
    "invalid_notice",  # ends before it starts, no hours, no pay
    "already_notified",  # this posting id was notified already
    "no_local_contact",  # this node's admin has not set a local contact yet
    "no_host_requirements",  # this node's country has no payroll law for the dates
)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _checked(body: dict[str, Any], own_country: str) -> tuple[date, date, Decimal]:
    place = body["place_of_work"]["country"]
    if place != own_country:
        raise BusinessRefusal(
            "wrong_host_country", f"the place of work is in {place}, this node is {own_country}"
        )
    start, end = _day(body["start"]), _day(body["end"])
    try:
        hours, gross = Decimal(body["hours_per_week"]), Decimal(body["hourly_gross"]["amount"])
    except InvalidOperation:  # the schema's patterns make this unreachable; refuse all the same
        raise BusinessRefusal("invalid_notice", "hours or gross are not numbers") from None
    if end < start:
        raise BusinessRefusal("invalid_notice", "the posting ends before it starts")
    if not Decimal(0) < hours <= MAX_HOURS or gross <= 0:
        raise BusinessRefusal("invalid_notice", "hours a week or hourly gross out of range")
    return start, end, gross


def _earlier_stays(session: Session, home: str, member_ref: str, country: str) -> list[limits.Stay]:
    query = select(PostingNotice.start_on, PostingNotice.end_on).where(
        PostingNotice.home_node == home, PostingNotice.member_ref == member_ref
    )
    return [limits.Stay(country, start, end) for start, end in session.execute(query)]


def limit_text(warning: limits.LimitWarning) -> str:
    """One sentence for a limit warning, with its source."""
    return (
        f"{warning.code} in {warning.host_country}: {warning.state}, the limit is reached on "
        f"{warning.reached_on.isoformat()} ({warning.days_left} days left). {warning.source}"
    )[:1000]


def _limit_warnings(stays: list[limits.Stay], country: str, today: date) -> list[dict[str, str]]:
    return [
        {"code": warning.code, "text": limit_text(warning)}
        for warning in limits.warnings(stays, today=today)
        if warning.host_country == country and warning.code.startswith("host_")
    ]


def _requirements(node: Node, start: date) -> tuple[Any, list[dict[str, str]]]:
    payroll = node.jurisdiction.payroll()
    if payroll is None:
        raise BusinessRefusal("no_host_requirements", "this node's country has no payroll law")
    day = law_day(payroll, start)
    try:
        found = payroll.posting_requirements(day)
    except PayrollError as exc:
        raise BusinessRefusal("no_host_requirements", str(exc)[:500]) from None
    notes = []
    if day != start:
        notes.append(
            {
                "code": "host_law_as_of",
                "text": f"The requirements are those in force on {day.isoformat()}: this node's "
                f"law data does not cover {start.isoformat()} yet.",
            }
        )
    return found, notes


def _in_currency(
    session: Session, node: Node, gross: Decimal, currency: str, target: str
) -> tuple[Decimal, str, list[dict[str, str]]]:
    """The hourly gross in the minimum wage's currency, at today's rate (:mod:`node.fx`: a
    configured rate or the ECB reference rate) with a ``gross_converted`` note; unchanged when
    no rate is known (the check then says it did not compare)."""
    if currency == target:
        return gross, currency, []
    try:
        rate = fx.rate_on(session, node.settings, currency, target, utcnow().date())
        minor = convert_minor(to_minor(gross, currency), rate, currency, target)
    except (fx.FxRateMissing, MoneyError):
        return gross, currency, []
    amount = from_minor(minor, target)
    note = (
        f"{gross} {currency} an hour is {amount} {target} at the {rate.source} rate "
        f"{rate.pair} {rate.rate} of {rate.day.isoformat()}."
    )
    return amount, target, [{"code": "gross_converted", "text": note}]


def answer_notice(node: Node, session: Session, message: Envelope) -> dict[str, Any]:
    """Check a notice and build its answer (refusing with a reason code); stores nothing."""
    body, own_country = message.body, node.settings["node.country"]
    start, end, gross = _checked(body, own_country)
    known = select(PostingNotice.id).where(
        PostingNotice.home_node == message.iss, PostingNotice.posting_uuid == body["posting"]
    )
    if session.scalars(known).first() is not None:
        raise BusinessRefusal("already_notified", "this posting was notified already")
    profile = host_profile.profile(session)
    if profile is None:
        raise BusinessRefusal("no_local_contact", "this node has not set a local contact yet")
    requirements, notes = _requirements(node, start)
    minimum = requirements.minimum_wage
    compared, currency, converted = _in_currency(
        session, node, gross, body["hourly_gross"]["currency"], minimum.currency
    )
    wage = check_wage(minimum, own_country, compared, currency)
    stays = _earlier_stays(session, message.iss, body["member"]["home_member_ref"], own_country)
    stays.append(limits.Stay(own_country, start, end))
    return {
        "posting": body["posting"],
        "requirements": requirements_body(requirements),
        "meets_minimum_wage": wage.meets,
        "local_contact": host_profile.local_contact(profile),
        "services": [dict(service) for service in profile.services],
        "warnings": [
            *notes,
            *converted,
            *wage.warnings,
            *_limit_warnings(stays, own_country, utcnow().date()),
        ][:50],
    }


def handle_notice(node: Node, session: Session, message: Envelope) -> None:
    """Answer a peer's posting notice: store both and queue the answer in its conversation."""
    answer = answer_notice(node, session, message)
    peer = active_peer(session, message.iss)
    assert peer is not None  # the inbox only applies messages of active peers
    body = message.body
    row = PostingNotice(
        peer_id=peer.id,
        home_node=message.iss,
        posting_uuid=body["posting"],
        member_ref=body["member"]["home_member_ref"],
        start_on=_day(body["start"]),
        end_on=_day(body["end"]),
        notice_jti=message.jti,
        body=dict(body),
        answer=answer,
        received_at=utcnow(),
    )
    session.add(row)
    session.flush()
    enqueue(session, peer, ANSWER, answer, message.conversation)
    audit.record(
        session,
        actor=peer_actor(message.iss),
        action="postings.notice.answer",
        entity=ENTITY,
        entity_id=row.id,
        changes={
            "posting": [None, row.posting_uuid],
            "meets_minimum_wage": [None, answer["meets_minimum_wage"]],
        },
    )


def notices(session: Session, limit: int = 200) -> list[PostingNotice]:
    query = select(PostingNotice).order_by(PostingNotice.id.desc()).limit(limit)
    return list(session.scalars(query))


def notice_view(row: PostingNotice) -> dict[str, Any]:
    body = row.body
    return {
        "id": row.id,
        "home_node": row.home_node,
        "posting": row.posting_uuid,
        "member": dict(body["member"]),
        "a1_reference": body["a1_reference"],
        "start": row.start_on,
        "end": row.end_on,
        "client": dict(body["client"]),
        "place_of_work": dict(body["place_of_work"]),
        "hours_per_week": body["hours_per_week"],
        "hourly_gross": dict(body["hourly_gross"]),
        "activity": body.get("activity"),
        "received_at": row.received_at,
        "answer": row.answer,
    }
