"""Who may call the hosting endpoints (the access and privacy matrices call every one of them;
this pins the declarations themselves)."""

from __future__ import annotations

from starlette.testclient import TestClient

from node.identity.roles import Role
from node.web.api import spec_of

STAFF, ADMIN = {Role.STAFF, Role.ADMIN}, {Role.ADMIN}
ANYONE = {Role.MEMBER, Role.STAFF, Role.ADMIN}


def test_staff_ask_admins_decide_staff_complete_and_a_guest_reads_their_own(
    client: TestClient,
) -> None:
    declared = {
        (spec.method, spec.path): spec
        for spec in (spec_of(route) for route in client.app.routes)  # type: ignore[attr-defined]
        if spec is not None and spec.tag == "hosting"
    }
    requests, hosted = "/api/v1/hosting/requests", "/api/v1/hosting/hosted"
    one = hosted + "/{hosted_id:int}"
    expected = {
        ("POST", requests): STAFF,
        ("GET", requests): STAFF,
        ("GET", requests + "/{request_id:int}"): STAFF,
        ("GET", hosted): ANYONE,
        ("GET", one): ANYONE,
        ("POST", one + "/accept"): ADMIN,
        ("POST", one + "/refuse"): ADMIN,
        ("POST", one + "/complete"): STAFF,
    }
    assert {key: set(spec.roles) for key, spec in declared.items()} == expected
    own = {key for key, spec in declared.items() if spec.own_records}
    assert own == {("GET", hosted), ("GET", one)}  # the privacy matrix covers these
