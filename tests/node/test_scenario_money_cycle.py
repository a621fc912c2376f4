"""A member's whole money cycle through the API, on a Belgian node, every figure to the cent.

Quote → client acceptance by link → invoice (valid UBL 2.1) → contribution and fund postings →
a partial then a full payment from CAMT.053 → an expense and a salary paid through a pain.001
batch and matched from the bank's debits → the activity statement's available budget → the
guarantee fund report with its exposure and a default write-off.

The quote is the invoice tests' standard one: 674.55 net + 136.10 VAT = 810.65; the 6.5 %
contribution is 43.85 (13.49 of it to the fund), so the activity's share is 630.70.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from node.db.types import utcnow
from node.runtime import Node
from tests.node.expenses.test_expenses import file
from tests.node.invoices.test_invoices import (  # noqa: F401 (settings: the Belgian node)
    BOOKS,
    CONSULTING,
    INVOICES,
    chain_ok,
    draft,
    issue,
    make_client,
    open_activity,
    postings_of,
    settings,
)
from tests.node.invoicing.test_ubl_schema import _schemas
from tests.node.member_helpers import Crew
from tests.node.payments.test_payments import camt, ntry, post_xml
from tests.node.payouts.payout_helpers import camt_debits, use_debtor
from tests.node.quotes.test_quotes import HTML, QUOTES, answer, send, valid_until


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_members_money_cycle(crew: Crew, node: Node, standards_dir: Path) -> None:
    use_debtor(node)
    member, member_headers = crew.member_login(status="active")
    activity_id = open_activity(crew, member)
    client_id = make_client(crew)
    staff = crew.staff

    # An older job for another client, never paid: it will go into default.
    other_client = make_client(crew, vat_number="BE0403170701", name="Late Payer SA")
    stale = ok(draft(crew, activity_id, other_client, lines=[CONSULTING, BOOKS]), 201)
    long_ago = (utcnow().date() - timedelta(days=200)).isoformat()
    stale = ok(issue(crew, stale["id"], issue_date=long_ago))

    # 1. The quote, accepted by the client through the signed link.
    body = {
        "activity_id": activity_id,
        "client_id": client_id,
        "lines": [CONSULTING, BOOKS],
        "valid_until": valid_until(),
    }
    quote = ok(crew.client.post(QUOTES, json=body, headers=member_headers), 201)
    assert (quote["net"], quote["vat"], quote["gross"]) == ("674.55", "136.10", "810.65")
    link = send(crew, quote["id"], member_headers)
    assert answer(crew, link, **HTML).status_code == 200
    converted = ok(crew.client.post(f"{QUOTES}/{quote['id']}/invoice", headers=staff), 201)

    # 2. The invoice: issued, UBL valid against the UBL 2.1 schema, postings to the cent.
    invoice = ok(issue(crew, converted["invoice"]["id"]))
    assert (invoice["gross"], invoice["contribution"], invoice["guarantee_fund"]) == (
        "810.65",
        "43.85",
        "13.49",
    )
    assert invoice["guarantee_covered"] is True
    ubl = crew.client.get(f"{INVOICES}/{invoice['id']}/ubl", headers=member_headers)
    tree = etree.ElementTree(etree.fromstring(ubl.content))
    schema = _schemas(standards_dir)["Invoice"]
    assert schema.validate(tree), schema.error_log
    assert postings_of(node, invoice["journal_entry_id"]) == sorted(
        [
            ("receivables:clients", 81065),
            ("vat:payable", -13610),
            (f"activity:{activity_id}:budget", -67455),
            (f"activity:{activity_id}:budget", 4385),
            ("revenue:contribution", -3036),
            ("fund:guarantee", -1349),
        ]
    )

    # 3. The client pays in two parts, read from the bank's CAMT.053 statements.
    reference = invoice["payment_reference"]
    first = ok(post_xml(crew, camt([ntry("B-1", "400.00", reference)], "S-1")))
    second = ok(post_xml(crew, camt([ntry("B-2", "410.65", reference)], "S-2")))
    assert len(first["matched"]) == len(second["matched"]) == 1
    paid = ok(crew.client.get(f"{INVOICES}/{invoice['id']}", headers=staff))
    assert (paid["paid"], paid["outstanding"], paid["fully_paid"]) == ("810.65", "0.00", True)

    # 4. An expense and a salary, paid through one pain.001 batch, matched from the debits.
    expense = ok(file(crew, activity_id, member_headers, amount="42.50"), 201)
    reimbursement = ok(crew.client.post(f"/api/v1/expenses/{expense['id']}/approve", headers=staff))
    salary = ok(
        crew.client.post(
            f"/api/v1/activities/{activity_id}/payouts",
            json={"amount": "800.00", "kind": "salary", "idempotency_key": "salary-2026-11"},
            headers=staff,
        ),
        201,
    )
    batch = ok(
        crew.client.post(
            "/api/v1/payment-batches", json={"execution_date": "2099-01-15"}, headers=staff
        ),
        201,
    )
    assert batch["payment_count"] == 2 and batch["total"] == "842.50"
    pain = crew.client.get(f"/api/v1/payment-batches/{batch['id']}/pain001", headers=staff)
    assert b"<CtrlSum>842.50</CtrlSum>" in pain.content
    ok(crew.client.post(f"/api/v1/payment-batches/{batch['id']}/sent", headers=staff))
    payouts = [
        ok(crew.client.get(f"/api/v1/payouts/{reimbursement['payout']['id']}", headers=staff)),
        ok(crew.client.get(f"/api/v1/payouts/{salary['id']}", headers=staff)),
    ]
    debits = camt_debits([(p["end_to_end_id"], str(p["amount"])) for p in payouts])
    imported = crew.client.post(
        "/api/v1/bank-statements/debits",
        content=debits,
        headers={**staff, "Content-Type": "application/xml"},
    )
    assert len(ok(imported)["matched"]) == 2
    assert (
        ok(crew.client.get(f"/api/v1/expenses/{expense['id']}", headers=member_headers))["status"]
        == "reimbursed"
    )

    # 5. The statement: 2 × 630.70 turnover − 42.50 − 800.00 = 418.90 held, all of it available
    #    (both invoices are covered); 630.70 of the stale invoice is unpaid, so the fund stands
    #    behind 630.70 − 418.90 = 211.80 already paid out.
    statement = ok(
        crew.client.get(f"/api/v1/activities/{activity_id}/statement", headers=member_headers)
    )
    assert statement["closing_balance"] == "418.90"
    assert statement["budget"] == {
        "currency": "EUR",
        "held": "418.90",
        "awaiting_client_payment": "0.00",
        "covered_unpaid": "630.70",
        "reserved_by_payouts": "0.00",
        "available": "418.90",
        "guarantee_exposure": "211.80",
    }

    # 6. The fund: exposure, then the stale invoice written off as a default.
    fund = ok(crew.client.get("/api/v1/guarantee/report", headers=staff))["funds"][0]
    assert (fund["balance"], fund["exposure"]) == ("26.98", "211.80")
    assert [d["number"] for d in fund["in_default"]] == [stale["number"]]
    written = ok(
        crew.client.post(
            "/api/v1/guarantee/write-offs",
            json={
                "invoice_id": stale["id"],
                "reason": "Client insolvent",
                "idempotency_key": "default-stale-1",
            },
            headers=crew.admin,
        ),
        201,
    )
    assert written["amount"] == "810.65"
    fund = ok(crew.client.get("/api/v1/guarantee/report", headers=staff))["funds"][0]
    assert (fund["balance"], fund["written_off"], fund["exposure"]) == (
        "-783.67",
        "810.65",
        "0.00",
    )
    after = ok(crew.client.get(f"/api/v1/activities/{activity_id}/statement", headers=staff))
    assert after["budget"]["available"] == "418.90"  # the member keeps what was paid
    assert chain_ok(node)
