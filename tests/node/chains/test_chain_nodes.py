"""A value chain between two real nodes (``coopnode serve`` on 127.0.0.1, each its own database
and keys): a Belgian lead node and a French contributor node, driven through their APIs as their
staff would. Propose, accept on both sides, invoice, a partial payment, the full payment; then each
ledger verifies and Belgium's clearing payable on France equals France's clearing receivable on
Belgium to the cent. A second chain that France's member refuses is cancelled on both nodes with
nothing allocated.

The Belgian node runs on SQLite; the French one on the test's engine (its own database on
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.chains import clearing
from node.db import Database
from node.ledger import service as ledger
from node.ledger.models import Account
from tests.node.member_helpers import BE_COMPANY, BE_VAT, member_body
from tests.realnodes import Api, RealNode, create_admin, eventually, peer_with
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process
CHAINS = "/api/v1/chains"
SELLER = {"street": "Rue de la Loi 16", "postcode": "1000", "city": "Bruxelles"}
IBAN = "BE68539007547034"
FR_IBAN = "FR7630006000011234567890189"


@pytest.fixture
def be_fr(tmp_path: Path, own_database: str | None) -> Iterator[tuple[RealNode, RealNode]]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    be, fr = RealNode(tmp_path / "be"), RealNode(tmp_path / "fr")
    be.environ.update(
        COOPNODE_NAME="Coop BE",
        COOPNODE_COUNTRY="BE",
        COOPNODE_VAT_NUMBER=BE_VAT,
        COOPNODE_LEGAL_ENTITY_NUMBER=BE_COMPANY,
        COOPNODE_PAYOUT_DEBTOR_IBAN=IBAN,
    )
    fr.environ.update(
        COOPNODE_NAME="Coop FR", COOPNODE_COUNTRY="FR", COOPNODE_PAYOUT_DEBTOR_IBAN=FR_IBAN
    )
    if own_database is not None:
        fr.environ["COOPNODE_DATABASE_URL"] = own_database
    try:
        be.start()
        fr.start()
        yield be, fr
    finally:
        be.stop()
        fr.stop()


def active_member(api: Api, name: str) -> int:
    member = api.call("POST", "/api/v1/members", 201, json=member_body(name=name))
    api.call("POST", f"/api/v1/members/{member['id']}/status", json={"status": "active"})
    return int(member["id"])


def balance(db: Database, key: str) -> int:
    with db.reading() as session:
        account = session.query(Account).filter_by(key=key, currency="EUR").one_or_none()
        return 0 if account is None else ledger.balance_minor(session, account)


def books_verify(db: Database) -> bool:
    with db.reading() as session:
        return ledger.verify_chain(session) == []


def the_chain(api: Api, uid: str, state: str | None = None) -> dict[str, Any] | None:
    for chain in api.call("GET", CHAINS):
        if chain["uid"] == uid and (state is None or chain["state"] == state):
            return dict(chain)
    return None


def propose(be: Api, an: int, fr: RealNode, luc: int, client_id: int) -> dict[str, Any]:
    body = {
        "client_id": client_id,
        "description": "Website for Atelier Nord",
        "amount": "1000.00",
        "contributors": [
            {"member_ref": str(an), "share": {"kind": "percent", "value": "60"}},
            {
                "node": fr.url,
                "member_ref": str(luc),
                "name": "Luc Martin",
                "share": {"kind": "percent", "value": "40"},
            },
        ],
        "fee_policy": {"kind": "each_node"},
        "guarantee": "on_payment",
        "default_policy": "contributors_bear_pro_rata",
    }
    return dict(be.call("POST", CHAINS, 201, json=body))


def decide(api: Api, chain: dict[str, Any], decision: str) -> None:
    (mine,) = [c for c in chain["contributors"] if c["local"]]
    path = f"{CHAINS}/{chain['id']}/contributors/{mine['id']}/{decision}"
    api.call("POST", path, json={})


def pay(api: Api, invoice_id: int, amount: str, key: str) -> None:
    body = {"amount": amount, "received_on": "2026-11-20", "idempotency_key": key}
    api.call("POST", f"/api/v1/invoices/{invoice_id}/payments", 201, json=body)


def test_a_chain_between_two_nodes_allocates_and_mirrors_to_the_cent(
    be_fr: tuple[RealNode, RealNode],
) -> None:
    be, fr = be_fr
    be_db, fr_db = be.database(), fr.database()
    try:
        peer_with(be_db, fr)
        peer_with(fr_db, be)
        be_api, fr_api = create_admin(be), create_admin(fr)
        an, luc = active_member(be_api, "An Peeters"), active_member(fr_api, "Luc Martin")
        client = {
            "kind": "company",
            "name": "Atelier Nord SA",
            "country": "BE",
            "vat_number": "BE0202239951",
            "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
        }
        client_id = be_api.call("POST", "/api/v1/clients", 201, json=client)["id"]
        payable = clearing.payable(fr.url).key
        receivable = clearing.receivable(be.url).key

        # 1. Belgium proposes; France's member consents; Belgium's member consents.
        chain = propose(be_api, an, fr, luc, client_id)
        there = eventually(
            "France never got the proposal", lambda: the_chain(fr_api, chain["uid"]), be, fr
        )
        decide(fr_api, there, "accept")
        decide(be_api, chain, "accept")
        eventually(
            "Belgium never saw France accept",
            lambda: the_chain(be_api, chain["uid"], "accepted"),
            be,
            fr,
        )

        # 2. Belgium invoices the client (1210.00 with VAT); half is paid, then the rest.
        body = {"idempotency_key": "chain-1", "bank_iban": IBAN, "seller_address": SELLER}
        invoiced = be_api.call("POST", f"{CHAINS}/{chain['id']}/invoice", json=body)
        invoice_id = invoiced["invoice"]["id"]
        eventually(
            "France never learnt of the invoice",
            lambda: the_chain(fr_api, chain["uid"], "invoiced"),
            be,
            fr,
        )
        pay(be_api, invoice_id, "605.00", "half")
        assert -balance(be_db, payable) == 20_000
        eventually(
            "France never got the first allocation",
            lambda: balance(fr_db, receivable) == 20_000 or None,
            be,
            fr,
        )
        pay(be_api, invoice_id, "605.00", "rest")
        eventually(
            "France never got the second allocation",
            lambda: balance(fr_db, receivable) == 40_000 or None,
            be,
            fr,
        )

        # 3. Both books verify and the clearing accounts mirror to the cent.
        assert -balance(be_db, payable) == balance(fr_db, receivable) == 40_000
        assert books_verify(be_db) and books_verify(fr_db)
        be_chain = be_api.call("GET", f"{CHAINS}/{chain['id']}")
        an_activity = be_chain["contributors"][0]["activity_id"]
        assert -balance(be_db, f"activity:{an_activity}:budget") == 60_000 - 3_900
        fr_chain = the_chain(fr_api, chain["uid"])
        assert fr_chain is not None
        luc_activity = fr_chain["contributors"][0]["activity_id"]
        assert -balance(fr_db, f"activity:{luc_activity}:budget") == 40_000 - 2_600
        be_items = be_api.call("GET", f"{CHAINS}/{chain['id']}/allocations")
        fr_items = fr_api.call("GET", f"{CHAINS}/{fr_chain['id']}/allocations")
        assert sorted((a["uid"], a["amount"]) for a in be_items if a["direction"] == "payable") == (
            sorted((a["uid"], a["amount"]) for a in fr_items)
        )

        # 4. A second chain France's member refuses: cancelled on both nodes, nothing allocated.
        refused = propose(be_api, an, fr, luc, client_id)
        there = eventually(
            "France never got the second proposal",
            lambda: the_chain(fr_api, refused["uid"]),
            be,
            fr,
        )
        decide(fr_api, there, "refuse")
        eventually(
            "Belgium never cancelled",
            lambda: the_chain(be_api, refused["uid"], "cancelled"),
            be,
            fr,
        )
        assert be_api.call("GET", f"{CHAINS}/{refused['id']}/allocations") == []
        assert -balance(be_db, payable) == balance(fr_db, receivable) == 40_000
    finally:
        be_db.dispose()
        fr_db.dispose()
    assert "Traceback" not in be.log.read_text() + fr.log.read_text()
