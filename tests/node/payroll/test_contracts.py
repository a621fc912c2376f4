"""Payroll profiles, work declarations and their contracts: validation, pre-hire declaration,
who may see what."""

from __future__ import annotations

from typing import Any

import pytest

from node.payroll.models import EmploymentContract, PayrollProfile
from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import funded_activity
from tests.node.payroll.payroll_helpers import declaration, declare, worker


def profile_path(member_id: int) -> str:
    return f"/api/v1/members/{member_id}/payroll-profile"


def test_a_profile_is_kept_by_the_member(crew: Crew, node: Node, toy: Payroll) -> None:
    _activity, member, headers = funded_activity(crew)
    empty = crew.client.get(profile_path(member["id"]), headers=headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "member_id": member["id"],
        "birth_date": None,
        "language": None,
        "payslip_language": "fr",
        "params": {},
        "updated_at": None,
        "updated_by": None,
    }
    changed = crew.client.patch(
        profile_path(member["id"]),
        json={"birth_date": "1990-05-17", "language": "nl", "params": {"category": "executive"}},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["params"] == {"category": "executive"}
    assert changed.json()["payslip_language"] == "nl"
    partly = crew.client.patch(profile_path(member["id"]), json={"language": None}, headers=headers)
    assert partly.json()["birth_date"] == "1990-05-17"
    assert partly.json()["payslip_language"] == "fr"
    schema = crew.client.get("/api/v1/payroll/params-schema", headers=headers).json()
    assert schema["schema"]["properties"]["category"]["enum"] == ["standard", "executive"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"params": {"category": "boss"}}, "params.category"),
        ({"params": {"colour": "green"}}, "params.colour"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "17/05/1990"}, "birth_date"),
        ({"language": "ja"}, "language"),
        ({"nickname": "x"}, "nickname"),
    ],
)
def test_bad_profiles_write_nothing(
    crew: Crew, node: Node, toy: Payroll, body: dict[str, Any], field: str
) -> None:
    _activity, member, headers = funded_activity(crew)
    before = state_counts(node, PayrollProfile)
    response = crew.client.patch(profile_path(member["id"]), json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert state_counts(node, PayrollProfile) == before


def test_another_members_profile_is_not_found(crew: Crew, node: Node, toy: Payroll) -> None:
    _activity, member, _headers = funded_activity(crew)
    _other, stranger = crew.member_login(status="active")
    before = state_counts(node, PayrollProfile)
    for method, body in (("GET", None), ("PATCH", {"language": "de"})):
        response = crew.client.request(
            method, profile_path(member["id"]), json=body, headers=stranger
        )
        assert response.status_code == 404 and response.json()["detail"] == "No such member."
    assert state_counts(node, PayrollProfile) == before


def test_a_declaration_makes_the_contract_and_its_pre_hire_declaration(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    activity_id, member, headers = worker(crew, params={"category": "standard"})
    response = declare(crew, activity_id, headers, params={"category": "executive"})
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["member_id"] == member["id"]
    assert (contract["kind"], contract["basis"], contract["days"]) == ("fixed_term", "daily", 10)
    assert contract["place_of_work"] == "Théâtre de Namur"
    assert contract["params"] == {"category": "executive"}
    pre_hire = contract["pre_hire_declaration"]
    assert (pre_hire["name"], pre_hire["due_before"]) == ("TOY-HIRE", "2026-03-02")
    assert pre_hire["payload"]["worker"]["birth_date"] == "1990-05-17"
    assert pre_hire["payload"]["worker"]["member_id"] == member["id"]
    assert pre_hire["payload"]["category"] == "executive"  # the contract overrides the profile
    assert pre_hire["payload"]["contract"]["work_fraction"] == "1"
    assert pre_hire["payload"]["employer"]["name"] == node.settings["node.name"]
    listed = crew.client.get("/api/v1/payroll/contracts", headers=headers).json()
    assert [c["id"] for c in listed] == [contract["id"]]
    one = crew.client.get(f"/api/v1/payroll/contracts/{contract['id']}", headers=headers)
    assert one.json() == contract
    monthly = declare(
        crew,
        activity_id,
        headers,
        kind="open_ended",
        basis="monthly",
        end=None,
        days=None,
        work_fraction="0.5",
    )
    assert monthly.status_code == 201, monthly.text
    assert monthly.json()["work_fraction"] == "0.5"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": None}, "end"),  # a fixed-term contract needs its end
        ({"days": None}, "days"),  # a daily contract counts days
        ({"basis": "hourly", "days": None}, "hours"),
        ({"work_fraction": "1.5"}, "work_fraction"),
        ({"work_fraction": "0"}, "work_fraction"),
        ({"end": "2026-03-01"}, "end"),  # before the start
        ({"params": {"category": "boss"}}, "params.category"),
        ({"params": {"colour": "red"}}, "params.colour"),
        ({"place_of_work": "   "}, "place_of_work"),
        ({"place_of_work": None}, "place_of_work"),
        ({"kind": "seasonal"}, "kind"),
        ({"start": "tomorrow"}, "start"),
    ],
)
def test_bad_declarations_write_nothing(
    crew: Crew, node: Node, toy: Payroll, changes: dict[str, Any], field: str
) -> None:
    activity_id, _member, headers = worker(crew)
    before = state_counts(node, EmploymentContract)
    response = declare(crew, activity_id, headers, **changes)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert state_counts(node, EmploymentContract) == before


def test_the_pre_hire_declaration_needs_what_the_country_asks(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    activity_id, member, headers = funded_activity(crew)  # no profile: no birth date
    outsider = crew.create_member(status="active")
    before = state_counts(node, EmploymentContract)
    response = declare(crew, activity_id, headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_date"
    not_in = declare(crew, activity_id, member_id=outsider["id"])
    assert not_in.status_code == 422 and not_in.json()["errors"][0]["field"] == "member_id"
    own_only = declare(crew, activity_id, headers, member_id=outsider["id"])
    assert own_only.status_code == 422 and own_only.json()["errors"][0]["code"] == "not_allowed"
    assert state_counts(node, EmploymentContract) == before
    assert member["id"] != outsider["id"]


def test_without_a_payroll_engine_the_country_answers_409(
    crew: Crew, node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(node.jurisdiction, "payroll", lambda: None)
    activity_id, member, headers = funded_activity(crew)
    before = state_counts(node, EmploymentContract, PayrollProfile)
    response = crew.client.post(
        f"/api/v1/activities/{activity_id}/work-declarations",
        json=declaration(),
        headers=headers,
    )
    assert response.status_code == 409
    assert "no payroll computation" in response.json()["detail"]
    schema = crew.client.get("/api/v1/payroll/params-schema", headers=headers)
    assert schema.status_code == 409
    params = crew.client.patch(
        profile_path(member["id"]), json={"params": {"category": "x"}}, headers=headers
    )
    assert params.status_code == 409
    assert state_counts(node, EmploymentContract, PayrollProfile) == before
