"""Pure rules of journal entries: balance per currency, canonical content, the chain."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.errors import ValidationProblem
from node.ledger.entries import (
    GENESIS_HASH,
    EntryDraft,
    PostingLine,
    chain_hash,
    check_draft,
    reversal_of,
    totals_by_currency,
)

DAY = date(2026, 3, 2)


def draft(*lines: tuple[str, str, int], key: str = "k-1") -> EntryDraft:
    return EntryDraft("manual", DAY, key, "test", tuple(PostingLine(*line) for line in lines))


def codes(problem: ValidationProblem) -> list[str]:
    return [e.code for e in problem.errors]


def test_balanced_entry_passes() -> None:
    check_draft(draft(("bank", "EUR", 1000), ("revenue", "EUR", -700), ("vat", "EUR", -300)))


def test_unbalanced_entry_is_refused_per_currency() -> None:
    with pytest.raises(ValidationProblem) as caught:
        check_draft(
            draft(
                ("bank", "EUR", 1000),
                ("bank", "SEK", -1000),
                ("x", "EUR", -1000),
                ("y", "SEK", 999),
            )
        )
    assert codes(caught.value) == ["unbalanced"]
    assert "SEK" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ((("bank", "EUR", 0), ("x", "EUR", 0)), "zero"),
        ((("bank", "EUR", 10),), "too_few"),
    ],
)
def test_degenerate_entries_are_refused(lines: tuple, code: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        check_draft(draft(*lines))
    assert code in codes(caught.value)


def test_digest_ignores_posting_order_but_not_amounts() -> None:
    a = draft(("bank", "EUR", 100), ("x", "EUR", -100))
    b = draft(("x", "EUR", -100), ("bank", "EUR", 100))
    c = draft(("bank", "EUR", 101), ("x", "EUR", -101))
    assert a.digest() == b.digest() != c.digest()


def test_reversal_negates_every_posting() -> None:
    original = draft(("bank", "EUR", 100), ("x", "EUR", -100))
    reversed_ = reversal_of(7, original, DAY, "rev-7")
    assert reversed_.reverses_entry_id == 7
    assert totals_by_currency(list(original.postings) + list(reversed_.postings)) == {"EUR": 0}


def test_chain_hash_depends_on_previous_and_sequence() -> None:
    content = draft(("bank", "EUR", 1), ("x", "EUR", -1)).content()
    first = chain_hash(GENESIS_HASH, 1, content)
    assert chain_hash(first, 2, content) != chain_hash(GENESIS_HASH, 2, content)
    assert chain_hash(GENESIS_HASH, 1, content) == first


amounts = st.integers(min_value=-(10**12), max_value=10**12).filter(lambda n: n != 0)


@given(st.lists(amounts, min_size=1, max_size=20), st.sampled_from(["EUR", "SEK", "HUF"]))
def test_any_entry_closed_by_its_opposite_balances(values: list[int], currency: str) -> None:
    lines = [PostingLine(f"a{i}", currency, v) for i, v in enumerate(values)]
    total = sum(values)
    if total != 0:
        lines.append(PostingLine("plug", currency, -total))
    entry = EntryDraft("manual", DAY, "k", "generated", tuple(lines))
    if len(entry.postings) >= 2:
        check_draft(entry)
        assert totals_by_currency(entry.postings) == {currency: 0}
