"""The pure parts of invoicing: contribution arithmetic, entries, numbers, frozen documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from node.invoices import numbering, postings, snapshot
from node.ledger.entries import draft_errors
from tests.node.invoicing.test_document import SAMPLES

D = Decimal


def test_contribution_and_fund_share_round_half_up() -> None:
    assert postings.contribution_of(67455, D("6.5"), D(2)) == (4385, 1349)
    assert postings.contribution_of(1000, D("6.5"), D(2)) == (65, 20)
    assert postings.contribution_of(10, D("6.5"), D(2)) == (1, 0)  # 0.65 -> 1, 0.2 -> 0
    assert postings.contribution_of(100, D(0), D(0)) == (0, 0)


def test_credit_notes_give_back_the_contribution_in_proportion() -> None:
    first = postings.in_proportion(4385, 17000, 67455, remaining=4385, last=False)
    assert first == 1105  # 43.85 × 170 / 674.55 = 11.0511
    last = postings.in_proportion(4385, 50455, 67455, remaining=4385 - first, last=True)
    assert first + last == 4385


@pytest.mark.parametrize(
    "amounts",
    [
        postings.Amounts("EUR", 67455, 13610, 4385, 1349),
        postings.Amounts("EUR", 67455, 0, 4385, 1349),
        postings.Amounts("EUR", 10, 0, 1, 0),
        postings.Amounts("EUR", 100, 21, 0, 0),
    ],
)
def test_entries_balance_and_mirror(amounts: postings.Amounts) -> None:
    invoice = postings.invoice_entry(
        document_id=7, number="2026-000001", issue_date=date(2026, 3, 1),
        budget_key="activity:1:budget", amounts=amounts,
    )  # fmt: skip
    note = postings.credit_note_entry(
        document_id=8, number="2026-000002", credited_number="2026-000001",
        issue_date=date(2026, 3, 2), budget_key="activity:1:budget", amounts=amounts,
    )  # fmt: skip
    assert draft_errors(invoice) == [] and draft_errors(note) == []
    assert invoice.idempotency_key == "invoice:7:issue"
    assert sorted(p.as_tuple() for p in invoice.postings) == sorted(
        (p.account_key, p.currency, -p.amount_minor) for p in note.postings
    )
    assert all(p.amount_minor != 0 for p in invoice.postings)
    receivable = [p for p in invoice.postings if p.account_key == "receivables:clients"]
    assert receivable[0].amount_minor == amounts.gross


def test_number_format() -> None:
    assert numbering.format_number(2026, 123) == "2026-000123"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_frozen_documents_read_back_equal(name: str) -> None:
    document = SAMPLES[name]()
    assert snapshot.from_json(snapshot.to_json(document)) == document
