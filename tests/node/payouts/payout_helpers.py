"""Helpers for the payout and expense tests: a funded activity, payout requests, CAMT debits."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from node.activities.models import Activity
from node.ledger import service as ledger
from node.payouts.available import available_minor
from node.runtime import Node
from tests.node.member_helpers import Crew

DEBTOR_IBAN = "BE71096123456769"
_keys = itertools.count(1)


def credit_budget(crew: Crew, activity_id: int, amount: str, currency: str = "EUR") -> None:
    """Turnover for the activity: debit the bank, credit its budget (a manual entry)."""
    crew.client.post(
        "/api/v1/ledger/accounts",
        headers=crew.staff,
        json={"key": "bank", "name": "Bank", "type": "asset", "currency": currency},
    )
    response = crew.client.post(
        "/api/v1/ledger/entries",
        headers=crew.staff,
        json={
            "occurred_on": "2026-03-01",
            "description": "Turnover",
            "idempotency_key": f"turnover-{activity_id}-{next(_keys)}",
            "postings": [
                {"account": "bank", "currency": currency, "debit": amount},
                {
                    "account": f"activity:{activity_id}:budget",
                    "currency": currency,
                    "credit": amount,
                },
            ],
        },
    )
    assert response.status_code == 201, response.text


def funded_activity(
    crew: Crew, budget: str = "100.00", currency: str | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """An activity (in ``currency``, else the node's) led by a new member with a login:
    ``(activity id, member, member headers)``; its budget is credited in ``currency`` or EUR."""
    member, headers = crew.member_login(status="active")
    opened: dict[str, Any] = {
        "name": "Studio",
        "member_ids": [member["id"]],
        "lead_member_id": member["id"],
    }
    if currency:
        opened["currency"] = currency
    response = crew.client.post("/api/v1/activities", headers=crew.staff, json=opened)
    assert response.status_code == 201, response.text
    activity_id = int(response.json()["id"])
    if Decimal(budget):
        credit_budget(crew, activity_id, budget, currency or "EUR")
    return activity_id, member, headers


def ask(
    crew: Crew,
    activity_id: int,
    amount: str,
    *,
    key: str | None = None,
    kind: str = "salary",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "amount": amount,
        "kind": kind,
        "idempotency_key": key or f"payout-key-{next(_keys)}",
        **extra,
    }
    return crew.client.post(
        f"/api/v1/activities/{activity_id}/payouts", json=body, headers=headers or crew.staff
    )


def available(node: Node, activity_id: int) -> int:
    with node.db.reading() as session:
        activity = session.get(Activity, activity_id)
        assert activity is not None
        return available_minor(session, activity)


def balance(node: Node, key: str, currency: str = "EUR") -> int:
    with node.db.reading() as session:
        return ledger.balance_minor(session, ledger.find_account(session, key, currency))


def chain_problems(node: Node) -> list[Any]:
    with node.db.reading() as session:
        return ledger.verify_chain(session)


def camt_debits(
    lines: list[tuple[str, str]], booking: str = "2026-03-05", currency: str = "EUR"
) -> bytes:
    """A CAMT.053.001.02 statement with one booked debit per ``(end-to-end id, amount)``."""
    entries = "".join(
        f"""<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{booking}</Dt></BookgDt><AcctSvcrRef>BANK-{index}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="{currency}">{amount}</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>"""
        for index, (e2e, amount) in enumerate(lines, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-03-05T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-2026-1</Id><CreDtTm>2026-03-05T22:00:00</CreDtTm>
<Acct><Id><IBAN>{DEBTOR_IBAN}</IBAN></Id><Ccy>{currency}</Ccy></Acct>{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def use_debtor(node: Node, extra: dict[str, Any] | None = None) -> None:
    """Configure the co-op's debtor account (and ``extra`` settings) on the running node."""
    node.settings = node.settings.replace(**{"payouts.debtor_iban": DEBTOR_IBAN, **(extra or {})})
