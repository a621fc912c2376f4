"""Reconciliation of both nodes' clearing items, and the line ``make demo`` prints per pair."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.settlement.netting import ClearingItem, mirror
from node.settlement.reconcile import Balance, Difference, reconcile, summary_line

PROPERTY = settings(database=None, max_examples=300, deadline=None)

DAY = date(2026, 1, 10)

# Our side (BE) with FR, and FR's side with BE as FR books it.
OURS = [
    ClearingItem("alloc-1", "receivable", 100_000, "EUR", DAY),
    ClearingItem("alloc-2", "payable", 30_000, "EUR", DAY),
    ClearingItem("alloc-3", "receivable", 5_000, "SEK", DAY),
]
THEIRS = [
    ClearingItem("alloc-1", "payable", 100_000, "EUR", DAY),
    ClearingItem("alloc-2", "receivable", 30_000, "EUR", DAY),
    ClearingItem("alloc-3", "payable", 5_000, "SEK", DAY),
]


def test_mirrored_sides_are_balanced() -> None:
    result = reconcile(OURS, THEIRS)
    assert result.balanced
    assert result.differences == []
    assert result.our_balances == {"EUR": Balance(100_000, 30_000), "SEK": Balance(5_000, 0)}
    assert result.their_balances == result.our_balances
    assert result.our_balances["EUR"].net_minor == 70_000
    assert summary_line("BE-FR", result) == "reconciliation BE-FR: balanced"


def test_every_kind_of_difference_to_the_cent() -> None:
    theirs = [
        ClearingItem("alloc-1", "payable", 99_999, "EUR", DAY),  # one cent short
        ClearingItem("alloc-2", "payable", 30_000, "EUR", DAY),  # FR says we are owed it too
        ClearingItem("alloc-3", "payable", 5_000, "HUF", DAY),  # wrong currency
        ClearingItem("alloc-7", "receivable", 1_200, "EUR", DAY),  # we never booked it
    ]
    ours = [*OURS, ClearingItem("alloc-8", "receivable", 800, "EUR", DAY)]  # FR never booked it
    result = reconcile(ours, theirs)
    assert result.differences == [
        Difference("alloc-1", "amount", 100_000, 99_999),
        Difference("alloc-2", "direction", -30_000, 30_000),
        Difference("alloc-3", "currency", 5_000, 5_000),
        Difference("alloc-7", "missing_here", None, -1_200),
        Difference("alloc-8", "missing_there", 800, None),
    ]
    assert not result.balanced
    assert result.our_balances == {
        "EUR": Balance(100_800, 30_000),
        "HUF": Balance(0, 0),
        "SEK": Balance(5_000, 0),
    }
    assert result.their_balances == {
        "EUR": Balance(129_999, 1_200),
        "HUF": Balance(5_000, 0),
        "SEK": Balance(0, 0),
    }
    assert summary_line("BE-FR", result) == "reconciliation BE-FR: 5 differences"


def test_one_difference_is_singular() -> None:
    result = reconcile(OURS, THEIRS[:2])
    assert result.differences == [Difference("alloc-3", "missing_there", 5_000, None)]
    assert summary_line("FR-DE", result) == "reconciliation FR-DE: 1 difference"


def test_empty_sides_are_balanced() -> None:
    result = reconcile([], [])
    assert result.balanced
    assert (result.our_balances, result.their_balances) == ({}, {})


def test_an_item_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="the peer's items: item alloc-1 is listed twice"):
        reconcile(OURS, [*THEIRS, THEIRS[0]])
    with pytest.raises(ValueError, match="our items"):
        reconcile([*OURS, OURS[2]], THEIRS)


# -- properties ----------------------------------------------------------------------------------


@st.composite
def clearing_items(draw: st.DrawFn) -> ClearingItem:
    return ClearingItem(
        f"alloc-{draw(st.integers(0, 10_000))}",
        draw(st.sampled_from(["receivable", "payable"])),
        draw(st.integers(1, 10**11)),
        draw(st.sampled_from(["EUR", "SEK", "HUF"])),
        DAY + timedelta(days=draw(st.integers(0, 60))),
    )


item_lists = st.lists(clearing_items(), max_size=20, unique_by=lambda i: i.item)


@PROPERTY
@given(item_lists)
def test_reconciling_with_the_mirror_is_balanced(items: list[ClearingItem]) -> None:
    result = reconcile(items, [mirror(i) for i in items])
    assert result.balanced
    assert result.differences == []
    assert result.our_balances == result.their_balances
    assert summary_line("BE-DE", result) == "reconciliation BE-DE: balanced"


CHANGES = ["drop", "add", "amount", "direction", "currency"]
KIND = {
    "drop": "missing_there",
    "add": "missing_here",
    "amount": "amount",
    "direction": "direction",
    "currency": "currency",
}


@PROPERTY
@given(
    st.lists(clearing_items(), min_size=1, max_size=20, unique_by=lambda i: i.item),
    st.sampled_from(CHANGES),
    st.integers(0, 19),
    st.integers(1, 10**6),
)
def test_any_single_change_is_exactly_one_difference(
    items: list[ClearingItem], change: str, index: int, delta: int
) -> None:
    theirs = [mirror(i) for i in items]
    target = theirs[index % len(theirs)]
    position = theirs.index(target)
    if change == "drop":
        del theirs[position]
    elif change == "add":
        target = replace(target, item="alloc-new")
        theirs.append(target)
    elif change == "amount":
        theirs[position] = replace(target, amount_minor=target.amount_minor + delta)
    elif change == "direction":
        theirs[position] = mirror(target)
    else:
        other = "SEK" if target.currency != "SEK" else "EUR"
        theirs[position] = replace(target, currency=other)
    result = reconcile(items, theirs)
    assert [(d.item, d.kind) for d in result.differences] == [(target.item, KIND[change])]
    assert not result.balanced
    assert summary_line("BE-FR", result) == "reconciliation BE-FR: 1 difference"
