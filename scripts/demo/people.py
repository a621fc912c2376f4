"""The demo's members and how each co-op pays them: member records and logins created by the
admin, a payroll profile, a work declaration (the contract and its pre-hire declaration) and a
salary request computed by the node's own country's payroll law."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.demo.nodes import PASSWORD, Api, Node

# The payroll law data of every country covers 2026: the demo's salaries are for one month of it.
PAY_PERIOD = "2026-11"
WORK = {"kind": "fixed_term", "basis": "daily", "start": "2026-11-02", "end": "2026-11-13"}
WORKED_DAYS = 10
BIRTH_DATE = "1990-05-17"
PLACES = {"BE": "Bruxelles", "FR": "Lille", "DE": "Köln"}


@dataclass(frozen=True)
class Person:
    """Someone of the demo, with identifiers valid in their home country (examples, not real)."""

    name: str
    email: str
    home_country: str
    language: str
    iban: str
    national_id: str | None = None

    def record(self, **extra: Any) -> dict[str, Any]:
        body = {
            "name": self.name,
            "email": self.email,
            "home_country": self.home_country,
            "language": self.language,
            "iban": self.iban,
            "status": "active",
            "kind": "worker",
            **extra,
        }
        if self.national_id is not None:
            body["national_id"] = self.national_id
        return body


@dataclass(frozen=True)
class Payslip:
    """What the demo prints of one member's pay."""

    member: str
    law: str
    what: str
    period: str
    gross: str
    net: str
    employer_cost: str
    currency: str

    def line(self) -> str:
        return (
            f"  {self.member:<16} {self.law} law  {self.period}  gross {self.gross:>8}  "
            f"net {self.net:>8}  employer cost {self.employer_cost:>8} {self.currency}  ({self.what})"
        )


def add_member(admin: Api, person: Person) -> int:
    """An active worker member, without a login."""
    return int(admin.post("/api/v1/members", person.record(), expect=201)["id"])


def add_member_with_login(admin: Api, person: Person) -> int:
    """A member login (created by the admin) and its member record."""
    body = {"email": person.email, "role": "member", "password": PASSWORD}
    user = admin.post("/api/v1/users", body, expect=201)
    return int(admin.post("/api/v1/members", person.record(user_id=user["id"]), expect=201)["id"])


def book_turnover(admin: Api, activity_id: int, amount: str, currency: str, key: str) -> None:
    """The client's payment for the activity's work, booked by staff: bank to the budget."""
    account = {"key": "bank", "name": "Bank", "type": "asset", "currency": currency}
    admin.call("POST", "/api/v1/ledger/accounts", account, expect=201)
    entry = {
        "occurred_on": WORK["start"],
        "description": "Client payment for the mission",
        "idempotency_key": key,
        "postings": [
            {"account": "bank", "currency": currency, "debit": amount},
            {"account": f"activity:{activity_id}:budget", "currency": currency, "credit": amount},
        ],
    }
    admin.post("/api/v1/ledger/entries", entry, expect=201)


def _declare(declarer: Api, activity_id: int, body: dict[str, Any]) -> int:
    """The contract's id (its pre-hire declaration made under the node's law)."""
    path = f"/api/v1/activities/{activity_id}/work-declarations"
    return int(declarer.post(path, body, expect=201)["id"])


def pay(
    node: Node,
    staff: Api,
    member: tuple[int, str],
    activity_id: int,
    amount: str,
    what: str,
    declarer: Api | None = None,
) -> Payslip:
    """Profile, contract (declared by ``declarer``, staff by default) and salary request for
    ``amount`` of employer budget: the payslip the node's law computes."""
    member_id, name = member
    staff.call("PATCH", f"/api/v1/members/{member_id}/payroll-profile", {"birth_date": BIRTH_DATE})
    declaration: dict[str, Any] = {
        **WORK,
        "days": WORKED_DAYS,
        "place_of_work": PLACES[node.code],
        "description": what,
    }
    if declarer is None:
        declaration["member_id"] = member_id
    contract = _declare(declarer or staff, activity_id, declaration)
    request = {
        "contract_id": contract,
        "period": PAY_PERIOD,
        "amount": amount,
        "idempotency_key": f"salary-{member_id}-{PAY_PERIOD}",
    }
    slip = (declarer or staff).post("/api/v1/payroll/salary-requests", request, expect=201)[
        "payslip"
    ]
    return Payslip(
        name,
        node.code,
        what,
        PAY_PERIOD,
        slip["gross"],
        slip["net_pay"],
        slip["employer_cost"],
        slip["currency"],
    )
