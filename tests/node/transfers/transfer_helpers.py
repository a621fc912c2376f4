"""Helpers for the transfer tests: activities with members and budget, transfer requests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from node.identity.roles import Principal, Role
from node.transfers import service
from tests.node.member_helpers import Crew
from tests.node.payouts.payout_helpers import credit_budget

TRANSFERS = "/api/v1/transfers"
_keys = itertools.count(1)


def open_activity(crew: Crew, member_ids: list[int], budget: str = "0", name: str = "Shop") -> int:
    """An activity of ``member_ids`` (the first leads), its budget credited with ``budget``."""
    response = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={"name": name, "member_ids": member_ids, "lead_member_id": member_ids[0]},
    )
    assert response.status_code == 201, response.text
    activity_id = int(response.json()["id"])
    if Decimal(budget):
        credit_budget(crew, activity_id, budget)
    return activity_id


def body(buyer: int, seller: int, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "buyer_activity_id": buyer,
        "seller_activity_id": seller,
        "amount": amount,
        "description": "Logo design",
        "idempotency_key": f"transfer-key-{next(_keys)}",
        **extra,
    }


def propose(
    crew: Crew, headers: dict[str, str], buyer: int, seller: int, amount: str, **extra: Any
) -> Any:
    return crew.client.post(TRANSFERS, json=body(buyer, seller, amount, **extra), headers=headers)


def proposed_transfer_of(crew: Crew, member: dict[str, Any]) -> int:
    """A transfer proposed by ``member`` between two funded activities they both belong to (so
    they may read, accept and cancel it). For the member-privacy matrix."""
    if crew.member(member["id"]).status == "applicant":  # activities are for active members
        activated = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert activated.status_code == 200, activated.text
    buyer = open_activity(crew, [member["id"]], "50.00", name="Buyer")
    seller = open_activity(crew, [member["id"]], name="Seller")
    principal = Principal(
        Role.MEMBER, user_id=crew.member(member["id"]).user_id, member_id=member["id"]
    )
    with crew.node.db.transaction() as session:
        row, created = service.record(
            session,
            principal,
            buyer_activity_id=buyer,
            seller_activity_id=seller,
            amount=Decimal("10.00"),
            description="Matrix",
            idempotency_key=f"matrix-{next(_keys)}",
        )
        assert created and row.status == "proposed"
        return row.id
