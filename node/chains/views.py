"""What the API shows of chains and allocations, and who may see which chain.

Staff see every chain; a member sees the chains they contribute to (through this node), and
another chain is the same 404 as none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.activities.service import LARGEST_ID
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.errors import NotFound
from node.identity.roles import Principal
from node.money import from_minor

MISSING = "No such value chain."


def visible_chain(session: Session, principal: Principal, chain_id: int) -> Chain:
    chain = session.get(Chain, chain_id) if 1 <= chain_id <= LARGEST_ID else None
    if chain is None or not (
        principal.is_staff
        or principal.member_id in {c.member_id for c in chain.contributors if c.local}
    ):
        raise NotFound(MISSING)
    return chain


def chains_of(session: Session, principal: Principal) -> list[Chain]:
    query = select(Chain).order_by(Chain.id.desc()).limit(500)
    if not principal.is_staff:
        mine = select(ChainContributor.chain_id).where(
            ChainContributor.member_id == principal.member_id
        )
        query = query.where(Chain.id.in_(mine))
    return list(session.scalars(query))


def _money(minor: int | None, currency: str | None) -> str | None:
    if minor is None or currency is None:
        return None
    return str(from_minor(minor, currency))


def contributor_view(contributor: ChainContributor, currency: str) -> dict[str, Any]:
    return {
        "id": contributor.id,
        "node": contributor.node,
        "member_ref": contributor.member_ref,
        "name": contributor.name,
        "local": contributor.local,
        "share": {"kind": contributor.share_kind, "value": contributor.share_value},
        "full_share": _money(contributor.full_minor, currency),
        "decision": contributor.decision,
        "reason": contributor.reason,
        "consent_given_at": contributor.consent_given_at,
        "activity_id": contributor.activity_id,
        "rate": contributor.rate,
        "allocated": _money(contributor.allocated_minor, currency),
        "allocated_net": _money(contributor.allocated_net_minor, currency),
    }


def chain_view(chain: Chain) -> dict[str, Any]:
    """The chain as this node knows it (a contributor node knows only its own members' rows;
    the proposal lists everyone)."""
    return {
        "id": chain.id,
        "uid": chain.uid,
        "role": chain.role,
        "lead": chain.lead_node,
        "state": chain.state,
        "reason": chain.reason,
        "description": chain.description,
        "client": {
            "id": chain.client_id,
            "name": chain.client_name,
            "country": chain.client_country,
            "vat_number": chain.client_vat_number,
        },
        "amount": _money(chain.amount_minor, chain.currency),
        "currency": chain.currency,
        "fee_policy": {"kind": chain.fee_kind, "lead_rate": chain.lead_rate},
        "guarantee": chain.guarantee,
        "default_policy": chain.default_policy,
        "own_rate": chain.own_rate,
        "activity_id": chain.activity_id,
        "invoice": {
            "id": chain.invoice_id,
            "number": chain.invoice_number,
            "issued_on": chain.invoiced_on,
            "due_on": chain.due_on,
        },
        "contributors": [contributor_view(c, chain.currency) for c in chain.contributors],
        "proposal": chain.proposal,
        "created_at": chain.created_at,
        "updated_at": chain.updated_at,
    }


def allocations_of(session: Session, chain: Chain) -> list[ChainAllocation]:
    query = select(ChainAllocation).where(ChainAllocation.chain_id == chain.id)
    return list(session.scalars(query.order_by(ChainAllocation.id)))


def allocation_view(row: ChainAllocation, refs: dict[int, str]) -> dict[str, Any]:
    return {
        "uid": row.uid,
        "member_ref": refs.get(row.contributor_id),
        "seq": row.seq,
        "basis": row.basis,
        "direction": row.direction,
        "peer": row.peer_node,
        "currency": row.currency,
        "share": _money(row.gross_minor, row.currency),
        "amount": _money(row.amount_minor, row.currency),
        "cumulative": _money(row.cumulative_minor, row.currency),
        "local_amount": _money(row.local_amount_minor, row.local_currency),
        "local_currency": row.local_currency,
        "rate": row.rate,
        "self_billed_invoice": None
        if row.self_billed_number is None
        else {"number": row.self_billed_number, "issued_on": row.self_billed_on},
        "occurred_on": row.occurred_on,
        "journal_entry_id": row.journal_entry_id,
    }
