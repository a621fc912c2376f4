"""Payment batches: pain.001 of exactly the approved payouts, then CAMT.053 debits mark them paid."""

from __future__ import annotations

from decimal import Decimal

import defusedxml.ElementTree as SafeET

from node.ledger.models import JournalEntry
from node.payouts.models import PaymentBatch, Payout
from node.runtime import Node
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import (
    DEBTOR_IBAN,
    ask,
    balance,
    camt_debits,
    chain_problems,
    funded_activity,
    use_debtor,
)

BATCHES = "/api/v1/payment-batches"
DEBITS = "/api/v1/bank-statements/debits"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
FUTURE = "2099-01-15"


def test_a_batch_needs_the_debtor_account(crew: Crew, node: Node) -> None:
    activity_id, _, _ = funded_activity(crew, "100.00")
    assert ask(crew, activity_id, "10.00").status_code == 201
    before = state_counts(node, Payout, PaymentBatch)
    response = crew.client.post(BATCHES, json={"execution_date": FUTURE}, headers=crew.staff)
    assert response.status_code == 409
    assert "payouts.debtor_iban" in response.json()["detail"]
    assert state_counts(node, Payout, PaymentBatch) == before


def test_batch_holds_exactly_the_approved_payouts_and_debits_mark_them_paid(
    crew: Crew, node: Node
) -> None:
    use_debtor(node, {"payouts.second_approval_above": Decimal("50.00")})
    activity_id, _, _ = funded_activity(crew, "200.00")
    first = ask(crew, activity_id, "30.00", description="March salary").json()
    second = ask(crew, activity_id, "20.55").json()
    pending = ask(crew, activity_id, "60.00").json()
    cancelled = ask(crew, activity_id, "5.00").json()
    crew.client.post(f"/api/v1/payouts/{cancelled['id']}/cancel", headers=crew.staff)
    assert pending["status"] == "pending_approval"

    past = crew.client.post(BATCHES, json={"execution_date": "2020-01-01"}, headers=crew.staff)
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "execution_date"

    made = crew.client.post(BATCHES, json={"execution_date": FUTURE}, headers=crew.staff)
    assert made.status_code == 201, made.text
    batch = made.json()
    assert (batch["payment_count"], batch["total"], batch["status"]) == (2, "50.55", "created")
    document = crew.client.get(f"{BATCHES}/{batch['id']}/pain001", headers=crew.staff)
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/xml")
    root = SafeET.fromstring(document.content)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header is not None
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "50.55"
    assert header.findtext("p:MsgId", namespaces=NS) == batch["message_id"]
    assert root.findtext(".//p:Dbtr/p:Nm", namespaces=NS) == node.settings["node.name"]
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEBTOR_IBAN
    sent = {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): tx.findtext(
            "p:Amt/p:InstdAmt", namespaces=NS
        )
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    }
    assert sent == {first["end_to_end_id"]: "30.00", second["end_to_end_id"]: "20.55"}
    assert "March salary" in document.text

    listed = crew.client.get("/api/v1/payouts", params={"status": "batched"}, headers=crew.staff)
    assert {p["id"] for p in listed.json()} == {first["id"], second["id"]}
    empty = crew.client.post(BATCHES, json={"execution_date": FUTURE}, headers=crew.staff)
    assert empty.status_code == 409  # nothing approved is left
    assert (
        crew.client.post(f"/api/v1/payouts/{first['id']}/cancel", headers=crew.staff).status_code
        == 409
    )

    marked = crew.client.post(f"{BATCHES}/{batch['id']}/sent", headers=crew.staff)
    assert marked.status_code == 200 and marked.json()["status"] == "sent"
    assert (
        crew.client.get(f"/api/v1/payouts/{first['id']}", headers=crew.staff).json()["status"]
        == "sent"
    )

    statement = camt_debits(
        [(first["end_to_end_id"], "30.00"), (second["end_to_end_id"], "20.55"), ("OTHER-1", "9.99")]
    )
    imported = crew.client.post(
        DEBITS, content=statement, headers={**crew.staff, "Content-Type": "application/xml"}
    )
    assert imported.status_code == 200, imported.text
    result = imported.json()
    assert sorted(m["payout_id"] for m in result["matched"]) == [first["id"], second["id"]]
    assert [(u["end_to_end_id"], u["reason"]) for u in result["unmatched"]] == [
        ("OTHER-1", "unknown-end-to-end-id")
    ]
    assert balance(node, "payouts:pending") == 0
    assert balance(node, "bank") == 20000 - 5055
    paid = crew.client.get(f"/api/v1/payouts/{first['id']}", headers=crew.staff).json()
    assert (paid["status"], paid["paid_on"]) == ("paid", "2026-03-05")
    batches = crew.client.get(BATCHES, headers=crew.staff).json()
    assert batches[0]["status"] == "paid"

    before = state_counts(node, Payout, JournalEntry)
    again = crew.client.post(
        DEBITS,
        files={"statement": ("statement.xml", statement, "application/xml")},
        headers=crew.staff,
    )
    assert again.status_code == 200, again.text
    assert again.json()["matched"] == [] and len(again.json()["already_paid"]) == 2
    assert state_counts(node, Payout, JournalEntry) == before
    assert chain_problems(node) == []


def test_hostile_or_malformed_statements_change_nothing(crew: Crew, node: Node) -> None:
    use_debtor(node)
    activity_id, _, _ = funded_activity(crew, "100.00")
    payout = ask(crew, activity_id, "10.00").json()
    crew.client.post(BATCHES, json={"execution_date": FUTURE}, headers=crew.staff)
    good = camt_debits([(payout["end_to_end_id"], "10.00")])
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><Document>&lol2;</Document>'
    )
    broken = good.replace(
        b'<TxAmt><Amt Ccy="EUR">10.00</Amt>', b'<TxAmt><Amt Ccy="EUR">10.01</Amt>'
    )
    before = state_counts(node, Payout, JournalEntry)
    xml = {**crew.staff, "Content-Type": "application/xml"}
    hostile = crew.client.post(DEBITS, content=bomb, headers=xml)
    assert hostile.status_code == 422
    assert hostile.headers["content-type"] == "application/problem+json"
    assert "DTD" in hostile.json()["detail"] or "DOCTYPE" in hostile.json()["detail"].upper()
    wrong = crew.client.post(DEBITS, content=broken, headers=xml)
    assert wrong.status_code == 422
    assert "entry 1" in wrong.json()["detail"] and "BANK-1" in wrong.json()["detail"]
    assert crew.client.post(DEBITS, json={}, headers=crew.staff).status_code == 415
    member_xml = {**crew.headers("member"), "Content-Type": "application/xml"}
    member = crew.client.post(DEBITS, content=good, headers=member_xml)
    assert member.status_code == 403
    assert state_counts(node, Payout, JournalEntry) == {
        **before,
        "audit_log": before["audit_log"] + 1,  # the member's login
    }
    assert (
        crew.client.get(f"/api/v1/payouts/{payout['id']}", headers=crew.staff).json()["status"]
        == "batched"
    )
