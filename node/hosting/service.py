"""What both sides of a hosting share: message types, reason codes, the consent check, lookups.

The member's home node (A, :mod:`node.hosting.home`) asks a peer (B, :mod:`node.hosting.host`)
to employ its member for a mission under B's law. The request carries the member's consent
token (:mod:`federation.attestation`), obtained at A for the purpose ``guest_membership`` and
naming B as its audience. **B verifies the token directly against A's keys** (the keys B holds
for its peer A), rather than asking A in an ``attestation-request/1``: the request itself is
signed by A, the token's issuer, so a round trip would only ask A to repeat what it just signed.
What the attestation flow adds — the member is in good standing, the token is theirs, unrevoked
and used once — A checks before it sends (and marks the consent used), and B checks that the
token is for B, for this purpose, unexpired, signed by A and names the member the request is
about (its subject is the request's ``home_member_ref``), and that it was not presented before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation import attestation
from federation.attestation import Consent
from federation.errors import Rejection
from federation.keys import KeySet
from node.db.types import utcnow
from node.federation import attestations
from node.federation.models import MessageState, OutboxMessage, Peer, PeerState
from node.hosting.models import HostingState

REQUEST = "hosting-request/1"
ANSWER = "hosting-answer/1"
COMPLETION = "hosting-completion/1"
#: The consent purpose a hosting needs: to work through the host as a guest member.
PURPOSE = "guest_membership"
#: Figures the host may report home, as ``hosting-completion/1`` names them.
SUMMARY_FIELDS = ("days_worked", "invoiced_total", "gross_pay_total", "net_pay_total", "payslips")
ENTITY_REQUEST = "hosting_request"
ENTITY_HOSTED = "hosted_mission"

# Business refusals (receipts) — stable reason codes peers may switch on.
UNKNOWN_HOSTING = "unknown_hosting"
NOT_ASKED = "not_asked"
NOT_ACCEPTED = "not_accepted"
ALREADY_ANSWERED = "already_answered"
ALREADY_COMPLETED = "already_completed"
HOSTING_EXISTS = "hosting_exists"
CONSENT_USED = attestations.CONSENT_USED
CONSENT_OTHER_MEMBER = "consent_other_member"
NOT_CONSENTED = "not_consented"
# Decisions (``hosting-answer/1`` reasons): the host's automatic refusal, and the admin's choice.
DATES_INVALID = "dates_invalid"
REFUSAL_REASONS = (
    DATES_INVALID,
    "country_not_served",
    "activity_not_supported",
    "capacity",
    "member_conflict",
    "other",
)


def consent_refusal(exc: Rejection) -> str:
    """The stable code of a consent token that failed a check (as the attestation flow's)."""
    return attestations.REFUSALS.get(exc.code, attestations.CONSENT_INVALID)


def verified_consent(token: str, *, home: str, home_keys: KeySet, host: str) -> Consent:
    """Check a hosting consent token: issued and signed by ``home``, for ``host``, for
    :data:`PURPOSE`, unexpired. Raises :class:`~federation.errors.Rejection`."""
    return attestation.verify_consent(
        token, home=home, home_keys=home_keys, asker=host, purpose=PURPOSE, now=utcnow()
    )


def active_peer(session: Session, node_id: str) -> Peer | None:
    query = select(Peer).where(Peer.node_id == node_id, Peer.state == PeerState.ACTIVE.value)
    return session.scalars(query).one_or_none()


def dates_invalid(start: date, end: date, today: date) -> bool:
    """A mission that ends before it starts, or has already ended, cannot be hosted."""
    return end < start or end < today


def peer_actor(node_id: str) -> str:
    return f"peer:{node_id}"[:120]


def delivery_fate(session: Session, jti: str) -> tuple[HostingState | str, str | None] | None:
    """How a sent message ended when no answer will come: ``refused`` (the peer's reason from
    its receipt) or ``failed`` (a dead letter, or discarded); None while it may still arrive."""
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one_or_none()
    if message is None:
        return None
    if message.state == MessageState.REFUSED.value:
        receipt: dict[str, Any] = message.receipt or {}
        return HostingState.REFUSED, receipt.get("body", {}).get("reason")
    if message.state in (MessageState.DEAD.value, MessageState.DISCARDED.value):
        return "failed", message.last_error
    return None


def period_view(start: date | None, end: date | None) -> dict[str, date] | None:
    return None if start is None or end is None else {"start": start, "end": end}
