"""Reconciliation: do both nodes' clearing items mirror each other, to the cent? (pure)

The mirror rule: our receivable on a peer equals the peer's payable on us, item by item and in
total. :func:`reconcile` takes our items and the
peer's (as the peer books them, e.g. from its clearing report), mirrors the peer's into our point
of view and lists every item that does not match; :func:`summary_line` is the one line
``coopnode reconcile PEER`` and ``make demo`` print per pair of nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from node.settlement.netting import ClearingItem, mirror

DifferenceKind = Literal["missing_here", "missing_there", "amount", "direction", "currency"]


@dataclass(frozen=True)
class Difference:
    """One item the two sides disagree on.

    ``ours_minor`` and ``theirs_minor`` are signed from our side (positive: the peer owes us), in
    each side's currency; ``None`` for the side that lacks the item."""

    item: str
    kind: DifferenceKind
    ours_minor: int | None
    theirs_minor: int | None


@dataclass(frozen=True)
class Balance:
    """Clearing totals in one currency, from our side."""

    receivable_minor: int = 0
    payable_minor: int = 0

    @property
    def net_minor(self) -> int:
        return self.receivable_minor - self.payable_minor


@dataclass(frozen=True)
class Reconciliation:
    """``their_balances`` are the peer's, mirrored: equal to ours when the sides agree. Both
    name every currency either side uses."""

    differences: list[Difference]
    our_balances: Mapping[str, Balance]
    their_balances: Mapping[str, Balance]
    balanced: bool


def _by_item(items: Iterable[ClearingItem], side: str) -> dict[str, ClearingItem]:
    indexed: dict[str, ClearingItem] = {}
    for item in items:
        if item.item in indexed:
            raise ValueError(f"{side}: item {item.item} is listed twice")
        indexed[item.item] = item
    return indexed


def _kind(ours: ClearingItem | None, theirs: ClearingItem | None) -> DifferenceKind | None:
    """What differs between our item and the peer's mirrored one, the most basic first."""
    if ours is None:
        return "missing_here"
    if theirs is None:
        return "missing_there"
    if ours.currency != theirs.currency:
        return "currency"
    if ours.direction != theirs.direction:
        return "direction"
    if ours.amount_minor != theirs.amount_minor:
        return "amount"
    return None


def _balances(items: Iterable[ClearingItem], currencies: Iterable[str]) -> dict[str, Balance]:
    totals = {currency: Balance() for currency in sorted(currencies)}
    for item in items:
        old = totals[item.currency]
        if item.direction == "receivable":
            totals[item.currency] = Balance(
                old.receivable_minor + item.amount_minor, old.payable_minor
            )
        else:
            totals[item.currency] = Balance(
                old.receivable_minor, old.payable_minor + item.amount_minor
            )
    return totals


def reconcile(ours: Sequence[ClearingItem], theirs: Sequence[ClearingItem]) -> Reconciliation:
    """Compare our clearing items with the peer's (its side), item by item, and the totals."""
    here = _by_item(ours, "our items")
    there = {key: mirror(item) for key, item in _by_item(theirs, "the peer's items").items()}
    differences: list[Difference] = []
    for key in sorted(here.keys() | there.keys()):
        mine, peer = here.get(key), there.get(key)
        kind = _kind(mine, peer)
        if kind is not None:
            differences.append(
                Difference(
                    key,
                    kind,
                    mine.signed_minor if mine else None,
                    peer.signed_minor if peer else None,
                )
            )
    currencies = {i.currency for i in here.values()} | {i.currency for i in there.values()}
    our_balances = _balances(here.values(), currencies)
    their_balances = _balances(there.values(), currencies)
    balanced = not differences and our_balances == their_balances
    return Reconciliation(differences, our_balances, their_balances, balanced)


def summary_line(pair_label: str, result: Reconciliation) -> str:
    """``reconciliation BE-FR: balanced`` or ``reconciliation BE-FR: 2 differences``."""
    if result.balanced:
        return f"reconciliation {pair_label}: balanced"
    count = len(result.differences)
    return f"reconciliation {pair_label}: {count} difference{'' if count == 1 else 's'}"
