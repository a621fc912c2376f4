"""Allocating a chain's shares: at the lead node as the client pays, at each contributor node as
the allocations arrive.

**At the lead node** the client's invoice credits the chain's activity with the whole amount
(no contribution there: each share bears its own, :mod:`node.chains.shares`). :func:`allocate_due`
compares what is due — every full share once the invoice is issued when the chain's guarantee is
``on_issue``, else each share's part of what the client paid so far — with what each contributor
was allocated, and books only the difference, one allocation per contributor and event::

    debit   activity:<chain activity>:budget     the share's increment
    credit  activity:<member's activity>:budget  the same          (a member of this node)
    debit   activity:<member's activity>:budget  this node's contribution on it
    credit  clearing:<node>:payable              the increment less the lead's fee (another node)
    credit  revenue:contribution / fund:guarantee  the lead node's contribution or fee

and queues a ``chain-allocation/1`` for each other node's allocation, in the same transaction. It
runs wherever a client payment is recorded (:func:`after_payment`) and may run again at any time
(after a restart, a failure, or from the API): a second run finds nothing due and does nothing.
A client default (:func:`declare_default`) follows the chain's policy: ``lead_bears`` allocates
the other nodes' full shares (basis ``default``); ``contributors_bear_pro_rata`` allocates nothing
more, each keeping what the payments brought.

**At a contributor node** :func:`handle_allocation` checks the allocation against the chain (sent
by its lead, for a member of this node who accepted, within that member's share less the lead's
fee) and books::

    debit   clearing:<lead>:receivable         the amount (settlement currency)
    credit  activity:<member's activity>:budget  the amount in the node's currency
    debit/credit  fx:exchange                  per currency, when the two differ
    debit   activity:<member's activity>:budget  this node's contribution (``each_node``)
    credit  revenue:contribution / fund:guarantee

Conversions and contributions are computed on cumulative amounts and the increment booked, so
allocations may arrive in any order: the totals come out the same. An allocation id seen before
with the same content is accepted again and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.activities.models import Activity
from node.chains import clearing, messages, self_billing
from node.chains.currency import convert
from node.chains.messages import BusinessRefusal
from node.chains.models import (
    Basis,
    Chain,
    ChainAllocation,
    ChainContributor,
    ChainRole,
    ChainState,
    Direction,
)
from node.chains.service import by_uid, fee_policy_of, locked_chain
from node.chains.shares import Step, Taken, net_of, steps, taken
from node.db.types import utcnow
from node.errors import Conflict
from node.fx.rates import RateError
from node.invoices.models import Invoice
from node.invoices.postings import CONTRIBUTION, GUARANTEE_FUND
from node.ledger import service as ledger
from node.ledger.entries import EntryDraft, PostingLine
from node.money import MoneyError, parse_amount, to_minor
from node.payments.models import ClientPayment

KIND = "chain_allocation"


def _decimal(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def _contribution_lines(budget: str, fee: Taken, currency: str) -> list[PostingLine]:
    """A node's contribution taken from a budget (or from a share on its way out)."""
    return [
        PostingLine(budget, currency, fee.contribution),
        PostingLine(CONTRIBUTION.key, currency, -(fee.contribution - fee.fund)),
        PostingLine(GUARANTEE_FUND.key, currency, -fee.fund),
    ]


def _post(session: Session, key: str, description: str, lines: Sequence[PostingLine]) -> int:
    kept = tuple(line for line in lines if line.amount_minor)
    draft = EntryDraft(
        kind=KIND,
        occurred_on=utcnow().date(),
        idempotency_key=key,
        description=description[:500],
        postings=kept,
    )
    return ledger.post(session, draft, actor="value-chain").id


def _open(session: Session, currency: str, *specs: ledger.AccountSpec) -> None:
    for spec in (CONTRIBUTION, GUARANTEE_FUND, *specs):
        ledger.ensure_account(session, spec, currency)


def _next_seq(session: Session, contributor: ChainContributor) -> int:
    last = session.scalar(
        select(func.max(ChainAllocation.seq)).where(
            ChainAllocation.contributor_id == contributor.id
        )
    )
    return (last or 0) + 1


# -- the lead node ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    basis: Basis
    received: int
    contributors: list[ChainContributor]


def _paid(session: Session, invoice: Invoice) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(ClientPayment.applied_minor), 0)).where(
            ClientPayment.invoice_id == invoice.id
        )
    )
    return min(int(total or 0), invoice.gross_minor)


def _groups(session: Session, chain: Chain, invoice: Invoice) -> list[_Group]:
    """Who is due what: by the guarantee policy, and the other nodes in full on a default the
    lead bears."""
    whole = invoice.gross_minor
    if chain.guarantee == "on_issue":
        return [_Group(Basis.ISSUE, whole, list(chain.contributors))]
    paid = _paid(session, invoice)
    if chain.state == ChainState.DEFAULTED and chain.default_policy == "lead_bears":
        local = [c for c in chain.contributors if c.local]
        others = [c for c in chain.contributors if not c.local]
        return [_Group(Basis.PAYMENT, paid, local), _Group(Basis.DEFAULT, whole, others)]
    return [_Group(Basis.PAYMENT, paid, list(chain.contributors))]


def allocate_due(session: Session, chain: Chain) -> list[ChainAllocation]:
    """Allocate what is due and not allocated yet (nothing when nothing is); see the module."""
    chain = locked_chain(session, chain.id)
    if chain.role != ChainRole.LEAD or chain.invoice_id is None:
        return []
    if chain.state not in (ChainState.INVOICED, ChainState.DEFAULTED):
        return []
    invoice = session.get(Invoice, chain.invoice_id)
    assert invoice is not None
    policy = fee_policy_of(chain)
    own_rate, points = _decimal(chain.own_rate), _decimal(chain.own_fund_points)
    made: list[ChainAllocation] = []
    for group in _groups(session, chain, invoice):
        who = group.contributors
        rates = [policy.lead_rate_on(local=c.local, lead_own_rate=own_rate) for c in who]
        for step in steps(
            [c.full_minor for c in who],
            [c.allocated_minor for c in who],
            group.received,
            invoice.gross_minor,
            rates,
            points,
        ):
            made.append(_book(session, chain, who[step.index], step, group.basis))
    return made


def _book(
    session: Session, chain: Chain, contributor: ChainContributor, step: Step, basis: Basis
) -> ChainAllocation:
    today = utcnow().date()
    row = ChainAllocation(
        uid=str(uuid.uuid4()),
        chain_id=chain.id,
        contributor_id=contributor.id,
        seq=_next_seq(session, contributor),
        basis=basis.value,
        direction=(Direction.LOCAL if contributor.local else Direction.PAYABLE).value,
        peer_node=None if contributor.local else contributor.node,
        currency=chain.currency,
        gross_minor=step.gross,
        amount_minor=step.net,
        cumulative_minor=step.cumulative_net,
        rate=contributor.rate,
        occurred_on=today,
    )
    session.add(row)
    session.flush()
    currency = chain.currency
    source = f"activity:{chain.activity_id}:budget"
    lines = [PostingLine(source, currency, step.gross)]
    if contributor.local:
        target = f"activity:{contributor.activity_id}:budget"
        lines += [PostingLine(target, currency, -step.gross)]
        lines += _contribution_lines(target, step.fee, currency)
        _open(session, currency)
    else:
        row.self_billed_number = self_billing.next_number(session, today)
        row.self_billed_on = today
        payable = clearing.payable(contributor.node)
        lines += [PostingLine(payable.key, currency, -step.gross)]
        lines += _contribution_lines(payable.key, step.fee, currency)
        _open(session, currency, payable)
    row.journal_entry_id = _post(
        session,
        f"chain-allocation:{row.uid}",
        f"Value chain {chain.uid}: {contributor.name}'s share ({basis.value})",
        lines,
    )
    contributor.allocated_minor = step.cumulative_gross
    contributor.allocated_net_minor = step.cumulative_net
    if not contributor.local:
        body = messages.allocation_body(chain, contributor, row)
        messages.send(session, contributor.node, messages.ALLOCATION, body, chain)
    return row


def after_payment(session: Session, invoice_id: int) -> None:
    """The hook where client payments are recorded: allocate what the payment made due."""
    chain = session.scalars(select(Chain).where(Chain.invoice_id == invoice_id)).one_or_none()
    if chain is not None:
        allocate_due(session, chain)


def declare_default(
    session: Session, chain_id: int, *, actor: str, request_id: str | None = None
) -> list[ChainAllocation]:
    """The client will not pay the rest: apply the chain's default policy."""
    chain = locked_chain(session, chain_id)
    if chain.role != ChainRole.LEAD:
        raise Conflict("Only the lead node declares a client default.")
    if chain.state == ChainState.DEFAULTED:
        return []
    if chain.state != ChainState.INVOICED:
        raise Conflict(f"The chain is {chain.state}: only an invoiced chain can default.")
    chain.state, chain.updated_at = ChainState.DEFAULTED.value, utcnow()
    audit.record(
        session,
        actor=actor[:120],
        action="value_chain.default",
        entity="value_chain",
        entity_id=chain.id,
        changes={"default_policy": [None, chain.default_policy]},
        request_id=request_id,
    )
    return allocate_due(session, chain)


# -- a contributor node ----------------------------------------------------------------------------


def _refuse(reason: str, detail: str) -> BusinessRefusal:
    return BusinessRefusal(reason, detail)


def _checked_contributor(session: Session, chain: Chain, message: Envelope) -> ChainContributor:
    body = message.body
    if chain.role != ChainRole.CONTRIBUTOR or chain.lead_node != message.iss:
        raise _refuse(messages.NOT_PART_OF_CHAIN, "the sender does not lead this chain")
    if chain.state == ChainState.CANCELLED:
        raise _refuse(messages.CHAIN_CANCELLED, "the chain was cancelled")
    found = next((c for c in chain.contributors if c.member_ref == body["member_ref"]), None)
    if found is None or found.member_id is None:
        raise _refuse(messages.UNKNOWN_MEMBER, "no such member of this node in the chain")
    if found.activity_id is None:
        raise _refuse(messages.NOT_ACCEPTED, "the member has not accepted the chain")
    return found


def _minor_of(value: dict[str, str], currency: str) -> int:
    if value["currency"] != currency:
        raise _refuse(messages.CURRENCY_MISMATCH, f"the chain settles in {currency}")
    try:
        return to_minor(parse_amount(value["amount"], currency), currency)
    except MoneyError as exc:
        raise _refuse(messages.INVALID_AMOUNT, str(exc)) from None


def _same(row: ChainAllocation, contributor: ChainContributor, body: dict[str, Any]) -> bool:
    return (row.contributor_id, row.seq, row.basis, row.amount_minor, row.cumulative_minor) == (
        contributor.id,
        body["seq"],
        body["basis"],
        _minor_of(body["amount"], row.currency),
        _minor_of(body["cumulative"], row.currency),
    )


def _check_share(chain: Chain, contributor: ChainContributor, amount: int, total: int) -> None:
    """Within the member's share less the lead node's fee, counting what arrived before."""
    rate = fee_policy_of(chain).lead_rate_on(local=False, lead_own_rate=Decimal(0))
    most = net_of(contributor.full_minor, rate, Decimal(0))
    if amount < 0 or total < amount:
        raise _refuse(messages.INVALID_AMOUNT, "a negative amount, or above its cumulative")
    if contributor.allocated_net_minor + amount > most or total > most:
        raise _refuse(messages.ABOVE_SHARE, f"above the member's share ({most} minor units)")


def handle_allocation(session: Session, message: Envelope) -> None:
    """Credit the member's activity with an allocation from the lead node (see the module)."""
    body = message.body
    chain = by_uid(session, body["chain"])
    if chain is None:
        raise _refuse(messages.UNKNOWN_CHAIN, "no such chain at this node")
    contributor = _checked_contributor(session, chain, message)
    known = session.scalars(
        select(ChainAllocation).where(ChainAllocation.uid == body["allocation"])
    ).one_or_none()
    if known is not None:
        if known.chain_id == chain.id and _same(known, contributor, body):
            return  # the same allocation again: applied once already
        raise _refuse(messages.ALLOCATION_CONFLICT, "this allocation id was used differently")
    taken_seq = session.scalar(
        select(ChainAllocation.id).where(
            ChainAllocation.contributor_id == contributor.id, ChainAllocation.seq == body["seq"]
        )
    )
    if taken_seq is not None:
        raise _refuse(messages.ALLOCATION_CONFLICT, "another allocation has this number")
    amount = _minor_of(body["amount"], chain.currency)
    total = _minor_of(body["cumulative"], chain.currency)
    _check_share(chain, contributor, amount, total)
    activity = session.get(Activity, contributor.activity_id)
    assert activity is not None
    rate = body.get("rate") or contributor.rate
    before = contributor.allocated_net_minor
    try:
        local_before = convert(before, chain.currency, activity.currency, rate)
        local_after = convert(before + amount, chain.currency, activity.currency, rate)
    except RateError as exc:
        raise _refuse(messages.RATE_MISSING, str(exc)) from None
    row = ChainAllocation(
        uid=body["allocation"],
        chain_id=chain.id,
        contributor_id=contributor.id,
        seq=body["seq"],
        basis=body["basis"],
        direction=Direction.RECEIVABLE.value,
        peer_node=chain.lead_node,
        currency=chain.currency,
        gross_minor=amount,
        amount_minor=amount,
        cumulative_minor=total,
        local_currency=activity.currency,
        local_amount_minor=local_after - local_before,
        rate=rate,
        self_billed_number=body["self_billed_invoice"]["number"],
        self_billed_on=date.fromisoformat(body["self_billed_invoice"]["issued_on"]),
        occurred_on=utcnow().date(),
    )
    session.add(row)
    session.flush()
    if amount:
        fee = _own_fee(chain, local_before, local_after)
        row.journal_entry_id = _credit(session, chain, activity, row, fee)
    contributor.allocated_net_minor = before + amount
    contributor.allocated_minor = contributor.allocated_net_minor
    if chain.state in (ChainState.PROPOSED, ChainState.ACCEPTED):
        chain.state = ChainState.INVOICED.value


def _own_fee(chain: Chain, before: int, after: int) -> Taken:
    """This node's contribution on what arrived, by the fee policy (cumulative, so the order
    allocations arrive in does not matter)."""
    rate = fee_policy_of(chain).contributor_rate(_decimal(chain.own_rate))
    points = _decimal(chain.own_fund_points)
    return taken(after, rate, points) - taken(before, rate, points)


def _credit(
    session: Session, chain: Chain, activity: Activity, row: ChainAllocation, fee: Taken
) -> int:
    settlement, local = chain.currency, activity.currency
    local_amount = row.local_amount_minor or 0
    receivable = clearing.receivable(chain.lead_node)
    budget = activity.budget_key
    lines = [PostingLine(receivable.key, settlement, row.amount_minor)]
    if local == settlement:
        lines.append(PostingLine(budget, local, -row.amount_minor))
    else:
        lines += [
            PostingLine(clearing.EXCHANGE.key, settlement, -row.amount_minor),
            PostingLine(clearing.EXCHANGE.key, local, local_amount),
            PostingLine(budget, local, -local_amount),
        ]
        _open(session, settlement, clearing.EXCHANGE)
        ledger.ensure_account(session, clearing.EXCHANGE, local)
    lines += _contribution_lines(budget, fee, local)
    _open(session, local)
    ledger.ensure_account(session, receivable, settlement)
    return _post(
        session,
        f"chain-allocation:{row.uid}",
        f"Value chain {chain.uid}: allocation {row.seq} from {chain.lead_node}",
        lines,
    )
