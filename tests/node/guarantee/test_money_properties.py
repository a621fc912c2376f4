"""Property test: random sequences of money events through the API keep the books' invariants.

Events on one activity with a covered and an uncovered (excluded) client: issue an invoice,
pay part of one, all of it or more, credit one in full, ask for a payout of part (or more than
all) of the available budget, write one off, and
replay any earlier request with its idempotency key. After every event:

* the activity's available budget is never below zero (covered turnover counts from issue,
  the rest from payment; payouts and credit notes that would overdraw it are refused);
* the hash chain verifies and every entry balances per currency (``verify_chain``);

and at the end the postings sum to zero per currency and every replay changed nothing.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from node.activities.models import Activity
from node.db.types import utcnow
from node.ledger import service as ledger
from node.ledger.models import JournalEntry, Posting
from node.payouts.available import available_minor
from node.runtime import Node
from tests.node.invoices.test_invoices import IBAN, INVOICES, SELLER_ADDRESS, open_activity
from tests.node.member_helpers import Crew

_serial = itertools.count(1)
ISSUED_ON = (utcnow().date() - timedelta(days=200)).isoformat()  # every invoice is in default

events = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(0, 1), st.integers(100, 400_000)),
        st.tuples(st.just("pay"), st.integers(0, 7), st.integers(1, 130)),
        st.tuples(st.just("credit"), st.integers(0, 7), st.just(0)),
        st.tuples(st.just("payout"), st.integers(1, 120), st.just(0)),
        st.tuples(st.just("write_off"), st.integers(0, 7), st.just(0)),
        st.tuples(st.just("replay"), st.integers(0, 30), st.just(0)),
    ),
    min_size=1,
    max_size=14,
)


def _money(minor: int) -> str:
    return str(Decimal(minor) / 100)


class Books:
    """One example's activity, clients and the requests that succeeded (for replays)."""

    def __init__(self, crew: Crew) -> None:
        self.crew = crew
        member, _headers = crew.member_login(status="active")
        self.activity_id = open_activity(crew, member)
        self.clients = [self._client("standard"), self._client("excluded")]
        self.invoices: list[dict[str, Any]] = []
        self.done: list[tuple[str, dict[str, Any], Any]] = []

    def _client(self, standing: str) -> int:
        body = {
            "kind": "person",
            "name": f"Client {next(_serial)}",
            "country": "BE",
            "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
            "guarantee": standing,
        }
        response = self.crew.client.post("/api/v1/clients", json=body, headers=self.crew.staff)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def send(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        response = self.crew.client.post(url, json=body, headers=headers or self.crew.staff)
        assert response.status_code < 500, response.text
        if response.status_code in (200, 201):
            self.done.append((url, body, response.json()))
        else:
            assert response.status_code in (404, 409, 422), response.text
        return response

    def key(self, kind: str) -> str:
        return f"{kind}-{next(_serial):08d}"

    def issue(self, client: int, price: int) -> None:
        body = {
            "activity_id": self.activity_id,
            "client_id": self.clients[client],
            "lines": [{"description": "Work", "quantity": "1", "unit_price": _money(price)}],
        }
        created = self.crew.client.post(INVOICES, json=body, headers=self.crew.staff)
        assert created.status_code == 201, created.text
        issue = {
            "idempotency_key": self.key("issue"),
            "bank_iban": IBAN,
            "seller_address": SELLER_ADDRESS,
            "issue_date": ISSUED_ON,
        }
        response = self.send(f"{INVOICES}/{created.json()['id']}/issue", issue)
        assert response.status_code == 200, response.text
        self.invoices.append(response.json())

    def invoice(self, index: int) -> dict[str, Any] | None:
        return self.invoices[index % len(self.invoices)] if self.invoices else None

    def apply(self, event: tuple[str, int, int]) -> None:
        kind, a, b = event
        crew = self.crew
        if kind == "issue":
            self.issue(a, b)
        elif kind == "payout":  # a share of what is available, sometimes more than all of it
            amount = max(available(crew.node, self.activity_id) * a // 100, 1)
            body = {
                "amount": _money(amount),
                "kind": "salary",
                "idempotency_key": self.key("payout"),
            }
            self.send(f"/api/v1/activities/{self.activity_id}/payouts", body)
        elif kind == "replay":
            self.replay(a)
        elif (invoice := self.invoice(a)) is not None:
            if kind == "pay":
                amount = max(Decimal(invoice["gross"]) * b / 100, Decimal("0.01"))
                body = {
                    "amount": str(amount.quantize(Decimal("0.01"))),
                    "received_on": "2026-03-05",
                    "idempotency_key": self.key("pay"),
                }
                self.send(f"{INVOICES}/{invoice['id']}/payments", body)
            elif kind == "credit":
                body = {
                    "full": True,
                    "idempotency_key": self.key("credit"),
                    "issue_date": ISSUED_ON,
                }
                self.send(f"{INVOICES}/{invoice['id']}/credit-notes", body)
            else:
                body = {
                    "invoice_id": invoice["id"],
                    "reason": "Default",
                    "idempotency_key": self.key("write-off"),
                }
                self.send("/api/v1/guarantee/write-offs", body, crew.admin)

    def replay(self, index: int) -> None:
        if not self.done:
            return
        url, body, first = self.done[index % len(self.done)]
        before = entries(self.crew.node)
        headers = self.crew.admin if "write-offs" in url else self.crew.staff
        again = self.crew.client.post(url, json=body, headers=headers)
        assert again.status_code in (200, 201), again.text
        assert again.json()["id"] == first["id"]
        assert entries(self.crew.node) == before


def entries(node: Node) -> int:
    with node.db.reading() as session:
        return session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def available(node: Node, activity_id: int) -> int:
    with node.db.reading() as session:
        activity = session.get(Activity, activity_id)
        assert activity is not None
        return available_minor(session, activity)


def check_books(node: Node, activity_id: int) -> None:
    assert available(node, activity_id) >= 0
    with node.db.reading() as session:
        assert ledger.verify_chain(session) == []


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=events)
def test_random_money_events_keep_the_books_whole(crew: Crew, events: list) -> None:
    books = Books(crew)
    for event in events:
        books.apply(event)
        check_books(crew.node, books.activity_id)
    with crew.node.db.reading() as session:
        totals = session.execute(
            select(Posting.currency, func.sum(Posting.amount_minor)).group_by(Posting.currency)
        ).all()
        assert all(total == 0 for _currency, total in totals)
