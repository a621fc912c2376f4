"""Hosting between two real nodes (``coopnode serve`` on 127.0.0.1, each its own database and
keys), through their APIs only once they are peers: a member of A consents, A's staff ask B to
host them, B's admin accepts, the guest signs in at B, declares work and is paid under B's law,
B's staff complete the mission, and A sees the consented figures and nothing else.

Node A runs on SQLite; node B on the test's engine (its own database on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from node.db.types import utcnow
from tests.node.member_helpers import BE_COMPANY, IBANS, be_national_id, member_body
from tests.node.payouts.payout_helpers import credit_budget
from tests.node.payroll.payroll_helpers import ask_salary, contract
from tests.realnodes import (
    PASSWORD,
    Api,
    RealNode,
    create_admin,
    eventually,
    login,
    peer_with,
)

pytestmark = pytest.mark.process
SHARE = ["days_worked", "payslips"]
EMPLOYER = {"COOPNODE_LEGAL_ENTITY_NUMBER": BE_COMPANY}  # B's pre-hire declarations name it


@pytest.fixture
def nodes(tmp_path: Path, own_database: str | None) -> Iterator[tuple[RealNode, RealNode]]:
    """Two fresh nodes; B is an employer (as ``fresh_nodes``, which cannot configure B)."""
    a, b = RealNode(tmp_path / "a"), RealNode(tmp_path / "b")
    b.environ.update(EMPLOYER)
    if own_database is not None:
        b.environ["COOPNODE_DATABASE_URL"] = own_database
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def peered(a: RealNode, b: RealNode) -> None:
    """Each node records the other as an active peer, from its descriptor."""
    for here, there in ((a, b), (b, a)):
        db = here.database()
        try:
            peer_with(db, there)
        finally:
            db.dispose()


def sign_in_with(node: RealNode, email: str, password: str) -> Api:
    body = {"email": email, "password": password}
    response = httpx.post(f"{node.url}/api/v1/auth/login", json=body, timeout=10, trust_env=False)
    assert response.status_code == 200, response.text
    return Api(node, response.json()["access_token"])


def ask_to_host(a_admin: Api, b: RealNode) -> dict[str, Any]:
    """A member of A consents to B; A's staff ask B to host them."""
    user_id, member = login(a_admin, "member", "ada@coop-a.example")
    record = a_admin.call(
        "POST",
        "/api/v1/members",
        201,
        json=member_body(name="Ada Lovelace", status="active", user_id=user_id),
    )
    consent = member.call(
        "POST",
        "/api/v1/federation/consents",
        201,
        json={"audience": b.url, "purpose": "guest_membership", "fields": []},
    )
    _, staff = login(a_admin, "staff", "desk@coop-a.example")
    start = utcnow().date()
    mission = {
        "start": start.isoformat(),
        "end": (start + timedelta(days=20)).isoformat(),
        "description": "Stage lighting",
        "country": "BE",
    }
    body = {
        "member_id": record["id"],
        "host": b.url,
        "consent": consent["token"],
        "mission": mission,
        "share_back": SHARE,
    }
    return dict(staff.call("POST", "/api/v1/hosting/requests", 201, json=body))


def paid_at_b(b_admin: Api, guest: Api, hosted: dict[str, Any]) -> dict[str, Any]:
    """The guest sets their IBAN and declares ten days; B pays them under its law."""
    guest_id, activity_id = hosted["member_id"], hosted["activity_id"]
    guest.call("PATCH", f"/api/v1/members/{guest_id}", json={"iban": IBANS[0]})
    _, staff = login(b_admin, "staff", "desk@coop-b.example")
    staff.call(
        "PATCH", f"/api/v1/members/{guest_id}/payroll-profile", json={"birth_date": "1990-05-17"}
    )
    # The pre-hire declaration needs the guest's national id: B's staff take it from the guest
    # (no federation message carries one).
    staff.call("PATCH", f"/api/v1/members/{guest_id}", json={"national_id": be_national_id(990)})
    with httpx.Client(base_url=b_admin.node.url, trust_env=False, timeout=10) as client:
        desk = SimpleNamespace(client=client, staff=staff.headers)  # as the test helpers want
        credit_budget(desk, activity_id, "6000.00")  # type: ignore[arg-type]
        contract_id = contract(desk, activity_id, guest.headers)  # type: ignore[arg-type]
        response = ask_salary(desk, contract_id, "2500.00", headers=guest.headers)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text  # 10 days, declared by the guest
    return dict(response.json()["payslip"])


def test_a_member_of_a_is_hosted_by_b_and_a_learns_only_what_they_shared(
    nodes: tuple[RealNode, RealNode],
) -> None:
    a, b = nodes
    a_admin, b_admin = create_admin(a), create_admin(b)
    peered(a, b)
    asked = ask_to_host(a_admin, b)
    assert asked["state"] == "requested"

    def arrived() -> dict[str, Any] | None:
        found = b_admin.call("GET", "/api/v1/hosting/hosted")
        return dict(found[0]) if found else None

    hosted = eventually("B receiving the request", arrived, a, b)
    assert hosted["hosting"] == asked["hosting"] and hosted["home"] == a.url
    accepted = b_admin.call("POST", f"/api/v1/hosting/hosted/{hosted['id']}/accept")
    login_b = accepted["guest_login"]
    assert login_b["password"] != PASSWORD

    guest = sign_in_with(b, login_b["email"], login_b["password"])
    own = guest.call("GET", "/api/v1/hosting/hosted")
    assert [(m["id"], m["state"], m["share_back"]) for m in own] == [
        (hosted["id"], "accepted", SHARE)
    ]
    payslip = paid_at_b(b_admin, guest, accepted)

    def answered() -> dict[str, Any] | None:
        found = a_admin.call("GET", f"/api/v1/hosting/requests/{asked['id']}")
        return dict(found) if found["state"] == "accepted" else None

    assert eventually("A storing B's answer", answered, a, b)["guest_ref"] == accepted["guest_ref"]
    done = b_admin.call("POST", f"/api/v1/hosting/hosted/{hosted['id']}/complete", json={})
    assert done["summary"] == {"days_worked": 10, "payslips": 1}

    def completed() -> dict[str, Any] | None:
        found = a_admin.call("GET", f"/api/v1/hosting/requests/{asked['id']}")
        return dict(found) if found["state"] == "completed" else None

    report = eventually("A storing B's completion", completed, a, b)
    assert report["summary"] == {"days_worked": 10, "payslips": 1}
    today = utcnow().date().isoformat()
    assert report["period"] == {"start": asked["mission"]["start"], "end": today}
    shown = repr(report)
    for private in (payslip["gross"], payslip["net_pay"], "gross", "net_pay", "invoiced"):
        assert private not in shown  # pay the member did not agree to share stays at B
    assert "Traceback" not in a.log.read_text() + b.log.read_text()
