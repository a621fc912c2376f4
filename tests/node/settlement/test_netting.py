"""Settlement netting between this node and one peer, and checking a peer's statement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.settlement.netting import (
    ClearingItem,
    Direction,
    LineCheck,
    check_statement,
    from_wire,
    mirror,
    statement,
    statements,
    to_wire,
)

PROPERTY = settings(database=None, max_examples=300, deadline=None)

JAN_1, JAN_31 = date(2026, 1, 1), date(2026, 1, 31)

# Our side with FR: FR owes us 1 000.00 EUR and 5.50 EUR, we owe FR 300.00 EUR and 1 000.00 SEK.
ITEMS = [
    ClearingItem("alloc-1", "receivable", 100_000, "EUR", date(2026, 1, 10)),
    ClearingItem("alloc-2", "payable", 30_000, "EUR", date(2026, 1, 31)),
    ClearingItem("alloc-3", "receivable", 550, "EUR", date(2026, 2, 1)),  # next period
    ClearingItem("alloc-4", "payable", 100_000, "SEK", date(2026, 1, 1)),
]


# -- statements ----------------------------------------------------------------------------------


def test_a_statement_nets_both_directions_of_one_currency() -> None:
    result = statement(ITEMS, JAN_1, JAN_31, "EUR")
    assert [line.item for line in result.lines] == ["alloc-1", "alloc-2"]
    assert (result.receivable_minor, result.payable_minor, result.net_minor) == (
        100_000,
        30_000,
        70_000,
    )
    assert result.payer == "peer"
    assert (result.currency, result.period_start, result.period_end) == ("EUR", JAN_1, JAN_31)


def test_we_pay_when_we_owe_more_and_nobody_when_it_nets_to_zero() -> None:
    sek = statement(ITEMS, JAN_1, JAN_31, "SEK")
    assert (sek.net_minor, sek.payer) == (-100_000, "us")
    even = [
        ClearingItem("a", "receivable", 2_500, "EUR", JAN_1),
        ClearingItem("b", "payable", 2_500, "EUR", JAN_31),
    ]
    assert statement(even, JAN_1, JAN_31).payer is None
    empty = statement([], JAN_1, JAN_31, "HUF")
    assert (empty.lines, empty.net_minor, empty.payer) == ((), 0, None)


def test_the_period_includes_both_ends() -> None:
    february = statement(ITEMS, date(2026, 1, 31), date(2026, 2, 1), "EUR")
    assert [line.item for line in february.lines] == ["alloc-2", "alloc-3"]
    assert february.net_minor == 550 - 30_000


def test_one_statement_per_currency() -> None:
    result = statements(ITEMS, JAN_1, JAN_31)
    assert [(s.currency, s.net_minor) for s in result] == [("EUR", 70_000), ("SEK", -100_000)]
    assert statements(ITEMS, date(2026, 3, 1), date(2026, 3, 31)) == []


def test_a_statement_without_a_currency_needs_exactly_one() -> None:
    with pytest.raises(ValueError, match=r"\['EUR', 'SEK'\]"):
        statement(ITEMS, JAN_1, JAN_31)
    with pytest.raises(ValueError, match="none"):
        statement(ITEMS, date(2026, 3, 1), date(2026, 3, 31))
    assert statement(ITEMS, date(2026, 2, 1), date(2026, 2, 28)).currency == "EUR"
    with pytest.raises(ValueError, match="before it starts"):
        statement(ITEMS, JAN_31, JAN_1, "EUR")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "receivable", 1, "EUR"), "needs an id"),
        (("x", "owed", 1, "EUR"), "direction"),
        (("x", "payable", 0, "EUR"), "positive"),
        (("x", "payable", -5, "EUR"), "positive"),
        (("x", "payable", 5, "eur"), "currency code"),
    ],
)
def test_a_clearing_item_refuses_bad_values(
    args: tuple[str, Direction, int, str], message: str
) -> None:
    item, direction, amount, currency = args
    with pytest.raises(ValueError, match=message):
        ClearingItem(item, direction, amount, currency, JAN_1)


# -- both sides ----------------------------------------------------------------------------------


def test_mirror_swaps_the_direction_only() -> None:
    ours = ITEMS[0]
    theirs = mirror(ours)
    assert (theirs.item, theirs.direction, theirs.amount_minor, theirs.currency) == (
        "alloc-1",
        "payable",
        100_000,
        "EUR",
    )
    assert theirs.signed_minor == -ours.signed_minor == -100_000


def test_wire_directions_are_from_the_senders_side() -> None:
    assert to_wire("receivable") == "receiver_owes"
    assert to_wire("payable") == "sender_owes"
    assert from_wire("receiver_owes") == "receivable"
    assert from_wire("sender_owes") == "payable"


def their_line(item: str, direction: Direction, amount: int, currency: str = "EUR") -> ClearingItem:
    return ClearingItem(item, direction, amount, currency, JAN_1)


def test_checking_a_statement_line_by_line() -> None:
    # FR's statement, from FR's side: FR owes us alloc-1 (its payable) and so on.
    lines = [
        their_line("alloc-1", "payable", 100_000),  # matches our receivable
        their_line("alloc-2", "receivable", 30_001),  # a cent off
        their_line("alloc-4", "receivable", 100_000, "EUR"),  # ours is in SEK
        their_line("alloc-3", "receivable", 550),  # FR says we owe it; we say FR does
        their_line("alloc-9", "receivable", 1_000),  # never seen here
        their_line("alloc-1", "payable", 100_000),  # listed twice
        their_line("alloc-0", "payable", 700),  # settled last month
    ]
    ours = [*ITEMS, ClearingItem("alloc-0", "receivable", 700, "EUR", date(2025, 12, 5))]
    assert check_statement(lines, ours, already_settled={"alloc-0"}) == [
        LineCheck("alloc-1", "confirmed"),
        LineCheck("alloc-2", "disputed", "amount_mismatch"),
        LineCheck("alloc-4", "disputed", "currency_mismatch"),
        LineCheck("alloc-3", "disputed", "direction_mismatch"),
        LineCheck("alloc-9", "disputed", "unknown_item"),
        LineCheck("alloc-1", "disputed", "duplicate_line"),
        LineCheck("alloc-0", "disputed", "already_settled"),
    ]


def test_a_statement_we_wrote_checks_clean_on_the_peers_side() -> None:
    ours = statement(ITEMS, JAN_1, JAN_31, "EUR")
    peer_items = [mirror(i) for i in ITEMS]
    checks = check_statement(ours.lines, peer_items, already_settled=set())
    assert [c.status for c in checks] == ["confirmed", "confirmed"]


# -- properties ----------------------------------------------------------------------------------

ORIGIN = date(2026, 1, 1)


@st.composite
def clearing_items(draw: st.DrawFn) -> ClearingItem:
    return ClearingItem(
        f"alloc-{draw(st.integers(0, 10_000))}",
        draw(st.sampled_from(["receivable", "payable"])),
        draw(st.integers(1, 10**11)),
        draw(st.sampled_from(["EUR", "SEK", "HUF"])),
        ORIGIN + timedelta(days=draw(st.integers(0, 90))),
    )


item_lists = st.lists(clearing_items(), max_size=25, unique_by=lambda i: i.item)
offsets = st.integers(0, 90)


@PROPERTY
@given(item_lists, offsets, offsets)
def test_net_is_receivable_minus_payable(items: list[ClearingItem], a: int, b: int) -> None:
    start, end = ORIGIN + timedelta(days=min(a, b)), ORIGIN + timedelta(days=max(a, b))
    for result in statements(items, start, end):
        assert result.net_minor == result.receivable_minor - result.payable_minor
        assert result.net_minor == sum(line.signed_minor for line in result.lines)
        assert all(line.currency == result.currency for line in result.lines)
        assert all(start <= line.occurred_on <= end for line in result.lines)
        expected_payer = {1: "peer", -1: "us", 0: None}[
            (result.net_minor > 0) - (result.net_minor < 0)
        ]
        assert result.payer == expected_payer
    assert sum(len(s.lines) for s in statements(items, start, end)) == sum(
        1 for i in items if start <= i.occurred_on <= end
    )


@PROPERTY
@given(clearing_items())
def test_mirror_twice_is_identity(item: ClearingItem) -> None:
    assert mirror(mirror(item)) == item
    assert mirror(item) != item


@PROPERTY
@given(item_lists)
def test_the_peers_statement_is_ours_negated(items: list[ClearingItem]) -> None:
    end = ORIGIN + timedelta(days=90)
    ours = statements(items, ORIGIN, end)
    theirs = statements([mirror(i) for i in items], ORIGIN, end)
    assert [(s.currency, s.receivable_minor, s.payable_minor, -s.net_minor) for s in ours] == [
        (s.currency, s.payable_minor, s.receivable_minor, s.net_minor) for s in theirs
    ]
    swap = {"us": "peer", "peer": "us", None: None}
    assert [swap[s.payer] for s in ours] == [s.payer for s in theirs]
    for result in theirs:
        checks = check_statement(result.lines, items, already_settled=set())
        assert all(c.status == "confirmed" for c in checks)
