"""The foundation's acceptance path, through the public API only: an admin signs in with a
second factor, onboards a member with capital shares, records a client, and reads the register."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def test_admin_onboards_a_member_with_shares_and_a_client(
    client: TestClient, accounts: Any
) -> None:
    admin = accounts.user("admin")
    refused = client.post(
        "/api/v1/auth/login", json={"email": admin.email, "password": admin.password}
    )
    assert refused.status_code == 401  # no second factor, no token
    tokens = _ok(
        client.post(
            "/api/v1/auth/login",
            json={"email": admin.email, "password": admin.password, "totp": admin.code()},
        )
    )
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}

    member = _ok(
        client.post(
            "/api/v1/members",
            headers=auth,
            json={
                "name": "Ann Peeters",
                "email": "ann@example.org",
                "home_country": "BE",
                "language": "nl",
                "national_id": "85.07.30-033.28",
                "iban": "BE68 5390 0754 7034",
                "status": "active",
            },
        ),
        201,
    )
    assert member["iban"].endswith("7034") and "5390" not in member["iban"]
    assert "85073003328" not in str(member)

    subscription = {"share_class": "A", "count": 3, "idempotency_key": "ann-first-shares"}
    path = f"/api/v1/members/{member['id']}/shares/subscriptions"
    first = client.post(path, headers=auth, json=subscription)
    assert first.status_code in (200, 201), first.text
    again = client.post(path, headers=auth, json=subscription)
    assert again.json() == first.json()  # the same event is applied once

    created = _ok(
        client.post(
            "/api/v1/clients",
            headers=auth,
            json={
                "kind": "company",
                "name": "Théâtre Royal",
                "country": "BE",
                "vat_number": "BE0403019261",
                "billing_address": {
                    "street": "Rue Neuve 1",
                    "postcode": "1000",
                    "city": "Bruxelles",
                },
            },
        ),
        201,
    )
    assert created["vat_number"] == "BE0403019261"

    holdings = _ok(client.get(f"/api/v1/members/{member['id']}/shares", headers=auth))
    assert holdings["holdings"]["A"] == {"count": 3, "capital": "90.00"}  # 3 x 30.00 nominal
    register = _ok(client.get("/api/v1/shares/register", headers=auth))
    assert [
        (h["name"], h["share_class"], h["count"], h["capital"]) for h in register["holders"]
    ] == [("Ann Peeters", "A", 3, "90.00")]

    # The capital is in the books once, as equity, against the member's unpaid subscription.
    balances = {
        a["key"]: a["balance"] for a in _ok(client.get("/api/v1/ledger/accounts", headers=auth))
    }
    assert balances == {
        "equity:share_capital:A": "-90.00",
        "members:share_capital_receivable": "90.00",
    }
    assert _ok(client.get("/api/v1/ledger/verify", headers=auth))["ok"] is True

    audit_actions = _audit_actions(client)
    assert {"member.create", "client.create"} <= audit_actions


def _audit_actions(client: TestClient) -> set[str]:
    from sqlalchemy import select

    from node.audit.models import AuditEntry

    node = client.app.state.node  # type: ignore[attr-defined]
    with node.db.reading() as session:
        return set(session.scalars(select(AuditEntry.action)))
