"""Matching statement lines to open invoices (credits) and to sent payouts (debits)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from node.banking.camt import parse_camt053
from node.banking.matching import (
    BankLine,
    OpenItem,
    Outcome,
    Reason,
    SentPayout,
    bank_lines,
    match_credits,
    match_debits,
)
from node.banking.references import StructuredReference, validate_reference
from node.banking.statement import Direction, EntryStatus

DATA = Path(__file__).parent / "data"
LINES = bank_lines(parse_camt053((DATA / "camt053_v02_be.xml").read_bytes()))
LINES_08 = bank_lines(parse_camt053((DATA / "camt053_v08_two_accounts.xml").read_bytes()))


def item(key: str, reference: str, outstanding: str, currency: str = "EUR") -> OpenItem:
    return OpenItem(key, validate_reference(reference), Decimal(outstanding), currency)


def payout(key: str, e2e: str, amount: str, currency: str = "EUR") -> SentPayout:
    return SentPayout(key, e2e, Decimal(amount), currency)


def line(**changes: object) -> BankLine:
    base = BankLine(
        statement_id="S",
        entry_index=1,
        entry_ref="R",
        transaction_index=1,
        direction=Direction.CREDIT,
        status=EntryStatus.BOOKED,
        reversal=False,
        booking_date=None,
        amount=Decimal("100.00"),
        currency="EUR",
        reference=StructuredReference("be_ogm", "123456789002"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_bank_lines_flatten_entries_and_keep_their_context() -> None:
    assert len(LINES) == 12  # 9 entries; a batch of 3 and one of 2 add 3 lines
    batch = [ln for ln in LINES if ln.entry_index == 3]
    assert [ln.transaction_index for ln in batch] == [1, 2, 3]
    assert {ln.entry_ref for ln in batch} == {"2024030400003"}
    fees = next(ln for ln in LINES if ln.entry_index == 7)
    assert fees.transaction_index is None and fees.direction is Direction.DEBIT
    assert fees.amount == Decimal("12.50") and fees.reference is None


def test_credits_matched_by_reference_with_exact_partial_and_over_payments() -> None:
    items = [
        item("INV-17", "+++202/4000/01754+++", "1210.00"),  # paid exactly
        item("INV-18", "+++202/4000/01855+++", "750.00"),  # 500.00 paid: partial
        item("INV-31", "RF44 INV2 0240 31", "90.00"),  # 100.00 paid: over
        item("INV-32", "RF17 INV2 0240 32", "250.50"),
        item("INV-19", "+++202/4000/01956+++", "49.50"),
        item("INV-20", "RF35 2024 0044", "912.34"),  # paid from USD
        item("INV-99", "+++202/4000/02259+++", "10.00"),  # never paid
    ]
    result = match_credits(items, LINES)
    found = {m.key: (m.line.amount, m.outstanding_after, m.outcome) for m in result.matches}
    assert found == {
        "INV-17": (Decimal("1210.00"), Decimal("0.00"), Outcome.SETTLED),
        "INV-18": (Decimal("500.00"), Decimal("250.00"), Outcome.PARTIAL),
        "INV-31": (Decimal("100.00"), Decimal("-10.00"), Outcome.OVERPAID),
        "INV-32": (Decimal("250.50"), Decimal("0.00"), Outcome.SETTLED),
        "INV-19": (Decimal("49.50"), Decimal("0.00"), Outcome.SETTLED),
        "INV-20": (Decimal("912.34"), Decimal("0.00"), Outcome.SETTLED),
    }
    reasons = {(u.line.entry_index, u.reason) for u in result.unmatched}
    assert reasons == {
        (6, Reason.REVERSAL),  # the returned payout
        (8, Reason.INVALID_REFERENCE),  # mistyped OGM
        (9, Reason.NO_REFERENCE),
    }
    invalid = next(u for u in result.unmatched if u.reason is Reason.INVALID_REFERENCE)
    assert "202400002058" in invalid.detail
    # debits are not credit matching's business
    assert all(m.line.direction is Direction.CREDIT for m in result.matches)


def test_unknown_reference_and_currency_mismatch() -> None:
    result = match_credits(
        [item("INV-USD", "+++123/4567/89002+++", "100.00", "USD")],
        [line(), line(reference=StructuredReference("rf", "RF18539007547034"))],
    )
    assert result.matches == ()
    assert [u.reason for u in result.unmatched] == [
        Reason.CURRENCY_MISMATCH,
        Reason.UNKNOWN_REFERENCE,
    ]


def test_several_payments_for_one_item_apply_in_order() -> None:
    lines = [
        line(amount=Decimal("40.00")),
        line(amount=Decimal("60.00")),
        line(amount=Decimal("5.00")),
    ]
    result = match_credits([item("INV-1", "+++123/4567/89002+++", "100.00")], lines)
    assert [(m.outstanding_before, m.outcome) for m in result.matches] == [
        (Decimal("100.00"), Outcome.PARTIAL),
        (Decimal("60.00"), Outcome.SETTLED),
        (Decimal("0.00"), Outcome.OVERPAID),
    ]


def test_pending_credits_wait_for_booking() -> None:
    result = match_credits([item("INV-22", "+++202/4000/02259+++", "99.99")], LINES_08)
    assert result.matches == ()
    pending = [u for u in result.unmatched if u.reason is Reason.NOT_BOOKED]
    assert [u.line.amount for u in pending] == [Decimal("99.99")]


def test_two_open_items_with_one_reference_is_an_error() -> None:
    with pytest.raises(ValueError, match="share the reference"):
        match_credits(
            [item("A", "RF18539007547034", "1"), item("B", "RF18 5390 0754 7034", "2")], []
        )


@pytest.mark.parametrize("bad", [1.5, 2, "3.00"])
def test_open_item_amounts_must_be_decimal(bad: object) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        OpenItem("A", StructuredReference("rf", "RF18539007547034"), bad, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        SentPayout("A", "E2E", bad, "EUR")  # type: ignore[arg-type]


def test_open_item_amount_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        OpenItem("A", StructuredReference("rf", "RF18539007547034"), Decimal("NaN"), "EUR")


def test_debits_matched_by_end_to_end_id() -> None:
    payouts = [
        payout("P-1", "E2E-1", "1234.50"),
        payout("P-2", "E2E-2", "0.05"),
        payout("P-10", "E2E-10", "1200.00"),
        payout("P-11", "E2E-11", "799.99"),  # the bank debited 800.00
    ]
    result = match_debits(payouts, LINES + LINES_08)
    assert [(m.key, m.line.amount) for m in result.matches] == [
        ("P-1", Decimal("1234.50")),
        ("P-2", Decimal("0.05")),
        ("P-10", Decimal("1200.00")),
    ]
    assert [(u.line.entry_ref, u.reason) for u in result.unmatched] == [
        ("2024030400007", Reason.NO_END_TO_END_ID),  # bank fees
        ("RABO-5502", Reason.AMOUNT_MISMATCH),
        ("RABO-5504", Reason.REVERSAL),  # a recalled client payment
    ]
    assert "799.99 EUR" in result.unmatched[1].detail and "800.00 EUR" in result.unmatched[1].detail


def test_a_debit_is_matched_to_a_payout_once() -> None:
    debit = line(direction=Direction.DEBIT, end_to_end_id="E2E-1", reference=None)
    other = replace(debit, end_to_end_id="E2E-X")
    result = match_debits([payout("P-1", "E2E-1", "100.00")], [debit, debit, other])
    assert [m.key for m in result.matches] == ["P-1"]
    assert [u.reason for u in result.unmatched] == [
        Reason.ALREADY_MATCHED,
        Reason.UNKNOWN_END_TO_END_ID,
    ]


def test_two_payouts_with_one_end_to_end_id_is_an_error() -> None:
    with pytest.raises(ValueError, match="share the end-to-end id"):
        match_debits([payout("A", "E2E-1", "1.00"), payout("B", "E2E-1", "2.00")], [])
