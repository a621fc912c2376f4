"""The value chain message types and their bodies (schemas ``chain-*.v1.json``).

One conversation per chain and peer: the chain's uuid, so the messages about one chain reach
each node in the order they were written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.federation.inbox import BusinessRefusal
from node.federation.models import OutboxMessage, Peer, PeerState
from node.federation.outbox import enqueue
from node.money import from_minor

PROPOSAL = "chain-proposal/1"
ACCEPTANCE = "chain-acceptance/1"
CANCELLED = "chain-cancelled/1"
INVOICED = "chain-invoiced/1"
ALLOCATION = "chain-allocation/1"

#: Stable reason codes of the business refusals (receipts) and of refused acceptances.
UNKNOWN_CHAIN = "unknown_chain"
NOT_PART_OF_CHAIN = "not_part_of_chain"
UNKNOWN_MEMBER = "unknown_member"
ABOVE_SHARE = "above_share"
CHAIN_CANCELLED = "chain_cancelled"
CHAIN_CONFLICT = "chain_conflict"
ALLOCATION_CONFLICT = "allocation_conflict"
ALREADY_DECIDED = "already_decided"
ALREADY_ALLOCATED = "already_allocated"
NOT_ACCEPTED = "not_accepted"
NODE_MISMATCH = "node_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"
INVALID_SHARES = "invalid_shares"
INVALID_AMOUNT = "invalid_amount"
RATE_MISSING = "rate_missing"
MEMBER_DECLINED = "member_declined"
CONTRIBUTOR_REFUSED = "contributor_refused"
WITHDRAWN = "withdrawn"


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(from_minor(minor, currency)), "currency": currency}


def active_peer(session: Session, node_id: str) -> Peer | None:
    query = select(Peer).where(Peer.node_id == node_id, Peer.state == PeerState.ACTIVE.value)
    return session.scalars(query).one_or_none()


def send(session: Session, node_id: str, type: str, body: dict[str, Any], chain: Chain) -> None:
    """Queue ``body`` for ``node_id`` in the chain's conversation (the node must be a peer;
    a suspended peer gets it on reactivation)."""
    peer = session.scalars(select(Peer).where(Peer.node_id == node_id)).one_or_none()
    if peer is None:
        raise BusinessRefusal(NOT_PART_OF_CHAIN, f"{node_id} is not a peer of this node")
    enqueue(session, peer, type, body, chain.uid)


def remote_nodes(chain: Chain) -> list[str]:
    """The contributor nodes other than the lead, in the order they first appear."""
    return list(dict.fromkeys(c.node for c in chain.contributors if not c.local))


def broadcast(session: Session, chain: Chain, type: str, body: dict[str, Any]) -> None:
    for node_id in remote_nodes(chain):
        send(session, node_id, type, body, chain)


def proposal_body(chain: Chain, client: dict[str, str]) -> dict[str, Any]:
    fee: dict[str, str] = {"kind": chain.fee_kind}
    if chain.lead_rate is not None:
        fee["lead_rate"] = chain.lead_rate
    return {
        "chain": chain.uid,
        "lead": chain.lead_node,
        "description": chain.description,
        "client": client,
        "amount": money(chain.amount_minor, chain.currency),
        "contributors": [contributor_entry(c) for c in chain.contributors],
        "fee_policy": fee,
        "guarantee": chain.guarantee,
        "default_policy": chain.default_policy,
        "settlement_currency": chain.currency,
    }


def contributor_entry(contributor: ChainContributor) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "node": contributor.node,
        "member_ref": contributor.member_ref,
        "name": contributor.name,
        "share": {"kind": contributor.share_kind, "value": contributor.share_value},
    }
    if contributor.rate is not None:
        entry["rate"] = contributor.rate
    return entry


def acceptance_body(chain: Chain, contributor: ChainContributor, node_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chain": chain.uid,
        "node": node_id,
        "decision": contributor.decision,
        "consent": {"member_ref": contributor.member_ref},
    }
    if contributor.consent_given_at is not None:
        body["consent"]["given_at"] = contributor.consent_given_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if contributor.reason is not None:
        body["reason"] = contributor.reason
    return body


def allocation_body(
    chain: Chain, contributor: ChainContributor, row: ChainAllocation
) -> dict[str, Any]:
    assert row.self_billed_number is not None and row.self_billed_on is not None
    body: dict[str, Any] = {
        "chain": chain.uid,
        "allocation": row.uid,
        "seq": row.seq,
        "basis": row.basis,
        "member_ref": contributor.member_ref,
        "amount": money(row.amount_minor, row.currency),
        "cumulative": money(row.cumulative_minor, row.currency),
        "self_billed_invoice": {
            "number": row.self_billed_number,
            "issued_on": row.self_billed_on.isoformat(),
        },
    }
    if contributor.rate is not None:
        body["rate"] = contributor.rate
    return body


def refused_proposal(session: Session, chain: Chain) -> str | None:
    """Why a contributor node refused the proposal's receipt (business refusal), if it did."""
    query = select(OutboxMessage).where(
        OutboxMessage.conversation == chain.uid,
        OutboxMessage.type == PROPOSAL,
        OutboxMessage.state == "refused",
    )
    message = session.scalars(query).first()
    if message is None:
        return None
    return str((message.receipt or {}).get("body", {}).get("reason") or "refused")
