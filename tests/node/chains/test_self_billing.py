"""Self-billed invoices of a value chain's allocations to other nodes, at the (Belgian) lead node.

The documents are checked against the UBL 2.1 XSD and the OpenPEPPOL BIS Billing 3.0 rule files
(the evaluator of tests/node/invoicing/test_peppol_rules.py): every rule holds except the two that
name BIS Billing's own identifiers, which a self-billed invoice replaces by those of Peppol BIS
Self-Billing 3.0 because BIS Billing's profile does not admit type code 389 (PEPPOL-EN16931-P0100).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select, update

from node.chains import allocation, self_billing
from node.chains.models import ChainAllocation
from node.chains.self_billing_models import SelfBillingCounter, SelfBillingSupplier
from node.db.types import utcnow
from node.federation.models import Peer
from node.runtime import Node
from tests.node.chains.chain_helpers import (
    CHAINS,
    accept,
    active_member,
    invoice,
    pay,
    proposal,
    propose,
    queued,
    receipt_of,
)
from tests.node.chains.chain_helpers import share as part
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node, make_inbox
from tests.node.invoices.test_invoices import make_client
from tests.node.invoicing.test_peppol_rules import Rules, _rules
from tests.node.invoicing.test_ubl_schema import NS, _schemas
from tests.node.member_helpers import BE_VAT, Crew, state_counts

FR, CH = "https://coop-fr.example", "https://coop-ch.example"
SUPPLIERS = CHAINS + "/self-billing/suppliers"
# The rules naming BIS Billing's customization and profile ids, which a self-billed invoice
# replaces by those of BIS Self-Billing 3.0.
BILLING_IDENTIFIERS = {"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R007"}
FR_SUPPLIER = {
    "name": "Coop FR SCOP",
    "vat_number": "FR40303265045",
    "company_id": "303265045",
    "address": {"street": "12 rue de la Paix", "postcode": "75002", "city": "Paris"},
}
CH_SUPPLIER = {
    "name": "Coop CH Genossenschaft",
    "vat_number": "CHE-123.456.788 MWST",
    "company_id": "CHE-123.456.788",
    "address": {"street": "Bahnhofstrasse 1", "postcode": "8001", "city": "Zürich"},
    "electronic_address": {"scheme": "0183", "identifier": "CHE123456788"},
}


def peer_in(node: Node, remote: FakeNode, country: str) -> int:
    peer_id = add_peer(node.db, remote)
    with node.db.transaction() as session:
        session.execute(update(Peer).where(Peer.id == peer_id).values(country=country))
    return peer_id


def record(crew: Crew, peer_id: int, body: dict[str, Any], expect: int = 200) -> Any:
    response = crew.client.put(f"{SUPPLIERS}/{peer_id}", json=body, headers=crew.admin)
    assert response.status_code == expect, response.text
    return response.json()


@pytest.fixture
def peers(node: Node) -> dict[str, Any]:
    fr, ch = fake_node(FR), fake_node(CH)
    return {"fr": fr, "ch": ch, "fr_id": peer_in(node, fr, "FR"), "ch_id": peer_in(node, ch, "CH")}


def accepted_chain(
    crew: Crew,
    node: Node,
    receiver: FakeNode,
    remotes: list[FakeNode],
    client_id: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A chain of this node's member (50 %) and one member of each remote node, every share
    accepted; the remote acceptances arrive as signed messages."""
    member = active_member(crew)
    contributors = [{"member_ref": str(member["id"]), "share": part("50")}]
    each = str(Decimal(50) / len(remotes))
    contributors += [
        {"node": r.node_id, "member_ref": "7", "name": "Luc Martin", "share": part(each)}
        for r in remotes
    ]
    chain = propose(crew, proposal(client_id or make_client(crew), contributors, **changes))
    inbox = make_inbox(node.db, receiver)
    for remote in remotes:
        body = {
            "chain": chain["uid"],
            "node": remote.node_id,
            "decision": "accepted",
            "consent": {"member_ref": "7", "given_at": "2026-11-21T09:30:00Z"},
        }
        token = remote.sign(type="chain-acceptance/1", body=body, conversation=chain["uid"])
        assert receipt_of(inbox.receive(token, utcnow()))["outcome"] == "accepted"
    local = next(c for c in chain["contributors"] if c["local"])
    return accept(crew, chain, local["id"])


def allocations(crew: Crew, chain_id: int) -> list[dict[str, Any]]:
    response = crew.client.get(f"{CHAINS}/{chain_id}/allocations", headers=crew.staff)
    assert response.status_code == 200, response.text
    return list(response.json())


def document(crew: Crew, chain_id: int, uid: str, expect: int = 200) -> Any:
    path = f"{CHAINS}/{chain_id}/allocations/{uid}/self-billed-invoice"
    response = crew.client.get(path, headers=crew.staff)
    assert response.status_code == expect, response.text
    if expect != 200:
        return response.json()
    assert response.headers["content-type"].startswith("application/xml")
    return etree.ElementTree(etree.fromstring(response.content))


def text(tree: etree._ElementTree, path: str) -> list[str]:
    return [str(node.text) for node in tree.getroot().xpath(path, namespaces=NS)]


def failed_rules(rules: Rules, tree: etree._ElementTree) -> set[str]:
    return {failure.split()[0] for failure in rules.failures(tree)}


@pytest.fixture
def rules(standards_dir: Path) -> Rules:
    return _rules(standards_dir)


def xsd_errors(standards_dir: Path, tree: etree._ElementTree) -> list[str]:
    schema = _schemas(standards_dir)["Invoice"]
    schema.validate(tree)
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


# -- reverse charge between two member states --------------------------------------------------


@pytest.fixture
def fr_allocation(
    crew: Crew, node: Node, receiver: FakeNode, peers: dict[str, Any]
) -> dict[str, Any]:
    """A Belgian-French chain allocated on issue; the French co-op's details recorded."""
    record(crew, peers["fr_id"], FR_SUPPLIER)
    chain = accepted_chain(crew, node, receiver, [peers["fr"]], guarantee="on_issue")
    invoice(crew, chain["id"])
    (row,) = [a for a in allocations(crew, chain["id"]) if a["direction"] == "payable"]
    return {"chain": chain, "allocation": row}


def test_reverse_charge_document_is_valid_ubl_and_passes_the_bis_rules(
    crew: Crew, standards_dir: Path, rules: Rules, fr_allocation: dict[str, Any]
) -> None:
    row = fr_allocation["allocation"]
    tree = document(crew, fr_allocation["chain"]["id"], row["uid"])
    assert xsd_errors(standards_dir, tree) == []
    assert failed_rules(rules, tree) == BILLING_IDENTIFIERS
    assert text(tree, "/inv:Invoice/cbc:InvoiceTypeCode") == ["389"]
    assert text(tree, "/inv:Invoice/cbc:CustomizationID") == [self_billing.CUSTOMIZATION_ID]
    assert text(tree, "/inv:Invoice/cbc:ProfileID") == [self_billing.PROFILE_ID]
    assert text(tree, "/inv:Invoice/cbc:ID") == [row["self_billed_invoice"]["number"]]
    assert text(tree, "/inv:Invoice/cbc:IssueDate") == [row["self_billed_invoice"]["issued_on"]]
    assert text(tree, "/inv:Invoice/cbc:BuyerReference") == [row["uid"]]
    supplier = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party"
    customer = "/inv:Invoice/cac:AccountingCustomerParty/cac:Party"
    assert text(tree, f"{supplier}/cac:PartyLegalEntity/cbc:RegistrationName") == ["Coop FR SCOP"]
    assert text(tree, f"{supplier}/cac:PartyTaxScheme/cbc:CompanyID") == ["FR40303265045"]
    assert text(tree, f"{supplier}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == ["FR"]
    assert text(tree, f"{customer}/cac:PartyTaxScheme/cbc:CompanyID") == [BE_VAT]
    subtotal = "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal"
    assert text(tree, f"{subtotal}/cac:TaxCategory/cbc:ID") == ["AE"]
    assert text(tree, f"{subtotal}/cac:TaxCategory/cbc:TaxExemptionReasonCode") == ["VATEX-EU-AE"]
    assert text(tree, f"{subtotal}/cbc:TaxAmount") == ["0.00"]
    note = text(tree, "/inv:Invoice/cbc:Note")[0]
    assert note.splitlines()[0] in self_billing.SELF_BILLING_MENTION.values()
    assert text(tree, "/inv:Invoice/cac:InvoiceLine/cac:Item/cbc:Name") == [
        "Services in value chain Website for Atelier Nord"
    ]
    # 40 % of 1000.00 under each_node: the French share whole
    assert text(tree, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount") == ["500.00"]
    assert row["amount"] == "500.00"


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("BR-AE-02", "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"),
        (
            "BR-AE-10",
            "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
            "/*[starts-with(local-name(), 'TaxExemptionReason')]",
        ),
        ("BR-CO-25", "/*/cac:PaymentTerms"),
        ("PEPPOL-EN16931-R020", "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"),
        ("PEPPOL-EN16931-R010", "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
        ("PEPPOL-EN16931-R003", "/*/cbc:BuyerReference"),
    ],
    ids=lambda value: None if value.startswith("/") else value,
)
def test_each_rule_that_applies_holds_and_fails_once_broken(
    crew: Crew, rules: Rules, fr_allocation: dict[str, Any], rule: str, path: str
) -> None:
    tree = document(crew, fr_allocation["chain"]["id"], fr_allocation["allocation"]["uid"])
    outcome = rules.check(rule, tree)
    assert outcome.applied and outcome.failures == []
    for node in tree.getroot().xpath(path, namespaces=NS):
        node.getparent().remove(node)
    assert rules.check(rule, tree).failures, f"{rule} did not catch the broken document"


def test_type_389_is_refused_under_bis_billing_profile_and_valid_in_the_code_list(
    crew: Crew, rules: Rules, fr_allocation: dict[str, Any]
) -> None:
    """Why the document carries the self-billing identifiers."""
    tree = document(crew, fr_allocation["chain"]["id"], fr_allocation["allocation"]["uid"])
    assert rules.check("BR-CL-01", tree).failures == []
    assert rules.check("PEPPOL-EN16931-P0100", tree).failures == []
    for node in tree.getroot().xpath("/*/cbc:ProfileID", namespaces=NS):
        node.text = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert rules.check("PEPPOL-EN16931-P0100", tree).failures


# -- outside the EU ----------------------------------------------------------------------------


def test_with_a_co_op_outside_the_eu_the_service_is_out_of_scope_without_vat_numbers(
    crew: Crew,
    node: Node,
    receiver: FakeNode,
    standards_dir: Path,
    rules: Rules,
    peers: dict[str, Any],
) -> None:
    record(crew, peers["ch_id"], {**CH_SUPPLIER, "company_id": ""})
    chain = accepted_chain(crew, node, receiver, [peers["ch"]], guarantee="on_issue")
    invoice(crew, chain["id"])
    (row,) = [a for a in allocations(crew, chain["id"]) if a["direction"] == "payable"]
    assert "BR-CO-26" in document(crew, chain["id"], row["uid"], 409)["detail"]
    record(crew, peers["ch_id"], CH_SUPPLIER)
    tree = document(crew, chain["id"], row["uid"])
    assert xsd_errors(standards_dir, tree) == []
    assert failed_rules(rules, tree) == BILLING_IDENTIFIERS
    for rule in ("BR-O-02", "BR-O-10", "BR-O-11", "BR-O-12"):
        outcome = rules.check(rule, tree)
        assert outcome.applied and outcome.failures == [], rule
    assert text(tree, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert text(tree, "//cac:PartyTaxScheme/cbc:CompanyID") == []  # BR-O-02
    supplier_endpoint = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
    assert text(tree, supplier_endpoint) == ["CHE123456788"]
    assert text(tree, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount") == [row["amount"]]


# -- amounts and numbering ---------------------------------------------------------------------


def test_partial_payments_give_one_document_per_allocation_equal_to_the_cent(
    crew: Crew, node: Node, receiver: FakeNode, peers: dict[str, Any]
) -> None:
    """Two peers, a lead fee and odd partial payments: every document's total is its
    allocation's amount, and the numbers run 1, 2, 3 … without the local allocations."""
    record(crew, peers["fr_id"], FR_SUPPLIER)
    record(crew, peers["ch_id"], CH_SUPPLIER)
    chain = accepted_chain(
        crew,
        node,
        receiver,
        [peers["fr"], peers["ch"]],
        fee_policy={"kind": "lead_node", "lead_rate": "7.5"},
    )
    invoice_id = invoice(crew, chain["id"])["invoice"]["id"]
    pay(crew, invoice_id, "333.33")
    pay(crew, invoice_id, "876.67")  # the rest of 1210.00
    rows = [a for a in allocations(crew, chain["id"]) if a["direction"] == "payable"]
    assert len(rows) == 4
    year = rows[0]["self_billed_invoice"]["issued_on"][:4]
    numbers = [a["self_billed_invoice"]["number"] for a in rows]
    assert numbers == [f"SB-{year}-{n:06d}" for n in range(1, 5)]
    sent = {
        m["allocation"]: m["self_billed_invoice"]["number"]
        for m in queued(node, "chain-allocation/1")
    }
    assert sent == {a["uid"]: a["self_billed_invoice"]["number"] for a in rows}
    total = Decimal(0)
    for row in rows:
        tree = document(crew, chain["id"], row["uid"])
        payable = text(tree, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount")
        assert payable == [row["amount"]]
        total += Decimal(row["amount"])
    # each remote share is 250.00 less the lead's 7.5 % fee
    assert total == 2 * (Decimal("250.00") - Decimal("18.75"))


def test_a_failed_allocation_gives_its_number_back(node: Node) -> None:
    today = utcnow().date()
    with node.db.transaction() as session:
        first = self_billing.next_number(session, today)
    with pytest.raises(RuntimeError), node.db.transaction() as session:
        assert self_billing.next_number(session, today).endswith("000002")
        raise RuntimeError("the allocation failed")
    with node.db.transaction() as session:
        again = self_billing.next_number(session, today)
    assert (first[-6:], again[-6:]) == ("000001", "000002")


def test_two_allocations_at_once_take_two_consecutive_numbers(
    crew: Crew, node: Node, receiver: FakeNode, peers: dict[str, Any]
) -> None:
    """Two client defaults the lead bears, declared at the same moment: each allocates the
    French share of its chain, in its own transaction (on PostgreSQL the second waits for the
    first's counter row)."""
    chains, client_id = [], make_client(crew)
    for _ in range(2):
        chain = accepted_chain(
            crew, node, receiver, [peers["fr"]], client_id, default_policy="lead_bears"
        )
        invoice(crew, chain["id"])
        chains.append(chain["id"])
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def default(chain_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            with node.db.transaction() as session:
                allocation.declare_default(session, chain_id, actor="test")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=default, args=(chain_id,)) for chain_id in chains]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with node.db.reading() as session:
        numbers = sorted(
            str(n) for n in session.scalars(select(ChainAllocation.self_billed_number)) if n
        )
        counters = session.scalars(select(SelfBillingCounter.last_number)).all()
    assert [n[-6:] for n in numbers] == ["000001", "000002"]
    assert counters == [2]


# -- refusals and access -----------------------------------------------------------------------


def test_a_document_needs_the_supplier_details_and_a_payable_allocation(
    crew: Crew, node: Node, receiver: FakeNode, peers: dict[str, Any]
) -> None:
    chain = accepted_chain(crew, node, receiver, [peers["fr"]], guarantee="on_issue")
    invoice(crew, chain["id"])
    rows = allocations(crew, chain["id"])
    payable = next(a for a in rows if a["direction"] == "payable")
    local = next(a for a in rows if a["direction"] == "local")
    assert "supplier details" in document(crew, chain["id"], payable["uid"], 409)["detail"]
    record(crew, peers["fr_id"], FR_SUPPLIER)
    document(crew, chain["id"], payable["uid"])
    assert local["self_billed_invoice"] is None
    document(crew, chain["id"], local["uid"], 409)
    document(crew, chain["id"], "no-such-allocation", 404)
    document(crew, chain["id"] + 1000, payable["uid"], 404)


def test_two_co_ops_of_one_country_are_refused(
    crew: Crew, node: Node, receiver: FakeNode, peers: dict[str, Any]
) -> None:
    with node.db.transaction() as session:
        session.execute(update(Peer).where(Peer.id == peers["fr_id"]).values(country="BE"))
    record(crew, peers["fr_id"], {**FR_SUPPLIER, "vat_number": "BE0202239951"})
    chain = accepted_chain(crew, node, receiver, [peers["fr"]], guarantee="on_issue")
    invoice(crew, chain["id"])
    payable = next(a for a in allocations(crew, chain["id"]) if a["direction"] == "payable")
    assert "domestic VAT" in document(crew, chain["id"], payable["uid"], 409)["detail"]


def test_supplier_details_are_recorded_checked_and_listed(
    crew: Crew, node: Node, peers: dict[str, Any]
) -> None:
    before = state_counts(node, SelfBillingSupplier)
    bad = record(crew, peers["fr_id"], {**FR_SUPPLIER, "vat_number": "FR00000000001"}, 422)
    assert bad["errors"][0]["field"] == "vat_number"
    record(crew, peers["fr_id"] + 100, FR_SUPPLIER, 404)
    record(crew, peers["fr_id"], {**FR_SUPPLIER, "address": {"street": "x"}}, 422)
    assert state_counts(node, SelfBillingSupplier) == before
    shown = record(crew, peers["fr_id"], FR_SUPPLIER)
    assert (shown["node"], shown["country"], shown["vat_number"]) == (FR, "FR", "FR40303265045")
    record(crew, peers["fr_id"], {**FR_SUPPLIER, "name": "Coop FR"})  # replaced, not added
    listed = crew.client.get(SUPPLIERS, headers=crew.staff).json()
    assert [(s["peer_id"], s["name"]) for s in listed] == [(peers["fr_id"], "Coop FR")]
    assert (
        crew.client.put(
            f"{SUPPLIERS}/{peers['fr_id']}", json=FR_SUPPLIER, headers=crew.staff
        ).status_code
        == 403
    )


def test_members_do_not_get_the_co_ops_invoices(crew: Crew, fr_allocation: dict[str, Any]) -> None:
    _, headers = crew.member_login(status="active")
    chain_id, uid = fr_allocation["chain"]["id"], fr_allocation["allocation"]["uid"]
    path = f"{CHAINS}/{chain_id}/allocations/{uid}/self-billed-invoice"
    assert crew.client.get(path, headers=headers).status_code == 403
    assert crew.client.get(SUPPLIERS, headers=headers).status_code == 403
