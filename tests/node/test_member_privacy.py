"""A member cannot read or change another member's records, nor learn that they exist.

The matrix is built from the endpoints' own declarations: every route that says
``own_records=True`` is called by a member with another member's id and with an id that does not
exist, and both answers must be the same 404.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.web.api import spec_of
from tests.node.member_helpers import Crew, member_body, state_counts

#: A valid body for each own-records endpoint that takes one (a new one must be added here).
SAMPLE_BODIES: dict[str, dict[str, Any]] = {"update_member": {"language": "de"}}


@pytest.fixture
def crew(node, client, accounts) -> Crew:
    team = Crew(node, client, accounts)
    assert team.staff
    return team


def own_record_specs(client) -> list[Any]:
    specs = [spec_of(route) for route in client.app.routes]
    return [spec for spec in specs if spec is not None and spec.own_records]


def _call(crew: Crew, spec: Any, member_id: int, headers: dict[str, str]) -> Any:
    path = spec.path.replace("{member_id:int}", str(member_id))
    return crew.client.request(
        spec.method, path, json=SAMPLE_BODIES.get(spec.name), headers=headers
    )


def _problem(response: Any) -> dict[str, Any]:
    body = response.json()
    body.pop("instance")  # the requested path, which differs by construction
    return {
        "status": response.status_code,
        "content-type": response.headers["content-type"],
        **body,
    }


def test_the_matrix_covers_the_member_endpoints(client) -> None:
    names = {spec.name for spec in own_record_specs(client)}
    assert {"read_member", "update_member", "export_member", "member_shares"} <= names
    for spec in own_record_specs(client):
        assert "{member_id:int}" in spec.path, spec.path
        assert spec.body is None or spec.name in SAMPLE_BODIES, f"add a body for {spec.name}"


def test_another_members_record_is_indistinguishable_from_none(crew: Crew, node) -> None:
    mine, headers = crew.member_login()
    other, _ = crew.member_login()
    absent = other["id"] + 1000
    before = state_counts(node)
    for spec in own_record_specs(crew.client):
        hidden = _call(crew, spec, other["id"], headers)
        missing = _call(crew, spec, absent, headers)
        assert hidden.status_code == 404, (spec.name, hidden.text)
        assert _problem(hidden) == _problem(missing), spec.name
        assert "No such member" in hidden.json()["detail"]
    with node.db.reading() as session:
        about_other = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.entity == "member",
                AuditEntry.entity_id == str(other["id"]),
                AuditEntry.action != "member.create",
            )
        )
    assert about_other == 0
    assert state_counts(node) == before
    assert crew.member(other["id"]).language == "fr"
    for spec in own_record_specs(crew.client):
        own = _call(crew, spec, mine["id"], headers)
        assert own.status_code == 200, (spec.name, own.text)


def test_an_unlinked_login_sees_no_member(crew: Crew) -> None:
    record = crew.create_member()
    headers = crew.accounts.session_headers(crew.accounts.user("member"))
    for spec in own_record_specs(crew.client):
        assert _call(crew, spec, record["id"], headers).status_code == 404, spec.name
    assert crew.client.get("/api/v1/members/me", headers=headers).status_code == 404


def test_members_reach_no_collective_view(crew: Crew) -> None:
    record, headers = crew.member_login()
    staff_only = [
        ("GET", "/api/v1/members", None),
        ("POST", "/api/v1/members", member_body()),
        ("GET", "/api/v1/shares/register", None),
        ("POST", f"/api/v1/members/{record['id']}/status", {"status": "left"}),
        (
            "POST",
            f"/api/v1/members/{record['id']}/shares/subscriptions",
            {"share_class": "A", "count": 1, "idempotency_key": "self-service-1"},
        ),
        ("POST", f"/api/v1/members/{record['id']}/erase", None),
        ("GET", "/api/v1/clients", None),
    ]
    for method, path, body in staff_only:
        response = crew.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
