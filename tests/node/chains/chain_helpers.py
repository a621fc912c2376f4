"""Helpers of the value chain tests (also the record maker of tests/node/test_member_privacy.py)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from federation import envelope
from node.chains import clearing
from node.federation.inbox import Result
from node.federation.models import OutboxMessage
from node.ledger import service as ledger
from node.ledger.models import Account
from node.runtime import Node
from tests.node.invoices.test_invoices import IBAN, SELLER_ADDRESS, make_client
from tests.node.member_helpers import Crew

CHAINS = "/api/v1/chains"
_keys = itertools.count(1)


def active_member(crew: Crew, **overrides: Any) -> dict[str, Any]:
    member = crew.create_member(**overrides)
    response = crew.client.post(
        f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
    )
    assert response.status_code == 200, response.text
    return member


def share(value: str, kind: str = "percent") -> dict[str, str]:
    return {"kind": kind, "value": value}


def proposal(client_id: int, contributors: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": client_id,
        "description": "Website for Atelier Nord",
        "amount": "1000.00",
        "contributors": contributors,
        "fee_policy": {"kind": "each_node"},
        "guarantee": "on_payment",
        "default_policy": "contributors_bear_pro_rata",
    }
    return {**body, **changes}


def propose(crew: Crew, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
    response = crew.client.post(CHAINS, json=body, headers=crew.staff)
    assert response.status_code == expect, response.text
    return dict(response.json())


def accept(crew: Crew, chain: dict[str, Any], contributor: int, **body: Any) -> dict[str, Any]:
    path = f"{CHAINS}/{chain['id']}/contributors/{contributor}/accept"
    response = crew.client.post(path, json=body, headers=crew.staff)
    assert response.status_code == 200, response.text
    return dict(response.json())


def invoice(crew: Crew, chain_id: int, expect: int = 200) -> dict[str, Any]:
    body = {
        "idempotency_key": f"chain-invoice-{next(_keys)}",
        "bank_iban": IBAN,
        "seller_address": SELLER_ADDRESS,
    }
    response = crew.client.post(f"{CHAINS}/{chain_id}/invoice", json=body, headers=crew.staff)
    assert response.status_code == expect, response.text
    return dict(response.json())


def pay(crew: Crew, invoice_id: int, amount: str, key: str | None = None) -> dict[str, Any]:
    body = {
        "amount": amount,
        "received_on": "2026-11-20",
        "idempotency_key": key or f"pay-{next(_keys)}",
    }
    response = crew.client.post(
        f"/api/v1/invoices/{invoice_id}/payments", json=body, headers=crew.staff
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def chain_of(crew: Crew, member: dict[str, Any]) -> int:
    """A chain of this node with ``member`` as its only contributor (the privacy record maker)."""
    if crew.member(member["id"]).status == "applicant":
        response = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert response.status_code == 200, response.text
    client_id = make_client(crew, kind="person", name=f"Client {next(_keys)}", vat_number=None)
    body = proposal(client_id, [{"member_ref": str(member["id"]), "share": share("100")}])
    return int(propose(crew, body)["id"])


def queued(node: Node, type: str) -> list[dict[str, Any]]:
    """Bodies of the queued messages of ``type``, oldest first, with their peer's node id."""
    with node.db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.type == type).order_by(OutboxMessage.id)
        )
        return [{**row.body, "_conversation": row.conversation} for row in rows]


def receipt_of(result: Result) -> dict[str, Any]:
    assert result.receipt is not None, result.problem
    return dict(envelope.open_compact(result.receipt, envelope.MESSAGE_TYP).claims["body"])


def balance(node: Node, key: str, currency: str = "EUR") -> int:
    """An account's balance, debits positive (0 when it does not exist)."""
    with node.db.reading() as session:
        account = session.scalar(
            select(Account).where(Account.key == key, Account.currency == currency)
        )
        return 0 if account is None else ledger.balance_minor(session, account)


def payable(node: Node, peer: str, currency: str = "EUR") -> int:
    """What this node owes ``peer`` (positive)."""
    return -balance(node, clearing.payable(peer).key, currency)


def receivable(node: Node, peer: str, currency: str = "EUR") -> int:
    return balance(node, clearing.receivable(peer).key, currency)


def budget(node: Node, activity_id: int, currency: str = "EUR") -> int:
    """What an activity's budget holds (positive)."""
    return -balance(node, f"activity:{activity_id}:budget", currency)
