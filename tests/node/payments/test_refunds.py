"""Refunds of client over-payments: refund payouts out of ``clients:credit_balances``.

Every invoice is the standard one of the invoice tests (810.65 gross). A refund is a payout of the
invoice's activity that debits the client's credit balance, never the activity's budget: the
budget and the available budget are checked unchanged after every step, and so is the chain.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET
from sqlalchemy import select

from node.errors import Conflict
from node.ledger.models import JournalEntry
from node.members.identifiers import Vault
from node.payments import refunds
from node.payments.models import ClientPayment
from node.payouts.models import Payout
from node.runtime import Node
from tests.node.invoices.test_invoices import INVOICES, chain_ok, postings_of
from tests.node.member_helpers import Crew, state_counts
from tests.node.payments.test_payments import PAYER_IBAN, camt, issued, ntry, pay, post_xml
from tests.node.payouts.payout_helpers import available, balance, camt_debits, use_debtor

PAYMENTS = "/api/v1/payments"
PAYOUTS = "/api/v1/payouts"
BATCHES = "/api/v1/payment-batches"
FUTURE = "2099-01-15"
CLIENT_IBAN = "FR1420041010050500013M02606"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def refund(crew: Crew, payment_id: int, amount: str, key: str, **extra: Any) -> Any:
    body = {"amount": amount, "idempotency_key": key, **extra}
    return crew.client.post(f"{PAYMENTS}/{payment_id}/refund", json=body, headers=crew.staff)


def payments_of(crew: Crew, invoice_id: int) -> list[dict[str, Any]]:
    response = crew.client.get(f"{INVOICES}/{invoice_id}/payments", headers=crew.staff)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def counts(node: Node) -> dict[str, int]:
    return state_counts(node, Payout, JournalEntry)


class Budget:
    """The activity's budget balance and available budget, taken once and compared later."""

    def __init__(self, node: Node, activity_id: int) -> None:
        self.node, self.activity_id = node, activity_id
        self.before = self.now()

    def now(self) -> tuple[int, int]:
        return (
            balance(self.node, f"activity:{self.activity_id}:budget"),
            available(self.node, self.activity_id),
        )

    def unchanged(self) -> bool:
        return self.now() == self.before


def over_paid_by_camt(crew: Crew, setup: dict[str, Any], amount: str = "900.00") -> int:
    """An invoice paid ``amount`` from the bank statement (the payer's name and IBAN recorded)."""
    invoice = issued(crew, setup)
    imported = post_xml(crew, camt([ntry("E-1", amount, invoice["payment_reference"])]))
    assert imported.status_code == 200, imported.text
    (match,) = imported.json()["matched"]
    assert match["outcome"] == "overpaid"
    return int(match["payment_id"])


def over_paid_by_hand(crew: Crew, setup: dict[str, Any], amount: str) -> tuple[int, int]:
    """``(invoice id, payment id)`` of an invoice paid ``amount`` by hand (no payer recorded)."""
    invoice = issued(crew, setup)
    response = pay(crew, invoice["id"], amount)
    assert response.status_code == 201, response.text
    return invoice["id"], int(response.json()["id"])


def test_an_over_payment_is_refunded_in_parts_batched_and_paid(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    use_debtor(node)
    payment_id = over_paid_by_camt(crew, setup)  # 900.00 on 810.65: 89.35 to give back
    budget = Budget(node, setup["activity_id"])
    bank = balance(node, "bank")
    (listed,) = payments_of(crew, _invoice_of(node, payment_id))
    assert (listed["credit_balance"], listed["refunded"], listed["refundable"]) == (
        "89.35",
        "0.00",
        "89.35",
    )

    first = refund(crew, payment_id, "30.00", "refund-over-1")
    assert first.status_code == 201, first.text
    part = first.json()
    assert (part["kind"], part["status"], part["amount"]) == ("refund", "approved", "30.00")
    assert (part["client_payment_id"], part["activity_id"]) == (payment_id, setup["activity_id"])
    assert part["member_id"] is None and part["creditor_name"] == "Client SA"  # the payer
    assert part["creditor_iban"].endswith(PAYER_IBAN[-4:])
    assert balance(node, "clients:credit_balances") == -5935
    assert balance(node, "payouts:pending") == -3000
    assert budget.unchanged()
    with node.db.reading() as session:
        row = session.get(Payout, part["id"])
        assert row is not None and row.commit_entry_id is not None
        commit_entry = row.commit_entry_id
    assert postings_of(node, commit_entry) == [
        ("clients:credit_balances", 3000),
        ("payouts:pending", -3000),
    ]

    state = counts(node)
    replay = refund(crew, payment_id, "30.00", "refund-over-1")
    assert replay.status_code == 200 and replay.json()["id"] == part["id"]
    other = refund(crew, payment_id, "31.00", "refund-over-1")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert "idempotency key" in other.json()["detail"]
    assert counts(node) == state

    rest = refund(crew, payment_id, "59.35", "refund-over-2", description="Your over-payment")
    assert rest.status_code == 201, rest.text
    assert balance(node, "clients:credit_balances") == 0
    state = counts(node)
    beyond = refund(crew, payment_id, "0.01", "refund-over-3")
    assert beyond.status_code == 409
    assert beyond.json()["detail"] == (
        f"What is still refundable on payment #{payment_id} is 0.00 EUR; "
        "this refund asks for 0.01 EUR."
    )
    assert beyond.json()["refundable"] == "0.00"
    assert counts(node) == state
    (listed,) = payments_of(crew, _invoice_of(node, payment_id))
    assert (listed["refunded"], listed["refundable"]) == ("89.35", "0.00")
    by_payment = crew.client.get(
        PAYOUTS, params={"client_payment_id": payment_id}, headers=crew.staff
    ).json()
    assert [p["id"] for p in by_payment] == [part["id"], rest.json()["id"]]

    made = crew.client.post(BATCHES, json={"execution_date": FUTURE}, headers=crew.staff)
    assert made.status_code == 201, made.text
    batch = made.json()
    assert (batch["payment_count"], batch["total"]) == (2, "89.35")
    document = crew.client.get(f"{BATCHES}/{batch['id']}/pain001", headers=crew.staff)
    root = SafeET.fromstring(document.content)
    sent = {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): (
            tx.findtext("p:Amt/p:InstdAmt", namespaces=NS),
            tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        )
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    }
    assert sent == {
        part["end_to_end_id"]: ("30.00", "Client SA", PAYER_IBAN),
        rest.json()["end_to_end_id"]: ("59.35", "Client SA", PAYER_IBAN),
    }
    assert "Your over-payment" in document.text
    assert crew.client.post(f"{BATCHES}/{batch['id']}/sent", headers=crew.staff).status_code == 200

    statement = camt_debits(
        [(part["end_to_end_id"], "30.00"), (rest.json()["end_to_end_id"], "59.35")]
    )
    debits = crew.client.post(
        "/api/v1/bank-statements/debits",
        content=statement,
        headers={**crew.staff, "Content-Type": "application/xml"},
    )
    assert debits.status_code == 200, debits.text
    assert sorted(m["payout_id"] for m in debits.json()["matched"]) == sorted(
        [part["id"], rest.json()["id"]]
    )
    paid = crew.client.get(f"{PAYOUTS}/{part['id']}", headers=crew.staff).json()
    assert (paid["status"], paid["paid_on"]) == ("paid", "2026-03-05")
    assert balance(node, "payouts:pending") == 0
    assert balance(node, "bank") == bank - 8935
    assert balance(node, "clients:credit_balances") == 0
    (listed,) = payments_of(crew, _invoice_of(node, payment_id))
    assert (listed["refunded"], listed["refundable"]) == ("89.35", "0.00")
    assert budget.unchanged()
    assert chain_ok(node)


def _invoice_of(node: Node, payment_id: int) -> int:
    with node.db.reading() as session:
        payment = session.get(ClientPayment, payment_id)
        assert payment is not None and payment.invoice_id is not None
        return payment.invoice_id


def test_refused_refunds_post_nothing(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    payment_id = over_paid_by_camt(crew, setup)  # 89.35 refundable
    budget, state = Budget(node, setup["activity_id"]), counts(node)
    for amount in ("-5.00", "0.00", "1.001", "1e3", "1000000000.00"):
        bad = refund(crew, payment_id, amount, "refused-1")
        assert bad.status_code == 422, (amount, bad.text)
        assert bad.headers["content-type"] == "application/problem+json"
        assert "amount" in [e["field"] for e in bad.json()["errors"]]
    too_much = refund(crew, payment_id, "89.36", "refused-1")
    assert too_much.status_code == 409
    assert too_much.headers["content-type"] == "application/problem+json"
    problem = too_much.json()
    assert problem["type"].endswith("/conflict")
    assert (problem["refundable"], problem["requested"]) == ("89.35", "89.36")
    assert counts(node) == state and budget.unchanged()


def test_refunds_need_an_over_payment_and_the_client_s_account(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    _, exact = over_paid_by_hand(crew, setup, "810.65")
    _, by_hand = over_paid_by_hand(crew, setup, "830.65")  # 20.00 over, no payer recorded
    budget, state = Budget(node, setup["activity_id"]), counts(node)

    nothing = refund(crew, exact, "1.00", "no-excess-1", creditor_iban=CLIENT_IBAN)
    assert nothing.status_code == 409
    assert "no over-payment" in nothing.json()["detail"]
    unknown = refund(crew, 999_999, "1.00", "unknown-1", creditor_iban=CLIENT_IBAN)
    assert unknown.status_code == 404
    no_iban = refund(crew, by_hand, "5.00", "no-iban-1")
    assert no_iban.status_code == 422
    assert no_iban.json()["errors"][0]["field"] == "creditor_iban"
    bad_iban = refund(crew, by_hand, "5.00", "bad-iban-1", creditor_iban="BE00 0000 0000")
    assert bad_iban.status_code == 422
    assert [e["field"] for e in bad_iban.json()["errors"]] == ["creditor_name", "creditor_iban"]
    member = crew.client.post(
        f"{PAYMENTS}/{by_hand}/refund",
        json={"amount": "5.00", "idempotency_key": "member-1", "creditor_iban": CLIENT_IBAN},
        headers=setup["headers"],
    )
    assert member.status_code == 403
    unknown_field = refund(crew, by_hand, "5.00", "unknown-field-1", member_id=1)
    assert unknown_field.status_code == 422
    assert counts(node) == state and budget.unchanged()

    given = refund(
        crew,
        by_hand,
        "20.00",
        "given-account-1",
        creditor_name="Client SA, accounts payable",
        creditor_iban="FR14 2004 1010 0505 0001 3M02 606",
    )
    assert given.status_code == 201, given.text
    assert given.json()["creditor_name"] == "Client SA, accounts payable"
    assert given.json()["creditor_iban"].startswith("FR••")
    assert budget.unchanged() and chain_ok(node)


def test_a_large_refund_waits_for_a_second_approver_and_reserves_the_payment(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    node.settings = node.settings.replace(**{"payouts.second_approval_above": Decimal("50.00")})
    invoice_id, payment_id = over_paid_by_hand(crew, setup, "1010.65")  # 200.00 over
    budget = Budget(node, setup["activity_id"])
    account = {"creditor_name": "Client SA", "creditor_iban": CLIENT_IBAN}

    big = refund(crew, payment_id, "120.00", "large-refund-1", **account)
    assert big.status_code == 201 and big.json()["status"] == "pending_approval", big.text
    assert balance(node, "clients:credit_balances") == -20000  # nothing posted yet
    (listed,) = payments_of(crew, invoice_id)
    assert (listed["refunded"], listed["refundable"]) == ("120.00", "80.00")  # but reserved
    over = refund(crew, payment_id, "90.00", "large-refund-2", **account)
    assert over.status_code == 409 and over.json()["refundable"] == "80.00"
    second = refund(crew, payment_id, "80.00", "large-refund-3", **account)
    assert second.status_code == 201 and second.json()["status"] == "pending_approval"
    assert budget.unchanged()  # pending refunds reserve nothing of the activity's budget

    state = counts(node)
    own = crew.client.post(f"{PAYOUTS}/{big.json()['id']}/approve", headers=crew.staff)
    assert own.status_code == 403 and "requester cannot approve" in own.json()["detail"]
    assert counts(node) == state
    other = crew.accounts.session_headers(crew.accounts.user("staff"))
    approved = crew.client.post(f"{PAYOUTS}/{big.json()['id']}/approve", headers=other)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert balance(node, "clients:credit_balances") == -8000
    assert balance(node, "payouts:pending") == -12000
    assert budget.unchanged()

    cancelled = crew.client.post(f"{PAYOUTS}/{big.json()['id']}/cancel", headers=crew.staff)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert balance(node, "clients:credit_balances") == -20000  # the reversal gave it back
    assert balance(node, "payouts:pending") == 0
    with node.db.reading() as session:
        reversal_id = session.scalar(select(JournalEntry.id).where(JournalEntry.kind == "reversal"))
        assert reversal_id is not None
    assert postings_of(node, reversal_id) == [
        ("clients:credit_balances", -12000),
        ("payouts:pending", 12000),
    ]
    (listed,) = payments_of(crew, invoice_id)
    assert (listed["refunded"], listed["refundable"]) == ("80.00", "120.00")
    dropped = crew.client.post(f"{PAYOUTS}/{second.json()['id']}/cancel", headers=crew.staff)
    assert dropped.status_code == 200
    (listed,) = payments_of(crew, invoice_id)
    assert (listed["refunded"], listed["refundable"]) == ("0.00", "200.00")
    assert budget.unchanged() and chain_ok(node)


def test_parallel_refunds_never_exceed_what_is_refundable(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    payment_id = over_paid_by_camt(crew, setup)  # 89.35 refundable
    budget = Budget(node, setup["activity_id"])
    keys = Vault.from_settings(node.settings, node.cipher)
    start = threading.Barrier(10)

    def attempt(number: int) -> int | Conflict:
        start.wait()
        try:
            with node.db.transaction() as session:
                row, _ = refunds.refund(
                    session,
                    payment_id,
                    Decimal("30.00"),
                    f"parallel-refund-{number}",
                    actor="test",
                    vault=keys,
                    second_approval_above=Decimal("5000"),
                )
                return row.id
        except Conflict as exc:  # anything else fails the test when its result is read
            return exc

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(10), timeout=60))
    made = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(made) == 2 and len(refused) == 8, outcomes
    assert all("still refundable" in str(c.detail) for c in refused)
    assert balance(node, "clients:credit_balances") == -(8935 - 6000)
    assert balance(node, "payouts:pending") == -6000
    assert budget.unchanged() and chain_ok(node)
