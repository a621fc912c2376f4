"""The ledger over HTTP and the command line: manual entries, reversals, reports, verification."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from node.cli.main import main
from node.ledger.models import JournalEntry

ENTRIES = "/api/v1/ledger/entries"


@pytest.fixture
def staff(client: TestClient, login_as: Any) -> dict[str, str]:
    headers = login_as("staff")
    for key, kind in (("bank", "asset"), ("capital", "equity"), ("fees", "expense")):
        response = client.post(
            "/api/v1/ledger/accounts",
            headers=headers,
            json={"key": key, "name": key.title(), "type": kind, "currency": "EUR"},
        )
        assert response.status_code == 201, response.text
    return headers


def entry(key: str, amount: str = "100.00", description: str = "Opening") -> dict[str, Any]:
    return {
        "occurred_on": "2026-01-02",
        "description": description,
        "idempotency_key": key,
        "postings": [
            {"account": "bank", "currency": "EUR", "debit": amount},
            {"account": "capital", "currency": "EUR", "credit": amount},
        ],
    }


def _count(client: TestClient) -> int:
    node = client.app.state.node  # type: ignore[attr-defined]
    with node.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_manual_entry_posts_once(client: TestClient, staff: dict[str, str]) -> None:
    first = client.post(ENTRIES, headers=staff, json=entry("opening-1"))
    assert first.status_code == 201, first.text
    again = client.post(ENTRIES, headers=staff, json=entry("opening-1"))
    assert again.json()["id"] == first.json()["id"]
    other = client.post(ENTRIES, headers=staff, json=entry("opening-1", "99.00"))
    assert other.status_code == 409
    assert _count(client) == 1
    balances = {
        a["key"]: a["balance"] for a in client.get("/api/v1/ledger/accounts", headers=staff).json()
    }
    assert balances == {"bank": "100.00", "capital": "-100.00", "fees": "0.00"}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda e: e["postings"][1].update(credit="99.99"), "postings", "unbalanced"),
        (lambda e: e["postings"][0].update(debit="100.001"), "postings.0.debit", "precision"),
        (lambda e: e["postings"][0].update(debit="-100.00"), "postings.0.debit", "sign"),
        (
            lambda e: e["postings"][0].update(account="nowhere"),
            "postings.0.account",
            "unknown_account",
        ),
        (lambda e: e["postings"][0].update(credit="1.00"), "postings.0", "oneOf"),
        (
            lambda e: e["postings"][0].update(currency="SEK"),
            "postings.0.account",
            "unknown_account",
        ),
        (lambda e: e.update(extra=1), "extra", "unknown_field"),
    ],
)
def test_bad_entries_are_refused_and_post_nothing(
    client: TestClient, staff: dict[str, str], change: Any, field: str, code: str
) -> None:
    body = entry("bad-entry-1")
    change(body)
    response = client.post(ENTRIES, headers=staff, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert _count(client) == 0


def test_reversal_and_reports(client: TestClient, staff: dict[str, str]) -> None:
    posted = client.post(
        ENTRIES, headers=staff, json=entry("opening-1", description="=HYPERLINK()")
    ).json()
    client.post(ENTRIES, headers=staff, json=entry("opening-2", "20.50"))
    reverse = f"{ENTRIES}/{posted['id']}/reverse"
    reversed_ = client.post(
        reverse, headers=staff, json={"on": "2026-02-01", "idempotency_key": "rev-one-1"}
    )
    assert reversed_.status_code == 201
    assert (
        client.post(
            reverse, headers=staff, json={"on": "2026-02-01", "idempotency_key": "rev-one-2"}
        ).status_code
        == 409
    )

    trial = client.get("/api/v1/ledger/trial-balance", headers=staff).json()
    assert trial["totals"] == [
        {"currency": "EUR", "debit": "220.50", "credit": "220.50", "balanced": True}
    ]
    before = client.get(
        "/api/v1/ledger/trial-balance", headers=staff, params={"until": "2026-01-31"}
    ).json()
    assert {a["account"]: a["balance"] for a in before["accounts"]}["bank"] == "120.50"

    bank = next(
        a for a in client.get("/api/v1/ledger/accounts", headers=staff).json() if a["key"] == "bank"
    )
    statement = client.get(
        f"/api/v1/ledger/accounts/{bank['id']}/statement",
        headers=staff,
        params={"from": "2026-01-15"},
    ).json()
    assert statement["opening_balance"] == "120.50"
    assert [line["balance"] for line in statement["lines"]] == ["20.50"]
    assert statement["closing_balance"] == "20.50"

    exported = client.get("/api/v1/ledger/journal.csv", headers=staff)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 6
    assert rows[0]["description"] == "'=HYPERLINK()"  # formula-escaped


def test_verify_endpoint_and_command(
    client: TestClient,
    staff: dict[str, str],
    login_as: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: str,
) -> None:
    for n in range(3):
        client.post(ENTRIES, headers=staff, json=entry(f"opening-{n}"))
    assert client.get("/api/v1/ledger/verify", headers=login_as("admin")).json() == {
        "ok": True,
        "problems": [],
    }
    assert client.get("/api/v1/ledger/verify", headers=staff).status_code == 403

    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    assert main(["ledger", "verify"]) == 0
    assert "intact" in capsys.readouterr().out

    node = client.app.state.node  # type: ignore[attr-defined]
    with node.db.engine.begin() as connection:
        if engine == "sqlite":
            connection.execute(text("DROP TRIGGER journal_entries_no_update"))
        else:
            connection.execute(
                text("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_immutable")
            )
        connection.execute(
            text("UPDATE journal_entries SET description = 'edited' WHERE sequence = 2")
        )
        if engine != "sqlite":
            connection.execute(
                text("ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_immutable")
            )
    assert main(["ledger", "verify"]) == 1
    assert "(sequence 2): content digest does not match" in capsys.readouterr().err
    assert main(["ledger", "trial-balance"]) == 0
    assert "TOTAL" in capsys.readouterr().out
