"""The settlement message types, their stable refusal codes, and the clearing items they carry.

One conversation per statement (its uuid) and per reconciliation query (its uuid), so the
answer to a message follows it in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.chains import clearing
from node.federation.inbox import BusinessRefusal
from node.federation.models import Peer, PeerState
from node.federation.outbox import enqueue
from node.money import MoneyError, from_minor, parse_amount, to_minor
from node.settlement.models import SettledItem, State, Statement
from node.settlement.netting import ClearingItem

STATEMENT = "settlement-statement/1"
ANSWER = "settlement-answer/1"
PAID = "settlement-paid/1"
QUERY = "clearing-query/1"
REPORT = "clearing-report/1"

#: Stable reason codes of the business refusals.
UNKNOWN_ITEM = "unknown_item"
ITEM_IN_SETTLEMENT = "item_in_settlement"
SETTLEMENT_IN_PROGRESS = "settlement_in_progress"
STATEMENT_CONFLICT = "statement_conflict"
UNKNOWN_STATEMENT = "unknown_statement"
CURRENCY_MISMATCH = "currency_mismatch"
NET_MISMATCH = "net_mismatch"
INVALID_AMOUNT = "invalid_amount"
ANSWER_MISMATCH = "answer_mismatch"
NOT_CONFIRMED = "not_confirmed"
NOT_PAYER = "not_payer"
AMOUNT_MISMATCH = "amount_mismatch"
UNKNOWN_QUERY = "unknown_query"


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(from_minor(minor, currency)), "currency": currency}


def minor_of(value: dict[str, str], currency: str) -> int:
    """A message's money in minor units of ``currency`` (refused in another currency)."""
    if value["currency"] != currency:
        raise BusinessRefusal(CURRENCY_MISMATCH, f"an amount is not in {currency}")
    try:
        return to_minor(parse_amount(value["amount"], currency), currency)
    except MoneyError as exc:
        raise BusinessRefusal(INVALID_AMOUNT, str(exc)[:500]) from None


def peer_row(session: Session, node_id: str, *, active: bool = False) -> Peer | None:
    query = select(Peer).where(Peer.node_id == node_id)
    if active:
        query = query.where(Peer.state == PeerState.ACTIVE.value)
    return session.scalars(query).one_or_none()


def send(
    session: Session, node_id: str, type: str, body: dict[str, Any], conversation: str
) -> None:
    """Queue ``body`` for ``node_id`` in ``conversation`` (a suspended peer gets it later)."""
    peer = peer_row(session, node_id)
    if peer is None:
        raise BusinessRefusal("not_a_peer", f"{node_id} is not a peer of this node")
    enqueue(session, peer, type, body, conversation)


# -- clearing items ---------------------------------------------------------------------------------


def clearing_items(session: Session, peer: str, until: date | None = None) -> list[ClearingItem]:
    """This node's clearing items with ``peer`` (from the value chains' allocations), up to
    ``until`` included; items of no amount are left out (nothing to settle)."""
    return [
        ClearingItem(
            row["item"], row["direction"], row["amount_minor"], row["currency"], row["occurred_on"]
        )
        for row in clearing.items_with(session, peer)
        if row["amount_minor"] > 0 and (until is None or row["occurred_on"] <= until)
    ]


def holders(session: Session, items: Iterable[str]) -> dict[str, Statement]:
    """``{item: the statement holding it}`` for those of ``items`` a statement holds."""
    wanted = sorted(set(items))
    found: dict[str, Statement] = {}
    for start in range(0, len(wanted), 500):
        query = (
            select(SettledItem.item, Statement)
            .join(Statement, Statement.id == SettledItem.statement_id)
            .where(SettledItem.item.in_(wanted[start : start + 500]))
        )
        found.update((item, statement) for item, statement in session.execute(query))
    return found


def closed_items(session: Session, peer: str) -> set[str]:
    """Items with ``peer`` a closed statement settled here (their balances are zero)."""
    query = (
        select(SettledItem.item)
        .join(Statement, Statement.id == SettledItem.statement_id)
        .where(Statement.peer_node == peer, Statement.state == State.CLOSED.value)
    )
    return set(session.scalars(query))
