"""A value chain's life until it is invoiced: proposal, each member's consent, cancellation.

**At the lead node.** Staff propose a chain (:func:`propose`) for a client record: the amount
excluding VAT in the node's currency (the settlement currency), the contributors — members of this
node by their member id, members of active peers by the reference their node gave — with their
shares (:func:`node.chains.shares.split` must accept them), the fee policy, when to allocate and
what a client default means. The node fixes its own contribution rate for the chain and, for each
peer keeping its books in another currency, the exchange rate (:mod:`node.chains.currency`); one
``chain-proposal/1`` goes to each contributor node. Its own members' consents are recorded here
(:func:`decide`); the other nodes answer with ``chain-acceptance/1`` (:func:`handle_acceptance`).
Once every contributor accepted, the chain is ``accepted`` and can be invoiced
(:mod:`node.chains.invoicing`). One refusal cancels it: ``chain-cancelled/1`` to every contributor
node, nothing is ever allocated. Staff may also withdraw it before it is invoiced (:func:`cancel`).

**At a contributor node.** A proposal (:func:`handle_proposal`) records the chain and this node's
members in it; a member it does not have is refused at once (the acceptance says
``unknown_member``, which cancels the chain). Staff record the member's consent and accept, or
refuse (:func:`decide`); the answer goes to the lead node. Accepting fixes this node's
contribution rate and the activity the member's share will be credited to (one the member belongs
to, or a new one).

Every handler refuses what does not fit with a stable reason code (:mod:`node.chains.messages`):
nothing changes, and the sender gets a signed refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from federation.errors import FederationError
from federation.identity import parse_node_id
from node import audit
from node.activities.models import Activity, ActivityStatus
from node.activities.service import OPEN_MEMBER_STATUSES, open_activity
from node.chains import messages
from node.chains.currency import rate_for
from node.chains.messages import BusinessRefusal
from node.chains.models import Chain, ChainContributor, ChainRole, ChainState, Decision
from node.chains.shares import FeeKind, FeePolicy, Share, ShareError, ShareKind, split
from node.clients.models import Client
from node.config import Settings
from node.db.types import utcnow
from node.errors import Conflict, FieldError, NotFound, ValidationProblem
from node.members.models import Member
from node.money import parse_amount, positive_minor

ENTITY = "value_chain"
MISSING = "No such value chain."


# -- lookups -------------------------------------------------------------------------------------


def by_uid(session: Session, uid: str) -> Chain | None:
    query = select(Chain).where(Chain.uid == uid).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def locked_chain(session: Session, chain_id: int) -> Chain:
    query = select(Chain).where(Chain.id == chain_id).with_for_update()
    chain = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if chain is None:
        raise NotFound(MISSING)
    return chain


def local_member(session: Session, member_ref: str) -> Member | None:
    """The member of this node a reference names (its id), if they may work in an activity."""
    if not member_ref.isdigit() or len(member_ref) > 9:
        return None
    member = session.get(Member, int(member_ref))
    if member is None or member.erased_at is not None:
        return None
    return member if member.status in OPEN_MEMBER_STATUSES else None


def fee_policy_of(chain: Chain) -> FeePolicy:
    rate = None if chain.lead_rate is None else Decimal(chain.lead_rate)
    return FeePolicy(FeeKind(chain.fee_kind), rate)


def _touch(chain: Chain, state: ChainState, reason: str | None = None) -> None:
    chain.state = state.value
    if reason is not None:
        chain.reason = reason
    chain.updated_at = utcnow()


def _audit(
    session: Session,
    chain: Chain,
    action: str,
    actor: str,
    changes: dict[str, Any],
    request_id: str | None = None,
) -> None:
    audit.record(
        session,
        actor=actor[:120],
        action=f"value_chain.{action}",
        entity=ENTITY,
        entity_id=chain.id,
        changes={key: [None, value] for key, value in changes.items()},
        request_id=request_id,
    )


def _peer_actor(node_id: str) -> str:
    return f"peer:{node_id}"[:100]


# -- proposing (lead) ------------------------------------------------------------------------------


def _shares(raw: Sequence[Mapping[str, Any]]) -> list[Share]:
    return [Share(ShareKind(c["share"]["kind"]), Decimal(c["share"]["value"])) for c in raw]


def _full_shares(amount_minor: int, raw: Sequence[Mapping[str, Any]], currency: str) -> list[int]:
    try:
        return split(amount_minor, _shares(raw), currency)
    except ShareError as exc:
        raise ValidationProblem.single(exc.field, str(exc), "invalid_shares") from None


def _policy(raw: Mapping[str, Any]) -> FeePolicy:
    rate = raw.get("lead_rate")
    try:
        return FeePolicy(FeeKind(raw["kind"]), None if rate is None else Decimal(rate))
    except ShareError as exc:
        raise ValidationProblem.single(exc.field, str(exc)) from None


def _contributor_rows(
    session: Session,
    settings: Settings,
    own_node: str,
    raw: Sequence[Mapping[str, Any]],
    full: list[int],
    currency: str,
) -> list[ChainContributor]:
    """The contributors as given: this node's members by id, others at active peers."""
    errors: list[FieldError] = []
    rows: list[ChainContributor] = []
    today = utcnow().date()
    for index, item in enumerate(raw):
        where = f"contributors.{index}."
        node = item.get("node") or own_node
        try:
            node = parse_node_id(node)
        except FederationError:
            errors.append(FieldError(where + "node", "Not a node id.", "invalid"))
            continue
        row = ChainContributor(
            position=index,
            node=node,
            member_ref=item["member_ref"],
            name=item.get("name", ""),
            share_kind=item["share"]["kind"],
            share_value=item["share"]["value"],
            full_minor=full[index],
            local=node == own_node,
            decision=Decision.PENDING.value,
            allocated_minor=0,
            allocated_net_minor=0,
        )
        if row.local:
            member = local_member(session, row.member_ref)
            if member is None:
                errors.append(
                    FieldError(where + "member_ref", "No active member with this id.", "unknown")
                )
                continue
            row.member_id, row.name = member.id, row.name or member.name
        else:
            peer = messages.active_peer(session, node)
            if peer is None:
                errors.append(FieldError(where + "node", "Not an active peer.", "not_a_peer"))
                continue
            if not row.name:
                errors.append(FieldError(where + "name", "Name the member.", "required"))
            row.rate = rate_for(session, settings, currency, peer.currency, today)
        rows.append(row)
    if not errors and not any(row.local for row in rows):
        errors.append(
            FieldError("contributors", "Include the lead member of this node.", "no_lead_member")
        )
    if errors:
        raise ValidationProblem(errors)
    return rows


def propose(
    session: Session,
    settings: Settings,
    own_node: str,
    *,
    client_id: int,
    description: str,
    amount: str,
    contributors: Sequence[Mapping[str, Any]],
    fee_policy: Mapping[str, Any],
    guarantee: str,
    default_policy: str,
    actor: str,
    currency: str | None = None,
    request_id: str | None = None,
) -> Chain:
    """Record a chain led by this node and send its proposal to every contributor node."""
    node_currency = settings["node.currency"]
    if currency is not None and currency != node_currency:
        raise ValidationProblem.single(
            "currency", f"This node's chains are in {node_currency}.", "mismatch"
        )
    client = session.get(Client, client_id)
    if client is None or client.archived_at is not None:
        raise ValidationProblem.single("client_id", "No such client.", "unknown")
    amount_minor = positive_minor(Decimal(amount), node_currency)
    full = _full_shares(amount_minor, contributors, node_currency)
    policy = _policy(fee_policy)
    rows = _contributor_rows(session, settings, own_node, contributors, full, node_currency)
    chain = Chain(
        uid=str(uuid.uuid4()),
        role=ChainRole.LEAD.value,
        lead_node=own_node,
        description=" ".join(description.split())[:500],
        client_name=client.name[:200],
        client_country=client.country,
        client_vat_number=client.vat_number or None,
        client_id=client.id,
        currency=node_currency,
        amount_minor=amount_minor,
        fee_kind=policy.kind.value,
        lead_rate=None if policy.lead_rate is None else format(policy.lead_rate, "f"),
        guarantee=guarantee,
        default_policy=default_policy,
        own_rate=format(settings["contribution.rate"], "f"),
        own_fund_points=format(settings["contribution.guarantee_fund_points"], "f"),
        state=ChainState.PROPOSED.value,
        proposal={},
        created_by=actor[:120],
    )
    chain.contributors = rows
    session.add(chain)
    session.flush()
    client_facts = {"name": chain.client_name, "country": chain.client_country}
    if chain.client_vat_number:
        client_facts["vat_number"] = chain.client_vat_number
    chain.proposal = messages.proposal_body(chain, client_facts)
    messages.broadcast(session, chain, messages.PROPOSAL, chain.proposal)
    _audit(
        session,
        chain,
        "propose",
        actor,
        {"uid": chain.uid, "amount_minor": amount_minor, "contributors": len(rows)},
        request_id,
    )
    return chain


# -- deciding (either side) ------------------------------------------------------------------------


def _member_activity(
    session: Session,
    contributor: ChainContributor,
    chain: Chain,
    activity_id: int | None,
    currency: str,
) -> int:
    """The activity (in the node's ``currency``) the member's share goes to: one of theirs as
    given, or a new one."""
    assert contributor.member_id is not None
    if activity_id is None:
        activity = open_activity(
            session,
            name=f"Value chain: {chain.description}"[:200],
            member_ids=[contributor.member_id],
            lead_id=contributor.member_id,
            currency=currency,
            actor="value-chain",
        )
        return activity.id
    found = session.get(Activity, activity_id)
    if (
        found is None
        or found.status != ActivityStatus.OPEN
        or found.currency != currency
        or contributor.member_id not in {m.member_id for m in found.members}
    ):
        raise ValidationProblem.single(
            "activity_id", "Not an open activity of this member.", "unknown"
        )
    return found.id


def _all_accepted(chain: Chain) -> bool:
    return all(c.decision == Decision.ACCEPTED for c in chain.contributors)


def _check_rate(chain: Chain, contributor: ChainContributor, own_currency: str) -> None:
    if own_currency == chain.currency:
        return
    rate = contributor.rate or {}
    if (rate.get("base"), rate.get("quote")) != (chain.currency, own_currency):
        raise Conflict(
            f"The proposal gives no {chain.currency}/{own_currency} rate for this node's "
            "members: it cannot be accepted."
        )


def decide(
    session: Session,
    settings: Settings,
    own_node: str,
    chain_id: int,
    contributor_id: int,
    *,
    accept: bool,
    actor: str,
    consent_given_at: datetime | None = None,
    activity_id: int | None = None,
    reason: str | None = None,
    request_id: str | None = None,
) -> Chain:
    """Record a member of this node accepting (with their consent) or refusing their share."""
    chain = locked_chain(session, chain_id)
    contributor = next((c for c in chain.contributors if c.id == contributor_id), None)
    if contributor is None or not contributor.local:
        raise NotFound("No such contributor of this node in the chain.")
    if chain.state != ChainState.PROPOSED:
        raise Conflict(f"The chain is {chain.state}: no more decisions.")
    if contributor.decision != Decision.PENDING:
        raise Conflict(f"This member has {contributor.decision} already.")
    own_currency = settings["node.currency"]
    now = utcnow()
    if accept:
        _check_rate(chain, contributor, own_currency)
        if chain.role == ChainRole.CONTRIBUTOR:
            chain.own_rate = format(settings["contribution.rate"], "f")
            chain.own_fund_points = format(settings["contribution.guarantee_fund_points"], "f")
        contributor.activity_id = _member_activity(
            session, contributor, chain, activity_id, own_currency
        )
        contributor.consent_given_at = consent_given_at or now
        contributor.decision = Decision.ACCEPTED.value
    else:
        contributor.decision = Decision.REFUSED.value
        contributor.reason = reason or messages.MEMBER_DECLINED
    contributor.decided_at, contributor.decided_by = now, actor[:120]
    session.flush()
    _audit(
        session,
        chain,
        "accept" if accept else "refuse",
        actor,
        {"contributor": contributor.member_ref, "activity_id": contributor.activity_id},
        request_id,
    )
    _after_decision(session, chain, contributor, own_node)
    return chain


def _after_decision(
    session: Session, chain: Chain, contributor: ChainContributor, own_node: str
) -> None:
    """Tell the lead (at a contributor node), or move the chain on (at the lead node)."""
    if chain.role == ChainRole.CONTRIBUTOR:
        body = messages.acceptance_body(chain, contributor, own_node)
        messages.send(session, chain.lead_node, messages.ACCEPTANCE, body, chain)
        if contributor.decision == Decision.REFUSED:
            _touch(chain, ChainState.CANCELLED, contributor.reason)
        return
    if contributor.decision == Decision.REFUSED:
        _cancel(session, chain, messages.CONTRIBUTOR_REFUSED)
    elif _all_accepted(chain):
        _touch(chain, ChainState.ACCEPTED)


def _cancel(session: Session, chain: Chain, reason: str) -> None:
    _touch(chain, ChainState.CANCELLED, reason)
    messages.broadcast(session, chain, messages.CANCELLED, {"chain": chain.uid, "reason": reason})


def cancel(session: Session, chain_id: int, *, actor: str, request_id: str | None = None) -> Chain:
    """Withdraw a chain this node leads before it is invoiced; every node is told."""
    chain = locked_chain(session, chain_id)
    if chain.role != ChainRole.LEAD:
        raise Conflict("Only the lead node cancels a chain; refuse the member's share instead.")
    if chain.state == ChainState.CANCELLED:
        return chain
    if chain.state not in (ChainState.PROPOSED, ChainState.ACCEPTED):
        raise Conflict(f"The chain is {chain.state}: it can no longer be cancelled.")
    _cancel(session, chain, messages.WITHDRAWN)
    _audit(session, chain, "cancel", actor, {"reason": messages.WITHDRAWN}, request_id)
    return chain


# -- messages at a contributor node -----------------------------------------------------------------


def _refuse_unknown(session: Session, chain: Chain, contributor: ChainContributor) -> None:
    contributor.decision = Decision.REFUSED.value
    contributor.reason = messages.UNKNOWN_MEMBER
    contributor.decided_at, contributor.decided_by = utcnow(), "value-chain"
    body = messages.acceptance_body(chain, contributor, contributor.node)
    messages.send(session, chain.lead_node, messages.ACCEPTANCE, body, chain)
    _touch(chain, ChainState.CANCELLED, messages.UNKNOWN_MEMBER)


def handle_proposal(session: Session, message: Envelope) -> None:
    """Record a chain another node leads, with this node's members in it."""
    body = message.body
    if body["lead"] != message.iss:
        raise BusinessRefusal(messages.NODE_MISMATCH, "the proposal names another lead node")
    known = by_uid(session, body["chain"])
    if known is not None:
        if known.proposal == dict(body):
            return
        raise BusinessRefusal(messages.CHAIN_CONFLICT, "another chain has this id")
    currency = body["settlement_currency"]
    if body["amount"]["currency"] != currency:
        raise BusinessRefusal(messages.CURRENCY_MISMATCH, "amount not in the settlement currency")
    try:
        amount_minor = positive_minor(parse_amount(body["amount"]["amount"], currency), currency)
        full = split(amount_minor, _shares(body["contributors"]), currency)
        rate = body["fee_policy"].get("lead_rate")
        FeePolicy(FeeKind(body["fee_policy"]["kind"]), None if rate is None else Decimal(rate))
    except (ShareError, ValidationProblem, ValueError) as exc:
        raise BusinessRefusal(messages.INVALID_SHARES, str(exc)[:500]) from None
    mine = [(i, c) for i, c in enumerate(body["contributors"]) if c["node"] == message.aud]
    if not mine:
        raise BusinessRefusal(messages.NOT_PART_OF_CHAIN, "no member of this node in the chain")
    chain = _contributor_chain(body, message, amount_minor, currency)
    chain.contributors = [_own_contributor(session, i, c, full[i]) for i, c in mine]
    session.add(chain)
    session.flush()
    for contributor in chain.contributors:
        if contributor.member_id is None and chain.state != ChainState.CANCELLED:
            _refuse_unknown(session, chain, contributor)
    _audit(session, chain, "proposed", _peer_actor(message.iss), {"uid": chain.uid})


def _contributor_chain(
    body: Mapping[str, Any], message: Envelope, amount_minor: int, currency: str
) -> Chain:
    return Chain(
        uid=body["chain"],
        role=ChainRole.CONTRIBUTOR.value,
        lead_node=message.iss,
        description=body["description"],
        client_name=body["client"]["name"],
        client_country=body["client"]["country"],
        client_vat_number=body["client"].get("vat_number"),
        currency=currency,
        amount_minor=amount_minor,
        fee_kind=body["fee_policy"]["kind"],
        lead_rate=body["fee_policy"].get("lead_rate"),
        guarantee=body["guarantee"],
        default_policy=body["default_policy"],
        state=ChainState.PROPOSED.value,
        proposal=dict(body),
        created_by=_peer_actor(message.iss),
    )


def _own_contributor(
    session: Session, position: int, entry: Mapping[str, Any], full_minor: int
) -> ChainContributor:
    member = local_member(session, entry["member_ref"])
    return ChainContributor(
        position=position,
        node=entry["node"],
        member_ref=entry["member_ref"],
        name=entry["name"],
        share_kind=entry["share"]["kind"],
        share_value=entry["share"]["value"],
        full_minor=full_minor,
        local=True,
        member_id=None if member is None else member.id,
        rate=entry.get("rate"),
        decision=Decision.PENDING.value,
        allocated_minor=0,
        allocated_net_minor=0,
    )


def _from_lead(session: Session, message: Envelope) -> Chain:
    chain = by_uid(session, message.body["chain"])
    if chain is None:
        raise BusinessRefusal(messages.UNKNOWN_CHAIN, "no such chain at this node")
    if chain.role != ChainRole.CONTRIBUTOR or chain.lead_node != message.iss:
        raise BusinessRefusal(messages.NOT_PART_OF_CHAIN, "the sender does not lead this chain")
    return chain


def handle_cancelled(session: Session, message: Envelope) -> None:
    chain = _from_lead(session, message)
    if chain.state == ChainState.CANCELLED:
        return
    if any(c.allocated_net_minor for c in chain.contributors):
        raise BusinessRefusal(messages.ALREADY_ALLOCATED, "allocations were received already")
    _touch(chain, ChainState.CANCELLED, message.body["reason"])
    _audit(session, chain, "cancelled", _peer_actor(message.iss), {"reason": chain.reason})


def handle_invoiced(session: Session, message: Envelope) -> None:
    chain = _from_lead(session, message)
    if chain.state == ChainState.CANCELLED:
        raise BusinessRefusal(messages.CHAIN_CANCELLED, "the chain was cancelled")
    invoice = message.body["invoice"]
    chain.invoice_number = invoice["number"]
    chain.invoiced_on = _day(invoice["issued_on"])
    chain.due_on = _day(invoice["due_on"])
    if chain.state in (ChainState.PROPOSED, ChainState.ACCEPTED):
        _touch(chain, ChainState.INVOICED)


def _day(text: str) -> date:
    return date.fromisoformat(text)


# -- messages at the lead node ---------------------------------------------------------------------


def handle_acceptance(session: Session, message: Envelope) -> None:
    """A contributor node's decision for one of its members."""
    body = message.body
    chain = by_uid(session, body["chain"])
    if chain is None or chain.role != ChainRole.LEAD:
        raise BusinessRefusal(messages.UNKNOWN_CHAIN, "no chain led by this node has this id")
    if body["node"] != message.iss:
        raise BusinessRefusal(messages.NODE_MISMATCH, "the acceptance names another node")
    theirs = [c for c in chain.contributors if c.node == message.iss]
    if not theirs:
        raise BusinessRefusal(messages.NOT_PART_OF_CHAIN, "no member of the sender in the chain")
    ref = body["consent"]["member_ref"]
    contributor = next((c for c in theirs if c.member_ref == ref), None)
    if contributor is None:
        raise BusinessRefusal(messages.UNKNOWN_MEMBER, "no such member of the sender in the chain")
    decision = body["decision"]
    if contributor.decision != Decision.PENDING:
        if contributor.decision == decision:
            return
        raise BusinessRefusal(messages.ALREADY_DECIDED, f"decided {contributor.decision} already")
    if chain.state != ChainState.PROPOSED:
        if decision == Decision.REFUSED:
            return  # too late to matter: already cancelled, or no longer open
        raise BusinessRefusal(messages.CHAIN_CANCELLED, f"the chain is {chain.state}")
    contributor.decision = decision
    contributor.reason = body.get("reason")
    given = body["consent"].get("given_at")
    contributor.consent_given_at = None if given is None else _instant(given)
    contributor.decided_at, contributor.decided_by = utcnow(), _peer_actor(message.iss)
    _audit(session, chain, f"peer_{decision}", _peer_actor(message.iss), {"contributor": ref})
    _after_decision(session, chain, contributor, chain.lead_node)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
