"""A member cannot read or change another member's records, nor learn that they exist.

The matrix is built from the endpoints' own declarations: every route that says
``own_records=True`` is called by a member with the id of another member's record (a member, an
activity …) and with an id that does not exist, and both answers must be the same 404. A list
endpoint must show none of the other member's records. Each kind of path id needs a maker in
:data:`RECORD_MAKERS`; a new one fails :func:`test_the_matrix_covers_the_member_endpoints` until
it is added.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.web.api import spec_of
from tests.node.chains.chain_helpers import chain_of
from tests.node.federation.test_attestations import consent_of
from tests.node.hosting.hosting_helpers import hosted_mission_of
from tests.node.invoices.test_invoices import issued_invoice_of
from tests.node.member_helpers import Crew, member_body, state_counts
from tests.node.payroll.payroll_helpers import contract_of, payslip_of, salary_request_of
from tests.node.postings.posting_helpers import posting_of
from tests.node.quotes.test_quotes import quote_of
from tests.node.transfers.transfer_helpers import proposed_transfer_of

#: A valid body for each own-records endpoint that takes one (a new one must be added here).
SAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "update_member": {"language": "de"},
    "update_quote": {"valid_until": "2099-12-31"},
    "update_profile": {"language": "de"},
}


def own_record_specs(client) -> list[Any]:
    specs = [spec_of(route) for route in client.app.routes]
    return [spec for spec in specs if spec is not None and spec.own_records]


def _open_activity(crew: Crew, member: dict[str, Any]) -> int:
    if crew.member(member["id"]).status == "applicant":  # activities are for active members
        activated = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert activated.status_code == 200, activated.text
    response = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={"name": "Own work", "member_ids": [member["id"]], "lead_member_id": member["id"]},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _file_expense(crew: Crew, member: dict[str, Any]) -> int:
    response = crew.client.post(
        f"/api/v1/activities/{_open_activity(crew, member)}/expenses",
        headers=crew.staff,
        data={
            "amount": "12.50",
            "description": "Train",
            "incurred_on": "2026-01-05",
            "member_id": str(member["id"]),
        },
        files={"receipt": ("ticket.pdf", b"%PDF-1.4 receipt", "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


#: For each path id, how to make a record of that kind belonging to a member.
RECORD_MAKERS = {
    "member_id": lambda crew, member: member["id"],
    "activity_id": _open_activity,
    "invoice_id": issued_invoice_of,
    "expense_id": _file_expense,
    "quote_id": quote_of,
    "transfer_id": proposed_transfer_of,
    "contract_id": contract_of,
    "salary_request_id": salary_request_of,
    "payslip_id": payslip_of,
    "consent_id": consent_of,
    "chain_id": chain_of,
    "posting_id": posting_of,
    "hosted_id": hosted_mission_of,
}
PARAM = re.compile(r"{(\w+):int}")


def path_params(spec: Any) -> list[str]:
    return PARAM.findall(spec.path)


def records_of(crew: Crew, member: dict[str, Any], spec: Any) -> dict[str, int]:
    """Ids of records of ``member``, one for each id in the spec's path."""
    return {param: RECORD_MAKERS[param](crew, member) for param in path_params(spec)}


def _call(crew: Crew, spec: Any, ids: dict[str, int] | int, headers: dict[str, str]) -> Any:
    if isinstance(ids, int):
        ids = dict.fromkeys(path_params(spec), ids)
    path = PARAM.sub(lambda m: str(ids[m.group(1)]), spec.path)
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
        for param in path_params(spec):
            assert param in RECORD_MAKERS, f"add a maker for {param} ({spec.path})"
        assert spec.body is None or spec.name in SAMPLE_BODIES, f"add a body for {spec.name}"


def _audit_about(node: Any, member_id: int) -> int:
    with node.db.reading() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "member", AuditEntry.entity_id == str(member_id))
            )
            or 0
        )


def test_another_members_record_is_indistinguishable_from_none(crew: Crew, node) -> None:
    mine, headers = crew.member_login()
    other, _ = crew.member_login()
    absent = other["id"] + 1000
    specs = own_record_specs(crew.client)
    others = {spec.name: records_of(crew, other, spec) for spec in specs}
    before = state_counts(node)
    audited_before = _audit_about(node, other["id"])
    for spec in specs:
        hidden = _call(crew, spec, others[spec.name], headers)
        if not path_params(spec):  # a list: this member has no records yet, so it must be empty
            assert hidden.status_code == 200 and hidden.json() == [], spec.name
            continue
        missing = _call(crew, spec, absent, headers)
        assert hidden.status_code == 404, (spec.name, hidden.text)
        assert _problem(hidden) == _problem(missing), spec.name
        assert hidden.json()["detail"].startswith("No such"), spec.name
    assert _audit_about(node, other["id"]) == audited_before  # nothing read or changed
    assert state_counts(node) == before
    assert crew.member(other["id"]).language == "fr"
    for spec in own_record_specs(crew.client):
        own = _call(crew, spec, records_of(crew, mine, spec), headers)
        assert own.status_code == 200, (spec.name, own.text)


def test_an_unlinked_login_sees_no_member(crew: Crew) -> None:
    record = crew.create_member()
    headers = crew.accounts.session_headers(crew.accounts.user("member"))
    for spec in own_record_specs(crew.client):
        response = _call(crew, spec, records_of(crew, record, spec), headers)
        if path_params(spec):
            assert response.status_code == 404, spec.name
        else:
            assert response.json() == [], spec.name
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
