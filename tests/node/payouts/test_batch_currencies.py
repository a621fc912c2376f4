"""Payment batches in the node's currency: one currency a batch, SEK and HUF files without the
SEPA service level, and CAMT.053 debits in those currencies marking the payouts paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from node.payouts.models import PaymentBatch, Payout
from node.runtime import Node
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import ask, balance, camt_debits, funded_activity, use_debtor

BATCHES = "/api/v1/payment-batches"
DEBITS = "/api/v1/bank-statements/debits"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
FUTURE = "2099-01-15"


def batch(crew: Crew, **body: str) -> Any:
    return crew.client.post(BATCHES, json={"execution_date": FUTURE, **body}, headers=crew.staff)


def amounts(crew: Crew, batch_id: int) -> list[tuple[str | None, str | None]]:
    """``(Ccy, amount)`` of each payment, after checking the file is not a SEPA one."""
    document = crew.client.get(f"{BATCHES}/{batch_id}/pain001", headers=crew.staff)
    assert document.status_code == 200
    root = SafeET.fromstring(document.content)
    assert root.find(".//p:PmtTpInf", NS) is None and b"SEPA" not in document.content
    return [(a.get("Ccy"), a.text) for a in root.iterfind(".//p:InstdAmt", NS)]


def import_debits(crew: Crew, statement: bytes) -> dict[str, Any]:
    headers = {**crew.staff, "Content-Type": "application/xml"}
    response = crew.client.post(DEBITS, content=statement, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_sek_node_batches_its_own_currency_and_debits_mark_it_paid(
    crew: Crew, node: Node
) -> None:
    use_debtor(node, {"node.currency": "SEK"})
    sek_activity, _, _ = funded_activity(crew, "1000.00", "SEK")
    eur_activity, _, _ = funded_activity(crew, "100.00", "EUR")
    first = ask(crew, sek_activity, "400.00").json()
    second = ask(crew, sek_activity, "125.50").json()
    euro = ask(crew, eur_activity, "10.00").json()
    assert {first["currency"], second["currency"], euro["currency"]} == {"SEK", "EUR"}

    made = batch(crew)  # the node's currency
    assert made.status_code == 201, made.text
    sek = made.json()
    assert (sek["currency"], sek["payment_count"], sek["total"]) == ("SEK", 2, "525.50")
    assert amounts(crew, sek["id"]) == [("SEK", "400.00"), ("SEK", "125.50")]
    none_left = batch(crew)
    assert none_left.status_code == 409 and "SEK" in none_left.json()["detail"]
    eur = batch(crew, currency="EUR").json()
    assert (eur["currency"], eur["payment_count"], eur["total"]) == ("EUR", 1, "10.00")

    assert crew.client.post(f"{BATCHES}/{sek['id']}/sent", headers=crew.staff).status_code == 200
    result = import_debits(
        crew,
        camt_debits(
            [(first["end_to_end_id"], "400.00"), (second["end_to_end_id"], "125.50")],
            currency="SEK",
        ),
    )
    assert sorted(m["payout_id"] for m in result["matched"]) == [first["id"], second["id"]]
    assert balance(node, "bank", "SEK") == 100_000 - 52_550
    assert balance(node, "payouts:pending", "SEK") == 0
    statuses = {b["id"]: b["status"] for b in crew.client.get(BATCHES, headers=crew.staff).json()}
    assert statuses == {sek["id"]: "paid", eur["id"]: "created"}


def test_a_huf_batch_is_in_whole_forints(crew: Crew, node: Node) -> None:
    use_debtor(node, {"payouts.second_approval_above": Decimal("50000")})
    activity, _, _ = funded_activity(crew, "100000", "HUF")
    payout = ask(crew, activity, "25000").json()
    assert payout["status"] == "approved"
    made = batch(crew, currency="HUF")
    assert made.status_code == 201, made.text
    assert (made.json()["currency"], made.json()["total"]) == ("HUF", "25000")
    assert amounts(crew, made.json()["id"]) == [("HUF", "25000.00")]
    crew.client.post(f"{BATCHES}/{made.json()['id']}/sent", headers=crew.staff)
    result = import_debits(crew, camt_debits([(payout["end_to_end_id"], "25000")], currency="HUF"))
    assert [m["payout_id"] for m in result["matched"]] == [payout["id"]]
    assert balance(node, "bank", "HUF") == 100_000 - 25_000


@pytest.mark.parametrize("currency", ["sek", "SEKK", "ZZZ", ""])
def test_a_bad_currency_is_refused_and_changes_nothing(
    crew: Crew, node: Node, currency: str
) -> None:
    use_debtor(node)
    activity, _, _ = funded_activity(crew, "100.00")
    assert ask(crew, activity, "10.00").status_code == 201
    before = state_counts(node, Payout, PaymentBatch)
    refused = batch(crew, currency=currency)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["currency"]
    assert state_counts(node, Payout, PaymentBatch) == before
