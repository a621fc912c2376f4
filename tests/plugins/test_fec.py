"""The French FEC written from plain ledger values (pure: no database, no server)."""

from __future__ import annotations

import dataclasses
import importlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from plugins.fr import fec
from plugins.jurisdiction import (
    ChartAccount,
    ExportRefused,
    JournalKind,
    Jurisdiction,
    LedgerEntry,
    LedgerExtract,
    LedgerLine,
)

SIREN = "732829320"


def france() -> Jurisdiction:
    (found,) = importlib.import_module("plugins.fr").coop_register_jurisdictions()
    return found


FR = france()


def line(key: str, amount: str, name: str = "", currency: str = "EUR") -> LedgerLine:
    return LedgerLine(key, name or key, currency, Decimal(amount), FR.chart_account(key))


def entry(
    number: int, day: date, journal: JournalKind, *lines: LedgerLine, **kwargs: str
) -> LedgerEntry:
    return LedgerEntry(
        number=number,
        occurred_on=day,
        recorded_on=date(2026, 7, 1),
        kind=kwargs.get("kind", "manual"),
        journal=journal,
        description=kwargs.get("description", f"Entry {number}"),
        reference=kwargs.get("reference", ""),
        lines=lines,
    )


INVOICE = entry(
    7,
    date(2026, 3, 2),
    JournalKind.SALES,
    line("receivables:clients", "121.00"),
    line("vat:payable", "-21.00"),
    line("activity:12:budget", "-100.00", "Budget of activity #12"),
    line("activity:12:budget", "10.00", "Budget of activity #12"),
    line("revenue:contribution", "-9.00"),
    line("fund:guarantee", "-1.00"),
    kind="invoice",
    reference="2026-000001",
    description="Invoice 2026-000001 | Client",
)
PAYMENT = entry(
    9,
    date(2026, 3, 20),
    JournalKind.BANK,
    line("bank", "121.00"),
    line("receivables:clients", "-121.00"),
    kind="client_payment",
)
PAYOUT = entry(
    8,
    date(2026, 3, 25),
    JournalKind.GENERAL,
    line("activity:12:budget", "50.00", "Budget of activity #12"),
    line("payouts:pending", "-50.00"),
    kind="payout.salary",
)
EARLY = entry(
    10,
    date(2026, 1, 5),
    JournalKind.BANK,
    line("bank", "1234567.89"),
    line("equity:share_capital:A", "-1234567.89"),
    description="Shares\npaid\tin",
)


def extract(*entries: LedgerEntry, opening: tuple[LedgerLine, ...] = ()) -> LedgerExtract:
    return LedgerExtract(
        company_id=SIREN,
        company_name="Coopérative",
        currency="EUR",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        opening=opening,
        entries=sorted(entries, key=lambda e: (e.occurred_on, e.number)),
    )


def records(content: bytes) -> list[list[str]]:
    text = content.decode(fec.ENCODING)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return [record.split("|") for record in text.split("\r\n")[:-1]]


def rows(content: bytes) -> list[dict[str, str]]:
    header, *body = records(content)
    return [dict(zip(header, record, strict=True)) for record in body]


def amount(text: str) -> Decimal:
    assert "." not in text and "," in text
    return Decimal(text.replace(",", "."))


def test_header_and_eighteen_columns() -> None:
    exported = FR.journal_export(extract(INVOICE, PAYMENT, PAYOUT, EARLY))
    assert exported is not None
    header, *body = records(exported.content)
    assert "|".join(header) == (
        "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
        "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|"
        "Montantdevise|Idevise"
    )
    assert len(body) == 12  # one record per posting
    assert all(len(record) == 18 for record in body)
    assert exported.format == "FEC"
    assert exported.filename == "732829320FEC20261231.txt"
    assert exported.media_type == "text/plain; charset=iso-8859-15"


def test_amounts_dates_and_accounts() -> None:
    exported = FR.journal_export(extract(INVOICE, PAYMENT, PAYOUT, EARLY))
    assert exported is not None
    body = rows(exported.content)
    first = body[0]
    assert first["EcritureDate"] == first["PieceDate"] == "20260105"
    assert first["ValidDate"] == "20260701"
    assert (first["CompteNum"], first["Debit"], first["Credit"]) == ("512", "1234567,89", "0,00")
    assert first["EcritureLib"] == "Shares paid in"  # line breaks would split the record
    assert first["PieceRef"] == "JE10"  # no document: the ledger entry
    sales = [row for row in body if row["JournalCode"] == "VE"]
    assert {row["PieceRef"] for row in sales} == {"2026-000001"}
    assert sales[0]["EcritureLib"] == "Invoice 2026-000001   Client"  # never the separator
    budget = [row for row in sales if row["CompteNum"] == "4671"]
    assert {(r["CompAuxNum"], r["CompAuxLib"]) for r in budget} == {
        ("ACT12", "Budget of activity #12")
    }
    assert all(r["CompAuxNum"] == r["CompAuxLib"] == "" for r in body if r["CompteNum"] != "4671")
    assert {row["CompteNum"] for row in sales} == {"411", "44571", "4671", "706", "4678"}
    for row in body:
        assert row["EcritureLet"] == row["DateLet"] == row["Montantdevise"] == row["Idevise"] == ""
        assert (amount(row["Debit"]) == 0) != (amount(row["Credit"]) == 0)


def test_each_entry_balances() -> None:
    exported = FR.journal_export(extract(INVOICE, PAYMENT, PAYOUT, EARLY))
    assert exported is not None
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows(exported.content):
        totals[row["JournalCode"], row["EcritureNum"]] += amount(row["Debit"]) - amount(
            row["Credit"]
        )
    assert len(totals) == 4
    assert set(totals.values()) == {Decimal(0)}


def test_chronological_order_and_numbering_per_journal() -> None:
    exported = FR.journal_export(extract(INVOICE, PAYMENT, PAYOUT, EARLY))
    assert exported is not None
    body = rows(exported.content)
    assert [row["EcritureDate"] for row in body] == sorted(row["EcritureDate"] for row in body)
    numbers = list(dict.fromkeys((row["JournalCode"], row["EcritureNum"]) for row in body))
    assert numbers == [
        ("BQ", "BQ000001"),  # 5 January
        ("VE", "VE000001"),  # 2 March
        ("BQ", "BQ000002"),  # 20 March
        ("OD", "OD000001"),  # 25 March, posted before the payment but dated after it
    ]
    assert {row["JournalLib"] for row in body if row["JournalCode"] == "OD"} == {
        "Opérations diverses"
    }


def test_opening_balances_and_the_result_come_first() -> None:
    opening = (
        line("bank", "500.00"),
        line("activity:12:budget", "-300.00", "Budget of activity #12"),
        line("revenue:contribution", "-200.00"),
    )
    exported = FR.journal_export(extract(PAYMENT, opening=opening))
    assert exported is not None
    body = rows(exported.content)
    an = [row for row in body if row["JournalCode"] == "AN"]
    assert body[: len(an)] == an
    assert {row["EcritureNum"] for row in an} == {"AN000001"}
    assert {row["EcritureDate"] for row in an} == {"20260101"}
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in an] == [
        ("512", "500,00", "0,00"),
        ("4671", "0,00", "300,00"),
        ("120", "0,00", "200,00"),  # last year's profit, not yet allocated
    ]
    assert an[1]["CompAuxNum"] == "ACT12"
    loss = FR.journal_export(
        extract(opening=(line("bank", "-5.00"), line("revenue:contribution", "5.00")))
    )
    assert loss is not None
    assert [r["CompteNum"] for r in rows(loss.content)] == ["512", "129"]
    assert len(records(FR.journal_export(extract()).content)) == 1  # type: ignore[union-attr]


def test_text_is_iso_8859_15() -> None:
    exported = FR.journal_export(
        extract(
            entry(
                1,
                date(2026, 2, 1),
                JournalKind.BANK,
                line("bank", "1.00"),
                line("clients:unallocated", "-1.00"),
                description="Reçu 5 € – 東京",
            )
        )
    )
    assert exported is not None
    assert "Reçu 5 € ? ??" in exported.content.decode("iso-8859-15")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"company_id": ""}, "node.legal_entity_number"),
        ({"company_id": "732829321"}, "node.legal_entity_number: not a valid FR SIREN"),
    ],
)
def test_the_siren_is_required(change: dict[str, str], problem: str) -> None:
    bad = dataclasses.replace(extract(PAYMENT), **change)
    with pytest.raises(ExportRefused, match=problem):
        FR.journal_export(bad)


def test_a_siret_names_the_file_after_its_siren() -> None:
    """The node may be configured with its SIRET (the declarations need it): the FEC is still
    named after the company, the SIRET's first nine digits."""
    exported = FR.journal_export(dataclasses.replace(extract(PAYMENT), company_id="73282932000074"))
    assert exported is not None
    assert exported.filename == f"{SIREN}FEC20261231.txt"


def test_accounts_without_a_number_and_other_currencies_are_refused() -> None:
    petty = LedgerLine("petty:cash", "Petty cash", "EUR", Decimal("-2.00"), None)
    short = LedgerLine("odd", "Odd", "EUR", Decimal("-1.00"), ChartAccount("PCG", "46", "Odd"))
    foreign = line("bank", "2.00", currency="SEK")
    refused = extract(
        entry(1, date(2026, 2, 1), JournalKind.GENERAL, line("bank", "3.00"), petty, short),
        entry(
            2, date(2026, 2, 2), JournalKind.BANK, foreign, line("bank", "-2.00", currency="SEK")
        ),
    )
    with pytest.raises(ExportRefused) as caught:
        FR.journal_export(refused)
    message = str(caught.value)
    assert "account petty:cash has no PCG number of at least three digits" in message
    assert "account odd has no PCG number" in message
    assert "account bank is in SEK; the FEC holds EUR only" in message


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0"), "0,00"), (Decimal("12.5"), "12,50"), (Decimal("1000000.01"), "1000000,01")],
)
def test_amount_format(value: Decimal, text: str) -> None:
    assert fec.fec_amount(value) == text


@pytest.mark.parametrize("value", [Decimal("-1.00"), Decimal("0.001")])
def test_amount_format_refuses_what_is_not_an_amount(value: Decimal) -> None:
    with pytest.raises(ValueError):
        fec.fec_amount(value)


@pytest.mark.parametrize("cc", ["be", "de", "nl", "es", "it", "at", "se", "hu"])
def test_other_countries_have_no_national_format(cc: str) -> None:
    (j,) = importlib.import_module(f"plugins.{cc}").coop_register_jurisdictions()
    assert j.journal_export(extract(PAYMENT)) is None
