"""Helpers for the payroll tests: a worker with a funded activity and a profile, declarations,
salary requests, and the makers the member-privacy matrix uses for payroll records."""

from __future__ import annotations

import itertools
from typing import Any

from node.runtime import Node
from tests.node.member_helpers import Crew
from tests.node.payouts.payout_helpers import credit_budget, funded_activity
from tests.node.payroll.toy import TOY

PERIOD = "2026-03"
_keys = itertools.count(1)


def worker(
    crew: Crew, budget: str = "5000.00", **profile: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """An active member leading a funded activity, with a payroll profile (birth date set):
    ``(activity id, member, member headers)``."""
    activity_id, member, headers = funded_activity(crew, budget)
    body = {"birth_date": "1990-05-17", **profile}
    response = crew.client.patch(
        f"/api/v1/members/{member['id']}/payroll-profile", json=body, headers=crew.staff
    )
    assert response.status_code == 200, response.text
    return activity_id, member, headers


def declaration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "fixed_term",
        "basis": "daily",
        "start": "2026-03-02",
        "end": "2026-03-13",
        "days": 10,
        "place_of_work": "Théâtre de Namur",
        "description": "Lighting design",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def declare(
    crew: Crew, activity_id: int, headers: dict[str, str] | None = None, **overrides: Any
) -> Any:
    return crew.client.post(
        f"/api/v1/activities/{activity_id}/work-declarations",
        json=declaration(**overrides),
        headers=headers or crew.staff,
    )


def contract(crew: Crew, activity_id: int, headers: dict[str, str] | None = None, **kw: Any) -> int:
    response = declare(crew, activity_id, headers, **kw)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def ask_salary(
    crew: Crew,
    contract_id: int,
    amount: str,
    *,
    period: str = PERIOD,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "contract_id": contract_id,
        "period": period,
        "amount": amount,
        "idempotency_key": key or f"salary-key-{next(_keys)}",
        **extra,
    }
    return crew.client.post(
        "/api/v1/payroll/salary-requests", json=body, headers=headers or crew.staff
    )


# --- makers for tests/node/test_member_privacy.py ----------------------------------------------


class _WithToyPayroll:
    """The node's jurisdiction, computing payroll with the toy (for this node only)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def payroll(self) -> Any:
        return TOY


def use_toy_payroll(node: Node) -> None:
    """Make ``node`` (and no other) compute payroll with the toy."""
    country = node.settings["node.country"]
    if not isinstance(node.jurisdictions[country], _WithToyPayroll):
        node.jurisdictions = {
            **node.jurisdictions,
            country: _WithToyPayroll(node.jurisdictions[country]),
        }


def _activate(crew: Crew, member: dict[str, Any]) -> None:
    if crew.member(member["id"]).status == "applicant":
        response = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert response.status_code == 200, response.text


def contract_of(crew: Crew, member: dict[str, Any]) -> int:
    """A contract of ``member`` on a new, funded activity of theirs."""
    use_toy_payroll(crew.node)
    _activate(crew, member)
    response = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={"name": "Payroll", "member_ids": [member["id"]], "lead_member_id": member["id"]},
    )
    assert response.status_code == 201, response.text
    activity_id = int(response.json()["id"])
    credit_budget(crew, activity_id, "3000.00")
    profile = crew.client.patch(
        f"/api/v1/members/{member['id']}/payroll-profile",
        json={"birth_date": "1985-07-30"},
        headers=crew.staff,
    )
    assert profile.status_code == 200, profile.text
    return contract(crew, activity_id, member_id=member["id"])


def salary_request_of(crew: Crew, member: dict[str, Any]) -> int:
    response = ask_salary(crew, contract_of(crew, member), "1000.00")
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def payslip_of(crew: Crew, member: dict[str, Any]) -> int:
    response = ask_salary(crew, contract_of(crew, member), "1000.00")
    assert response.status_code == 201, response.text
    return int(response.json()["payslip"]["id"])
