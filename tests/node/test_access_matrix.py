"""Every endpoint, every role: the declared roles are exactly who gets in.

The matrix is built from the application itself (``spec_of(route)`` for each route), so endpoints
added later — by other modules or by plugins — are covered without touching this file. Requests
are built from the declaration: path parameters filled with ``1`` (``{x:int}``) or ``"x"``, an
empty JSON object (or an empty form) for endpoints that take a body.

* anonymous callers get 401 on every non-public endpoint;
* a role not in ``spec.roles`` gets 403;
* an allowed role gets past the door: not 401/403 (404/409/422 are fine for dummy input), and
  never a 5xx;
* every defective variant of a live admin token (expired, tampered, ``alg: none``, wrong key,
  other algorithms …) gets 401 everywhere;
* a browser session (cookie) without its CSRF token gets 403 ``csrf-failed`` on every unsafe
  non-public endpoint.

Each allowed-role request uses a fresh session, so an endpoint that ends sessions (logout) cannot
disturb the next check, and the objects with id 1 are throwaways created first.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from node.errors import PROBLEM_BASE
from node.identity.roles import Role
from node.web.api import FORM, EndpointSpec, spec_of

ROLES = ("member", "staff", "admin", "platform")
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")


def specs(client: TestClient) -> list[EndpointSpec]:
    found = [spec_of(route) for route in client.app.routes]  # type: ignore[attr-defined]
    return [spec for spec in found if spec is not None]


def fill(path: str) -> str:
    return _PARAM.sub(lambda m: "1" if m.group(2) in {"int", "float"} else "x", path)


def call(client: TestClient, spec: EndpointSpec, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if spec.body is not None:
        if spec.body_media_type == FORM:
            kwargs["data"] = {}
        else:
            kwargs["json"] = {}
    return client.request(spec.method, fill(spec.path), **kwargs)


def problem_type(response: Any) -> str:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return f"<not a problem document: {response.headers.get('content-type')}>"
    return str(response.json().get("type", "")).removeprefix(PROBLEM_BASE)


@pytest.fixture
def throwaways(accounts: Any) -> None:
    """Occupy id 1 of users and API clients, which the matrix's dummy paths point at."""
    accounts.user("member", email="throwaway@example.org")
    accounts.platform("Throwaway")


def test_the_matrix_covers_the_identity_endpoints(client: TestClient) -> None:
    seen = {(spec.method, spec.path) for spec in specs(client)}
    assert {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/users/{id:int}/deactivate"),
        ("POST", "/login"),
        ("GET", "/"),
    } <= seen


def test_the_federation_descriptor_is_public(client: TestClient) -> None:
    declared = {(spec.method, spec.path): spec for spec in specs(client)}
    descriptor = declared[("GET", "/.well-known/coopnode")]
    assert descriptor.public
    answer = client.get("/.well-known/coopnode")  # no credentials at all
    assert answer.status_code == 200, answer.text


def test_the_federation_inbox_is_public_and_its_admin_endpoints_are_not(
    client: TestClient,
) -> None:
    declared = {(spec.method, spec.path): spec.roles for spec in specs(client)}
    staff, admin = {Role.STAFF, Role.ADMIN}, {Role.ADMIN}
    assert declared[("POST", "/federation/v1/inbox")] == frozenset()  # peers sign, no session
    assert declared[("GET", "/api/v1/federation/outbox")] == staff
    assert declared[("GET", "/api/v1/federation/rejections")] == staff
    assert declared[("POST", "/api/v1/federation/outbox/{id:int}/retry")] == admin
    assert declared[("POST", "/api/v1/federation/outbox/{id:int}/discard")] == admin
    assert declared[("GET", "/api/v1/federation/peers")] == staff
    assert declared[("POST", "/api/v1/federation/peers")] == admin
    for action in ("approve", "suspend", "reactivate", "revoke"):
        assert declared[("POST", f"/api/v1/federation/peers/{{id:int}}/{action}")] == admin


def test_member_attestation_endpoints_are_for_the_member_or_staff(client: TestClient) -> None:
    declared = {(spec.method, spec.path): spec for spec in specs(client)}
    member, staff = {Role.MEMBER}, {Role.STAFF, Role.ADMIN}
    consents, attestations = "/api/v1/federation/consents", "/api/v1/federation/attestations"
    assert declared[("POST", consents)].roles == member  # only the member consents
    assert declared[("GET", consents)].roles == member
    assert declared[("DELETE", consents + "/{consent_id:int}")].roles == member
    assert declared[("GET", consents)].own_records
    assert declared[("DELETE", consents + "/{consent_id:int}")].own_records
    assert declared[("POST", attestations)].roles == staff
    assert declared[("GET", attestations)].roles == staff
    assert declared[("GET", attestations + "/{id:int}")].roles == staff


def test_exchange_rates_are_for_staff_and_imports_for_admins(client: TestClient) -> None:
    declared = {(spec.method, spec.path): spec.roles for spec in specs(client)}
    assert declared[("GET", "/api/v1/admin/fx/rates")] == {Role.STAFF, Role.ADMIN}
    assert declared[("POST", "/api/v1/admin/fx/imports")] == {Role.ADMIN}


def test_postings_are_the_members_own_and_the_host_side_is_staffs(client: TestClient) -> None:
    declared = {(spec.method, spec.path): spec for spec in specs(client)}
    anyone, staff = {Role.MEMBER, Role.STAFF, Role.ADMIN}, {Role.STAFF, Role.ADMIN}
    postings = "/api/v1/postings"
    assert declared[("GET", postings)].roles == anyone and declared[("GET", postings)].own_records
    assert declared[("POST", postings)].roles == anyone  # a member declares for themself
    one = declared[("GET", postings + "/{posting_id:int}")]
    assert one.roles == anyone and one.own_records
    assert declared[("GET", postings + "/host")].roles == staff
    assert declared[("PUT", postings + "/host")].roles == {Role.ADMIN}
    assert declared[("GET", postings + "/notices")].roles == staff
    assert declared[("GET", postings + "/notices/{id:int}")].roles == staff


def test_self_billed_invoices_are_for_staff_and_supplier_details_for_admins(
    client: TestClient,
) -> None:
    """Co-ops' invoices to each other are the lead co-op's books: no member reads them."""
    declared = {(spec.method, spec.path): spec for spec in specs(client)}
    staff = {Role.STAFF, Role.ADMIN}
    chain = "/api/v1/chains/{chain_id:int}"
    document = declared[("GET", chain + "/allocations/{allocation}/self-billed-invoice")]
    assert document.roles == staff and not document.own_records
    suppliers = "/api/v1/chains/self-billing/suppliers"
    assert declared[("GET", suppliers)].roles == staff
    assert declared[("PUT", suppliers + "/{peer_id:int}")].roles == {Role.ADMIN}


def test_every_route_declares_who_may_call_it(client: TestClient) -> None:
    undeclared = [
        route.path
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and spec_of(route) is None
    ]
    assert undeclared == []


def test_every_endpoint_admits_exactly_its_roles(
    client: TestClient, accounts: Any, throwaways: None
) -> None:
    people = {
        role: accounts.platform() if role == "platform" else accounts.user(role) for role in ROLES
    }
    wrong: list[str] = []
    for spec in specs(client):
        if spec.public:
            continue
        label = f"{spec.method} {spec.path}"
        anonymous = call(client, spec, {})
        if anonymous.status_code != 401 or problem_type(anonymous) != "unauthorized":
            wrong.append(f"{label} anonymous: {anonymous.status_code} {problem_type(anonymous)}")
        for role, account in people.items():
            response = call(client, spec, accounts.session_headers(account))
            status = response.status_code
            if Role(role) in spec.roles:
                if status in (401, 403) or status >= 500:
                    wrong.append(f"{label} {role} (allowed): {status} {response.text[:200]}")
            elif status != 403 or problem_type(response) != "forbidden":
                wrong.append(f"{label} {role} (not allowed): {status} {problem_type(response)}")
    assert wrong == []


def test_every_endpoint_refuses_defective_tokens(
    client: TestClient, login_as: Any, forge_tokens: Any, throwaways: None
) -> None:
    forged = forge_tokens(login_as("admin"))
    wrong: list[str] = []
    for spec in specs(client):
        if spec.public:
            continue
        for case, token in forged.items():
            response = call(client, spec, {"Authorization": f"Bearer {token}"})
            if response.status_code != 401 or problem_type(response) != "unauthorized":
                wrong.append(f"{spec.method} {spec.path} {case}: {response.status_code}")
    assert wrong == []


def test_cookie_sessions_need_the_csrf_token_on_every_unsafe_endpoint(
    client: TestClient, browser_login: Any, throwaways: None
) -> None:
    browser_login("admin")  # the cookie stays in the client
    wrong: list[str] = []
    for spec in specs(client):
        if spec.public or spec.method in {"GET", "HEAD", "OPTIONS"}:
            continue
        response = call(client, spec, {})
        if response.status_code != 403 or problem_type(response) != "csrf-failed":
            wrong.append(f"{spec.method} {spec.path}: {response.status_code}")
    assert wrong == []
