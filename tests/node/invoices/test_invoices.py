"""Invoices in the database: drafts, gapless numbers, ledger postings, credit notes, UBL, HTML.

The node is Belgian (VAT BE0403019261, 6.5 % contribution of which 2 points go to the guarantee
fund, 30 days to pay). Every amount posted is checked to the cent.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from node.banking.references import be_structured_reference, validate_reference
from node.config import Settings
from node.invoices import service
from node.invoices.models import Invoice, InvoiceCounter
from node.ledger import service as ledger
from node.ledger.models import Account, JournalEntry
from node.runtime import Node
from tests.conftest import make_settings
from tests.node.invoicing.test_ubl_schema import _schemas
from tests.node.member_helpers import BE_COMPANY, BE_VAT, Crew

INVOICES = "/api/v1/invoices"
IBAN = "BE68539007547034"
SELLER_ADDRESS = {"street": "Rue de la Loi 16", "postcode": "1000", "city": "Bruxelles"}
CLIENT_BE_VAT = "BE0202239951"
CLIENT_DE_VAT = "DE136695976"
CONSULTING = {"description": "Consultancy", "quantity": "7.5", "unit_price": "85.00"}
BOOKS = {
    "description": "Books",
    "quantity": "3",
    "unit_price": "12.35",
    "vat_tier": "reduced_2",  # 6 % in Belgium
}
_keys = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A Belgian node with its VAT and enterprise numbers (needed to issue invoices)."""
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "node.name": "Coopérative Exemple SC",
            "node.vat_number": BE_VAT,
            "node.legal_entity_number": BE_COMPANY,
        },
    )


# -- helpers (also used by tests/node/test_member_privacy.py) ---------------------------------


def make_client(crew: Crew, **overrides: Any) -> int:
    body: dict[str, Any] = {
        "kind": "company",
        "name": "Client SA",
        "country": "BE",
        "vat_number": CLIENT_BE_VAT,
        "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
    }
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    response = crew.client.post("/api/v1/clients", json=body, headers=crew.staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def open_activity(crew: Crew, member: dict[str, Any]) -> int:
    if crew.member(member["id"]).status == "applicant":
        activated = crew.client.post(
            f"/api/v1/members/{member['id']}/status", json={"status": "active"}, headers=crew.staff
        )
        assert activated.status_code == 200, activated.text
    response = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={"name": "Consulting", "member_ids": [member["id"]], "lead_member_id": member["id"]},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def draft(
    crew: Crew,
    activity_id: int,
    client_id: int,
    lines: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "activity_id": activity_id,
        "client_id": client_id,
        "lines": lines or [CONSULTING, BOOKS],
        **extra,
    }
    return crew.client.post(INVOICES, json=body, headers=headers or crew.staff)


def issue(crew: Crew, invoice_id: int, key: str | None = None, **extra: Any) -> Any:
    body = {
        "idempotency_key": key or f"issue-{next(_keys)}",
        "bank_iban": IBAN,
        "seller_address": SELLER_ADDRESS,
        **extra,
    }
    return crew.client.post(f"{INVOICES}/{invoice_id}/issue", json=body, headers=crew.staff)


def issued_invoice_of(crew: Crew, member: dict[str, Any]) -> int:
    """An issued invoice of an activity of ``member`` (the record maker of the privacy test).

    Issued through the service with an explicit seller, so it works on a node whose settings
    carry no VAT number.
    """
    activity_id = open_activity(crew, member)
    with crew.node.db.reading() as session:
        taken = session.scalar(select(func.count()).select_from(Invoice)) or 0
    client_id = make_client(  # a sole trader: reachable over Peppol by enterprise number
        crew,
        kind="person",
        name=f"Client {taken}",
        vat_number=None,
        company_id=CLIENT_BE_VAT.removeprefix("BE"),
    )
    response = draft(crew, activity_id, client_id, lines=[CONSULTING])
    assert response.status_code == 201, response.text
    invoice_id = int(response.json()["id"])
    seller = service.Seller(
        "Coopérative Exemple SC",
        "BE",
        BE_VAT,
        BE_COMPANY,
        "Rue de la Loi 16",
        "1000",
        "Bruxelles",
        IBAN,
    )
    settings = crew.node.settings
    with crew.node.db.transaction() as session:
        service.issue(
            session,
            crew.node.jurisdiction,
            invoice_id,
            seller=seller,
            contribution_rate=settings["contribution.rate"],
            fund_points=settings["contribution.guarantee_fund_points"],
            payment_days=settings["invoices.payment_days"],
            idempotency_key=f"privacy-{invoice_id}",
            actor="test",
        )
    return invoice_id


def balances(node: Node, activity_id: int | None = None) -> dict[str, int]:
    """Balances (debits positive) of the invoice accounts in EUR."""
    keys = ["receivables:clients", "vat:payable", "revenue:contribution", "fund:guarantee"]
    if activity_id is not None:
        keys.append(f"activity:{activity_id}:budget")
    found: dict[str, int] = {}
    with node.db.reading() as session:
        for key in keys:
            account = session.scalar(
                select(Account).where(Account.key == key, Account.currency == "EUR")
            )
            found[key] = 0 if account is None else ledger.balance_minor(session, account)
    return found


def entry_count(node: Node) -> int:
    with node.db.reading() as session:
        return session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def chain_ok(node: Node) -> bool:
    with node.db.reading() as session:
        return ledger.verify_chain(session) == []


def postings_of(node: Node, entry_id: int) -> list[tuple[str, int]]:
    with node.db.reading() as session:
        entry = session.get(JournalEntry, entry_id)
        assert entry is not None
        return sorted((p.account.key, p.amount_minor) for p in entry.postings)


@pytest.fixture
def setup(crew: Crew) -> Iterator[dict[str, Any]]:
    """A member with a login and an activity, and a Belgian company client."""
    member, headers = crew.member_login(status="active")
    activity_id = open_activity(crew, member)
    yield {
        "member": member,
        "headers": headers,
        "activity_id": activity_id,
        "client_id": make_client(crew),
    }


# -- issuing ---------------------------------------------------------------------------------


def test_domestic_invoice_posts_every_amount_to_the_cent(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    created = draft(crew, setup["activity_id"], setup["client_id"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["number"] is None
    assert body["situation"] == "domestic"
    assert (body["net"], body["vat"], body["gross"]) == ("674.55", "136.10", "810.65")

    issued = issue(crew, body["id"])
    assert issued.status_code == 200, issued.text
    invoice = issued.json()
    today = date.today()
    assert invoice["status"] == "issued"
    assert invoice["number"] == f"{today.year}-000001"
    assert invoice["issue_date"] == today.isoformat()
    assert invoice["due_date"] == (today + timedelta(days=30)).isoformat()
    assert invoice["payment_reference"] == be_structured_reference(int(f"{today.year}000001"))
    # 637.50 at 21 % (VAT 133.875 -> 133.88) and 37.05 at 6 % (VAT 2.223 -> 2.22)
    assert (invoice["net"], invoice["vat"], invoice["gross"]) == ("674.55", "136.10", "810.65")
    # 6.5 % of 674.55 = 43.84575 -> 43.85; 2 points = 13.491 -> 13.49
    assert (invoice["contribution"], invoice["guarantee_fund"]) == ("43.85", "13.49")
    assert invoice["overdue"] is False and invoice["cancelled"] is False
    assert invoice["outstanding"] == "810.65"

    budget = f"activity:{setup['activity_id']}:budget"
    assert postings_of(node, invoice["journal_entry_id"]) == sorted(
        [
            ("receivables:clients", 81065),
            ("vat:payable", -13610),
            (budget, -67455),
            (budget, 4385),
            ("revenue:contribution", -3036),
            ("fund:guarantee", -1349),
        ]
    )
    assert balances(node, setup["activity_id"])[budget] == -63070  # 674.55 - 43.85 held
    assert chain_ok(node)
    with node.db.reading() as session:
        account = session.scalar(select(Account).where(Account.key == "fund:guarantee"))
        assert account is not None and account.type == "liability"


def test_the_payment_reference_checks_out(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    reference = issue(crew, invoice_id).json()["payment_reference"]
    assert validate_reference(reference).kind == "be_ogm"


def test_reverse_charge_to_a_german_company_posts_no_vat(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    client_id = make_client(
        crew,
        name="Kunde GmbH",
        country="DE",
        vat_number=CLIENT_DE_VAT,
        billing_address={
            "street": "Unter den Linden 1",
            "postcode": "10117",
            "city": "Berlin",
            "country": "DE",
        },
    )
    created = draft(crew, setup["activity_id"], client_id)
    assert created.json()["situation"] == "intra_eu_reverse_charge"
    invoice = issue(crew, created.json()["id"]).json()
    assert (invoice["net"], invoice["vat"], invoice["gross"]) == ("674.55", "0.00", "674.55")
    keys = [key for key, _ in postings_of(node, invoice["journal_entry_id"])]
    assert "vat:payable" not in keys
    assert balances(node)["vat:payable"] == 0
    page = crew.client.get(f"{INVOICES}/{invoice['id']}/html", headers=crew.staff)
    assert "AE" in page.text and CLIENT_DE_VAT in page.text


def test_export_outside_the_eu_posts_no_vat(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    client_id = make_client(
        crew,
        name="Client Inc",
        country="US",
        vat_number=None,
        billing_address={"street": "1 Main St", "postcode": "10001", "city": "New York"},
    )
    created = draft(crew, setup["activity_id"], client_id, lines=[CONSULTING])
    assert created.json()["situation"] == "export_outside_eu"
    invoice = issue(crew, created.json()["id"]).json()
    assert (invoice["vat"], invoice["gross"]) == ("0.00", "637.50")
    assert balances(node)["vat:payable"] == 0


def test_retry_with_the_same_key_changes_nothing_and_a_draft_is_issued_once(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    first = issue(crew, invoice_id, key="issue-once")
    entries = entry_count(node)
    again = issue(crew, invoice_id, key="issue-once")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert entry_count(node) == entries
    other = issue(crew, invoice_id, key="issue-twice")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert entry_count(node) == entries
    with node.db.reading() as session:
        counter = session.get(InvoiceCounter, date.today().year)
        assert counter is not None and counter.last_number == 1


def test_numbers_are_gapless_under_concurrent_issuing(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    ids = [
        draft(crew, setup["activity_id"], setup["client_id"], lines=[CONSULTING]).json()["id"]
        for _ in range(20)
    ]
    settings = node.settings
    seller = service.Seller(
        settings["node.name"],
        "BE",
        BE_VAT,
        BE_COMPANY,
        "Rue de la Loi 16",
        "1000",
        "Bruxelles",
        IBAN,
    )
    failures: list[BaseException] = []

    def worker(chunk: list[int]) -> None:
        for invoice_id in chunk:
            try:
                with node.db.transaction() as session:
                    service.issue(
                        session,
                        node.jurisdiction,
                        invoice_id,
                        seller=seller,
                        contribution_rate=Decimal("6.5"),
                        fund_points=Decimal(2),
                        payment_days=30,
                        idempotency_key=f"thread-{invoice_id}",
                        actor="test",
                    )
            except BaseException as exc:
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with node.db.reading() as session:
        rows = session.execute(select(Invoice.sequence, Invoice.number)).all()
    assert sorted(sequence for sequence, _ in rows) == list(range(1, 21))
    assert len({number for _, number in rows}) == 20
    assert chain_ok(node)
    assert entry_count(node) == 20


# -- credit notes ----------------------------------------------------------------------------


def credit(crew: Crew, invoice_id: int, **body: Any) -> Any:
    body.setdefault("idempotency_key", f"credit-{next(_keys)}")
    return crew.client.post(f"{INVOICES}/{invoice_id}/credit-notes", json=body, headers=crew.staff)


def test_full_credit_cancels_the_invoice_and_restores_the_budget(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    invoice = issue(crew, invoice_id).json()
    note = credit(crew, invoice_id, full=True, idempotency_key="cancel-1")
    assert note.status_code == 201, note.text
    credit_note = note.json()
    assert credit_note["kind"] == "credit_note"
    assert credit_note["number"] == f"{date.today().year}-000002"  # one series for both
    assert credit_note["credited_invoice_id"] == invoice_id
    assert (credit_note["net"], credit_note["vat"], credit_note["gross"]) == (
        invoice["net"],
        invoice["vat"],
        invoice["gross"],
    )
    assert (credit_note["contribution"], credit_note["guarantee_fund"]) == ("43.85", "13.49")
    assert balances(node, setup["activity_id"]) == dict.fromkeys(
        [
            "receivables:clients",
            "vat:payable",
            "revenue:contribution",
            "fund:guarantee",
            f"activity:{setup['activity_id']}:budget",
        ],
        0,
    )
    after = crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff).json()
    assert after["cancelled"] is True and after["outstanding"] == "0.00"
    assert after["credit_notes"] == [{"id": credit_note["id"], "number": credit_note["number"]}]
    replay = credit(crew, invoice_id, full=True, idempotency_key="cancel-1")
    assert replay.status_code == 200 and replay.json()["id"] == credit_note["id"]
    assert credit(crew, invoice_id, full=True).status_code == 409  # nothing left
    assert credit(crew, credit_note["id"], full=True).status_code == 409  # a credit note
    assert chain_ok(node)


def test_partial_credit_then_over_credit_is_refused(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    issue(crew, invoice_id)
    two_hours = {"description": "Consultancy not done", "quantity": "2", "unit_price": "85.00"}
    partial = credit(crew, invoice_id, lines=[two_hours])
    assert partial.status_code == 201, partial.text
    # 170.00 of 674.55: contribution 43.85 × 170 / 674.55 = 11.0511 -> 11.05; fund 3.40
    assert (partial.json()["net"], partial.json()["vat"]) == ("170.00", "35.70")
    assert (partial.json()["contribution"], partial.json()["guarantee_fund"]) == ("11.05", "3.40")
    entries = entry_count(node)
    too_much = {"description": "More", "quantity": "6", "unit_price": "85.00"}  # 510 > 467.50
    refused = credit(crew, invoice_id, lines=[too_much])
    assert refused.status_code == 409
    assert refused.json()["remaining"] == {"standard": "467.50"}
    wrong_tier = {**BOOKS, "quantity": "4"}  # 49.40 > 37.05 at 6 %
    assert credit(crew, invoice_id, lines=[wrong_tier]).status_code == 409
    assert entry_count(node) == entries
    partly = crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff).json()
    assert partly["cancelled"] is False and partly["outstanding"] == "604.95"  # 810.65 - 205.70
    rest = credit(crew, invoice_id, full=True)
    assert rest.status_code == 201, rest.text
    assert rest.json()["net"] == "504.55"
    assert (rest.json()["contribution"], rest.json()["guarantee_fund"]) == ("32.80", "10.09")
    budget = balances(node, setup["activity_id"])
    assert budget[f"activity:{setup['activity_id']}:budget"] == 0
    assert budget["revenue:contribution"] == budget["fund:guarantee"] == 0
    assert crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff).json()["cancelled"]
    assert chain_ok(node)


def test_a_draft_cannot_be_credited(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    assert credit(crew, invoice_id, full=True).status_code == 409


def test_overdue_is_computed_and_cancelled_invoices_are_not_overdue(
    crew: Crew, setup: dict[str, Any]
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    long_ago = date.today() - timedelta(days=40)
    invoice = issue(crew, invoice_id, issue_date=long_ago.isoformat()).json()
    assert invoice["due_date"] == (long_ago + timedelta(days=30)).isoformat()
    assert invoice["overdue"] is True and invoice["fully_paid"] is False
    credit(crew, invoice_id, full=True)
    after = crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff).json()
    assert after["overdue"] is False and after["cancelled"] is True


def test_numbers_follow_dates(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    first = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    second = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    today = date.today()
    assert issue(crew, first).status_code == 200
    entries = entry_count(node)
    future = issue(crew, second, issue_date=(today + timedelta(days=1)).isoformat())
    assert future.status_code == 422
    yesterday = today - timedelta(days=1)
    backdated = issue(crew, second, issue_date=yesterday.isoformat())
    if yesterday.year == today.year:  # same series: a number cannot go back in time
        assert backdated.status_code == 422
        assert backdated.json()["errors"][0]["code"] == "before_last_issued"
        assert entry_count(node) == entries
    else:  # 1 January: yesterday opens its own year's series
        assert backdated.status_code == 200


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"lines": [{**CONSULTING, "unit_price": "-5.00"}]}, 422, "lines.0.unit_price"),
        ({"lines": [{**CONSULTING, "unit_price": "0"}]}, 422, "lines.0.unit_price"),
        ({"lines": [{**CONSULTING, "unit_price": "85.001"}]}, 422, "lines.0.unit_price"),
        ({"lines": [{**CONSULTING, "quantity": "0"}]}, 422, "lines.0.quantity"),
        ({"lines": [{**CONSULTING, "quantity": "1.0005"}]}, 422, "lines.0.quantity"),
        ({"lines": [{**CONSULTING, "quantity": 1.5}]}, 422, "lines.0.quantity"),
        ({"lines": [{**CONSULTING, "description": "  "}]}, 422, "lines.0.description"),
        ({"lines": [{**CONSULTING, "vat_tier": "super_reduced"}]}, 422, "lines.0.vat_tier"),
        ({"lines": []}, 422, "lines"),
        ({"currency": "USD"}, 422, "currency"),
        ({"client_id": 9999}, 422, "client_id"),
        ({"situation": "intra_eu_reverse_charge"}, 422, "situation"),
        ({"situation": "export_outside_eu"}, 422, "situation"),
        ({"activity_id": 9999}, 404, None),
        ({"unknown": 1}, 422, "unknown"),
    ],
)
def test_bad_drafts_are_refused_and_change_nothing(
    crew: Crew, node: Node, setup: dict[str, Any], change: dict[str, Any], status: int, field: Any
) -> None:
    before = (entry_count(node), len(crew.client.get(INVOICES, headers=crew.staff).json()))
    body = {
        "activity_id": setup["activity_id"],
        "client_id": setup["client_id"],
        "lines": [CONSULTING],
        **change,
    }
    response = crew.client.post(INVOICES, json=body, headers=crew.staff)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]]
    after = (entry_count(node), len(crew.client.get(INVOICES, headers=crew.staff).json()))
    assert after == before


def test_activity_in_another_currency_is_refused(crew: Crew, node: Node) -> None:
    member = crew.create_member(status="active")
    opened = crew.client.post(
        "/api/v1/activities",
        headers=crew.staff,
        json={
            "name": "Swedish work",
            "member_ids": [member["id"]],
            "lead_member_id": member["id"],
            "currency": "SEK",
        },
    )
    activity_id = opened.json()["id"]
    response = draft(crew, activity_id, make_client(crew), lines=[CONSULTING])
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "activity_id",
        "message": response.json()["errors"][0]["message"],
        "code": "currency_mismatch",
    }


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"bank_iban": "BE00 0000 0000 0000"}, 422, "bank_iban"),
        ({"seller_address": {"street": "x"}}, 422, "seller_address.postcode"),
        ({"issue_date": "2999-01-01"}, 422, "issue_date"),
        ({"idempotency_key": ""}, 422, "idempotency_key"),
    ],
)
def test_bad_issues_are_refused_and_post_nothing(
    crew: Crew, node: Node, setup: dict[str, Any], change: dict[str, Any], status: int, field: str
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    entries = entry_count(node)
    response = issue(crew, invoice_id, **change)
    assert response.status_code == status, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert entry_count(node) == entries
    shown = crew.client.get(f"{INVOICES}/{invoice_id}", headers=crew.staff).json()
    assert shown["status"] == "draft" and shown["number"] is None
    with node.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(InvoiceCounter)) == 0


def test_no_vat_number_configured_refuses_to_issue(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    node.settings = node.settings.replace(**{"node.vat_number": ""})
    response = issue(crew, invoice_id)
    assert response.status_code == 409
    assert response.json()["setting"] == "node.vat_number"
    assert entry_count(node) == 0


def test_a_closed_activity_cannot_invoice(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    closed = crew.client.post(
        f"/api/v1/activities/{setup['activity_id']}/close", headers=crew.staff
    )
    assert closed.status_code == 200, closed.text
    assert issue(crew, invoice_id).status_code == 409
    assert draft(crew, setup["activity_id"], setup["client_id"]).status_code == 409
    assert entry_count(node) == 0


# -- who sees what ---------------------------------------------------------------------------


def test_members_reach_only_the_invoices_of_their_activities(
    crew: Crew, setup: dict[str, Any]
) -> None:
    mine = draft(crew, setup["activity_id"], setup["client_id"], headers=setup["headers"])
    assert mine.status_code == 201, mine.text  # a member drafts for their own activity
    invoice_id = mine.json()["id"]
    assert issue(crew, invoice_id).status_code == 200
    member_issue = crew.client.post(
        f"{INVOICES}/{invoice_id}/issue",
        json={"idempotency_key": "x", "bank_iban": IBAN, "seller_address": SELLER_ADDRESS},
        headers=setup["headers"],
    )
    assert member_issue.status_code == 403

    _other, other_headers = crew.member_login(status="active")
    for suffix in ("", "/ubl", "/html"):
        hidden = crew.client.get(f"{INVOICES}/{invoice_id}{suffix}", headers=other_headers)
        absent = crew.client.get(f"{INVOICES}/99999{suffix}", headers=other_headers)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.json()["detail"] == absent.json()["detail"] == "No such invoice."
        own = crew.client.get(f"{INVOICES}/{invoice_id}{suffix}", headers=setup["headers"])
        assert own.status_code == 200
    assert crew.client.get(INVOICES, headers=other_headers).json() == []
    listed = crew.client.get(INVOICES, headers=setup["headers"]).json()
    assert [i["id"] for i in listed] == [invoice_id]
    stolen = draft(crew, setup["activity_id"], setup["client_id"], headers=other_headers)
    assert stolen.status_code == 404


# -- documents -------------------------------------------------------------------------------


def test_ubl_of_invoice_and_credit_note_is_valid_ubl_2_1(
    crew: Crew, setup: dict[str, Any], standards_dir: Path
) -> None:
    schemas = _schemas(standards_dir)
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    draft_ubl = crew.client.get(f"{INVOICES}/{invoice_id}/ubl", headers=crew.staff)
    assert draft_ubl.status_code == 409
    number = issue(crew, invoice_id).json()["number"]
    note_id = credit(crew, invoice_id, full=True).json()["id"]
    for document_id, kind in ((invoice_id, "Invoice"), (note_id, "CreditNote")):
        response = crew.client.get(f"{INVOICES}/{document_id}/ubl", headers=setup["headers"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        tree = etree.ElementTree(etree.fromstring(response.content))
        assert etree.QName(tree.getroot()).localname == kind
        schema = schemas[kind]
        assert schema.validate(tree), [e.message for e in schema.error_log]
        assert number.encode() in response.content  # the credit note names the invoice


def test_the_issued_document_is_frozen(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    issue(crew, invoice_id)
    before = crew.client.get(f"{INVOICES}/{invoice_id}/ubl", headers=crew.staff).content
    renamed = crew.client.patch(
        f"/api/v1/clients/{setup['client_id']}", json={"name": "Renamed SA"}, headers=crew.staff
    )
    assert renamed.status_code == 200, renamed.text
    after = crew.client.get(f"{INVOICES}/{invoice_id}/ubl", headers=crew.staff).content
    assert after == before and b"Renamed" not in after


def test_html_view_has_the_legal_mentions(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    preview = crew.client.get(f"{INVOICES}/{invoice_id}/html", headers=setup["headers"])
    assert preview.status_code == 200 and "DRAFT" in preview.text
    invoice = issue(crew, invoice_id).json()
    page = crew.client.get(f"{INVOICES}/{invoice_id}/html", headers=setup["headers"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for text in (invoice["number"], invoice["payment_reference"], BE_VAT, IBAN, "810.65"):
        assert text in page.text
    assert "DRAFT" not in page.text


def test_activity_budget_statement_shows_the_invoice(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    issue(crew, invoice_id)
    statement = crew.client.get(
        f"/api/v1/activities/{setup['activity_id']}/statement", headers=setup["headers"]
    ).json()
    assert statement["closing_balance"] == "630.70"
    assert statement["by_kind"] == {"invoice": "630.70"}
