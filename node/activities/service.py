"""Opening activities, who belongs to them, and their statement from the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityMember, ActivityStatus
from node.errors import Conflict, NotFound, ValidationProblem
from node.identity.roles import Principal
from node.ledger import reports
from node.ledger import service as ledger
from node.ledger.entries import AccountType
from node.ledger.models import JournalEntry, Posting
from node.members.models import Member
from node.money import from_minor

OPEN_MEMBER_STATUSES = {"active", "guest"}


def budget_spec(activity: Activity) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        activity.budget_key, f"Budget of activity #{activity.id}", AccountType.LIABILITY
    )


def open_activity(
    session: Session,
    *,
    name: str,
    member_ids: list[int],
    lead_id: int,
    currency: str,
    actor: str,
    request_id: str | None = None,
) -> Activity:
    """Open an activity for active (or guest) members, with its budget account."""
    if lead_id not in member_ids:
        raise ValidationProblem.single("lead_member_id", "The lead must be one of the members.")
    if len(set(member_ids)) != len(member_ids):
        raise ValidationProblem.single("member_ids", "A member is listed twice.", "duplicate")
    for index, member_id in enumerate(member_ids):
        member = session.get(Member, member_id)
        if member is None or member.status not in OPEN_MEMBER_STATUSES:
            raise ValidationProblem.single(
                f"member_ids.{index}", "No active member with this id.", "not_active"
            )
    activity = Activity(name=name, currency=currency, created_by=actor)
    activity.members = [ActivityMember(member_id=m, lead=m == lead_id) for m in member_ids]
    session.add(activity)
    session.flush()
    ledger.ensure_account(session, budget_spec(activity), currency)
    audit.record(
        session,
        actor=actor,
        action="activity.open",
        entity="activity",
        entity_id=activity.id,
        changes=audit.diff(
            {}, {"name": name, "members": member_ids, "lead": lead_id, "currency": currency}
        ),
        request_id=request_id,
    )
    return activity


def visible_activity(session: Session, principal: Principal, activity_id: int) -> Activity:
    """The activity if the caller may see it (staff, or one of its members); else 404."""
    activity = session.get(Activity, activity_id)
    if activity is None or not (
        principal.is_staff or principal.member_id in {m.member_id for m in activity.members}
    ):
        raise NotFound("No such activity.")
    return activity


class ActivityRecord(Protocol):
    """A record that belongs to an activity (an invoice, a quote …)."""

    id: Any
    activity_id: Any


Record = TypeVar("Record", bound=ActivityRecord)
LARGEST_ID = 2_147_483_647


def visible_record(
    session: Session, principal: Principal, model: type[Record], record_id: int, missing: str
) -> Record:
    """A record of an activity the caller may see; else 404 with ``missing`` — the same answer
    for a record of someone else's activity as for one that does not exist."""
    record = session.get(model, record_id) if 1 <= record_id <= LARGEST_ID else None
    if record is None:
        raise NotFound(missing)
    try:
        visible_activity(session, principal, record.activity_id)
    except NotFound:
        raise NotFound(missing) from None
    return record


def records_of(
    session: Session, principal: Principal, model: type[Record], *, activity_id: int | None = None
) -> list[Record]:
    """Records of the activities the caller may see (staff: all), optionally of one activity."""
    column = model.activity_id
    query = select(model).order_by(model.id)
    if not principal.is_staff:
        query = query.join(ActivityMember, ActivityMember.activity_id == column).where(
            ActivityMember.member_id == principal.member_id
        )
    if activity_id is not None:
        query = query.where(column == activity_id)
    return list(session.scalars(query))


def activities_of(session: Session, principal: Principal) -> list[Activity]:
    query = select(Activity).order_by(Activity.id)
    if not principal.is_staff:
        query = query.join(ActivityMember).where(ActivityMember.member_id == principal.member_id)
    return list(session.scalars(query))


def close_activity(session: Session, activity: Activity, *, actor: str) -> Activity:
    """Close an activity whose budget is exactly zero (nothing left to pay or to recover)."""
    if activity.status == ActivityStatus.CLOSED:
        raise Conflict("The activity is already closed.")
    balance = budget_minor(session, activity)
    if balance != 0:
        raise Conflict(
            f"The budget still holds {from_minor(-balance, activity.currency)} "
            f"{activity.currency}; pay it out or transfer it first."
        )
    activity.status = ActivityStatus.CLOSED
    audit.record(
        session,
        actor=actor,
        action="activity.close",
        entity="activity",
        entity_id=activity.id,
        changes={"status": ["open", "closed"]},
    )
    return activity


def budget_minor(session: Session, activity: Activity) -> int:
    """The budget account's balance (negative: the co-op holds money for the activity)."""
    account = ledger.find_account(session, activity.budget_key, activity.currency)
    return ledger.balance_minor(session, account)


def statement(
    session: Session, activity: Activity, *, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The budget account's lines and its movements summed per kind of event.

    The budget is a liability, so credits (turnover) increase it: figures are shown from the
    activity's side, credits positive.
    """
    account = ledger.find_account(session, activity.budget_key, activity.currency)
    report = reports.account_statement(session, account, start=start, end=end)
    for line in report["lines"]:
        line["amount"], line["balance"] = _credit(line["amount"]), _credit(line["balance"])
    report["opening_balance"] = _credit(report["opening_balance"])
    report["closing_balance"] = _credit(report["closing_balance"])
    by_kind: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(JournalEntry.kind, func.sum(Posting.amount_minor))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(Posting.account_id == account.id)
        .group_by(JournalEntry.kind)
    )
    for kind, total in rows:
        by_kind[kind] -= int(total)
    report["by_kind"] = {k: from_minor(v, activity.currency) for k, v in sorted(by_kind.items())}
    report["activity"] = {"id": activity.id, "name": activity.name, "status": activity.status}
    return report


def _credit(amount: str) -> str:
    """A ledger amount (debits positive) seen from the budget's side (credits positive)."""
    return str(Decimal(0) - Decimal(amount))
