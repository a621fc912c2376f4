"""The inter-co-op clearing accounts a value chain books on (design: one pair per peer).

Per peer and currency, ``clearing:<peer id>:receivable`` (an asset: the peer owes this node) and
``clearing:<peer id>:payable`` (a liability: this node owes the peer). The lead node credits the
payable on a contributor's node when it allocates a share; that node debits its receivable on
the lead by the same amount, in the same (settlement) currency, so the two always mirror item by
item (an item is an allocation id) and in total.

A contributor node whose books are in another currency credits its member's activity in its own
currency; the entry then balances per currency through :data:`EXCHANGE`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.chains.models import ChainAllocation, Direction
from node.errors import Conflict
from node.ledger import service as ledger
from node.ledger.entries import AccountType
from node.ledger.models import Account
from node.money import from_minor

EXCHANGE = ledger.AccountSpec(
    "fx:exchange", "Currency exchange (value chains in another currency)", AccountType.ASSET
)
MAX_KEY = 120  # ledger_accounts.key


def _key(peer: str, side: str) -> str:
    key = f"clearing:{peer}:{side}"
    if len(key) > MAX_KEY:
        raise Conflict(f"The node id {peer} is too long for a clearing account.")
    return key


def payable(peer: str) -> ledger.AccountSpec:
    """What this node owes ``peer``."""
    return ledger.AccountSpec(_key(peer, "payable"), f"Due to {peer}"[:200], AccountType.LIABILITY)


def receivable(peer: str) -> ledger.AccountSpec:
    """What ``peer`` owes this node."""
    return ledger.AccountSpec(_key(peer, "receivable"), f"Due from {peer}"[:200], AccountType.ASSET)


def balance_minor(session: Session, spec: ledger.AccountSpec, currency: str) -> int:
    """The account's balance (debits positive; 0 when it was never opened)."""
    query = select(Account).where(Account.key == spec.key, Account.currency == currency)
    account = session.scalar(query)
    return 0 if account is None else ledger.balance_minor(session, account)


def items_with(session: Session, peer: str) -> list[dict[str, Any]]:
    """Every clearing item with ``peer`` from this node's side: the allocation id, whether the
    peer owes it (``receivable``) or this node does (``payable``), the amount and the day."""
    query = (
        select(ChainAllocation)
        .where(
            ChainAllocation.peer_node == peer,
            ChainAllocation.direction != Direction.LOCAL.value,
        )
        .order_by(ChainAllocation.id)
    )
    return [
        {
            "item": row.uid,
            "direction": row.direction,
            "amount": str(from_minor(row.amount_minor, row.currency)),
            "amount_minor": row.amount_minor,
            "currency": row.currency,
            "occurred_on": row.occurred_on,
        }
        for row in session.scalars(query)
    ]
