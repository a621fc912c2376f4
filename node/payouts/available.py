"""An activity's available budget: what it may still pay out.

``available = budget held − amounts reserved by payouts not yet posted``. The budget account is a
liability (credits positive from the activity's side), so what it holds is the negated balance.
Payouts waiting for a second approval are not in the ledger yet but reserve their amount, so two
pending payouts cannot together overdraw the budget; approved payouts are already posted (the
budget was debited) and so are inside the balance.

Callers that decide on a payout must hold the activity's lock (:func:`lock_activity`) while they
read this and commit the amount, so that parallel payouts never both see the same money.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.activities.models import Activity
from node.activities.service import budget_minor
from node.db import locked
from node.payouts.models import Payout, PayoutStatus

RESERVING = (PayoutStatus.PENDING_APPROVAL.value,)


def lock_activity(session: Session, activity_id: int) -> Activity:
    """The activity, locked for the rest of the transaction.

    PostgreSQL: ``SELECT … FOR UPDATE`` on its row, so parallel payouts from one activity queue.
    SQLite: write transactions already start with ``BEGIN IMMEDIATE`` (one writer at a time), and
    SQLAlchemy leaves out ``FOR UPDATE``.
    """
    return locked(session, Activity, activity_id, "No such activity.")


def reserved_minor(session: Session, activity: Activity) -> int:
    """Amounts of payouts recorded but not yet posted (waiting for a second approval)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Payout.amount_minor), 0)).where(
            Payout.activity_id == activity.id,
            Payout.currency == activity.currency,
            Payout.status.in_(RESERVING),
        )
    )
    return int(total or 0)


def available_minor(session: Session, activity: Activity) -> int:
    """What the activity may still pay out, in minor units of its currency."""
    return -budget_minor(session, activity) - reserved_minor(session, activity)
