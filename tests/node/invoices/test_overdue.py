"""Overdue invoices: the pure rule, the query against the books, the invoice JSON, the listing.

Invoices are the invoice tests' standard one (674.55 net + 136.10 VAT = 810.65 gross, 30 days to
pay), issued on past dates so that they fall due; issue dates never go back within a year, so each
test issues its invoices oldest first.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from node.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from node.invoices.overdue import days_overdue, is_overdue, overdue_invoices
from node.payments.service import balance_of
from node.runtime import Node
from tests.node.invoices.test_invoices import (
    CONSULTING,
    INVOICES,
    credit,
    draft,
    issue,
    settings,
    setup,
)
from tests.node.member_helpers import Crew

__all__ = ["settings", "setup"]  # fixtures of the invoice tests

OVERDUE = f"{INVOICES}/overdue"
TODAY = date.today()
_keys = itertools.count(1)


# -- the rule, without a database ---------------------------------------------------------------


def test_days_overdue_counts_from_the_day_after_the_due_date() -> None:
    due = date(2026, 3, 31)
    assert days_overdue(None, due) == 0
    assert days_overdue(due, date(2026, 3, 1)) == 0
    assert days_overdue(due, due) == 0
    assert days_overdue(due, date(2026, 4, 1)) == 1
    assert days_overdue(due, date(2026, 4, 30)) == 30
    assert days_overdue(date(2025, 12, 31), date(2026, 1, 1)) == 1  # across years


RULE = {
    "kind": "invoice",
    "status": "issued",
    "cancelled": False,
    "open_minor": 100,
    "due_date": date(2026, 3, 31),
    "as_of": date(2026, 4, 1),
}


@pytest.mark.parametrize(
    ("change", "overdue"),
    [
        ({}, True),
        ({"as_of": date(2026, 3, 31)}, False),  # on the due date: not yet
        ({"kind": "credit_note"}, False),
        ({"status": "draft"}, False),
        ({"cancelled": True}, False),
        ({"open_minor": 0}, False),  # paid
        ({"due_date": None}, False),
    ],
)
def test_the_overdue_rule(change: dict[str, Any], overdue: bool) -> None:
    assert is_overdue(**{**RULE, **change}) is overdue


# -- against the books --------------------------------------------------------------------------


def issued_on(crew: Crew, setup: dict[str, Any], days_ago: int, **extra: Any) -> dict[str, Any]:
    """An invoice issued ``days_ago`` days ago (due 30 days after)."""
    created = draft(crew, setup["activity_id"], setup["client_id"], **extra)
    assert created.status_code == 201, created.text
    on = (TODAY - timedelta(days=days_ago)).isoformat()
    response = issue(crew, created.json()["id"], issue_date=on)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pay(crew: Crew, invoice_id: int, amount: str) -> None:
    body = {
        "amount": amount,
        "received_on": TODAY.isoformat(),
        "idempotency_key": f"overdue-pay-{next(_keys)}",
    }
    response = crew.client.post(f"{INVOICES}/{invoice_id}/payments", json=body, headers=crew.staff)
    assert response.status_code in (200, 201), response.text


@pytest.fixture
def books(crew: Crew, setup: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Invoices in every state: overdue, paid, cancelled, partly paid, partly credited, not due."""
    made = {
        "oldest": issued_on(crew, setup, 50),  # due 20 days ago
        "paid": issued_on(crew, setup, 45),
        "cancelled": issued_on(crew, setup, 40),
        "partly_paid": issued_on(crew, setup, 35),  # due 5 days ago
        "partly_credited": issued_on(crew, setup, 33),  # due 3 days ago
        "due_today": issued_on(crew, setup, 30),
        "recent": issued_on(crew, setup, 0),
    }
    pay(crew, made["paid"]["id"], "810.65")
    assert credit(crew, made["cancelled"]["id"], full=True).status_code == 201
    pay(crew, made["partly_paid"]["id"], "300.00")
    assert credit(crew, made["partly_credited"]["id"], lines=[CONSULTING]).status_code == 201
    made["draft"] = draft(crew, setup["activity_id"], setup["client_id"]).json()
    return made


def test_the_listing_shows_what_is_overdue_with_what_is_open(
    crew: Crew, books: dict[str, dict[str, Any]]
) -> None:
    response = crew.client.get(OVERDUE, headers=crew.staff)
    assert response.status_code == 200, response.text
    listing = response.json()
    assert listing["as_of"] == TODAY.isoformat()
    rows = {row["invoice_id"]: row for row in listing["invoices"]}
    ids = [row["invoice_id"] for row in listing["invoices"]]
    expected = ["oldest", "partly_paid", "partly_credited"]
    assert ids == [books[name]["id"] for name in expected]  # longest overdue first
    oldest = rows[books["oldest"]["id"]]
    assert oldest["number"] == books["oldest"]["number"]
    assert oldest["client"] == "Client SA"
    assert oldest["days_overdue"] == 20
    assert (oldest["gross"], oldest["credited"], oldest["paid"], oldest["outstanding"]) == (
        "810.65",
        "0.00",
        "0.00",
        "810.65",
    )
    assert oldest["reminder_level"] == 0 and oldest["last_reminder_on"] is None
    partly_paid = rows[books["partly_paid"]["id"]]
    assert (partly_paid["paid"], partly_paid["outstanding"], partly_paid["days_overdue"]) == (
        "300.00",
        "510.65",
        5,
    )
    # 637.50 + 21 % VAT = 771.38 credited; 810.65 - 771.38 = 39.27 open
    partly_credited = rows[books["partly_credited"]["id"]]
    assert (partly_credited["credited"], partly_credited["outstanding"]) == ("771.38", "39.27")
    assert listing["totals"] == [{"currency": "EUR", "count": 3, "outstanding": "1360.57"}]


def test_a_later_day_shows_what_will_be_overdue_then(
    crew: Crew, books: dict[str, dict[str, Any]]
) -> None:
    later = (TODAY + timedelta(days=31)).isoformat()
    listing = crew.client.get(OVERDUE, params={"as_of": later}, headers=crew.staff).json()
    ids = {row["invoice_id"] for row in listing["invoices"]}
    names = {"oldest", "partly_paid", "partly_credited", "due_today", "recent"}
    assert ids == {books[name]["id"] for name in names}
    recent = next(r for r in listing["invoices"] if r["invoice_id"] == books["recent"]["id"])
    assert recent["days_overdue"] == 1
    earlier = (TODAY - timedelta(days=10)).isoformat()
    listing = crew.client.get(OVERDUE, params={"as_of": earlier}, headers=crew.staff).json()
    assert [row["invoice_id"] for row in listing["invoices"]] == [books["oldest"]["id"]]


def test_the_listing_as_csv(crew: Crew, books: dict[str, dict[str, Any]]) -> None:
    response = crew.client.get(OVERDUE, params={"format": "csv"}, headers=crew.staff)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["number"] for row in rows] == [
        books[name]["number"] for name in ("oldest", "partly_paid", "partly_credited")
    ]
    assert rows[0]["days_overdue"] == "20" and rows[0]["outstanding"] == "810.65"
    assert rows[0]["client"] == "Client SA" and rows[0]["reminder_level"] == "0"


def test_the_listing_is_for_staff_and_checks_its_query(
    crew: Crew, setup: dict[str, Any], books: dict[str, dict[str, Any]]
) -> None:
    assert crew.client.get(OVERDUE, headers=setup["headers"]).status_code == 403
    bad = crew.client.get(OVERDUE, params={"as_of": "yesterday"}, headers=crew.staff)
    assert bad.status_code == 422
    assert crew.client.get(OVERDUE, params={"format": "xls"}, headers=crew.staff).status_code == 422
    mine = crew.client.get(
        OVERDUE, params={"activity_id": setup["activity_id"]}, headers=crew.staff
    ).json()
    assert len(mine["invoices"]) == 3
    other = crew.client.get(OVERDUE, params={"activity_id": 999}, headers=crew.staff).json()
    assert other == {"as_of": TODAY.isoformat(), "invoices": [], "totals": []}


def test_the_invoice_says_how_many_days_it_is_overdue(
    crew: Crew, setup: dict[str, Any], books: dict[str, dict[str, Any]]
) -> None:
    def get(name: str) -> dict[str, Any]:
        response = crew.client.get(f"{INVOICES}/{books[name]['id']}", headers=setup["headers"])
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    oldest = get("oldest")
    assert (oldest["overdue"], oldest["days_overdue"], oldest["outstanding"]) == (
        True,
        20,
        "810.65",
    )
    assert oldest["last_reminder"] is None
    for name in ("paid", "cancelled", "due_today", "recent", "draft"):
        shown = get(name)
        assert (shown["overdue"], shown["days_overdue"]) == (False, 0), name
    assert get("partly_paid")["days_overdue"] == 5
    listed = crew.client.get(INVOICES, headers=crew.staff).json()
    notes = [item for item in listed if item["kind"] == InvoiceKind.CREDIT_NOTE]
    assert len(notes) == 2 and all("days_overdue" not in note for note in notes)
    by_id = {item["id"]: item for item in listed}
    assert by_id[books["oldest"]["id"]]["days_overdue"] == 20


def test_the_query_agrees_with_the_payments_balance(
    node: Node, books: dict[str, dict[str, Any]]
) -> None:
    """Every invoice the query lists, and only those, is overdue by the payments' own balance."""
    for as_of in (TODAY, TODAY + timedelta(days=31), TODAY - timedelta(days=4)):
        with node.db.reading() as session:
            listed = {item.invoice_id: item for item in overdue_invoices(session, as_of)}
            for invoice in session.scalars(select(Invoice)):
                balance = balance_of(session, invoice)
                expected = is_overdue(
                    kind=invoice.kind,
                    status=invoice.status,
                    cancelled=invoice.status == InvoiceStatus.ISSUED and balance.cancelled,
                    open_minor=balance.open_minor,
                    due_date=invoice.due_date,
                    as_of=as_of,
                )
                assert (invoice.id in listed) is expected, (invoice.number, as_of)
                if expected:
                    assert listed[invoice.id].open_minor == balance.open_minor
                    assert listed[invoice.id].days_overdue == days_overdue(invoice.due_date, as_of)
