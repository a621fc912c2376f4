"""Subscribing and redeeming capital shares under the co-op's rules (:class:`Terms`).

* Who may subscribe: an active member, or an applicant making their first subscription (buying
  the first shares is part of joining). Guests, suspended members and leavers may not.
* Which class: a member's ``kind`` decides it — worker-members hold class A, supporters (staff,
  partners, clients) class B — so nobody holds the wrong class by mistake.
* Minimum holding per class: a subscription must leave at least the minimum; a redemption may not
  go below it, except for a member who has left, who must redeem all of the class at once. With
  ``shares.redeem_only_on_leaving`` only leavers redeem at all.
* Maximum: with ``shares.maximum_per_member`` > 0, all classes together stay at or under it.
* Dates: a movement is dated today or earlier, and never before the member's latest movement, so
  the register replays in order "as of" any date.
* Idempotency: every movement carries a key; the same key with the same content returns the
  first result, with other content it is refused (409). A network retry never buys shares twice.

Rule violations that depend on the register's state are conflicts (409); malformed input is 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.errors import Conflict, ValidationProblem
from node.members.checks import past_date
from node.members.models import Member, MemberKind, MemberStatus
from node.money import from_minor
from node.shares import accounting
from node.shares.models import ShareClass, ShareMovement, ShareTransaction
from node.shares.terms import Terms

CLASS_OF_KIND = {MemberKind.WORKER: ShareClass.A, MemberKind.SUPPORTER: ShareClass.B}
SIGNED_COUNT = case(
    (ShareTransaction.movement == ShareMovement.SUBSCRIPTION, ShareTransaction.count),
    else_=-ShareTransaction.count,
)


def holdings(session: Session, member_id: int, on: date | None = None) -> dict[str, int]:
    """Shares held per class (``{"A": 3, "B": 0}``), optionally as of the end of day ``on``."""
    query = select(ShareTransaction.share_class, func.sum(SIGNED_COUNT)).where(
        ShareTransaction.member_id == member_id
    )
    if on is not None:
        query = query.where(ShareTransaction.effective_on <= on)
    rows = session.execute(query.group_by(ShareTransaction.share_class))
    found = {share_class: total for share_class, total in rows}
    return {c.value: int(found.get(c.value) or 0) for c in ShareClass}


def transactions(session: Session, member_id: int) -> list[ShareTransaction]:
    query = select(ShareTransaction).where(ShareTransaction.member_id == member_id)
    return list(session.scalars(query.order_by(ShareTransaction.effective_on, ShareTransaction.id)))


def subscribe(
    session: Session, terms: Terms, member: Member, **request: Any
) -> tuple[ShareTransaction, bool]:
    """Record a subscription; returns the row and whether it is new (False: an idempotent replay).

    ``request``: ``share_class``, ``count``, ``idempotency_key``, ``actor`` and optional ``on``,
    ``request_id``.
    """
    return _move(session, terms, member, ShareMovement.SUBSCRIPTION, **request)


def redeem(
    session: Session, terms: Terms, member: Member, **request: Any
) -> tuple[ShareTransaction, bool]:
    """Record a redemption (same arguments and result as :func:`subscribe`)."""
    return _move(session, terms, member, ShareMovement.REDEMPTION, **request)


def _move(
    session: Session,
    terms: Terms,
    member: Member,
    movement: ShareMovement,
    *,
    share_class: str,
    count: int,
    idempotency_key: str,
    actor: str,
    on: date | str | None = None,
    request_id: str | None = None,
) -> tuple[ShareTransaction, bool]:
    # Lock the member row (PostgreSQL) so two movements of one member are checked one after the
    # other; SQLite write transactions are already serial.
    session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    replay = _replay(session, idempotency_key, member, movement, share_class, count, on)
    if replay is not None:
        return replay, False
    day = past_date("on", on)
    latest = session.scalar(
        select(func.max(ShareTransaction.effective_on)).where(
            ShareTransaction.member_id == member.id
        )
    )
    if latest is not None and day < latest:
        raise ValidationProblem.single(
            "on",
            f"Must not be before the member's latest movement ({latest.isoformat()}).",
            "out_of_order",
        )
    held = holdings(session, member.id)
    if movement is ShareMovement.SUBSCRIPTION:
        _check_subscription(session, terms, member, share_class, count, held)
    else:
        _check_redemption(terms, member, share_class, count, held)
    row = ShareTransaction(
        member_id=member.id,
        share_class=share_class,
        movement=movement,
        count=count,
        unit_value_minor=terms.unit_value_minor,
        currency=terms.currency,
        effective_on=day,
        idempotency_key=idempotency_key,
        created_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(
            "A concurrent request used this idempotency key; retry to get its result.",
            field="idempotency_key",
        ) from None
    accounting.post_movement(session, row, actor=actor)
    audit.record(
        session,
        actor=actor,
        action=f"shares.{movement}",
        entity="share_transaction",
        entity_id=row.id,
        changes=audit.diff({}, _audited(row)),
        request_id=request_id,
    )
    return row, True


def _replay(
    session: Session,
    key: str,
    member: Member,
    movement: str,
    share_class: str,
    count: int,
    on: date | str | None,
) -> ShareTransaction | None:
    """The earlier row with this key if the request is the same; 409 if it differs."""
    row = session.scalar(select(ShareTransaction).where(ShareTransaction.idempotency_key == key))
    if row is None:
        return None
    same = (row.member_id, row.movement, row.share_class, row.count) == (
        member.id,
        movement,
        share_class,
        count,
    )
    if on is not None:
        same = same and row.effective_on.isoformat() == str(on)
    if not same:
        raise Conflict(
            "This idempotency key was already used for a different request.",
            field="idempotency_key",
        )
    return row


def _check_subscription(
    session: Session,
    terms: Terms,
    member: Member,
    share_class: str,
    count: int,
    held: dict[str, int],
) -> None:
    status = member.status
    first = (
        session.scalar(
            select(ShareTransaction.id).where(ShareTransaction.member_id == member.id).limit(1)
        )
        is None
    )
    if not (status == MemberStatus.ACTIVE or (status == MemberStatus.APPLICANT and first)):
        raise Conflict(
            f"A member who is {status} cannot subscribe shares (only active members, "
            "or applicants for their first subscription).",
            field="status",
        )
    expected = CLASS_OF_KIND[MemberKind(member.kind)]
    if share_class != expected:
        raise Conflict(
            f"A {member.kind} member subscribes class {expected} shares.", field="share_class"
        )
    after = held[share_class] + count
    if after < terms.minimum(share_class):
        raise Conflict(
            f"The minimum holding of class {share_class} is {terms.minimum(share_class)} shares.",
            field="count",
        )
    total = sum(held.values()) + count
    if terms.maximum_per_member and total > terms.maximum_per_member:
        raise Conflict(
            f"A member may hold at most {terms.maximum_per_member} shares.", field="count"
        )


def _check_redemption(
    terms: Terms, member: Member, share_class: str, count: int, held: dict[str, int]
) -> None:
    have = held[share_class]
    if count > have:
        raise Conflict(f"The member holds only {have} class {share_class} shares.", field="count")
    if member.status == MemberStatus.LEFT:
        if count != have:
            raise Conflict(
                f"A member who left redeems all their shares at once ({have}).", field="count"
            )
        return
    if terms.redeem_only_on_leaving:
        raise Conflict("Shares are redeemed only when a member leaves.", field="status")
    own_class = CLASS_OF_KIND[MemberKind(member.kind)]
    if share_class == own_class and have - count < terms.minimum(share_class):
        raise Conflict(
            f"A member keeps at least {terms.minimum(share_class)} class "
            f"{share_class} shares until they leave.",
            field="count",
        )


def _audited(row: ShareTransaction) -> dict[str, Any]:
    return {
        "member_id": row.member_id,
        "share_class": row.share_class,
        "movement": row.movement,
        "count": row.count,
        "unit_value": from_minor(row.unit_value_minor, row.currency),
        "currency": row.currency,
        "effective_on": row.effective_on,
        "idempotency_key": row.idempotency_key,
    }


def present_transaction(row: ShareTransaction) -> dict[str, Any]:
    unit = from_minor(row.unit_value_minor, row.currency)
    return {
        "id": row.id,
        **_audited(row),
        "amount": from_minor(row.unit_value_minor * row.count, row.currency),
        "unit_value": unit,
        "created_at": row.created_at,
    }


def present_holdings(session: Session, terms: Terms, member_id: int) -> dict[str, Any]:
    """A member's holdings per class with their capital at nominal value, and the history."""
    rows = transactions(session, member_id)
    capital: dict[str, int] = {c.value: 0 for c in ShareClass}
    counts: dict[str, int] = {c.value: 0 for c in ShareClass}
    for row in rows:
        counts[row.share_class] += row.signed_count
        capital[row.share_class] += row.signed_count * row.unit_value_minor
    return {
        "member_id": member_id,
        "currency": terms.currency,
        "holdings": {
            c: {"count": counts[c], "capital": from_minor(capital[c], terms.currency)}
            for c in counts
        },
        "transactions": [present_transaction(row) for row in rows],
    }
