"""Quotes: create and revise, send with an acceptance link, accept or refuse, convert.

* A **quote** belongs to an activity and a client (staff, or the activity's members: others get
  404). Its lines are checked like an invoice draft's (:func:`node.invoices.service.parse_lines`,
  VAT tiers of the jurisdiction for the situation) and its totals are an estimate at the rates of
  the day. It is numbered ``Q<year>-<id>`` when created (no gapless series: a quote is not a tax
  document). ``digest`` (:func:`digest_of`) is the SHA-256 of everything the client agrees to:
  lines, amounts, client, validity.
* **Sending** issues an acceptance link (:mod:`node.quotes.tokens`) valid until the end of
  ``valid_until`` (UTC), at most :data:`MAX_LINK_DAYS` days; sending again revokes the links sent
  before. The link is shown once: only the SHA-256 of the token is stored.
* The client **answers** through the link (accept or refuse, with their name; the time and the
  address are recorded). :func:`verify_link` checks the signature, expiry, the token's row (this
  exact text, not used, not revoked), that the quote still awaits an answer and that its current
  digest is the token's. The token is marked used in the same transaction as the answer, by a
  conditional update, so a link answers once even under concurrent posts. A refused link changes
  nothing.
* Staff may instead **record a signed paper copy** (who signed, on which day).
* An accepted quote **converts** once into an invoice draft with the same lines
  (:func:`node.invoices.service.create_draft`); converting again returns that invoice.

Revising a draft or a sent quote recomputes its digest, so links already sent stop working.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import ActivityStatus
from node.activities.service import records_of, visible_activity, visible_record
from node.clients.models import Client
from node.clients.service import get_client
from node.config import Settings
from node.db import lock_row
from node.db.types import utcnow
from node.errors import Conflict, Forbidden, NotFound, Problem, ValidationProblem
from node.identity.roles import Principal
from node.invoices import service as invoices
from node.invoices.models import Invoice
from node.money import from_minor, to_minor
from node.quotes import tokens
from node.quotes.models import AcceptanceToken, AcceptedVia, Quote, QuoteLine, QuoteStatus
from plugins.jurisdiction import Jurisdiction, Situation

MAX_LINK_DAYS = 30
NO_SUCH_QUOTE = "No such quote."
OPEN_FOR_ANSWER = {QuoteStatus.SENT.value}
EDITABLE = {QuoteStatus.DRAFT.value, QuoteStatus.SENT.value}

# What a refused link says, by reason (no detail ever says which part of a token was wrong).
LINK_INVALID = "This link is not valid. Please use the most recent link you received."
LINK_EXPIRED = "This link has expired. Please ask for a new one."
LINK_USED = "This link has already been used: the quote was answered."
LINK_REVOKED = "This link was replaced by a newer one. Please use the most recent link."
LINK_CHANGED = "The quote has changed since this link was sent. Please ask for a new link."
LINK_CLOSED = "This quote no longer awaits an answer."


def _refuse(reason: str) -> Problem:
    problem: Problem
    if reason in {"invalid", "expired"}:
        problem = Forbidden(LINK_INVALID if reason == "invalid" else LINK_EXPIRED, reason=reason)
    else:
        detail = {
            "used": LINK_USED,
            "revoked": LINK_REVOKED,
            "changed": LINK_CHANGED,
            "closed": LINK_CLOSED,
        }[reason]
        problem = Conflict(detail, reason=reason)
    return problem


# -- the digest ------------------------------------------------------------------------------


def canonical_content(quote: Quote, client: Client) -> dict[str, Any]:
    """Everything the client agrees to, as plain JSON values."""
    return {
        "version": 1,
        "number": quote.number,
        "activity_id": quote.activity_id,
        "client": {
            "id": client.id,
            "name": client.name,
            "country": client.country,
            "vat_number": client.vat_number,
            "company_id": client.company_id,
            "billing_address": [
                client.billing_street,
                client.billing_postcode,
                client.billing_city,
                client.billing_country,
            ],
        },
        "situation": quote.situation,
        "currency": quote.currency,
        "valid_until": quote.valid_until.isoformat(),
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price_minor": line.unit_price_minor,
                "vat_tier": line.vat_tier,
            }
            for line in sorted(quote.lines, key=lambda line: line.position)
        ],
        "net_minor": quote.net_minor,
        "vat_minor": quote.vat_minor,
        "gross_minor": quote.gross_minor,
    }


def digest_of(quote: Quote, client: Client) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`canonical_content`."""
    text = json.dumps(
        canonical_content(quote, client), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def current_digest(session: Session, quote: Quote) -> str:
    client = session.get(Client, quote.client_id)
    assert client is not None
    return digest_of(quote, client)


# -- visibility ------------------------------------------------------------------------------


def visible_quote(session: Session, principal: Principal, quote_id: int) -> Quote:
    """The quote if the caller may see it (staff, or a member of its activity); else 404."""
    return visible_record(session, principal, Quote, quote_id, NO_SUCH_QUOTE)


def quotes_of(
    session: Session, principal: Principal, *, activity_id: int | None = None
) -> list[Quote]:
    return records_of(session, principal, Quote, activity_id=activity_id)


def _locked(session: Session, quote_id: int) -> Quote | None:
    return lock_row(session, Quote, quote_id)


def _locked_visible(session: Session, principal: Principal, quote_id: int) -> Quote:
    visible_quote(session, principal, quote_id)
    quote = _locked(session, quote_id)
    if quote is None:
        raise NotFound(NO_SUCH_QUOTE)
    return quote


# -- writing ---------------------------------------------------------------------------------


def _check_validity(valid_until: date, today: date) -> None:
    if valid_until < today:
        raise ValidationProblem.single(
            "valid_until", "A quote cannot be valid only in the past.", "in_the_past"
        )


def _fill(
    quote: Quote,
    jurisdiction: Jurisdiction,
    client: Client,
    lines: Sequence[Mapping[str, Any]],
    situation: str | None,
    today: date,
) -> None:
    """Check and set the lines, situation and estimated totals of ``quote``."""
    currency = quote.currency
    items = invoices.parse_lines(lines, currency)
    chosen = (
        invoices.default_situation(jurisdiction.country, client)
        if situation is None
        else Situation(situation)
    )
    invoices.check_situation(jurisdiction.country, client, chosen)
    rates = invoices._check_tiers(jurisdiction, chosen, items, today)
    net, vat = invoices._estimate(jurisdiction, items, rates)
    quote.situation = chosen.value
    quote.net_minor = to_minor(net, currency)
    quote.vat_minor = to_minor(vat, currency)
    quote.gross_minor = to_minor(net + vat, currency)
    quote.lines = [
        QuoteLine(
            position=index,
            description=item.description,
            quantity=format(item.quantity.normalize(), "f"),
            unit_code=item.unit_code,
            unit_price_minor=to_minor(item.unit_price, currency),
            vat_tier=item.vat_tier,
        )
        for index, item in enumerate(items, start=1)
    ]


def create_quote(
    session: Session,
    jurisdiction: Jurisdiction,
    principal: Principal,
    *,
    activity_id: int,
    client_id: int,
    lines: Sequence[Mapping[str, Any]],
    valid_until: date,
    situation: str | None = None,
    today: date | None = None,
    request_id: str | None = None,
) -> Quote:
    """A draft quote for ``activity_id`` (which the caller must see: 404) and ``client_id``."""
    today = today or date.today()
    activity = visible_activity(session, principal, activity_id)
    client = get_client(session, client_id)
    if client is None or client.archived_at is not None:
        raise ValidationProblem.single("client_id", "No such client.", "unknown")
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed: it cannot quote.")
    currency = jurisdiction.currency
    if activity.currency != currency:
        raise ValidationProblem.single(
            "activity_id",
            f"The activity keeps its budget in {activity.currency}, but quotes are made in "
            f"{currency}.",
            "currency_mismatch",
        )
    _check_validity(valid_until, today)
    quote = Quote(
        status=QuoteStatus.DRAFT.value,
        activity_id=activity.id,
        client_id=client.id,
        currency=currency,
        valid_until=valid_until,
        digest="",
        created_by=principal.actor,
    )
    _fill(quote, jurisdiction, client, lines, situation, today)
    session.add(quote)
    session.flush()
    quote.number = f"Q{today.year}-{quote.id:06d}"
    quote.digest = digest_of(quote, client)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="quote.create",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            {},
            {
                "number": quote.number,
                "activity_id": activity.id,
                "client_id": client.id,
                "gross_minor": quote.gross_minor,
                "valid_until": valid_until.isoformat(),
                "digest": quote.digest,
            },
        ),
        request_id=request_id,
    )
    return quote


def revise_quote(
    session: Session,
    jurisdiction: Jurisdiction,
    principal: Principal,
    quote_id: int,
    *,
    lines: Sequence[Mapping[str, Any]] | None = None,
    valid_until: date | None = None,
    situation: str | None = None,
    today: date | None = None,
    request_id: str | None = None,
) -> Quote:
    """Change a draft or a sent quote. A new digest follows, so every link already sent stops
    working (send it again for a new one). 409 once answered or invoiced."""
    today = today or date.today()
    quote = _locked_visible(session, principal, quote_id)
    if quote.status not in EDITABLE:
        raise Conflict(f"A quote that is {quote.status} cannot be changed.", status=quote.status)
    client = session.get(Client, quote.client_id)
    assert client is not None
    before = {"digest": quote.digest, "valid_until": quote.valid_until.isoformat()}
    if valid_until is not None:
        _check_validity(valid_until, today)
        quote.valid_until = valid_until
    if lines is not None or situation is not None:
        current = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": str(from_minor(line.unit_price_minor, quote.currency)),
                "vat_tier": line.vat_tier,
                "unit_code": line.unit_code,
            }
            for line in quote.lines
        ]
        chosen = situation if situation is not None else quote.situation
        quote.lines = []
        session.flush()  # the old lines go before the new ones take their positions
        _fill(quote, jurisdiction, client, lines if lines is not None else current, chosen, today)
    session.flush()
    quote.digest = digest_of(quote, client)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="quote.revise",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            before, {"digest": quote.digest, "valid_until": quote.valid_until.isoformat()}
        ),
        request_id=request_id,
    )
    return quote


@dataclass(frozen=True)
class Sent:
    quote: Quote
    url: str
    expires_at: datetime


def link_expiry(valid_until: date, now: datetime) -> datetime:
    """The end of ``valid_until`` (UTC), but at most :data:`MAX_LINK_DAYS` days from ``now``."""
    end_of_validity = datetime.combine(valid_until + timedelta(days=1), time(0), tzinfo=UTC)
    return min(end_of_validity, now + timedelta(days=MAX_LINK_DAYS))


def send(
    session: Session,
    settings: Settings,
    principal: Principal,
    quote_id: int,
    *,
    now: datetime | None = None,
    expires_at: datetime | None = None,
    request_id: str | None = None,
) -> Sent:
    """Issue an acceptance link for a draft or sent quote; links sent before are revoked.

    ``expires_at`` overrides :func:`link_expiry` (tests issue links that have already expired).
    """
    now = now or utcnow()
    quote = _locked_visible(session, principal, quote_id)
    if quote.status not in EDITABLE:
        raise Conflict(f"A quote that is {quote.status} cannot be sent.", status=quote.status)
    if quote.valid_until < now.date():
        raise Conflict("The quote's validity has passed; change valid_until to send it again.")
    digest = current_digest(session, quote)
    if digest != quote.digest:  # changed behind the service's back: never sign that
        raise Conflict("The quote's digest does not match its content.")
    session.execute(
        update(AcceptanceToken)
        .where(
            AcceptanceToken.quote_id == quote.id,
            AcceptanceToken.used_at.is_(None),
            AcceptanceToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    expiry = expires_at or link_expiry(quote.valid_until, now)
    token, jti = tokens.issue(
        settings, quote_id=quote.id, digest=digest, expires_at=expiry, now=now
    )
    session.add(
        AcceptanceToken(
            jti=jti,
            quote_id=quote.id,
            digest=digest,
            token_hash=tokens.token_hash(token),
            issued_at=now,
            expires_at=expiry,
        )
    )
    before = quote.status
    quote.status = QuoteStatus.SENT.value
    quote.sent_at, quote.sent_by = now, principal.actor
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="quote.send",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            {"status": before},
            {"status": quote.status, "link_expires_at": expiry.isoformat(), "digest": digest},
        ),
        request_id=request_id,
    )
    url = settings["node.base_url"].rstrip("/") + "/quotes/accept/" + token
    return Sent(quote, url, expiry)


# -- the client's answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    quote: Quote
    token: AcceptanceToken


def verify_link(
    session: Session,
    settings: Settings,
    token: str,
    *,
    now: datetime | None = None,
    lock: bool = False,
) -> Link:
    """The quote a link may answer, or the refusal as a problem: 403 ``invalid`` (bad
    signature, tampered, unknown) or ``expired``; 409 ``used``, ``revoked`` (a newer link was
    sent), ``changed`` (the quote's digest is no longer the token's) or ``closed`` (no longer
    awaiting an answer). Nothing is written."""
    now = now or utcnow()
    try:
        claims = tokens.verify(settings, token, now=now)
    except tokens.TokenRefused as refused:
        raise _refuse(refused.reason) from None
    row = session.scalar(select(AcceptanceToken).where(AcceptanceToken.jti == claims.jti))
    if (
        row is None
        or row.token_hash != tokens.token_hash(token)
        or row.quote_id != claims.quote_id
        or row.digest != claims.digest
    ):
        raise _refuse("invalid")
    if row.used_at is not None:
        raise _refuse("used")
    if row.revoked_at is not None:
        raise _refuse("revoked")
    if now >= row.expires_at:
        raise _refuse("expired")
    quote = _locked(session, row.quote_id) if lock else session.get(Quote, row.quote_id)
    if quote is None:
        raise _refuse("invalid")
    if quote.status not in OPEN_FOR_ANSWER:
        raise _refuse("closed")
    if quote.digest != claims.digest or current_digest(session, quote) != claims.digest:
        raise _refuse("changed")
    if quote.valid_until < now.date():
        raise _refuse("expired")
    return Link(quote, row)


def answer(
    session: Session,
    settings: Settings,
    token: str,
    *,
    accept: bool,
    name: str,
    address: str,
    now: datetime | None = None,
    request_id: str | None = None,
) -> Quote:
    """Accept or refuse the quote of a link, once: the token is marked used in this
    transaction (a conditional update: of two concurrent answers, one wins, the other is
    refused as ``used``)."""
    now = now or utcnow()
    name = " ".join(name.split())
    if not name:
        raise ValidationProblem.single("name", "Must not be blank.", "blank")
    link = verify_link(session, settings, token, now=now, lock=True)
    marked = session.execute(
        update(AcceptanceToken)
        .where(
            AcceptanceToken.id == link.token.id,
            AcceptanceToken.used_at.is_(None),
            AcceptanceToken.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse("used")
    quote = link.quote
    quote.answered_at = now
    if accept:
        quote.status = QuoteStatus.ACCEPTED.value
        quote.accepted_at, quote.accepted_via = now, AcceptedVia.LINK.value
        quote.accepted_by_name, quote.accepted_from_ip = name[:200], address[:64]
    else:
        quote.status = QuoteStatus.REFUSED.value
        quote.refused_by_name, quote.refused_from_ip = name[:200], address[:64]
    _revoke_open_links(session, quote, now)
    session.flush()
    audit.record(
        session,
        actor=f"quote-link:{link.token.jti}",
        action="quote.accept" if accept else "quote.refuse",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            {"status": QuoteStatus.SENT.value},
            {"status": quote.status, "by": name, "from": address, "digest": quote.digest},
        ),
        request_id=request_id,
    )
    return quote


def _revoke_open_links(session: Session, quote: Quote, now: datetime) -> None:
    session.execute(
        update(AcceptanceToken)
        .where(
            AcceptanceToken.quote_id == quote.id,
            AcceptanceToken.used_at.is_(None),
            AcceptanceToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def record_signed_copy(
    session: Session,
    principal: Principal,
    quote_id: int,
    *,
    signed_by: str,
    signed_on: date,
    today: date | None = None,
    request_id: str | None = None,
) -> Quote:
    """Staff record that the client signed a paper copy: the quote is accepted. 409 once
    answered or invoiced; 422 for a signature dated in the future or before the quote."""
    today = today or date.today()
    quote = _locked_visible(session, principal, quote_id)
    if quote.status not in EDITABLE:
        raise Conflict(f"The quote is already {quote.status}.", status=quote.status)
    signed_by = " ".join(signed_by.split())
    if not signed_by:
        raise ValidationProblem.single("signed_by", "Must not be blank.", "blank")
    if signed_on > today:
        raise ValidationProblem.single("signed_on", "A signature cannot be dated in the future.")
    if signed_on < quote.created_at.date():
        raise ValidationProblem.single("signed_on", "The quote did not exist yet on that day.")
    now = utcnow()
    before = quote.status
    quote.status = QuoteStatus.ACCEPTED.value
    quote.answered_at = quote.accepted_at = now
    quote.accepted_via = AcceptedVia.SIGNED_COPY.value
    quote.accepted_by_name, quote.signed_on = signed_by, signed_on
    quote.recorded_by = principal.actor
    _revoke_open_links(session, quote, now)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="quote.signed_copy",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            {"status": before},
            {"status": quote.status, "by": signed_by, "signed_on": signed_on.isoformat()},
        ),
        request_id=request_id,
    )
    return quote


# -- conversion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Converted:
    quote: Quote
    invoice: Invoice
    replayed: bool = False


def convert(
    session: Session,
    jurisdiction: Jurisdiction,
    principal: Principal,
    quote_id: int,
    *,
    today: date | None = None,
    request_id: str | None = None,
) -> Converted:
    """An invoice draft with the accepted quote's lines, linked to it; the same invoice again
    on a second call. 409 for a quote that is not accepted."""
    quote = _locked_visible(session, principal, quote_id)
    if quote.invoice_id is not None:
        invoice = session.get(Invoice, quote.invoice_id)
        assert invoice is not None
        return Converted(quote, invoice, replayed=True)
    if quote.status != QuoteStatus.ACCEPTED.value:
        raise Conflict(
            f"Only an accepted quote becomes an invoice; this one is {quote.status}.",
            status=quote.status,
        )
    lines = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": str(from_minor(line.unit_price_minor, quote.currency)),
            "vat_tier": line.vat_tier,
            "unit_code": line.unit_code,
        }
        for line in quote.lines
    ]
    invoice = invoices.create_draft(
        session,
        jurisdiction,
        principal,
        activity_id=quote.activity_id,
        client_id=quote.client_id,
        lines=lines,
        situation=quote.situation,
        currency=quote.currency,
        today=today,
        request_id=request_id,
    )
    quote.invoice_id = invoice.id
    quote.status = QuoteStatus.INVOICED.value
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="quote.invoice",
        entity="quote",
        entity_id=quote.id,
        changes=audit.diff(
            {"status": QuoteStatus.ACCEPTED.value},
            {"status": quote.status, "invoice_id": invoice.id},
        ),
        request_id=request_id,
    )
    return Converted(quote, invoice)


# -- presenting ------------------------------------------------------------------------------


def effective_status(quote: Quote, today: date) -> str:
    """The stored status, except a sent quote past its validity, which is ``expired``."""
    if quote.status == QuoteStatus.SENT.value and quote.valid_until < today:
        return QuoteStatus.EXPIRED.value
    return quote.status


def line_views(quote: Quote, round_money: Callable[[Decimal], Decimal]) -> list[dict[str, Any]]:
    """The lines with their net amount (rounded line by line, as an invoice does)."""
    currency = quote.currency
    views = []
    for line in quote.lines:
        price = from_minor(line.unit_price_minor, currency)
        views.append(
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": price,
                "vat_tier": line.vat_tier,
                "net": round_money(Decimal(line.quantity) * price),
            }
        )
    return views


def present(quote: Quote, *, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    currency = quote.currency

    def money(minor: int) -> Decimal:
        return from_minor(minor, currency)

    return {
        "id": quote.id,
        "number": quote.number,
        "status": effective_status(quote, today),
        "activity_id": quote.activity_id,
        "client_id": quote.client_id,
        "situation": quote.situation,
        "currency": currency,
        "valid_until": quote.valid_until,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": money(line.unit_price_minor),
                "vat_tier": line.vat_tier,
            }
            for line in quote.lines
        ],
        "net": money(quote.net_minor),
        "vat": money(quote.vat_minor),
        "gross": money(quote.gross_minor),
        "digest": quote.digest,
        "created_at": quote.created_at,
        "created_by": quote.created_by,
        "sent_at": quote.sent_at,
        "answered_at": quote.answered_at,
        "accepted_at": quote.accepted_at,
        "accepted_via": quote.accepted_via,
        "accepted_by_name": quote.accepted_by_name,
        "accepted_from_ip": quote.accepted_from_ip,
        "signed_on": quote.signed_on,
        "refused_by_name": quote.refused_by_name,
        "invoice_id": quote.invoice_id,
    }
