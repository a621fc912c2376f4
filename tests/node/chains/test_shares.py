"""Splitting a chain's amount, pro-rata allocation of payments and contributions (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.chains.shares import (
    FeeKind,
    FeePolicy,
    Share,
    ShareError,
    ShareKind,
    due_so_far,
    net_of,
    split,
    steps,
    taken,
)


def pct(value: str) -> Share:
    return Share(ShareKind.PERCENT, Decimal(value))


def fixed(value: str) -> Share:
    return Share(ShareKind.FIXED, Decimal(value))


def test_fixed_first_then_percents_of_the_rest() -> None:
    # 1000.00: 100.00 fixed, the 900.00 left split 50/30/20
    assert split(100_000, [fixed("100.00"), pct("50"), pct("30"), pct("20")], "EUR") == [
        10_000,
        45_000,
        27_000,
        18_000,
    ]


def test_largest_remainder_gives_the_cents_left_deterministically() -> None:
    # 100.00 in thirds: 33.33 each and one cent left, to the first of the equal remainders
    assert split(10_000, [pct("33.3333"), pct("33.3333"), pct("33.3334")], "EUR") == [
        3333,
        3333,
        3334,
    ]
    assert split(100, [pct("50"), pct("50")], "EUR") == [50, 50]
    assert split(101, [pct("50"), pct("50")], "EUR") == [51, 50]


@pytest.mark.parametrize(
    ("shares", "field"),
    [
        ([pct("50"), pct("40")], "contributors"),  # not 100
        ([fixed("60.00"), fixed("50.00")], "contributors"),  # more than the amount
        ([fixed("60.00")], "contributors"),  # fixed alone below the amount
        ([fixed("0.001"), pct("100")], "contributors.0.share.value"),  # finer than a cent
        ([pct("0"), pct("100")], "contributors.0.share.value"),
        ([], "contributors"),
    ],
)
def test_impossible_shares_are_refused_naming_the_field(shares: list[Share], field: str) -> None:
    with pytest.raises(ShareError) as caught:
        split(10_000, shares, "EUR")
    assert caught.value.field == field


def test_payments_allocate_pro_rata_rounding_down_until_fully_paid() -> None:
    full = [3333, 3333, 3334]
    assert due_so_far(full, 0, 12_100) == [0, 0, 0]
    assert due_so_far(full, 6_050, 12_100) == [1666, 1666, 1667]
    assert due_so_far(full, 12_099, 12_100) == [3332, 3332, 3333]
    assert due_so_far(full, 12_100, 12_100) == full
    assert due_so_far(full, 20_000, 12_100) == full  # an over-payment changes nothing


def test_steps_post_only_the_difference_to_what_was_allocated() -> None:
    full = [6000, 4000]
    rates = [Decimal("6.5"), Decimal(0)]
    first = steps(full, [0, 0], 6050, 12100, rates, Decimal(2))
    assert [(s.index, s.gross, s.fee.contribution) for s in first] == [(0, 3000, 195), (1, 2000, 0)]
    again = steps(full, [3000, 2000], 6050, 12100, rates, Decimal(2))
    assert again == []  # nothing new: a repeated catch-up posts nothing
    rest = steps(full, [3000, 2000], 12100, 12100, rates, Decimal(2))
    assert [(s.gross, s.fee.contribution, s.cumulative_net) for s in rest] == [
        (3000, 195, 6000 - 390),
        (2000, 0, 4000),
    ]


def test_fee_policies() -> None:
    each = FeePolicy(FeeKind.EACH_NODE)
    assert each.lead_rate_on(local=True, lead_own_rate=Decimal("6.5")) == Decimal("6.5")
    assert each.lead_rate_on(local=False, lead_own_rate=Decimal("6.5")) == 0
    assert each.contributor_rate(Decimal(8)) == Decimal(8)
    lead = FeePolicy(FeeKind.LEAD_NODE, Decimal(10))
    assert lead.lead_rate_on(local=False, lead_own_rate=Decimal("6.5")) == Decimal(10)
    assert lead.contributor_rate(Decimal(8)) == 0
    with pytest.raises(ShareError):
        FeePolicy(FeeKind.LEAD_NODE)
    with pytest.raises(ShareError):
        FeePolicy(FeeKind.EACH_NODE, Decimal(5))


def test_taken_splits_contribution_and_fund() -> None:
    assert taken(10_000, Decimal("6.5"), Decimal(2)).contribution == 650
    assert taken(10_000, Decimal("6.5"), Decimal(2)).fund == 200
    assert taken(0, Decimal("6.5"), Decimal(2)).contribution == 0
    assert net_of(10_000, Decimal(10), Decimal(2)) == 9_000


amounts = st.integers(min_value=1, max_value=10**11)
percent_lists = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=8)


def percents_summing_to_100(weights: list[int]) -> list[Share]:
    """Percents with two decimals that sum to exactly 100."""
    total = sum(weights)
    hundredths = [w * 10_000 // total for w in weights]
    hundredths[-1] += 10_000 - sum(hundredths)
    if any(h <= 0 for h in hundredths):
        hundredths = [10_000 // len(weights)] * len(weights)
        hundredths[-1] += 10_000 - sum(hundredths)
    return [pct(str(Decimal(h) / 100)) for h in hundredths]


@given(amounts, percent_lists)
def test_split_sums_to_the_amount_and_is_within_a_cent_of_exact(
    amount: int, weights: list[int]
) -> None:
    shares = percents_summing_to_100(weights)
    result = split(amount, shares, "EUR")
    assert sum(result) == amount
    for share, minor in zip(shares, result, strict=True):
        assert abs(Decimal(minor) - Decimal(amount) * share.value / 100) < 1
    assert split(amount, shares, "EUR") == result  # deterministic


@given(
    st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=10),
    st.sampled_from([Decimal(0), Decimal("6.5"), Decimal(10), Decimal("33.3")]),
)
def test_cumulative_allocation_is_monotone_and_exact_at_the_end(
    full: list[int], payments: list[int], rate: Decimal
) -> None:
    whole = sum(full) + sum(full) // 5  # the gross with VAT
    allocated = [0] * len(full)
    net_sent = [0] * len(full)
    received = 0
    for payment in [*payments, whole]:  # the last payment settles the invoice
        received = min(whole, received + payment)
        for step in steps(full, allocated, received, whole, [rate] * len(full), Decimal(1)):
            assert step.gross > 0 and step.net >= 0
            allocated[step.index] += step.gross
            net_sent[step.index] += step.net
            assert net_sent[step.index] == step.cumulative_net
        assert all(a <= f for a, f in zip(allocated, full, strict=True))
    assert allocated == full
    assert net_sent == [net_of(f, rate, Decimal(1)) for f in full]
