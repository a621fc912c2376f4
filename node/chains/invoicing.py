"""Invoicing a chain's client, at the lead node, once every contributor accepted.

The invoice is an ordinary one (:mod:`node.invoices.service`): a draft for the client with one
line — the chain's description and amount, standard VAT tier, the VAT situation the client
implies — on an activity of the chain's own (its members: this node's contributors), issued with
the next number and posted. It is issued **without a contribution**: the whole amount excluding
VAT goes to the chain's activity and each share bears its own contribution when it is allocated
(:mod:`node.chains.allocation`), as the fee policy says. ``chain-invoiced/1`` goes to every
contributor node, and a chain whose guarantee is ``on_issue`` is allocated at once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from node.activities.service import open_activity
from node.chains import messages
from node.chains.allocation import allocate_due
from node.chains.models import Chain, ChainRole, ChainState
from node.chains.service import locked_chain
from node.db.types import utcnow
from node.errors import Conflict
from node.guarantee.policy import GuaranteePolicy
from node.identity.roles import Principal
from node.invoices import service as invoices
from node.invoices.models import Invoice
from node.money import from_minor
from plugins.jurisdiction import Jurisdiction


def _chain_activity(session: Session, chain: Chain, actor: str) -> int:
    members = list(dict.fromkeys(c.member_id for c in chain.contributors if c.local))
    assert members and all(m is not None for m in members)
    activity = open_activity(
        session,
        name=f"Value chain (invoice): {chain.description}"[:200],
        member_ids=[m for m in members if m is not None],
        lead_id=members[0] or 0,
        currency=chain.currency,
        actor=actor,
    )
    return activity.id


def invoice_chain(
    session: Session,
    jurisdiction: Jurisdiction,
    principal: Principal,
    chain_id: int,
    *,
    seller: invoices.Seller,
    payment_days: int,
    guarantee: GuaranteePolicy,
    idempotency_key: str,
    issue_date: date | None = None,
    request_id: str | None = None,
) -> Chain:
    """Invoice the client of an accepted chain (the same key again: the chain as invoiced)."""
    chain = locked_chain(session, chain_id)
    if chain.role != ChainRole.LEAD:
        raise Conflict("Only the lead node invoices a chain's client.")
    if chain.invoice_id is not None:
        invoice = session.get(Invoice, chain.invoice_id)
        if invoice is not None and invoice.idempotency_key == f"chain:{idempotency_key}":
            return chain
        raise Conflict(f"The chain is invoiced already ({chain.invoice_number}).")
    if chain.state != ChainState.ACCEPTED:
        raise Conflict(f"The chain is {chain.state}: every contributor must accept first.")
    assert chain.client_id is not None
    chain.activity_id = _chain_activity(session, chain, principal.actor)
    amount = from_minor(chain.amount_minor, chain.currency)
    line = {"description": chain.description, "quantity": "1", "unit_price": str(amount)}
    draft = invoices.create_draft(
        session,
        jurisdiction,
        principal,
        activity_id=chain.activity_id,
        client_id=chain.client_id,
        lines=[line],
        request_id=request_id,
    )
    issued = invoices.issue(
        session,
        jurisdiction,
        draft.id,
        seller=seller,
        contribution_rate=Decimal(0),
        fund_points=Decimal(0),
        payment_days=payment_days,
        guarantee=guarantee,
        idempotency_key=f"chain:{idempotency_key}",
        actor=principal.actor,
        issue_date=issue_date,
        request_id=request_id,
    ).invoice
    assert issued.issue_date is not None and issued.due_date is not None
    chain.invoice_id, chain.invoice_number = issued.id, issued.number
    chain.invoiced_on, chain.due_on = issued.issue_date, issued.due_date
    chain.state, chain.updated_at = ChainState.INVOICED.value, utcnow()
    body = {
        "chain": chain.uid,
        "invoice": {
            "number": issued.number,
            "issued_on": issued.issue_date.isoformat(),
            "due_on": issued.due_date.isoformat(),
            "total_excl_vat": messages.money(issued.net_minor, issued.currency),
        },
    }
    messages.broadcast(session, chain, messages.INVOICED, body)
    session.flush()
    allocate_due(session, chain)
    return chain
