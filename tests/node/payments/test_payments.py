"""Money in: client payments from CAMT.053 credits and by hand, the unmatched queue.

The node is Belgian (structured communications ``+++…+++``); every invoice is the invoice tests'
standard one: 674.55 net + 136.10 VAT = 810.65 gross. Every balance is checked to the cent.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from node.banking.references import be_structured_reference, rf_reference, validate_reference
from node.invoices.service import payment_reference
from node.ledger import service as ledger
from node.ledger.models import Account, JournalEntry
from node.payments.models import ClientPayment, UnmatchedCredit
from node.runtime import Node
from tests.node.invoices.test_invoices import INVOICES, chain_ok, credit, draft, issue
from tests.node.member_helpers import Crew, state_counts

CREDITS = "/api/v1/bank-statements/credits"
QUEUE = "/api/v1/unmatched-credits"
CO_OP_IBAN = "BE68539007547034"
PAYER_IBAN = "BE71096123456769"
NAMESPACE_02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
ACCOUNTS = ("bank", "receivables:clients", "clients:credit_balances", "clients:unallocated")
_keys = itertools.count(1)


def issued(crew: Crew, setup: dict[str, Any], **extra: Any) -> dict[str, Any]:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    response = issue(crew, invoice_id, **extra)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["gross"] == "810.65"
    return body


def get(crew: Crew, invoice_id: int) -> dict[str, Any]:
    response = crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def balances(node: Node) -> dict[str, int]:
    found: dict[str, int] = {}
    with node.db.reading() as session:
        for key in ACCOUNTS:
            account = session.scalar(
                select(Account).where(Account.key == key, Account.currency == "EUR")
            )
            found[key] = 0 if account is None else ledger.balance_minor(session, account)
    return found


def ntry(
    ref: str | None,
    amount: str,
    reference: str | None,
    *,
    direction: str = "CRDT",
    status: str = "BOOK",
    reversal: bool = False,
    tx_amount: str | None = None,
) -> str:
    remittance = (
        f"<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        if reference
        else "<RmtInf><Ustrd>Thanks for the work</Ustrd></RmtInf>"
    )
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt>{"<RvslInd>true</RvslInd>" if reversal else ""}
<CdtDbtInd>{direction}</CdtDbtInd><Sts>{status}</Sts>
<BookgDt><Dt>2026-03-05</Dt></BookgDt>{f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""}
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{tx_amount or amount}</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Client SA</Nm></Dbtr><DbtrAcct><Id><IBAN>{PAYER_IBAN}</IBAN></Id></DbtrAcct>
</RltdPties>{remittance}</TxDtls></NtryDtls></Ntry>"""


def camt(
    entries: list[str], statement_id: str = "S-2026-1", namespace: str = NAMESPACE_02
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}"><BkToCstmrStmt>
<GrpHdr><MsgId>M-{statement_id}</MsgId><CreDtTm>2026-03-05T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{statement_id}</Id><CreDtTm>2026-03-05T22:00:00</CreDtTm>
<Acct><Id><IBAN>{CO_OP_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>{"".join(entries)}
</Stmt></BkToCstmrStmt></Document>""".encode()


def post_xml(crew: Crew, data: bytes, headers: dict[str, str] | None = None) -> Any:
    return crew.client.post(
        CREDITS, content=data, headers={**(headers or crew.staff), "Content-Type": "text/xml"}
    )


def pay(crew: Crew, invoice_id: int, amount: str, **extra: Any) -> Any:
    body = {
        "amount": amount,
        "received_on": "2026-03-05",
        "idempotency_key": f"pay-{next(_keys)}",
        **extra,
    }
    return crew.client.post(f"{INVOICES}/{invoice_id}/payments", json=body, headers=crew.staff)


def counts(node: Node) -> dict[str, int]:
    return state_counts(node, ClientPayment, UnmatchedCredit, JournalEntry)


# -- references --------------------------------------------------------------------------------


def test_invoice_references_are_structured_and_checksummed() -> None:
    ogm = payment_reference("BE", 2026, 7)
    assert ogm == be_structured_reference(2026000007)
    assert validate_reference(ogm).kind == "be_ogm"
    rf = payment_reference("FR", 2026, 7)
    assert rf == rf_reference("2026000007") and validate_reference(rf).kind == "rf"


# -- CAMT.053 credits ---------------------------------------------------------------------------


def test_camt_credits_pay_invoices_partly_exactly_and_over_and_queue_the_rest(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    first, second, third = (issued(crew, setup) for _ in range(3))
    credit(crew, third["id"], full=True)  # cancelled
    unknown = be_structured_reference(1234567890)
    stranger_rf = rf_reference("539007547034")
    # the first invoice's reference with its check digits off by one
    digits = validate_reference(first["payment_reference"]).compact
    bad_checksum = (
        f"+++{digits[:3]}/{digits[3:7]}/{digits[7:10]}{(int(digits[10:]) % 97) + 1:02d}+++"
    )
    statement = camt(
        [
            ntry("E-1", "300.00", first["payment_reference"]),  # partial
            ntry("E-2", "900.00", second["payment_reference"].replace("+", "*")),  # over
            ntry("E-3", "50.00", unknown),
            ntry("E-4", "20.00", bad_checksum),
            ntry("E-5", "15.00", first["payment_reference"], reversal=True),
            ntry("E-6", "10.00", first["payment_reference"], status="PDNG"),
            ntry("E-7", "12.34", third["payment_reference"]),  # a cancelled invoice
            ntry("E-8", "7.00", stranger_rf),
            ntry("E-9", "5.00", None),
            ntry("E-10", "99.00", first["payment_reference"], direction="DBIT"),  # not ours
        ]
    )
    before = balances(node)
    imported = post_xml(crew, statement)
    assert imported.status_code == 200, imported.text
    result = imported.json()
    assert [
        (m["entry_ref"], m["invoice_number"], m["amount"], m["outcome"]) for m in result["matched"]
    ] == [
        ("E-1", first["number"], "300.00", "partial"),
        ("E-2", second["number"], "900.00", "overpaid"),
    ]
    assert result["matched"][0]["outstanding"] == "510.65"
    assert [(u["entry_ref"], u["reason"]) for u in result["unmatched"]] == [
        ("E-3", "unknown-reference"),
        ("E-4", "invalid-reference"),
        ("E-5", "reversal"),
        ("E-7", "cancelled-invoice"),
        ("E-8", "unknown-reference"),
        ("E-9", "no-reference"),
    ]
    assert [(i["entry_ref"], i["reason"]) for i in result["ignored"]] == [("E-6", "not-booked")]
    assert result["already_recorded"] == []

    # 300.00 + 900.00 in; receivables down by 300.00 + 810.65; 89.35 owed back to the client;
    # 50.00 + 20.00 + 15.00 + 12.34 + 7.00 + 5.00 = 109.34 waiting in the unmatched queue
    after = balances(node)
    assert after["bank"] - before["bank"] == 30000 + 90000 + 10934
    assert after["receivables:clients"] - before["receivables:clients"] == -(30000 + 81065)
    assert after["clients:credit_balances"] == -8935
    assert after["clients:unallocated"] == -10934
    a, b = get(crew, first["id"]), get(crew, second["id"])
    assert (a["paid"], a["outstanding"], a["fully_paid"]) == ("300.00", "510.65", False)
    assert (b["paid"], b["outstanding"], b["fully_paid"]) == ("900.00", "0.00", True)
    assert get(crew, third["id"])["cancelled"] is True

    queue = crew.client.get(QUEUE, params={"status": "open"}, headers=crew.staff).json()
    assert [(q["entry_ref"], q["amount"], q["reason"]) for q in queue] == [
        ("E-3", "50.00", "unknown-reference"),
        ("E-4", "20.00", "invalid-reference"),
        ("E-5", "15.00", "reversal"),
        ("E-7", "12.34", "cancelled-invoice"),
        ("E-8", "7.00", "unknown-reference"),
        ("E-9", "5.00", "no-reference"),
    ]
    assert queue[0]["counterparty_iban"] == "BE•• •••• •••• 6769"
    assert queue[1]["reference"] == bad_checksum  # the mistyped reference as the bank wrote it

    # the same file again changes nothing, uploaded as a form this time
    state = counts(node)
    again = crew.client.post(
        CREDITS,
        files={"statement": ("statement.xml", statement, "application/xml")},
        headers=crew.staff,
    )
    assert again.status_code == 200, again.text
    assert again.json()["matched"] == again.json()["unmatched"] == []
    assert len(again.json()["already_recorded"]) == 8
    assert counts(node) == state and balances(node) == after

    # the next statement brings the rest of the first invoice
    rest = post_xml(crew, camt([ntry("E-1", "510.65", first["payment_reference"])], "S-2026-2"))
    assert rest.status_code == 200, rest.text
    assert [(m["outcome"], m["outstanding"]) for m in rest.json()["matched"]] == [
        ("settled", "0.00")
    ]
    a = get(crew, first["id"])
    assert (a["paid"], a["outstanding"], a["fully_paid"], a["overdue"]) == (
        "810.65",
        "0.00",
        True,
        False,
    )
    final = balances(node)
    assert final["bank"] - before["bank"] == 30000 + 90000 + 10934 + 51065
    assert final["receivables:clients"] == 0  # both paid, the third credited
    assert final["clients:credit_balances"] == -8935
    payments = crew.client.get(f"{INVOICES}/{first['id']}/payments", headers=crew.staff).json()
    assert [(p["amount"], p["source"], p["bank_reference"]) for p in payments] == [
        ("300.00", "camt", "E-1"),
        ("510.65", "camt", "E-1"),
    ]
    assert chain_ok(node)


def test_hostile_or_malformed_statements_change_nothing(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued(crew, setup)
    good = ntry("E-1", "100.00", invoice["payment_reference"])
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Document>&lol2;</Document>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document>&x;</Document>"
    )
    wrong_namespace = camt([good], namespace="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02")
    inconsistent = camt([good, ntry("E-2", "10.00", None, tx_amount="10.01")], "S-BAD")
    state, before = counts(node), balances(node)
    for data in (bomb, external):
        refused = post_xml(crew, data)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "DTD" in refused.json()["detail"]
    namespace = post_xml(crew, wrong_namespace)
    assert namespace.status_code == 422
    assert "unsupported namespace" in namespace.json()["detail"]
    broken = post_xml(crew, inconsistent)
    assert broken.status_code == 422
    detail = broken.json()["detail"]
    assert "'S-BAD'" in detail and "entry 2" in detail and "E-2" in detail
    assert broken.json()["errors"][0]["field"] == "statement"
    assert post_xml(crew, b"<Document").status_code == 422
    assert crew.client.post(CREDITS, json={}, headers=crew.staff).status_code == 415
    assert (
        crew.client.post(CREDITS, files={"other": ("x.xml", b"<x/>")}, headers=crew.staff)
    ).status_code == 422
    member = post_xml(crew, camt([good]), headers=setup["headers"])
    assert member.status_code == 403
    assert {k: v for k, v in counts(node).items() if k != "audit_log"} == {
        k: v for k, v in state.items() if k != "audit_log"
    }
    assert balances(node) == before
    assert get(crew, invoice["id"])["paid"] == "0.00"


# -- payments by hand -----------------------------------------------------------------------------


def test_payments_by_hand_refuse_drafts_cancelled_invoices_and_bad_amounts(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    long_ago = date.today() - timedelta(days=40)
    invoice = issued(crew, setup, issue_date=long_ago.isoformat())
    assert invoice["overdue"] is True
    draft_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    cancelled = issued(crew, setup)
    credit(crew, cancelled["id"], full=True)
    state, before = counts(node), balances(node)
    assert pay(crew, draft_id, "10.00").status_code == 409
    refused = pay(crew, cancelled["id"], "10.00")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "cancelled" in refused.json()["detail"]
    assert pay(crew, invoice["id"], "10.001").json()["errors"][0]["code"] == "precision"
    assert pay(crew, invoice["id"], "0.00").status_code == 422
    assert pay(crew, invoice["id"], "-5.00").status_code == 422
    assert pay(crew, invoice["id"], "10.00", currency="USD").json()["errors"][0]["field"] == (
        "currency"
    )
    assert pay(crew, invoice["id"], "1e3").status_code == 422
    assert pay(crew, 999_999, "10.00").status_code == 404
    member = crew.client.post(
        f"{INVOICES}/{invoice['id']}/payments",
        json={"amount": "1.00", "received_on": "2026-03-05", "idempotency_key": "m-1"},
        headers=setup["headers"],
    )
    assert member.status_code == 403
    assert {k: v for k, v in counts(node).items() if k != "audit_log"} == {
        k: v for k, v in state.items() if k != "audit_log"
    }
    assert balances(node) == before

    first = pay(crew, invoice["id"], "800.00", idempotency_key="hand-1", currency="EUR")
    assert first.status_code == 201, first.text
    assert (first.json()["outcome"], first.json()["invoice_outstanding"]) == ("partial", "10.65")
    replay = pay(crew, invoice["id"], "800.00", idempotency_key="hand-1")
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert pay(crew, invoice["id"], "700.00", idempotency_key="hand-1").status_code == 409
    assert get(crew, invoice["id"])["overdue"] is True  # 10.65 still due
    over = pay(crew, invoice["id"], "20.65")
    assert over.status_code == 201, over.text
    assert (over.json()["applied"], over.json()["credit_balance"]) == ("10.65", "10.00")
    after = get(crew, invoice["id"])
    assert (after["paid"], after["outstanding"], after["fully_paid"], after["overdue"]) == (
        "820.65",
        "0.00",
        True,
        False,
    )
    assert balances(node) == {
        "bank": before["bank"] + 82065,
        "receivables:clients": before["receivables:clients"] - 81065,
        "clients:credit_balances": -1000,
        "clients:unallocated": 0,
    }
    # a paid invoice can still be credited; the credit note does not undo the payment
    assert credit(crew, invoice["id"], full=True).status_code == 201
    assert pay(crew, invoice["id"], "1.00").status_code == 409
    assert chain_ok(node)


# -- the unmatched queue ------------------------------------------------------------------------


def test_unmatched_credits_are_assigned_or_sent_back(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued(crew, setup)
    other = issued(crew, setup)
    result = post_xml(
        crew,
        camt([ntry("U-1", "800.00", None), ntry("U-2", "25.00", None), ntry("U-3", "1.00", None)]),
    ).json()
    one, two, three = (u["id"] for u in result["unmatched"])
    before = balances(node)
    assert before["clients:unallocated"] == -82600

    assigned = crew.client.post(
        f"{QUEUE}/{one}/assign", json={"invoice_id": invoice["id"]}, headers=crew.staff
    )
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert (body["status"], body["outcome"], body["payment"]["source"]) == (
        "resolved",
        "partial",
        "unmatched",
    )
    assert get(crew, invoice["id"])["outstanding"] == "10.65"
    again = crew.client.post(
        f"{QUEUE}/{one}/assign", json={"invoice_id": invoice["id"]}, headers=crew.staff
    )
    assert again.status_code == 200 and again.json()["payment"]["id"] == body["payment"]["id"]
    elsewhere = crew.client.post(
        f"{QUEUE}/{one}/assign", json={"invoice_id": other["id"]}, headers=crew.staff
    )
    assert elsewhere.status_code == 409
    assert (
        crew.client.post(f"{QUEUE}/{two}/assign", json={"invoice_id": 999_999}, headers=crew.staff)
    ).status_code == 422
    after_assign = balances(node)
    assert after_assign["bank"] == before["bank"]  # the money was already in the bank
    assert after_assign["clients:unallocated"] == -2600
    assert after_assign["receivables:clients"] == before["receivables:clients"] - 80000

    refunded = crew.client.post(
        f"{QUEUE}/{two}/refund", json={"refunded_on": "2026-03-06"}, headers=crew.staff
    )
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded"
    assert crew.client.post(f"{QUEUE}/{two}/refund", json={}, headers=crew.staff).status_code == 200
    assert (
        crew.client.post(
            f"{QUEUE}/{two}/assign", json={"invoice_id": invoice["id"]}, headers=crew.staff
        )
    ).status_code == 409
    assert crew.client.post(f"{QUEUE}/{one}/refund", json={}, headers=crew.staff).status_code == 409
    final = balances(node)
    assert final["bank"] == before["bank"] - 2500
    assert final["clients:unallocated"] == -100  # only the third is still open
    queue = crew.client.get(QUEUE, params={"status": "open"}, headers=crew.staff).json()
    assert [q["id"] for q in queue] == [three]
    assert crew.client.get(QUEUE, headers=setup["headers"]).status_code == 403
    assert chain_ok(node)
