"""A value chain at a contributor node (this node), led by a Belgian node played by a signing test
peer: the proposal, the member's consent, allocations (in any order, repeated, refused), a
cancellation, and a node keeping its books in SEK."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from node.chains import messages
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.db.types import utcnow
from node.ledger import service as ledger
from node.runtime import Node
from tests.node.chains.chain_helpers import (
    CHAINS,
    accept,
    active_member,
    balance,
    budget,
    queued,
    receipt_of,
    receivable,
)
from tests.node.federation.fed_helpers import RECEIVER, FakeNode, add_peer, fake_node, make_inbox
from tests.node.member_helpers import Crew, state_counts

BE, DE = "https://coop-be.example", "https://coop-de.example"
TABLES = (Chain, ChainContributor, ChainAllocation)
SEK_RATE = {"base": "EUR", "quote": "SEK", "rate": "11.0952", "date": "2026-11-20", "source": "ecb"}


def proposal_from_be(member_ref: str, rate: dict[str, str] | None = None) -> dict[str, Any]:
    ours: dict[str, Any] = {
        "node": RECEIVER,
        "member_ref": member_ref,
        "name": "Luc Martin",
        "share": {"kind": "percent", "value": "40"},
    }
    if rate is not None:
        ours["rate"] = rate
    return {
        "chain": str(uuid.uuid4()),
        "lead": BE,
        "description": "Website for Atelier Nord",
        "client": {"name": "Atelier Nord SA", "country": "BE"},
        "amount": {"amount": "1000.00", "currency": "EUR"},
        "contributors": [
            {
                "node": BE,
                "member_ref": "12",
                "name": "An Peeters",
                "share": {"kind": "percent", "value": "60"},
            },
            ours,
        ],
        "fee_policy": {"kind": "each_node"},
        "guarantee": "on_payment",
        "default_policy": "contributors_bear_pro_rata",
        "settlement_currency": "EUR",
    }


class Lead:
    """The Belgian lead node as the test plays it, and this node's inbox."""

    def __init__(self, node: Node, receiver: FakeNode, body: dict[str, Any]) -> None:
        self.be, self.de = fake_node(BE), fake_node(DE)
        add_peer(node.db, self.be)
        add_peer(node.db, self.de)
        self.inbox = make_inbox(node.db, receiver)
        self.body = body
        self.uid = body["chain"]

    def send(self, type: str, body: dict[str, Any], sender: FakeNode | None = None) -> Any:
        token = (sender or self.be).sign(type=type, body=body, conversation=self.uid)
        return receipt_of(self.inbox.receive(token, utcnow()))

    def allocation(self, seq: int, sent: str, total: str, **changes: Any) -> dict[str, Any]:
        body = {
            "chain": self.uid,
            "allocation": str(uuid.uuid4()),
            "seq": seq,
            "basis": "payment",
            "member_ref": self.body["contributors"][1]["member_ref"],
            "amount": {"amount": sent, "currency": "EUR"},
            "cumulative": {"amount": total, "currency": "EUR"},
            "self_billed_invoice": {"number": f"SB-2026-{seq:06d}", "issued_on": "2026-11-25"},
        }
        return {**body, **changes}


def chain_here(crew: Crew) -> dict[str, Any]:
    (chain,) = crew.client.get(CHAINS, headers=crew.staff).json()
    return dict(chain)


@pytest.fixture
def lead(crew: Crew, node: Node, receiver: FakeNode) -> Lead:
    member = active_member(crew, name="Luc Martin")
    lead = Lead(node, receiver, proposal_from_be(str(member["id"])))
    assert lead.send(messages.PROPOSAL, lead.body)["outcome"] == "accepted"
    return lead


@pytest.fixture
def accepted(crew: Crew, lead: Lead) -> dict[str, Any]:
    chain = chain_here(crew)
    (mine,) = chain["contributors"]
    return accept(crew, chain, mine["id"], consent_given_at="2026-11-21T09:30:00+00:00")


def test_a_proposal_is_recorded_and_the_members_consent_goes_to_the_lead(
    crew: Crew, node: Node, lead: Lead
) -> None:
    chain = chain_here(crew)
    assert (chain["role"], chain["state"], chain["lead"]) == ("contributor", "proposed", BE)
    (mine,) = chain["contributors"]
    assert (mine["full_share"], mine["decision"]) == ("400.00", "pending")
    assert lead.send(messages.PROPOSAL, lead.body)["outcome"] == "accepted"  # a repeat: no-op
    accept(crew, chain, mine["id"], consent_given_at="2026-11-21T09:30:00+00:00")
    (answer,) = queued(node, messages.ACCEPTANCE)
    assert answer == {
        "chain": lead.uid,
        "node": RECEIVER,
        "decision": "accepted",
        "consent": {"member_ref": mine["member_ref"], "given_at": "2026-11-21T09:30:00Z"},
        "_conversation": lead.uid,
    }


def test_a_proposal_for_a_member_this_node_does_not_have_is_refused_and_cancelled(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    lead = Lead(node, receiver, proposal_from_be("4242"))
    assert lead.send(messages.PROPOSAL, lead.body)["outcome"] == "accepted"
    (answer,) = queued(node, messages.ACCEPTANCE)
    assert (answer["decision"], answer["reason"]) == ("refused", "unknown_member")
    assert chain_here(crew)["state"] == "cancelled"


def test_allocations_out_of_order_and_repeated_credit_the_member_once(
    crew: Crew, node: Node, lead: Lead, accepted: dict[str, Any]
) -> None:
    activity = accepted["contributors"][0]["activity_id"]
    second = lead.allocation(2, "200.00", "400.00")
    first = lead.allocation(1, "200.00", "200.00")
    assert lead.send(messages.ALLOCATION, second)["outcome"] == "accepted"
    assert budget(node, activity) == 20_000 - 1_300  # less this node's 6.5 %
    assert lead.send(messages.ALLOCATION, first)["outcome"] == "accepted"
    assert lead.send(messages.ALLOCATION, first)["outcome"] == "accepted"  # again, new jti
    assert budget(node, activity) == 40_000 - 2_600
    assert receivable(node, BE) == 40_000
    assert balance(node, "revenue:contribution") + balance(node, "fund:guarantee") == -2_600
    with node.db.reading() as session:
        assert ledger.verify_chain(session) == []
    shown = crew.client.get(f"{CHAINS}/{accepted['id']}/allocations", headers=crew.staff).json()
    assert sorted((a["seq"], a["direction"], a["amount"]) for a in shown) == [
        (1, "receivable", "200.00"),
        (2, "receivable", "200.00"),
    ]


def test_the_same_message_twice_gets_the_same_receipt(
    node: Node, lead: Lead, accepted: dict[str, Any]
) -> None:
    token = lead.be.sign(
        type=messages.ALLOCATION, body=lead.allocation(1, "100.00", "100.00"), conversation=lead.uid
    )
    first = lead.inbox.receive(token, utcnow())
    assert lead.inbox.receive(token, utcnow()).receipt == first.receipt
    assert receivable(node, BE) == 10_000


@pytest.mark.parametrize(
    ("sender", "changes", "reason"),
    [
        (
            "be",
            {
                "amount": {"amount": "400.01", "currency": "EUR"},
                "cumulative": {"amount": "400.01", "currency": "EUR"},
            },
            "above_share",
        ),
        ("de", {}, "not_part_of_chain"),
        ("be", {"chain": "6f1c2a1e-8d4b-4f3a-9c2e-1b7d5e9a0c11"}, "unknown_chain"),
        ("be", {"member_ref": "999"}, "unknown_member"),
        ("be", {"amount": {"amount": "10.00", "currency": "SEK"}}, "currency_mismatch"),
    ],
)
def test_a_wrong_allocation_is_refused_and_changes_nothing(
    node: Node,
    lead: Lead,
    accepted: dict[str, Any],
    sender: str,
    changes: dict[str, Any],
    reason: str,
) -> None:
    before = state_counts(node, *TABLES)
    body = lead.allocation(1, "100.00", "100.00", **changes)
    answer = lead.send(messages.ALLOCATION, body, getattr(lead, sender))
    assert (answer["outcome"], answer["reason"]) == ("refused", reason)
    assert state_counts(node, *TABLES) == before
    assert receivable(node, BE) == 0


def test_allocations_beyond_the_share_in_total_are_refused(
    node: Node, lead: Lead, accepted: dict[str, Any]
) -> None:
    assert lead.send(messages.ALLOCATION, lead.allocation(1, "300.00", "300.00"))["outcome"] == (
        "accepted"
    )
    answer = lead.send(messages.ALLOCATION, lead.allocation(2, "100.01", "400.01"))
    assert answer["reason"] == "above_share"
    reused = lead.allocation(2, "50.00", "350.00")
    assert lead.send(messages.ALLOCATION, reused)["outcome"] == "accepted"
    clash = {**reused, "amount": {"amount": "60.00", "currency": "EUR"}}
    assert lead.send(messages.ALLOCATION, clash)["reason"] == "allocation_conflict"
    assert receivable(node, BE) == 35_000


def test_a_cancellation_from_the_lead_stops_the_chain(
    crew: Crew, lead: Lead, accepted: dict[str, Any]
) -> None:
    body = {"chain": lead.uid, "reason": "contributor_refused"}
    assert lead.send(messages.CANCELLED, body, lead.de)["reason"] == "not_part_of_chain"
    assert lead.send(messages.CANCELLED, body)["outcome"] == "accepted"
    assert chain_here(crew)["state"] == "cancelled"
    answer = lead.send(messages.ALLOCATION, lead.allocation(1, "1.00", "1.00"))
    assert answer["reason"] == "chain_cancelled"


def test_a_sek_node_credits_its_member_at_the_rate_the_lead_sent(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    node.settings = node.settings.replace(**{"node.currency": "SEK"})
    member = active_member(crew)
    lead = Lead(node, receiver, proposal_from_be(str(member["id"]), SEK_RATE))
    assert lead.send(messages.PROPOSAL, lead.body)["outcome"] == "accepted"
    chain = chain_here(crew)
    chain = accept(crew, chain, chain["contributors"][0]["id"])
    activity = chain["contributors"][0]["activity_id"]
    second = lead.allocation(2, "200.00", "400.00", rate=SEK_RATE)
    first = lead.allocation(1, "200.00", "200.00", rate=SEK_RATE)
    assert lead.send(messages.ALLOCATION, second)["outcome"] == "accepted"
    assert budget(node, activity, "SEK") == 221_904 - 14_424  # 2219.04 SEK less 6.5 %
    assert lead.send(messages.ALLOCATION, first)["outcome"] == "accepted"
    assert budget(node, activity, "SEK") == 443_808 - 28_848
    assert receivable(node, BE, "EUR") == 40_000
    assert balance(node, "fx:exchange", "EUR") == -40_000
    assert balance(node, "fx:exchange", "SEK") == 443_808
    with node.db.reading() as session:
        assert ledger.verify_chain(session) == []


def test_a_node_in_another_currency_cannot_accept_without_a_rate(
    crew: Crew, node: Node, lead: Lead
) -> None:
    node.settings = node.settings.replace(**{"node.currency": "SEK"})
    chain = chain_here(crew)
    path = f"{CHAINS}/{chain['id']}/contributors/{chain['contributors'][0]['id']}/accept"
    response = crew.client.post(path, json={}, headers=crew.staff)
    assert response.status_code == 409, response.text
    assert queued(node, messages.ACCEPTANCE) == []
