"""A value chain at its lead node (this node, Belgian), with a French contributor node played
by a signing test peer: proposal, acceptances, invoice, pro-rata allocation on payments, and the
refusals the lead node signs."""

from __future__ import annotations

from typing import Any

import pytest

from node.chains import messages
from node.chains.models import Chain, ChainAllocation, ChainContributor
from node.db.types import utcnow
from node.invoices.models import Invoice
from node.ledger import service as ledger
from node.runtime import Node
from tests.node.chains.chain_helpers import (
    CHAINS,
    accept,
    active_member,
    balance,
    budget,
    invoice,
    pay,
    payable,
    proposal,
    propose,
    queued,
    receipt_of,
    share,
)
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node, make_inbox
from tests.node.invoices.test_invoices import make_client
from tests.node.member_helpers import Crew, state_counts

FR, DE = "https://coop-fr.example", "https://coop-de.example"
TABLES = (Chain, ChainContributor, ChainAllocation)


@pytest.fixture
def lead(crew: Crew, node: Node, receiver: FakeNode) -> dict[str, Any]:
    """This node leads: a member of its own (60 %), a member of the French node (40 %)."""
    fr, de = fake_node(FR), fake_node(DE)
    add_peer(node.db, fr)
    add_peer(node.db, de)
    member = active_member(crew, name="An Peeters")
    client_id = make_client(crew)
    contributors = [
        {"member_ref": str(member["id"]), "share": share("60")},
        {"node": FR, "member_ref": "7", "name": "Luc Martin", "share": share("40")},
    ]
    chain = propose(crew, proposal(client_id, contributors))
    return {
        "chain": chain,
        "fr": fr,
        "de": de,
        "member": member,
        "inbox": make_inbox(node.db, receiver),
    }


def acceptance(of: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "chain": of["uid"],
        "node": FR,
        "decision": "accepted",
        "consent": {"member_ref": "7", "given_at": "2026-11-21T09:30:00Z"},
    }
    return {**body, **changes}


def send(lead: dict[str, Any], sender: FakeNode, type: str, body: dict[str, Any]) -> Any:
    token = sender.sign(type=type, body=body, conversation=lead["chain"]["uid"])
    return receipt_of(lead["inbox"].receive(token, utcnow()))


def accepted_by_all(crew: Crew, lead: dict[str, Any]) -> dict[str, Any]:
    chain = lead["chain"]
    assert send(lead, lead["fr"], messages.ACCEPTANCE, acceptance(chain))["outcome"] == "accepted"
    local = next(c for c in chain["contributors"] if c["local"])
    return accept(crew, chain, local["id"])


def test_a_proposal_goes_to_the_contributor_node_with_the_shares(
    crew: Crew, node: Node, lead: dict[str, Any]
) -> None:
    chain = lead["chain"]
    assert chain["state"] == "proposed" and chain["role"] == "lead"
    assert [c["full_share"] for c in chain["contributors"]] == ["600.00", "400.00"]
    (sent,) = queued(node, messages.PROPOSAL)
    assert sent["_conversation"] == chain["uid"]
    assert sent["amount"] == {"amount": "1000.00", "currency": "EUR"}
    assert [c["node"] for c in sent["contributors"]] == ["http://127.0.0.1:8000", FR]
    assert sent["fee_policy"] == {"kind": "each_node"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"fee_policy": {"kind": "lead_node"}}, "fee_policy.lead_rate"),
        (
            {"contributors": [{"member_ref": "999", "share": share("100")}]},
            "contributors.0.member_ref",
        ),
        (
            {
                "contributors": [
                    {
                        "node": "https://stranger.example",
                        "member_ref": "1",
                        "name": "X",
                        "share": share("100"),
                    }
                ]
            },
            "contributors.0.node",
        ),
        ({"contributors": [{"member_ref": "1", "share": share("90")}]}, "contributors"),
    ],
)
def test_a_bad_proposal_changes_nothing(
    crew: Crew, node: Node, lead: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    before = state_counts(node, *TABLES)
    body = proposal(lead["chain"]["client"]["id"], lead["chain"]["proposal"]["contributors"])
    body["contributors"] = [{"member_ref": str(lead["member"]["id"]), "share": share("100")}]
    response = crew.client.post(CHAINS, json={**body, **change}, headers=crew.staff)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}
    assert state_counts(node, *TABLES) == before


def test_acceptances_then_invoice_then_payments_allocate_pro_rata_to_the_cent(
    crew: Crew, node: Node, lead: dict[str, Any]
) -> None:
    chain = accepted_by_all(crew, lead)
    assert chain["state"] == "accepted"
    invoiced = invoice(crew, chain["id"])
    assert invoiced["state"] == "invoiced"
    invoice_id = invoiced["invoice"]["id"]
    with node.db.reading() as session:
        issued = session.get(Invoice, invoice_id)
        assert issued is not None
        assert (issued.net_minor, issued.gross_minor, issued.contribution_minor) == (
            100_000,
            121_000,
            0,
        )
    (told,) = queued(node, messages.INVOICED)
    assert told["invoice"]["total_excl_vat"] == {"amount": "1000.00", "currency": "EUR"}
    assert queued(node, messages.ALLOCATION) == []  # on_payment: nothing before a payment

    member_activity = invoiced["contributors"][0]["activity_id"]
    pay(crew, invoice_id, "605.00")  # half of 1210.00
    assert budget(node, member_activity) == 30_000 - 1_950  # 6.5 % contribution taken
    assert payable(node, FR) == 20_000  # each node takes its own: the French share whole
    (first,) = queued(node, messages.ALLOCATION)
    assert (first["seq"], first["basis"], first["member_ref"]) == (1, "payment", "7")
    assert first["amount"] == first["cumulative"] == {"amount": "200.00", "currency": "EUR"}
    assert first["self_billed_invoice"]["number"].startswith("SB-")

    again = crew.client.post(f"{CHAINS}/{chain['id']}/allocate", headers=crew.staff)
    assert again.status_code == 200 and again.json() == []  # nothing new is due

    pay(crew, invoice_id, "605.00")
    assert budget(node, member_activity) == 60_000 - 3_900
    assert payable(node, FR) == 40_000
    assert budget(node, invoiced["activity_id"]) == 0  # the chain's activity handed it all out
    second = queued(node, messages.ALLOCATION)[1]
    assert (second["seq"], second["amount"]["amount"], second["cumulative"]["amount"]) == (
        2,
        "200.00",
        "400.00",
    )
    assert balance(node, "revenue:contribution") + balance(node, "fund:guarantee") == -3_900
    with node.db.reading() as session:
        assert ledger.verify_chain(session) == []
    shown = crew.client.get(f"{CHAINS}/{chain['id']}/allocations", headers=crew.staff).json()
    assert [(a["direction"], a["amount"]) for a in shown] == [
        ("local", "280.50"),
        ("payable", "200.00"),
        ("local", "280.50"),
        ("payable", "200.00"),
    ]


def test_on_issue_with_the_lead_fee_allocates_everything_when_invoiced(
    crew: Crew, node: Node, receiver: FakeNode
) -> None:
    fr = fake_node(FR)
    add_peer(node.db, fr)
    member = active_member(crew)
    contributors = [
        {"member_ref": str(member["id"]), "share": share("250.00", "fixed")},
        {"node": FR, "member_ref": "7", "name": "Luc", "share": share("100")},
    ]
    body = proposal(
        make_client(crew),
        contributors,
        guarantee="on_issue",
        fee_policy={"kind": "lead_node", "lead_rate": "10"},
    )
    lead = {"chain": propose(crew, body), "fr": fr, "inbox": make_inbox(node.db, receiver)}
    chain = accepted_by_all(crew, lead)
    invoiced = invoice(crew, chain["id"])
    # 250.00 fixed for the Belgian member, the 750.00 left for the French one; the lead keeps
    # 10 % of both, so France is due 675.00
    assert budget(node, invoiced["contributors"][0]["activity_id"]) == 25_000 - 2_500
    assert payable(node, FR) == 67_500
    (sent,) = queued(node, messages.ALLOCATION)
    assert (sent["basis"], sent["amount"]["amount"]) == ("issue", "675.00")
    pay(crew, invoiced["invoice"]["id"], "1210.00")
    assert len(queued(node, messages.ALLOCATION)) == 1  # paid: nothing more to allocate


def test_a_default_the_lead_bears_pays_the_other_nodes_in_full(
    crew: Crew, node: Node, lead: dict[str, Any]
) -> None:
    with node.db.transaction() as session:
        row = session.get(Chain, lead["chain"]["id"])
        assert row is not None
        row.default_policy = "lead_bears"
    chain = accepted_by_all(crew, lead)
    invoiced = invoice(crew, chain["id"])
    pay(crew, invoiced["invoice"]["id"], "121.00")  # a tenth
    assert payable(node, FR) == 4_000
    response = crew.client.post(f"{CHAINS}/{chain['id']}/default", headers=crew.staff)
    assert response.status_code == 200 and response.json()["state"] == "defaulted"
    assert payable(node, FR) == 40_000
    assert budget(node, invoiced["contributors"][0]["activity_id"]) == 6_000 - 390
    assert [m["basis"] for m in queued(node, messages.ALLOCATION)] == ["payment", "default"]


def test_a_refusal_cancels_the_chain_everywhere_and_nothing_is_invoiced(
    crew: Crew, node: Node, lead: dict[str, Any]
) -> None:
    chain = lead["chain"]
    refused = acceptance(chain, decision="refused", reason="member_declined")
    refused["consent"] = {"member_ref": "7"}
    assert send(lead, lead["fr"], messages.ACCEPTANCE, refused)["outcome"] == "accepted"
    shown = crew.client.get(f"{CHAINS}/{chain['id']}", headers=crew.staff).json()
    assert (shown["state"], shown["reason"]) == ("cancelled", "contributor_refused")
    (cancelled,) = queued(node, messages.CANCELLED)
    assert cancelled == {
        "chain": chain["uid"],
        "reason": "contributor_refused",
        "_conversation": chain["uid"],
    }
    invoice(crew, chain["id"], expect=409)
    local = next(c for c in chain["contributors"] if c["local"])
    path = f"{CHAINS}/{chain['id']}/contributors/{local['id']}/accept"
    assert crew.client.post(path, json={}, headers=crew.staff).status_code == 409


@pytest.mark.parametrize(
    ("who", "change", "reason"),
    [
        ("fr", {"chain": "6f1c2a1e-8d4b-4f3a-9c2e-1b7d5e9a0c11"}, "unknown_chain"),
        (
            "fr",
            {"consent": {"member_ref": "8", "given_at": "2026-11-21T09:30:00Z"}},
            "unknown_member",
        ),
        ("de", {"node": DE}, "not_part_of_chain"),
        ("fr", {"node": DE}, "node_mismatch"),
    ],
)
def test_a_wrong_acceptance_is_refused_and_changes_nothing(
    node: Node, lead: dict[str, Any], who: str, change: dict[str, Any], reason: str
) -> None:
    before = state_counts(node, *TABLES)
    answer = send(lead, lead[who], messages.ACCEPTANCE, acceptance(lead["chain"], **change))
    assert (answer["outcome"], answer["reason"]) == ("refused", reason)
    assert state_counts(node, *TABLES) == before
    with node.db.reading() as session:
        assert {c.decision for c in session.query(ChainContributor)} == {"pending"}


def test_a_repeated_acceptance_changes_nothing_and_a_contrary_one_is_refused(
    crew: Crew, lead: dict[str, Any]
) -> None:
    body = acceptance(lead["chain"])
    assert send(lead, lead["fr"], messages.ACCEPTANCE, body)["outcome"] == "accepted"
    assert send(lead, lead["fr"], messages.ACCEPTANCE, body)["outcome"] == "accepted"
    contrary = {**body, "decision": "refused", "reason": "member_declined"}
    contrary["consent"] = {"member_ref": "7"}
    answer = send(lead, lead["fr"], messages.ACCEPTANCE, contrary)
    assert (answer["outcome"], answer["reason"]) == ("refused", "already_decided")
    shown = crew.client.get(f"{CHAINS}/{lead['chain']['id']}", headers=crew.staff).json()
    assert shown["state"] == "proposed"


def test_the_lead_withdraws_a_chain_before_invoicing(
    crew: Crew, node: Node, lead: dict[str, Any]
) -> None:
    chain = lead["chain"]
    response = crew.client.post(f"{CHAINS}/{chain['id']}/cancel", headers=crew.staff)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert [m["reason"] for m in queued(node, messages.CANCELLED)] == ["withdrawn"]
