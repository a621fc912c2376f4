"""Refused chain messages change nothing at all and get a receipt the refusing node signed.

``tests/node/chains`` covers every refusal reason with row counts; these take the three the
cross-border issue names — a peer allocating on a chain it is not part of, an allocation above
the chain's share, a consent for a member the node does not have — on a node whose books already
hold the chain's earlier allocations, and check the whole state: rows, ledger entries, the
ledger's head hash, every account's balance, the outbox; and the receipt's signature against the
node's key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from federation import envelope
from node.chains import messages
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.db.types import utcnow
from node.federation.inbox import RECEIPT_TYPE
from node.federation.models import OutboxMessage
from node.ledger import service as ledger
from node.ledger.models import Account, JournalEntry, LedgerHead, Posting
from node.runtime import Node
from tests.node.chains.chain_helpers import accept, invoice, pay, receivable
from tests.node.chains.test_contributor import BE, Lead, chain_here, proposal_from_be
from tests.node.chains.test_lead import FR, acceptance, accepted_by_all
from tests.node.chains.test_lead import lead as lead_node
from tests.node.federation.fed_helpers import RECEIVER, FakeNode
from tests.node.member_helpers import Crew, state_counts

__all__ = ["lead_node"]  # the fixture
TABLES = (Chain, ChainContributor, ChainAllocation, JournalEntry, Posting, OutboxMessage)


def everything(node: Node) -> dict[str, Any]:
    """Row counts (and the audit trail), the ledger's head and every account's balance."""
    with node.db.reading() as session:
        head = session.get_one(LedgerHead, 1)
        balances = {
            (a.key, a.currency): ledger.balance_minor(session, a)
            for a in session.scalars(select(Account))
        }
        return {
            "rows": state_counts(node, *TABLES),
            "head": (head.sequence, head.hash),
            "balances": balances,
        }


def signed_refusal(token: str | None, me: FakeNode, sender: str) -> str:
    """The reason of a refusal receipt, once its signature checks out against ``me``'s key."""
    assert token is not None
    keys = {RECEIVER: me.keys()}
    receipt = envelope.verify(token, keys.__getitem__, sender, utcnow())
    assert (receipt.iss, receipt.type, receipt.body["outcome"]) == (
        RECEIVER,
        RECEIPT_TYPE,
        "refused",
    )
    return str(receipt.body["reason"])


def allocated_contributor(crew: Crew, node: Node, receiver: FakeNode) -> Lead:
    """This node contributes to a chain Belgium leads; 300.00 of its member's 400.00 arrived."""
    member = crew.create_member(name="Luc Martin")
    crew.client.post(
        f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
    )
    lead = Lead(node, receiver, proposal_from_be(str(member["id"])))
    assert lead.send(messages.PROPOSAL, lead.body)["outcome"] == "accepted"
    chain = chain_here(crew)
    accept(crew, chain, chain["contributors"][0]["id"])
    first = lead.allocation(1, "300.00", "300.00")
    assert lead.send(messages.ALLOCATION, first)["outcome"] == "accepted"
    assert receivable(node, BE) == 30_000
    return lead


def test_a_peer_allocating_on_a_chain_it_is_not_part_of_changes_nothing(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    lead = allocated_contributor(crew, node, receiver)
    before = everything(node)
    token = lead.de.sign(
        type=messages.ALLOCATION,
        body=lead.allocation(2, "100.00", "400.00"),
        conversation=lead.uid,
    )
    result = lead.inbox.receive(token, utcnow())
    assert signed_refusal(result.receipt, receiver, lead.de.node_id) == "not_part_of_chain"
    assert everything(node) == before


def test_an_allocation_above_the_share_changes_nothing(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    lead = allocated_contributor(crew, node, receiver)
    before = everything(node)
    token = lead.be.sign(
        type=messages.ALLOCATION,
        body=lead.allocation(2, "100.01", "400.01"),  # 300.00 arrived: 100.00 is left
        conversation=lead.uid,
    )
    result = lead.inbox.receive(token, utcnow())
    assert signed_refusal(result.receipt, receiver, BE) == "above_share"
    assert everything(node) == before


def test_a_consent_for_a_member_the_sender_does_not_have_changes_nothing(
    crew: Crew, node: Node, receiver: FakeNode, lead_node: dict[str, Any]
) -> None:
    """This node leads; France consents for a member it does not have in the chain, once the
    chain is invoiced and half paid."""
    chain = accepted_by_all(crew, lead_node)
    pay(crew, invoice(crew, chain["id"])["invoice"]["id"], "605.00")
    before = everything(node)
    body = acceptance(
        lead_node["chain"], consent={"member_ref": "8", "given_at": "2026-11-21T09:30:00Z"}
    )
    token = lead_node["fr"].sign(
        type=messages.ACCEPTANCE, body=body, conversation=lead_node["chain"]["uid"]
    )
    result = lead_node["inbox"].receive(token, utcnow())
    assert signed_refusal(result.receipt, receiver, FR) == "unknown_member"
    assert everything(node) == before
