"""Helpers of the settlement tests: clearing items booked directly, a peer played by the test."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from node.chains import clearing
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.db.types import utcnow
from node.federation.handlers import node_handlers
from node.federation.inbox import Inbox
from node.federation.models import Peer as PeerRow
from node.ledger import service as ledger
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.runtime import Node
from tests.node.chains.chain_helpers import queued, receipt_of
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node, make_inbox

__all__ = ["queued", "receipt_of"]

COUNTER = ledger.AccountSpec("test:counter", "The other side of test items", AccountType.ASSET)


def _chain(session: Any, peer: str) -> ChainContributor:
    """One chain and contributor per peer, to hang the test's allocations on."""
    found = session.scalars(
        select(ChainContributor).where(ChainContributor.node == peer)
    ).one_or_none()
    if found is not None:
        return found
    chain = Chain(
        uid=str(uuid.uuid4()),
        role="lead",
        lead_node=peer,
        description="Test chain",
        client_name="Client",
        client_country="BE",
        currency="EUR",
        amount_minor=1,
        fee_kind="each_node",
        guarantee="on_payment",
        default_policy="lead_bears",
        state="invoiced",
        proposal={},
        created_by="test",
    )
    contributor = ChainContributor(
        position=0,
        node=peer,
        member_ref="1",
        name="Someone",
        share_kind="percent",
        share_value="100",
        full_minor=1,
        local=False,
        decision="accepted",
        allocated_minor=0,
        allocated_net_minor=0,
    )
    chain.contributors = [contributor]
    session.add(chain)
    session.flush()
    return contributor


def book_item(
    node: Node, peer: str, direction: str, amount_minor: int, currency: str = "EUR"
) -> str:
    """A clearing item with ``peer`` as value chains book it: the allocation row and its entry
    on ``clearing:<peer>:receivable`` (debit) or ``:payable`` (credit)."""
    with node.db.transaction() as session:
        contributor = _chain(session, peer)
        seq = len(session.scalars(select(ChainAllocation.id)).all()) + 1
        row = ChainAllocation(
            uid=str(uuid.uuid4()),
            chain_id=contributor.chain_id,
            contributor_id=contributor.id,
            seq=seq,
            basis="payment",
            direction=direction,
            peer_node=peer,
            currency=currency,
            gross_minor=amount_minor,
            amount_minor=amount_minor,
            cumulative_minor=amount_minor,
            occurred_on=utcnow().date(),
        )
        session.add(row)
        session.flush()
        spec = clearing.receivable(peer) if direction == "receivable" else clearing.payable(peer)
        sign = 1 if direction == "receivable" else -1
        for account in (spec, COUNTER):
            ledger.ensure_account(session, account, currency)
        draft = EntryDraft(
            kind="test.item",
            occurred_on=row.occurred_on,
            idempotency_key=f"test-item:{row.uid}",
            description="test item",
            postings=(
                PostingLine(spec.key, currency, sign * amount_minor),
                PostingLine(COUNTER.key, currency, -sign * amount_minor),
            ),
        )
        row.journal_entry_id = ledger.post(session, draft, actor="test").id
        return row.uid


class Peer:
    """A peer node as the test plays it, and the node's inbox (every handler, the node's own)."""

    def __init__(self, node: Node, receiver: FakeNode, node_id: str, country: str) -> None:
        self.me: FakeNode = fake_node(node_id)
        self.node_id = node_id
        peer_id = add_peer(node.db, self.me)
        with node.db.transaction() as session:
            session.execute(update(PeerRow).where(PeerRow.id == peer_id).values(country=country))
        self.inbox: Inbox = make_inbox(node.db, receiver, node_handlers(node))

    def send(self, type: str, body: dict[str, Any], conversation: str) -> dict[str, Any]:
        token = self.me.sign(type=type, body=body, conversation=conversation)
        return receipt_of(self.inbox.receive(token, utcnow()))


def statement_from(
    peer: str, lines: list[tuple[str, str, str]], *, payer: str, net: str, **changes: Any
) -> dict[str, Any]:
    """A ``settlement-statement/1`` body: lines are ``(item, sender_owes|receiver_owes, amount)``."""
    body: dict[str, Any] = {
        "statement": str(uuid.uuid4()),
        "period": {"start": "2026-01-01", "end": "2099-12-31"},
        "currency": "EUR",
        "lines": [
            {"item": item, "direction": way, "amount": {"amount": amount, "currency": "EUR"}}
            for item, way, amount in lines
        ],
        "net": {"payer": payer, "amount": {"amount": net, "currency": "EUR"}},
    }
    return {**body, **changes}
