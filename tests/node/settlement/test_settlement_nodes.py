"""Settlement between two real nodes (``coopnode serve`` on 127.0.0.1, each its own database and
keys): after a value chain's allocation, Belgium (the lead, which owes France its member's share)
settles with France: ``coopnode settle``, France confirms, Belgium pays the net through a
settlement payout, its pain.001 batch and the bank's debit, France records the credit. The
clearing balances are then zero on both sides and ``coopnode reconcile`` prints
``reconciliation BE-FR: balanced`` on both nodes (before the settlement too).

The Belgian node runs on SQLite; the French one on the test's engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from node.chains import clearing
from tests.node.chains.test_chain_nodes import (
    CHAINS,
    FR_IBAN,
    IBAN,
    SELLER,
    active_member,
    balance,
    be_fr,
    books_verify,
    decide,
    pay,
    propose,
    the_chain,
)
from tests.realnodes import Api, RealNode, cli, create_admin, eventually, peer_with

__all__ = ["be_fr"]  # the fixture
pytestmark = pytest.mark.process
SETTLEMENTS = "/api/v1/admin/settlements"


def reconciled(node: RealNode, peer: RealNode) -> str:
    done = cli(node, "reconcile", peer.url, "--timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def allocate_a_chain(be: RealNode, fr: RealNode, be_api: Api, fr_api: Api) -> None:
    """A 1000.00 chain, 40% to France's member, invoiced and paid in full: Belgium owes France
    400.00 on the clearing accounts."""
    an, luc = active_member(be_api, "An Peeters"), active_member(fr_api, "Luc Martin")
    client = {
        "kind": "company",
        "name": "Atelier Nord SA",
        "country": "BE",
        "vat_number": "BE0202239951",
        "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
    }
    client_id = be_api.call("POST", "/api/v1/clients", 201, json=client)["id"]
    chain = propose(be_api, an, fr, luc, client_id)
    there = eventually("no proposal", lambda: the_chain(fr_api, chain["uid"]), be, fr)
    decide(fr_api, there, "accept")
    decide(be_api, chain, "accept")
    eventually("no acceptance", lambda: the_chain(be_api, chain["uid"], "accepted"), be, fr)
    body = {"idempotency_key": "chain-1", "bank_iban": IBAN, "seller_address": SELLER}
    invoiced = be_api.call("POST", f"{CHAINS}/{chain['id']}/invoice", json=body)
    pay(be_api, invoiced["invoice"]["id"], "1210.00", "all")


def statement_in(api: Api, uid: str, state: str) -> dict[str, Any] | None:
    for row in api.call("GET", SETTLEMENTS):
        if row["uid"] == uid and row["state"] == state:
            return dict(row)
    return None


def test_a_settlement_closes_the_clearing_balances_and_both_sides_reconcile(
    be_fr: tuple[RealNode, RealNode],
) -> None:
    be, fr = be_fr
    be_db, fr_db = be.database(), fr.database()
    try:
        peer_with(be_db, fr)
        peer_with(fr_db, be)
        be_api, fr_api = create_admin(be), create_admin(fr)
        payable, receivable = clearing.payable(fr.url).key, clearing.receivable(be.url).key
        allocate_a_chain(be, fr, be_api, fr_api)
        eventually("no allocation", lambda: balance(fr_db, receivable) == 40_000 or None, be, fr)
        assert reconciled(be, fr) == "reconciliation BE-FR: balanced"

        # Belgium settles; France confirms the one line and names its account.
        done = cli(be, "settle", fr.url)
        assert done.returncode == 0, done.stderr
        uid = done.stdout.split("\t")[1]
        confirmed = eventually(
            "France never confirmed", lambda: statement_in(be_api, uid, "confirmed"), be, fr
        )
        assert confirmed["pay_to"] == {"name": "Coop FR", "iban": FR_IBAN}
        assert (confirmed["net"], confirmed["payer"]) == ("400.00", be.url)

        # Belgium pays through the payout path: payout, pain.001 batch, sent, the bank's debit.
        paying = be_api.call("POST", f"{SETTLEMENTS}/{confirmed['id']}/pay", json={})
        assert -balance(be_db, payable) == 0
        today = date.today().isoformat()
        batch = be_api.call("POST", "/api/v1/payment-batches", 201, json={"execution_date": today})
        be_api.call("POST", f"/api/v1/payment-batches/{batch['id']}/sent")
        be_api.call("POST", f"/api/v1/payouts/{paying['payout_id']}/paid", json={"paid_on": today})
        assert statement_in(be_api, uid, "closed") is not None

        # France learns of the transfer and records the credit on its account.
        paid = eventually("France never heard", lambda: statement_in(fr_api, uid, "paid"), be, fr)
        assert paid["end_to_end_id"] == paying["end_to_end_id"]
        fr_api.call("POST", f"{SETTLEMENTS}/{paid['id']}/received", json={"received_on": today})
        assert balance(fr_db, receivable) == 0 == -balance(be_db, payable)
        assert books_verify(be_db) and books_verify(fr_db)
        assert reconciled(be, fr) == "reconciliation BE-FR: balanced"
        assert reconciled(fr, be) == "reconciliation BE-FR: balanced"
    finally:
        be_db.dispose()
        fr_db.dispose()
    assert "Traceback" not in be.log.read_text() + fr.log.read_text()
