"""The node under test as the host: a peer's requests received (and refused when the consent or
the hosting id does not hold, or at once when the dates cannot be hosted), the admin's decision,
the guest member who signs in and sees their own mission, and the completion report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.activities.models import Activity
from node.db.types import utcnow
from node.federation.inbox import Inbox
from node.federation.models import OutboxMessage
from node.hosting import service
from node.hosting.models import HostedMission
from node.identity.models import User
from node.members.models import Member
from node.runtime import Node
from tests.node.federation.fed_helpers import FakeNode, add_peer, fake_node
from tests.node.hosting.hosting_helpers import (
    HOME,
    HOSTED,
    OTHER,
    deliver,
    mission,
    refusal,
    request_body,
    today,
    token_from,
)
from tests.node.member_helpers import IBANS, Crew, member_body, state_counts
from tests.node.payouts.payout_helpers import credit_budget
from tests.node.payroll.payroll_helpers import ask_salary, contract, use_toy_payroll

TABLES = (HostedMission, OutboxMessage, Member, User, Activity)


@pytest.fixture
def home(node: Node) -> FakeNode:
    """The member's home node, an active peer (in Belgium, as ``add_peer`` makes them)."""
    peer = fake_node(HOME)
    add_peer(node.db, peer)
    return peer


def received(crew: Crew, inbox: Inbox, home: FakeNode, **changes: Any) -> dict[str, Any]:
    """A request from ``home`` accepted by the inbox; the hosted mission as staff see it."""
    body = request_body(token_from(home), **changes)
    assert deliver(inbox, home, service.REQUEST, body)["outcome"] == "accepted"
    listed = crew.client.get(HOSTED, headers=crew.staff).json()
    found = [row for row in listed if row["hosting"] == body["hosting"]]
    assert len(found) == 1
    return dict(found[0])


def answers(node: Node, type: str = service.ANSWER) -> list[OutboxMessage]:
    with node.db.reading() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.type == type)))
        session.expunge_all()
        return rows


def accept(crew: Crew, hosted_id: int, expect: int = 200) -> dict[str, Any]:
    response = crew.client.post(f"{HOSTED}/{hosted_id}/accept", headers=crew.admin)
    assert response.status_code == expect, response.text
    return dict(response.json())


def stored(node: Node, hosted_id: int) -> HostedMission:
    with node.db.reading() as session:
        row = session.get_one(HostedMission, hosted_id)
        session.expunge(row)
        return row


def mission_period() -> dict[str, str]:
    return {"start": today().isoformat(), "end": today().isoformat()}


def test_a_request_waits_for_an_admin(crew: Crew, inbox: Inbox, home: FakeNode, node: Node) -> None:
    hosted = received(crew, inbox, home)
    assert hosted["state"] == "requested" and hosted["home"] == HOME
    assert hosted["member"] == {"name": "Ada Guest", "email": "ada.guest@home.example"}
    assert hosted["share_back"] == ["days_worked", "payslips"]
    assert hosted["member_id"] is None and hosted["activity_id"] is None
    assert answers(node) == []


def _other_key(home: FakeNode) -> str:
    return token_from(fake_node(HOME))  # the home's id, a key the host does not know


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_other_key, "consent_invalid"),
        (lambda home: token_from(home, now=utcnow() - timedelta(days=2)), "consent_expired"),
        (lambda home: token_from(home, audience=OTHER), "consent_wrong_audience"),
        (lambda home: token_from(home, purpose="cross_border_mission"), "consent_wrong_audience"),
        (lambda home: token_from(home, subject="another-pseudonym-0123"), "consent_other_member"),
        (lambda home: token_from(fake_node(OTHER)), "consent_wrong_audience"),  # not home's token
    ],
    ids=["other key", "expired", "other audience", "other purpose", "other member", "other issuer"],
)
def test_a_consent_that_does_not_hold_is_refused_and_changes_nothing(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node, make: Any, reason: str
) -> None:
    before = state_counts(node, *TABLES)
    body = request_body(make(home))
    assert refusal(inbox, home, service.REQUEST, body) == reason
    assert state_counts(node, *TABLES) == before


def test_a_consent_serves_once_and_a_hosting_id_once(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node
) -> None:
    token = token_from(home)
    first = request_body(token)
    assert deliver(inbox, home, service.REQUEST, first)["outcome"] == "accepted"
    before = state_counts(node, *TABLES)
    assert refusal(inbox, home, service.REQUEST, request_body(token)) == "consent_used"
    again = request_body(token_from(home), hosting=first["hosting"])
    assert refusal(inbox, home, service.REQUEST, again) == "hosting_exists"
    assert state_counts(node, *TABLES) == before


@pytest.mark.parametrize(
    "dates",
    [
        {"start": today().isoformat(), "end": (today() - timedelta(days=1)).isoformat()},
        {
            "start": (today() - timedelta(days=30)).isoformat(),
            "end": (today() - timedelta(days=1)).isoformat(),
        },
    ],
    ids=["ends before it starts", "already over"],
)
def test_dates_that_cannot_be_hosted_are_refused_at_once(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node, dates: dict[str, str]
) -> None:
    hosted = received(crew, inbox, home, mission=mission(**dates))
    assert (hosted["state"], hosted["reason"], hosted["decided_by"]) == (
        "refused",
        "dates_invalid",
        "auto",
    )
    (answer,) = answers(node)
    assert answer.body == {
        "hosting": hosted["hosting"],
        "decision": "refused",
        "reason": "dates_invalid",
    }
    assert answer.conversation == hosted["hosting"]
    row = stored(node, hosted["id"])
    assert row.member_name is None and row.member_email is None  # not kept once decided
    accept(crew, hosted["id"], 409)


def test_accepting_employs_a_guest_who_signs_in_and_sees_only_their_mission(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node
) -> None:
    hosted = received(crew, inbox, home)
    staff_try = crew.client.post(f"{HOSTED}/{hosted['id']}/accept", headers=crew.staff)
    assert staff_try.status_code == 403  # admins decide
    accepted = accept(crew, hosted["id"])
    assert accepted["state"] == "accepted" and accepted["guest_ref"].startswith("g-")
    login = accepted["guest_login"]
    assert login["email"] == "ada.guest@home.example" and len(login["password"]) >= 12
    member = crew.member(accepted["member_id"])
    assert (member.status, member.home_node_url, member.home_country, member.name) == (
        "guest",
        HOME,
        "BE",
        "Ada Guest",
    )
    with node.db.reading() as session:
        activity = session.get_one(Activity, accepted["activity_id"])
        assert [(m.member_id, m.lead) for m in activity.members] == [(member.id, True)]
        assert activity.name == "Hosted: Stage lighting for a theatre season"
    (answer,) = answers(node)
    assert answer.body == {
        "hosting": hosted["hosting"],
        "decision": "accepted",
        "guest_ref": accepted["guest_ref"],
    }
    row = stored(node, hosted["id"])
    assert row.member_name is None and row.member_email is None  # in the member record now
    assert accepted["member"]["name"] == "Ada Guest"

    signed_in = crew.client.post(
        "/api/v1/auth/login", json={"email": login["email"], "password": login["password"]}
    )
    assert signed_in.status_code == 200, signed_in.text
    guest = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    mine = crew.client.get(HOSTED, headers=guest).json()
    assert [m["id"] for m in mine] == [hosted["id"]]
    own = crew.client.get(f"{HOSTED}/{hosted['id']}", headers=guest)
    assert own.status_code == 200 and own.json()["share_back"] == ["days_worked", "payslips"]
    assert (
        crew.client.get(f"/api/v1/activities/{accepted['activity_id']}", headers=guest).status_code
        == 200
    )

    _, stranger = crew.member_login()
    assert crew.client.get(HOSTED, headers=stranger).json() == []
    hidden = crew.client.get(f"{HOSTED}/{hosted['id']}", headers=stranger)
    absent = crew.client.get(f"{HOSTED}/{hosted['id'] + 100}", headers=stranger)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"] == absent.json()["detail"]
    before = state_counts(node, *TABLES)
    accept(crew, hosted["id"], 409)
    assert state_counts(node, *TABLES) == before


def test_a_second_mission_of_the_same_guest_reuses_their_record(
    crew: Crew, inbox: Inbox, home: FakeNode
) -> None:
    first = accept(crew, received(crew, inbox, home)["id"])
    second = accept(crew, received(crew, inbox, home)["id"])
    assert second["member_id"] == first["member_id"]
    assert second["activity_id"] != first["activity_id"]
    assert "guest_login" not in second  # the login made the first time stays


def test_an_email_of_a_member_here_is_a_conflict_until_refused(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node
) -> None:
    crew.create_member(**member_body(email="ada.guest@home.example", status="active"))
    hosted = received(crew, inbox, home)
    before = state_counts(node, *TABLES)
    accept(crew, hosted["id"], 409)
    assert state_counts(node, *TABLES) == before
    refused = crew.client.post(
        f"{HOSTED}/{hosted['id']}/refuse", json={"reason": "member_conflict"}, headers=crew.admin
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["state"], refused.json()["reason"]) == ("refused", "member_conflict")
    (answer,) = answers(node)
    assert answer.body["decision"] == "refused" and answer.body["reason"] == "member_conflict"


def test_a_refusal_needs_a_known_reason_and_creates_nothing(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node
) -> None:
    hosted = received(crew, inbox, home)
    before = state_counts(node, *TABLES)
    path = f"{HOSTED}/{hosted['id']}/refuse"
    bad = crew.client.post(path, json={"reason": "no reason"}, headers=crew.admin)
    assert bad.status_code == 422 and state_counts(node, *TABLES) == before
    assert (
        crew.client.post(path, json={"reason": "capacity"}, headers=crew.admin).status_code == 200
    )
    done = crew.client.post(f"{HOSTED}/{hosted['id']}/complete", json={}, headers=crew.staff)
    assert done.status_code == 409
    assert [a.body["reason"] for a in answers(node)] == ["capacity"]
    assert answers(node, service.COMPLETION) == []


def test_completion_reports_home_only_the_consented_figures(
    crew: Crew, inbox: Inbox, home: FakeNode, node: Node
) -> None:
    share = ["days_worked", "gross_pay_total", "payslips"]
    hosted = received(crew, inbox, home, share_back=share)
    early = crew.client.post(f"{HOSTED}/{hosted['id']}/complete", json={}, headers=crew.staff)
    assert early.status_code == 409  # not accepted yet
    accepted = accept(crew, hosted["id"])
    guest_id, activity_id = accepted["member_id"], accepted["activity_id"]
    use_toy_payroll(node)
    profile = crew.client.patch(
        f"/api/v1/members/{guest_id}/payroll-profile",
        json={"birth_date": "1990-05-17"},
        headers=crew.staff,
    )
    assert profile.status_code == 200, profile.text
    iban = crew.client.patch(
        f"/api/v1/members/{guest_id}", json={"iban": IBANS[0]}, headers=crew.staff
    )
    assert iban.status_code == 200, iban.text  # the first IBAN is set at once
    credit_budget(crew, activity_id, "3000.00")
    paid = ask_salary(crew, contract(crew, activity_id, member_id=guest_id), "1000.00")
    assert paid.status_code == 201, paid.text
    gross = paid.json()["payslip"]["gross"]

    path = f"{HOSTED}/{hosted['id']}/complete"
    future = (today() + timedelta(days=1)).isoformat()
    assert crew.client.post(path, json={"end": future}, headers=crew.staff).status_code == 422
    done = crew.client.post(path, json={}, headers=crew.staff)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed"
    expected = {
        "days_worked": 10,  # the daily contract's declared days
        "gross_pay_total": {"amount": gross, "currency": "EUR"},
        "payslips": 1,
    }
    assert done.json()["summary"] == expected
    (report,) = answers(node, service.COMPLETION)
    assert report.body == {
        "hosting": hosted["hosting"],
        "period": {"start": today().isoformat(), "end": today().isoformat()},
        "summary": expected,
    }
    assert report.conversation == hosted["hosting"]
    assert crew.client.post(path, json={}, headers=crew.staff).status_code == 409


def test_a_hosting_answer_or_completion_sent_to_the_host_is_refused(
    inbox: Inbox, home: FakeNode
) -> None:
    body = request_body(token_from(home))
    assert deliver(inbox, home, service.REQUEST, body)["outcome"] == "accepted"
    answer = {"hosting": body["hosting"], "decision": "accepted", "guest_ref": "g-x"}
    assert refusal(inbox, home, service.ANSWER, answer) == "unknown_hosting"
    completion = {"hosting": body["hosting"], "period": mission_period(), "summary": {}}
    assert refusal(inbox, home, service.COMPLETION, completion) == "unknown_hosting"
