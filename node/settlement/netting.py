"""Netting what this node and one peer owe each other, and checking a peer's statement (pure).

Everything here is seen from one node with one peer. A clearing item is one amount on the
inter-co-op clearing accounts (``clearing:<peer>:receivable`` when the peer owes us,
``clearing:<peer>:payable`` when we owe the peer), identified by an id both nodes share (the
allocation id). The peer books the same item in the mirrored direction: our receivable is its
payable (:func:`mirror`). A settlement statement nets both directions for one currency over a
period, so one transfer settles it; the receiver checks it line by line against its own items
(:func:`check_statement`) before it confirms.

Amounts are integer minor units of the item's currency (``node.money``), always positive: the
direction says who owes whom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

Direction = Literal["receivable", "payable"]
Payer = Literal["us", "peer"]
WireDirection = Literal["sender_owes", "receiver_owes"]
LineStatus = Literal["confirmed", "disputed"]
DisputeReason = Literal[
    "unknown_item",
    "amount_mismatch",
    "direction_mismatch",
    "currency_mismatch",
    "already_settled",
    "duplicate_line",
]

_CURRENCY = re.compile(r"[A-Z]{3}")
_OPPOSITE: dict[Direction, Direction] = {"receivable": "payable", "payable": "receivable"}
# settlement-statement/1 lines say who owes from the sender's side: its receivable is owed by the
# receiver.
_TO_WIRE: dict[Direction, WireDirection] = {
    "receivable": "receiver_owes",
    "payable": "sender_owes",
}
_FROM_WIRE: dict[WireDirection, Direction] = {wire: own for own, wire in _TO_WIRE.items()}


@dataclass(frozen=True)
class ClearingItem:
    """One amount between us and the peer: ``receivable`` when the peer owes it to us."""

    item: str
    direction: Direction
    amount_minor: int
    currency: str
    occurred_on: date

    def __post_init__(self) -> None:
        if not self.item:
            raise ValueError("a clearing item needs an id")
        if self.direction not in _OPPOSITE:
            raise ValueError(f"direction must be receivable or payable, not {self.direction!r}")
        if self.amount_minor <= 0:
            raise ValueError(f"item {self.item}: amount must be positive (minor units)")
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"item {self.item}: {self.currency!r} is not a currency code")

    @property
    def signed_minor(self) -> int:
        """The amount as it counts towards our net: positive when the peer owes us."""
        return self.amount_minor if self.direction == "receivable" else -self.amount_minor


def mirror(line: ClearingItem) -> ClearingItem:
    """The same item seen from the other node: its receivable is our payable and back."""
    return replace(line, direction=_OPPOSITE[line.direction])


def to_wire(direction: Direction) -> WireDirection:
    """The direction of a statement line the sender writes for one of its own items."""
    return _TO_WIRE[direction]


def from_wire(direction: WireDirection) -> Direction:
    """A received statement line's direction, still from the sender's side (mirror it for ours)."""
    return _FROM_WIRE[direction]


@dataclass(frozen=True)
class Statement:
    """Both directions netted for one currency over ``period_start``..``period_end``.

    ``net_minor`` is what the peer owes us minus what we owe it; ``payer`` pays ``|net_minor|``
    (``None`` when nothing is due)."""

    currency: str
    period_start: date
    period_end: date
    lines: tuple[ClearingItem, ...]
    receivable_minor: int
    payable_minor: int
    net_minor: int
    payer: Payer | None


def _payer(net_minor: int) -> Payer | None:
    if net_minor > 0:
        return "peer"
    return "us" if net_minor < 0 else None


def statement(
    items: Iterable[ClearingItem],
    period_start: date,
    period_end: date,
    currency: str | None = None,
) -> Statement:
    """Net the items of ``currency`` that occurred within the period (both ends included).

    Without ``currency`` the period's items must share one (ValueError otherwise, or when there
    are none); :func:`statements` gives one statement per currency."""
    if period_end < period_start:
        raise ValueError(f"period ends ({period_end}) before it starts ({period_start})")
    in_period = [i for i in items if period_start <= i.occurred_on <= period_end]
    if currency is None:
        currencies = {i.currency for i in in_period}
        if len(currencies) != 1:
            raise ValueError(f"name the currency: the period has {sorted(currencies) or 'none'}")
        (currency,) = currencies
    lines = tuple(
        sorted(
            (i for i in in_period if i.currency == currency), key=lambda i: (i.occurred_on, i.item)
        )
    )
    receivable = sum(i.amount_minor for i in lines if i.direction == "receivable")
    payable = sum(i.amount_minor for i in lines if i.direction == "payable")
    net = receivable - payable
    return Statement(
        currency, period_start, period_end, lines, receivable, payable, net, _payer(net)
    )


def statements(
    items: Iterable[ClearingItem], period_start: date, period_end: date
) -> list[Statement]:
    """One statement per currency with items in the period, by currency code."""
    items = list(items)
    currencies = sorted({i.currency for i in items if period_start <= i.occurred_on <= period_end})
    return [statement(items, period_start, period_end, c) for c in currencies]


@dataclass(frozen=True)
class LineCheck:
    """The receiver's answer to one line of a statement."""

    item: str
    status: LineStatus
    reason: DisputeReason | None = None


def _check_line(
    ours: ClearingItem | None, theirs: ClearingItem, already_settled: set[str]
) -> DisputeReason | None:
    if ours is None:
        return "unknown_item"
    if theirs.item in already_settled:
        return "already_settled"
    if ours.currency != theirs.currency:
        return "currency_mismatch"
    if ours.direction != mirror(theirs).direction:
        return "direction_mismatch"
    if ours.amount_minor != theirs.amount_minor:
        return "amount_mismatch"
    return None


def check_statement(
    their_lines: Sequence[ClearingItem],
    our_items: Iterable[ClearingItem],
    already_settled: set[str],
) -> list[LineCheck]:
    """Check each line of the peer's statement (its side) against our items, in its order.

    A line is disputed, for the first reason that holds: it repeats an earlier line's item
    (``duplicate_line``), we do not have the item (``unknown_item``), an earlier settlement
    already covered it (``already_settled``), or its currency, direction (once mirrored) or
    amount differs from ours."""
    ours = {i.item: i for i in our_items}
    seen: set[str] = set()
    checks: list[LineCheck] = []
    for line in their_lines:
        reason: DisputeReason | None = (
            "duplicate_line"
            if line.item in seen
            else _check_line(ours.get(line.item), line, already_settled)
        )
        seen.add(line.item)
        checks.append(LineCheck(line.item, "confirmed" if reason is None else "disputed", reason))
    return checks
