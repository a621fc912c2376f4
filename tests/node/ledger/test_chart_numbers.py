"""Accounts show their number in the country's chart (a Belgian node: the PCMN) wherever the
ledger lists them, and a country without a national journal format says so."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from node.cli.main import main
from node.ledger.national import journal_of
from plugins.jurisdiction import JournalKind, LedgerLine

ACCOUNTS = "/api/v1/ledger/accounts"
OPENED = [
    {"key": "bank", "name": "Bank", "type": "asset"},
    {"key": "activity:5:budget", "name": "Budget of activity #5", "type": "liability"},
    {"key": "vat:payable", "name": "VAT payable", "type": "liability", "chart_number": "451"},
    {"key": "savings", "name": "Savings account", "type": "asset", "chart_number": "551"},
    {"key": "petty:cash", "name": "Petty cash", "type": "asset"},
]


@pytest.fixture
def staff(client: TestClient, login_as: Any) -> dict[str, str]:
    headers = login_as("staff")
    for account in OPENED:
        response = client.post(ACCOUNTS, headers=headers, json={**account, "currency": "EUR"})
        assert response.status_code == 201, response.text
    return headers


def posting(account: str, amount: str) -> dict[str, str]:
    """``("bank", "+1.00")`` debits the bank, ``"-1.00"`` credits it."""
    side = "debit" if amount.startswith("+") else "credit"
    return {"account": account, "currency": "EUR", side: amount[1:]}


def post(client: TestClient, headers: dict[str, str], key: str, *postings: tuple[str, str]) -> None:
    body = {
        "occurred_on": "2026-02-03",
        "description": key,
        "idempotency_key": f"entry-{key}",
        "postings": [posting(account, amount) for account, amount in postings],
    }
    response = client.post("/api/v1/ledger/entries", headers=headers, json=body)
    assert response.status_code == 201, response.text


def by_key(rows: list[dict[str, Any]], field: str = "key") -> dict[str, dict[str, Any]]:
    return {row[field]: row for row in rows}


def test_account_listing_shows_the_pcmn_number(client: TestClient, staff: dict[str, str]) -> None:
    listed = by_key(client.get(ACCOUNTS, headers=staff).json())
    assert {k: (r["chart"], r["chart_number"], r["auxiliary"]) for k, r in listed.items()} == {
        "bank": ("PCMN", "550", None),
        "activity:5:budget": ("PCMN", "4890", "ACT5"),
        "vat:payable": ("PCMN", "451", None),  # the accountant's number agrees with the chart
        "savings": ("PCMN", "551", None),  # the accountant's own number
        "petty:cash": (None, None, None),  # no mapping, no number
    }
    assert listed["bank"]["chart_label"] == "Établissements de crédit - comptes courants"
    assert listed["vat:payable"]["chart_label"] == "TVA à payer"
    assert listed["savings"]["chart_label"] == "Savings account"


def test_trial_balance_statement_and_journal_show_numbers(
    client: TestClient, staff: dict[str, str]
) -> None:
    post(client, staff, "one", ("bank", "+100.00"), ("activity:5:budget", "-100.00"))
    post(client, staff, "two", ("petty:cash", "+5.00"), ("savings", "+1.00"), ("bank", "-6.00"))

    trial = client.get("/api/v1/ledger/trial-balance", headers=staff).json()
    assert trial["chart"] == "PCMN"
    assert [(row["chart_number"], row["account"]) for row in trial["accounts"]] == [
        ("4890", "activity:5:budget"),
        ("550", "bank"),
        ("551", "savings"),
        (None, "petty:cash"),  # unnumbered accounts last
    ]

    account_id = by_key(client.get(ACCOUNTS, headers=staff).json())["activity:5:budget"]["id"]
    statement = client.get(f"{ACCOUNTS}/{account_id}/statement", headers=staff).json()
    assert (statement["chart"], statement["chart_number"], statement["auxiliary"]) == (
        "PCMN",
        "4890",
        "ACT5",
    )

    exported = client.get("/api/v1/ledger/journal.csv", headers=staff)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["account"], r["chart_number"], r["auxiliary"]) for r in rows} == {
        ("bank", "550", ""),
        ("activity:5:budget", "4890", "ACT5"),
        ("petty:cash", "", ""),
        ("savings", "551", ""),
    }


def test_trial_balance_command_prints_numbers(
    client: TestClient,
    staff: dict[str, str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    post(client, staff, "one", ("bank", "+100.00"), ("activity:5:budget", "-100.00"))
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    assert main(["ledger", "trial-balance"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["NUMBER", "ACCOUNT"]
    assert lines[1].split()[:2] == ["4890", "activity:5:budget"]
    assert lines[2].split()[:2] == ["550", "bank"]


def test_no_national_format_in_belgium(
    client: TestClient,
    staff: dict[str, str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    response = client.get(
        "/api/v1/ledger/journal/national",
        headers=staff,
        params={"start": "2026-01-01", "end": "2026-12-31"},
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "There is no national format for BE."

    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    target = tmp_path / "journal.txt"
    arguments = ["ledger", "export-national", str(target), "--start", "2026-01-01"]
    assert main([*arguments, "--end", "2026-12-31"]) == 1
    assert "There is no national format for BE." in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.parametrize(
    ("kind", "accounts", "journal"),
    [
        ("invoice", ("receivables:clients", "vat:payable"), JournalKind.SALES),
        ("credit_note", ("receivables:clients", "vat:payable"), JournalKind.SALES),
        ("client_payment", ("bank", "receivables:clients"), JournalKind.BANK),
        ("payout.paid", ("payouts:pending", "bank"), JournalKind.BANK),
        ("payout.salary", ("activity:1:budget", "payouts:pending"), JournalKind.GENERAL),
        ("shares.subscription", ("equity:share_capital:A", "x"), JournalKind.GENERAL),
    ],
)
def test_journal_of_an_entry(kind: str, accounts: tuple[str, str], journal: JournalKind) -> None:
    lines = tuple(LedgerLine(key, key, "EUR", Decimal("1.00")) for key in accounts)
    assert journal_of(kind, lines) is journal
