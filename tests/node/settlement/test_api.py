"""The settlement endpoints: staff propose, read and reconcile; members are kept out."""

from __future__ import annotations

from typing import Any

from node.identity.roles import Role
from node.settlement import messages
from tests.node.member_helpers import Crew
from tests.node.settlement.conftest import FR
from tests.node.settlement.settle_helpers import Peer, book_item, queued
from tests.node.test_access_matrix import specs

SETTLEMENTS, RECONCILIATIONS = "/api/v1/admin/settlements", "/api/v1/admin/reconciliations"


def test_the_endpoints_are_for_staff(crew: Crew) -> None:
    declared = {(spec.method, spec.path): spec.roles for spec in specs(crew.client)}
    staff = {Role.STAFF, Role.ADMIN}
    one = SETTLEMENTS + "/{statement_id:int}"
    for key in [
        ("GET", SETTLEMENTS),
        ("POST", SETTLEMENTS),
        ("GET", one),
        ("POST", one + "/pay"),
        ("POST", one + "/received"),
        ("POST", RECONCILIATIONS),
        ("GET", RECONCILIATIONS + "/{reconciliation_id:int}"),
    ]:
        assert declared[key] == staff, key


def test_staff_settle_and_reconcile_through_the_api(crew: Crew, fr: Peer) -> None:
    item = book_item(crew.node, FR, "payable", 12_345)
    made = crew.client.post(SETTLEMENTS, json={"peer": FR}, headers=crew.staff)
    assert made.status_code == 201, made.text
    (statement,) = made.json()
    assert (statement["state"], statement["net"], statement["lines"][0]["item"]) == (
        "sent",
        "123.45",
        item,
    )
    again = crew.client.post(SETTLEMENTS, json={"peer": FR}, headers=crew.staff)
    assert again.status_code == 409
    listed: list[dict[str, Any]] = crew.client.get(
        SETTLEMENTS, params={"peer": FR}, headers=crew.staff
    ).json()
    assert [s["uid"] for s in listed] == [statement["uid"]]
    unpaid = crew.client.post(f"{SETTLEMENTS}/{statement['id']}/pay", json={}, headers=crew.staff)
    assert unpaid.status_code == 409  # not confirmed yet
    bad = crew.client.post(SETTLEMENTS, json={"peer": "https://nobody.example"}, headers=crew.staff)
    assert bad.status_code == 422
    started = crew.client.post(RECONCILIATIONS, json={"peer": FR}, headers=crew.staff)
    assert started.status_code == 201, started.text
    shown = crew.client.get(f"{RECONCILIATIONS}/{started.json()['id']}", headers=crew.staff)
    assert shown.json()["state"] == "waiting"
    assert len(queued(crew.node, messages.QUERY)) == 1
