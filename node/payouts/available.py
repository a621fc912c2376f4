"""An activity's available budget: what it may still pay out.

::

    available = budget held − awaiting client payment − reserved

* **budget held**: the budget account's balance (a liability, so the negated balance): turnover
  net of contributions, less expenses, salaries and payouts already committed;
* **awaiting client payment**: the activity's share of what clients still owe on invoices the
  salary guarantee fund does *not* cover (:mod:`node.guarantee.position`): that turnover counts
  from payment; a covered invoice counts from its issue, the fund standing behind it;
* **reserved**: payouts waiting for a second approval are not in the ledger yet but hold their
  amount (a salary: its whole employer cost, ``budget_charge_minor``), so two pending payouts
  cannot together overdraw the budget. Refunds are paid out of a client's credit balance and
  reserve nothing here.

The fund's **exposure** on the activity is what has been paid out against covered turnover the
client has not paid yet: ``min(covered unpaid, max(0, covered unpaid + awaiting − held))``.

Callers that decide on a payout must hold the activity's lock (:func:`lock_activity`) while they
read this and commit the amount, so that parallel payouts never both see the same money.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.activities.models import Activity
from node.activities.service import budget_minor
from node.db import locked
from node.errors import NotFound
from node.guarantee.position import open_receivables, shares_of
from node.ledger.models import Account, Posting
from node.money import from_minor
from node.payouts.models import Payout, PayoutStatus

RESERVING = (PayoutStatus.PENDING_APPROVAL.value,)


def lock_activity(session: Session, activity_id: int) -> Activity:
    """The activity, locked for the rest of the transaction.

    PostgreSQL: ``SELECT … FOR UPDATE`` on its row, so parallel payouts from one activity queue.
    SQLite: write transactions already start with ``BEGIN IMMEDIATE`` (one writer at a time), and
    SQLAlchemy leaves out ``FOR UPDATE``.
    """
    return locked(session, Activity, activity_id, "No such activity.")


#: What a payout waiting for approval holds of its budget: a salary's whole employer cost (net
#: pay and the liabilities charged with it), any other payout its amount.
RESERVED_AMOUNT = func.coalesce(Payout.budget_charge_minor, Payout.amount_minor)


def reserved_minor(session: Session, activity: Activity) -> int:
    """Amounts of payouts recorded but not yet posted (waiting for a second approval)."""
    total = session.scalar(
        select(func.coalesce(func.sum(RESERVED_AMOUNT), 0)).where(
            Payout.activity_id == activity.id,
            Payout.currency == activity.currency,
            Payout.status.in_(RESERVING),
            Payout.client_payment_id.is_(None),
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class BudgetPosition:
    """The parts of an activity's available budget, in minor units of ``currency``."""

    currency: str
    held: int
    awaiting_payment: int
    covered_unpaid: int
    reserved: int

    @property
    def available(self) -> int:
        return self.held - self.awaiting_payment - self.reserved

    @property
    def guarantee_exposure(self) -> int:
        uncovered_cash = self.held - self.awaiting_payment - self.covered_unpaid
        return min(self.covered_unpaid, max(0, -uncovered_cash))

    def as_dict(self) -> dict[str, Any]:
        def money(minor: int) -> str:
            return str(from_minor(minor, self.currency))

        return {
            "currency": self.currency,
            "held": money(self.held),
            "awaiting_client_payment": money(self.awaiting_payment),
            "covered_unpaid": money(self.covered_unpaid),
            "reserved_by_payouts": money(self.reserved),
            "available": money(self.available),
            "guarantee_exposure": money(self.guarantee_exposure),
        }


def position(session: Session, activity: Activity) -> BudgetPosition:
    shares = shares_of(session, activity.id, activity.currency)
    return BudgetPosition(
        currency=activity.currency,
        held=-budget_minor(session, activity),
        awaiting_payment=shares.awaiting_payment,
        covered_unpaid=shares.covered_unpaid,
        reserved=reserved_minor(session, activity),
    )


def available_minor(session: Session, activity: Activity) -> int:
    """What the activity may still pay out, in minor units of its currency."""
    return position(session, activity).available


def positions(session: Session, activities: Collection[Activity]) -> dict[int, BudgetPosition]:
    """:func:`position` of many activities in a few queries (a payroll run's chunk): budget
    balances, open receivables and reservations each read once for all of them."""
    wanted = {activity.id: activity for activity in activities}
    ids = sorted(wanted)
    held: dict[int, int] = {}
    reserved: dict[int, int] = {}
    awaiting: dict[int, int] = {}
    covered: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        keys = {wanted[i].budget_key: i for i in chunk}
        balances = session.execute(
            select(Account.key, Account.currency, func.coalesce(func.sum(Posting.amount_minor), 0))
            .outerjoin(Posting, Posting.account_id == Account.id)
            .where(Account.key.in_(list(keys)))
            .group_by(Account.key, Account.currency)
        )
        for key, currency, total in balances:
            if currency == wanted[keys[key]].currency:
                held[keys[key]] = -int(total)
        reservations = session.execute(
            select(Payout.activity_id, Payout.currency, func.sum(RESERVED_AMOUNT))
            .where(
                Payout.activity_id.in_(chunk),
                Payout.status.in_(RESERVING),
                Payout.client_payment_id.is_(None),
            )
            .group_by(Payout.activity_id, Payout.currency)
        )
        for activity_id, currency, total in reservations:
            if activity_id is not None and currency == wanted[activity_id].currency:
                reserved[activity_id] = int(total or 0)
        for item in open_receivables(session, activity_ids=chunk):
            if item.currency != wanted[item.activity_id].currency:
                continue
            into = covered if item.covered else awaiting
            into[item.activity_id] = into.get(item.activity_id, 0) + item.open_share
    missing = [i for i in ids if i not in held]
    if missing:  # as budget_minor: an activity always has its budget account
        raise NotFound(
            f"No account {wanted[missing[0]].budget_key} in {wanted[missing[0]].currency}."
        )
    return {
        i: BudgetPosition(
            currency=wanted[i].currency,
            held=held[i],
            awaiting_payment=awaiting.get(i, 0),
            covered_unpaid=covered.get(i, 0),
            reserved=reserved.get(i, 0),
        )
        for i in ids
    }
