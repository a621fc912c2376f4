"""Capital shares through the API: the rules from config, idempotency, the register report.

This module runs with a minimum of 2 class A shares and a maximum of 5 shares per member.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.config import Settings
from node.shares.models import ShareTransaction
from tests.conftest import make_settings
from tests.node.member_helpers import Crew, state_counts

TODAY = date.today().isoformat()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "shares.class_a_minimum": 2,
            "shares.maximum_per_member": 5,
        },
    )


def _activate(crew: Crew, member_id: int) -> None:
    response = crew.client.post(
        f"/api/v1/members/{member_id}/status", json={"status": "active"}, headers=crew.staff
    )
    assert response.status_code == 200, response.text


def _refused(crew: Crew, response, status: int = 409) -> str:
    assert response.status_code == status, response.text
    return response.json().get("field", "")


def test_terms_come_from_config(crew: Crew) -> None:
    _record, headers = crew.member_login()
    terms = crew.client.get("/api/v1/shares/terms", headers=headers).json()
    assert terms == {
        "currency": "EUR",
        "nominal_value": "30.00",
        "class_a_minimum": 2,
        "class_b_minimum": 1,
        "maximum_per_member": 5,
        "redeem_only_on_leaving": False,
    }


def test_subscription_rules(crew: Crew, node) -> None:
    member = crew.create_member()["id"]
    before = state_counts(node, ShareTransaction)
    assert _refused(crew, crew.subscribe(member, 1)) == "count"  # below the minimum of 2
    assert _refused(crew, crew.subscribe(member, 2, share_class="B")) == "share_class"
    assert state_counts(node, ShareTransaction) == before
    first = crew.subscribe(member, 2)
    assert first.status_code == 201, first.text
    row = first.json()
    assert (row["unit_value"], row["amount"], row["currency"]) == ("30.00", "60.00", "EUR")
    assert row["movement"] == "subscription" and row["effective_on"] == TODAY
    assert _refused(crew, crew.subscribe(member, 1)) == "status"  # applicants: first one only
    _activate(crew, member)
    assert crew.subscribe(member, 3).status_code == 201
    assert _refused(crew, crew.subscribe(member, 1)) == "count"  # maximum 5
    supporter = crew.create_member(kind="supporter", status="active")["id"]
    assert _refused(crew, crew.subscribe(supporter, 1, share_class="A")) == "share_class"
    assert crew.subscribe(supporter, 1, share_class="B").status_code == 201
    guest = crew.create_member(
        status="guest", national_id=None, home_node_url="https://coop.example.nl"
    )["id"]
    assert _refused(crew, crew.subscribe(guest, 2)) == "status"
    with node.db.reading() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "share_transaction")
        ).all()
    assert actions == ["shares.subscription"] * 3


def test_redemption_rules(crew: Crew, node) -> None:
    member = crew.create_member(status="active")["id"]
    assert crew.subscribe(member, 5).status_code == 201
    before = state_counts(node, ShareTransaction)
    assert _refused(crew, crew.redeem(member, 6)) == "count"  # more than held
    assert _refused(crew, crew.redeem(member, 4)) == "count"  # would leave 1 < minimum 2
    assert _refused(crew, crew.redeem(member, 1, share_class="B")) == "count"
    assert state_counts(node, ShareTransaction) == before
    redeemed = crew.redeem(member, 3)
    assert redeemed.status_code == 201 and redeemed.json()["amount"] == "90.00"
    leave = crew.client.post(
        f"/api/v1/members/{member}/status", json={"status": "left"}, headers=crew.staff
    )
    assert leave.status_code == 200
    assert _refused(crew, crew.subscribe(member, 2)) == "status"
    assert _refused(crew, crew.redeem(member, 1)) == "count"  # a leaver redeems all at once
    assert crew.redeem(member, 2).status_code == 201
    shares = crew.client.get(f"/api/v1/members/{member}/shares", headers=crew.staff).json()
    assert shares["holdings"]["A"] == {"count": 0, "capital": "0.00"}
    assert [t["movement"] for t in shares["transactions"]] == [
        "subscription",
        "redemption",
        "redemption",
    ]


def test_idempotency_keys(crew: Crew, node) -> None:
    member = crew.create_member(status="active")["id"]
    first = crew.subscribe(member, 2, key="payment-2026-0001")
    again = crew.subscribe(member, 2, key="payment-2026-0001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    dated = crew.subscribe(member, 2, key="payment-2026-0001", on=TODAY)
    assert dated.json()["id"] == first.json()["id"]
    other = crew.create_member(status="active")["id"]
    before = state_counts(node, ShareTransaction)
    assert _refused(crew, crew.subscribe(member, 3, key="payment-2026-0001")) == "idempotency_key"
    assert _refused(crew, crew.redeem(member, 2, key="payment-2026-0001")) == "idempotency_key"
    assert _refused(crew, crew.subscribe(other, 2, key="payment-2026-0001")) == "idempotency_key"
    assert state_counts(node, ShareTransaction) == before
    short = crew.subscribe(member, 1, key="x")
    assert {e["field"] for e in short.json()["errors"]} == {"idempotency_key"}


def test_movement_dates(crew: Crew, node) -> None:
    member = crew.create_member(status="active")["id"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert _refused(crew, crew.subscribe(member, 2, on=tomorrow), 422) == ""
    assert _refused(crew, crew.subscribe(member, 2, on="2025-02-30"), 422) == ""
    assert crew.subscribe(member, 2, on="2025-06-01").status_code == 201
    before = state_counts(node, ShareTransaction)
    late = crew.subscribe(member, 1, on="2025-05-31")
    assert late.status_code == 422 and late.json()["errors"][0]["code"] == "out_of_order"
    assert state_counts(node, ShareTransaction) == before


def test_kind_is_locked_while_shares_are_held(crew: Crew) -> None:
    member = crew.create_member(status="active")["id"]
    assert crew.subscribe(member, 2).status_code == 201
    response = crew.client.patch(
        f"/api/v1/members/{member}", json={"kind": "supporter"}, headers=crew.staff
    )
    assert _refused(crew, response) == "kind"


def test_register_as_of_a_date_and_as_csv(crew: Crew) -> None:
    alice = crew.create_member(status="active", name='=HYPERLINK("http://x")')["id"]
    bob = crew.create_member(status="active", kind="supporter", name="Bob")["id"]
    carol = crew.create_member(status="active", name="Carol")["id"]
    assert crew.subscribe(alice, 3, on="2025-01-10").status_code == 201
    assert crew.redeem(alice, 1, on="2025-03-01").status_code == 201
    assert crew.subscribe(bob, 4, share_class="B", on="2025-02-01").status_code == 201
    assert crew.subscribe(carol, 2).status_code == 201
    register = "/api/v1/shares/register"
    early = crew.client.get(register, params={"on": "2025-02-15"}, headers=crew.staff).json()
    assert [
        (h["member_id"], h["share_class"], h["count"], h["capital"]) for h in early["holders"]
    ] == [(alice, "A", 3, "90.00"), (bob, "B", 4, "120.00")]
    now = crew.client.get(register, headers=crew.staff).json()
    assert now["on"] == TODAY
    assert {t["share_class"]: (t["holders"], t["count"], t["capital"]) for t in now["totals"]} == {
        "A": (2, 4, "120.00"),
        "B": (1, 4, "120.00"),
    }
    response = crew.client.get(register, params={"format": "csv"}, headers=crew.staff)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["member_id", "name", "status", "share_class", "count", "capital", "currency"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert rows[-2][:2] == ["", "TOTAL"] and rows[-1][3:6] == ["B", "4", "120.00"]
    bad = crew.client.get(
        register, params={"on": "15/02/2025", "format": "xls"}, headers=crew.staff
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"query.on", "query.format"}


def test_movements_are_posted_to_equity_once(crew: Crew, node) -> None:
    from node.ledger import service as ledger

    member = crew.create_member(status="active")["id"]
    assert crew.subscribe(member, 4, key="ledger-sub-1").status_code == 201
    assert crew.subscribe(member, 4, key="ledger-sub-1").status_code in (200, 201)  # a retry
    assert crew.redeem(member, 1, key="ledger-red-1").status_code == 201
    refused = crew.redeem(member, 9, key="ledger-red-2")  # over the holding: nothing posted
    assert refused.status_code == 409

    def balance(key: str) -> int:
        with node.db.reading() as session:
            return ledger.balance_minor(session, ledger.find_account(session, key, "EUR"))

    assert balance("equity:share_capital:A") == -9000  # 3 shares x 30.00 held
    assert balance("members:share_capital_receivable") == 12000
    assert balance("members:shares_to_repay") == -3000
    with node.db.reading() as session:
        assert ledger.verify_chain(session) == []
