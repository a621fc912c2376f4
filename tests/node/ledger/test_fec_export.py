"""A French node exports its journal as a FEC, over HTTP and from the command line."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from node.cli.main import main
from node.config import Settings
from node.db.types import utcnow
from node.errors import Conflict, ValidationProblem
from node.ledger import national
from tests.conftest import make_settings

SIREN = "732829320"
NATIONAL = "/api/v1/ledger/journal/national"
YEAR = {"start": "2026-01-01", "end": "2026-12-31"}
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
ACCOUNTS = [
    ("bank", "asset"),
    ("receivables:clients", "asset"),
    ("vat:payable", "liability"),
    ("revenue:contribution", "revenue"),
    ("activity:12:budget", "liability"),
    ("equity:share_capital:a", "equity"),
]
ENTRIES = [  # (key, date, description, postings): posted in this order
    ("capital", "2025-12-15", "Shares paid in", [("bank", "+1000.00"), ("equity:share_capital:a", "-1000.00")]),
    ("old-sale", "2025-12-20", "Last year's sale", [("receivables:clients", "+120.00"), ("vat:payable", "-20.00"), ("revenue:contribution", "-100.00")]),
    ("sale", "2026-03-02", "Sale for activity 12", [("receivables:clients", "+121.00"), ("vat:payable", "-21.00"), ("activity:12:budget", "-100.00")]),
    ("paid", "2026-03-20", "Client pays", [("bank", "+121.00"), ("receivables:clients", "-121.00")]),
    ("late-entry", "2026-02-01", "Booked late | dated early", [("bank", "+5.00"), ("revenue:contribution", "-5.00")]),
    ("next-year", "2027-01-05", "Outside the period", [("bank", "+1.00"), ("revenue:contribution", "-1.00")]),
]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A French node with its SIREN (the FEC is named after it)."""
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "node.country": "FR",
            "node.name": "Coopérative d'activité",
            "node.legal_entity_number": SIREN,
        },
    )


@pytest.fixture
def staff(client: TestClient, login_as: Any) -> dict[str, str]:
    headers = login_as("staff")
    for key, kind in ACCOUNTS:
        body = {"key": key, "name": key.replace(":", " "), "type": kind, "currency": "EUR"}
        assert client.post("/api/v1/ledger/accounts", headers=headers, json=body).status_code == 201
    for key, day, description, postings in ENTRIES:
        body = {
            "occurred_on": day,
            "description": description,
            "idempotency_key": f"entry-{key}",
            "postings": [
                {"account": a, "currency": "EUR", ("debit" if x[0] == "+" else "credit"): x[1:]}
                for a, x in postings
            ],
        }
        response = client.post("/api/v1/ledger/entries", headers=headers, json=body)
        assert response.status_code == 201, response.text
    return headers


def rows(content: bytes) -> list[dict[str, str]]:
    header, *records = content.decode("iso-8859-15").split("\r\n")[:-1]
    names = header.split("|")
    assert len(names) == 18
    return [dict(zip(names, record.split("|"), strict=True)) for record in records]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def test_fec_over_http(client: TestClient, staff: dict[str, str]) -> None:
    response = client.get(NATIONAL, headers=staff, params=YEAR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=iso-8859-15"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="732829320FEC20261231.txt"'
    body = rows(response.content)

    opening = [row for row in body if row["JournalCode"] == "AN"]
    assert body[:5] == opening  # the balances before the period come first
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in opening] == [
        ("512", "1000,00", "0,00"),
        ("1013", "0,00", "1000,00"),
        ("411", "120,00", "0,00"),
        ("44571", "0,00", "20,00"),
        ("120", "0,00", "100,00"),  # last year's income, as the result to allocate
    ]
    assert {(r["EcritureNum"], r["EcritureDate"]) for r in opening} == {("AN000001", "20260101")}

    entries = [row for row in body if row["JournalCode"] != "AN"]
    assert [row["EcritureDate"] for row in entries] == sorted(r["EcritureDate"] for r in entries)
    assert "20270105" not in {row["EcritureDate"] for row in body}
    numbers = list(dict.fromkeys((row["EcritureNum"], row["EcritureDate"]) for row in entries))
    assert numbers == [
        ("BQ000001", "20260201"),  # posted last of the three, dated first
        ("OD000001", "20260302"),
        ("BQ000002", "20260320"),
    ]
    late = next(row for row in entries if row["EcritureDate"] == "20260201")
    assert late["EcritureLib"] == "Booked late   dated early"
    assert late["PieceRef"].startswith("JE")
    budget = next(row for row in entries if row["CompteNum"] == "4671")
    assert (budget["CompAuxNum"], budget["CompAuxLib"]) == ("ACT12", "activity 12 budget")
    today = f"{utcnow():%Y%m%d}"
    assert {row["ValidDate"] for row in entries} == {today}

    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in body:
        totals[row["EcritureNum"]] += amount(row["Debit"]) - amount(row["Credit"])
    assert set(totals.values()) == {Decimal(0)}


def test_fec_period_checks(client: TestClient, staff: dict[str, str], login_as: Any) -> None:
    backwards = client.get(
        NATIONAL, headers=staff, params={"start": "2026-12-31", "end": "2026-01-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end"
    assert client.get(NATIONAL, headers=staff, params={"start": "2026-01-01"}).status_code == 422
    assert client.get(NATIONAL, params=YEAR).status_code == 401
    assert client.get(NATIONAL, headers=login_as("member"), params=YEAR).status_code == 403
    assert client.get(NATIONAL, headers=login_as("admin"), params=YEAR).status_code == 200


def test_fec_refused_without_siren_or_with_unnumbered_accounts(
    client: TestClient, staff: dict[str, str]
) -> None:
    node = client.app.state.node  # type: ignore[attr-defined]
    unnamed = node.settings.replace(**{"node.legal_entity_number": ""})
    with node.db.reading() as session, pytest.raises(Conflict, match="SIREN"):
        national.national_export(
            session, node.jurisdiction, unnamed, start=YEAR_START, end=YEAR_END
        )
    with node.db.reading() as session, pytest.raises(ValidationProblem):
        national.national_export(
            session, node.jurisdiction, node.settings, start=YEAR_END, end=YEAR_START
        )

    body = {"key": "petty:cash", "name": "Petty cash", "type": "asset", "currency": "EUR"}
    client.post("/api/v1/ledger/accounts", headers=staff, json=body)
    entry = {
        "occurred_on": "2026-05-01",
        "description": "Cash",
        "idempotency_key": "entry-petty-cash",
        "postings": [
            {"account": "petty:cash", "currency": "EUR", "debit": "3.00"},
            {"account": "bank", "currency": "EUR", "credit": "3.00"},
        ],
    }
    assert client.post("/api/v1/ledger/entries", headers=staff, json=entry).status_code == 201
    refused = client.get(NATIONAL, headers=staff, params=YEAR)
    assert refused.status_code == 409
    assert "account petty:cash has no PCG number" in refused.json()["detail"]


def test_fec_command(
    client: TestClient,
    staff: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    monkeypatch.setenv("COOPNODE_COUNTRY", "FR")
    monkeypatch.setenv("COOPNODE_LEGAL_ENTITY_NUMBER", SIREN)
    target = tmp_path / "out.txt"
    command = ["ledger", "export-national", str(target), "--start", "2026-01-01"]
    assert main([*command, "--end", "2026-12-31"]) == 0
    assert "732829320FEC20261231.txt" in capsys.readouterr().out
    over_http = client.get(NATIONAL, headers=staff, params=YEAR).content
    assert target.read_bytes() == over_http

    monkeypatch.setenv("COOPNODE_LEGAL_ENTITY_NUMBER", "")
    assert main([*command, "--end", "2026-12-31"]) == 1
    assert "node.legal_entity_number" in capsys.readouterr().err
