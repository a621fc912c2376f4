"""Changes of a member's IBAN: requested, approved by a second staff member, effective after a hold.

A member's first IBAN is stored at once (:func:`node.members.service.update_member`); replacing or
removing one that is on file is a diversion risk (a stolen login redirecting salaries), so it is
only *requested* here:

* a request (by the member or by staff) records an :class:`IbanChange` holding the new IBAN
  encrypted with the :class:`~node.members.identifiers.Vault` (``None`` removes the IBAN); a newer
  request supersedes (cancels) an open one, and asking for the IBAN already on file cancels it;
* staff other than the requester — and never the member concerned — approve it; it becomes
  effective ``payouts.iban_change_hold_hours`` after the approval;
* :func:`effective_iban` writes due changes onto the member (audited); payouts call it before they
  snapshot the member's IBAN, so until then they keep paying the old one;
* the member is notified through ``coop_on_iban_change_requested`` after the request commits, and
  again after the approval commits (then with ``effective_at``).

The status is derived from the timestamps: ``pending`` (awaiting approval), ``approved`` (waiting
for its hold), ``applied`` or ``cancelled``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from node import audit
from node.db import Base, after_commit
from node.db.types import UTCDateTime, utcnow
from node.errors import Conflict, Forbidden, NotFound, ValidationProblem
from node.events import IbanChangeRequested
from node.members.identifiers import IdentifierError, Vault, check_iban, mask_iban
from node.members.models import Member

MAX_ID = 2_147_483_647


class IbanChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPLIED = "applied"
    CANCELLED = "cancelled"


class IbanChange(Base):
    """One requested change of a member's IBAN (``new_iban_encrypted`` None: remove the IBAN;
    also None once the member's data was erased)."""

    __tablename__ = "iban_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    new_iban_encrypted: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status(self) -> IbanChangeStatus:
        if self.cancelled_at is not None:
            return IbanChangeStatus.CANCELLED
        if self.applied_at is not None:
            return IbanChangeStatus.APPLIED
        if self.approved_at is not None:
            return IbanChangeStatus.APPROVED
        return IbanChangeStatus.PENDING


def _is_open() -> ColumnElement[bool]:
    return IbanChange.cancelled_at.is_(None) & IbanChange.applied_at.is_(None)


STATUS_FILTERS: dict[str, Any] = {
    IbanChangeStatus.PENDING: lambda: _is_open() & IbanChange.approved_at.is_(None),
    IbanChangeStatus.APPROVED: lambda: _is_open() & IbanChange.approved_at.is_not(None),
    IbanChangeStatus.APPLIED: lambda: IbanChange.applied_at.is_not(None),
    IbanChangeStatus.CANCELLED: lambda: IbanChange.cancelled_at.is_not(None),
}


def _masked(vault: Vault, change: IbanChange) -> str | None:
    iban = vault.open(change.new_iban_encrypted)
    return mask_iban(iban) if iban else None


def _audit(
    session: Session,
    change: IbanChange,
    action: str,
    actor: str,
    request_id: str | None,
    **changes: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="member",
        entity_id=change.member_id,
        changes={"iban_change_id": change.id, **audit.diff({}, changes)},
        request_id=request_id,
    )


def _notify(session: Session, hook: Any, vault: Vault, change: IbanChange, at: datetime) -> None:
    if hook is None:
        return
    event = IbanChangeRequested(
        change_id=change.id,
        member_id=change.member_id,
        new_iban_masked=_masked(vault, change),
        effective_at=change.effective_at,
        at=at,
    )
    after_commit(session, lambda: hook.coop_on_iban_change_requested(event=event))


def open_change(session: Session, member_id: int, *, lock: bool = False) -> IbanChange | None:
    """The member's open (pending or approved, not yet applied) change, if any."""
    query = select(IbanChange).where(IbanChange.member_id == member_id, _is_open())
    if lock:
        query = query.with_for_update()
    return session.scalars(query.order_by(IbanChange.id.desc()).limit(1)).first()


def _cancel(
    session: Session, change: IbanChange, actor: str, request_id: str | None, now: datetime
) -> None:
    before = change.status
    change.cancelled_at, change.cancelled_by = now, actor
    session.flush()
    _audit(session, change, "member.iban_change.cancel", actor, request_id, status=before)


def check_new_iban(value: str | None) -> str | None:
    """The compact IBAN (None stays None), or 422."""
    if value is None:
        return None
    try:
        return check_iban(value)
    except IdentifierError as exc:
        raise ValidationProblem([exc.error]) from None


def request_change(
    session: Session,
    vault: Vault,
    member: Member,
    compact: str | None,
    *,
    actor: str,
    request_id: str | None = None,
    hook: Any = None,
) -> IbanChange | None:
    """Record a change of the IBAN on file to ``compact`` (validated already; None removes it).

    An open change is superseded. Asking for the IBAN already on file only cancels the open
    change and returns None.
    """
    now = utcnow()
    for previous in session.scalars(
        select(IbanChange).where(IbanChange.member_id == member.id, _is_open()).with_for_update()
    ):
        _cancel(session, previous, actor, request_id, now)
    if compact == vault.open(member.iban_encrypted):
        return None
    change = IbanChange(
        member_id=member.id,
        new_iban_encrypted=vault.seal(compact),
        requested_by=actor,
        requested_at=now,
    )
    session.add(change)
    session.flush()
    _audit(session, change, "member.iban_change.request", actor, request_id, iban="***")
    _notify(session, hook, vault, change, now)
    return change


def get_change(session: Session, change_id: int, *, lock: bool = False) -> IbanChange:
    if not 1 <= change_id <= MAX_ID:
        raise NotFound("No such IBAN change.")
    query = select(IbanChange).where(IbanChange.id == change_id)
    if lock:
        query = query.with_for_update()
    change = session.scalars(query).first()
    if change is None:
        raise NotFound("No such IBAN change.")
    return change


def approve(
    session: Session,
    vault: Vault,
    change_id: int,
    *,
    actor: str,
    actor_member_id: int | None,
    hold_hours: int,
    request_id: str | None = None,
    hook: Any = None,
    now: datetime | None = None,
) -> IbanChange:
    """Second approval: never by the requester nor by the member concerned (403); only a
    pending change (409 otherwise). Effective ``hold_hours`` after the approval."""
    change = get_change(session, change_id, lock=True)
    if change.status is not IbanChangeStatus.PENDING:
        raise Conflict(f"The IBAN change is {change.status}; it cannot be approved.")
    if change.requested_by == actor or actor_member_id == change.member_id:
        raise Forbidden(
            "An IBAN change needs a second staff member's approval; "
            "neither its requester nor the member concerned can approve it."
        )
    now = now or utcnow()
    change.approved_by, change.approved_at = actor, now
    change.effective_at = now + timedelta(hours=hold_hours)
    session.flush()
    _audit(
        session,
        change,
        "member.iban_change.approve",
        actor,
        request_id,
        effective_at=change.effective_at,
    )
    _notify(session, hook, vault, change, now)
    member = session.get(Member, change.member_id)
    assert member is not None
    effective_iban(session, vault, member, now)
    return change


def cancel(
    session: Session,
    change_id: int,
    *,
    actor: str,
    request_id: str | None = None,
) -> IbanChange:
    """Cancel a change not applied yet (409 once applied; cancelling twice changes nothing)."""
    change = get_change(session, change_id, lock=True)
    if change.status is IbanChangeStatus.CANCELLED:
        return change
    if change.status is IbanChangeStatus.APPLIED:
        raise Conflict("The IBAN change is applied already; request a new change instead.")
    _cancel(session, change, actor, request_id, utcnow())
    return change


def effective_iban(session: Session, vault: Vault, member: Member, now: datetime) -> str | None:
    """Apply the member's approved changes that are due at ``now`` (audited) and return the IBAN
    on file (compact, in clear; None when there is none)."""
    due = session.scalars(
        select(IbanChange)
        .where(
            IbanChange.member_id == member.id,
            _is_open(),
            IbanChange.effective_at.is_not(None),
            IbanChange.effective_at <= now,
        )
        .order_by(IbanChange.effective_at, IbanChange.id)
        .with_for_update()
    ).all()
    for change in due:
        if member.erased_at is not None:
            break
        before = vault.open(member.iban_encrypted)
        member.iban_encrypted = change.new_iban_encrypted
        change.applied_at = now
        session.flush()
        audit.record(
            session,
            actor="system:iban-hold",
            action="member.update",
            entity="member",
            entity_id=member.id,
            changes={
                "iban_change_id": change.id,
                **audit.diff(
                    {"iban": before}, {"iban": vault.open(change.new_iban_encrypted)}, ("iban",)
                ),
            },
        )
    return vault.open(member.iban_encrypted)


def erase(session: Session, member_id: int, *, actor: str, now: datetime) -> None:
    """On erasure: cancel open changes and drop every stored new IBAN of the member."""
    for change in session.scalars(select(IbanChange).where(IbanChange.member_id == member_id)):
        if change.cancelled_at is None and change.applied_at is None:
            change.cancelled_at, change.cancelled_by = now, actor
        change.new_iban_encrypted = None


def list_changes(
    session: Session, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> list[IbanChange]:
    query = select(IbanChange)
    if status is not None:
        query = query.where(STATUS_FILTERS[status]())
    return list(session.scalars(query.order_by(IbanChange.id).limit(limit).offset(offset)))


def present(change: IbanChange, vault: Vault) -> dict[str, Any]:
    """The change as the API shows it: the new IBAN always masked."""
    return {
        "id": change.id,
        "member_id": change.member_id,
        "iban": _masked(vault, change),
        "status": change.status.value,
        "requested_by": change.requested_by,
        "requested_at": change.requested_at,
        "approved_by": change.approved_by,
        "approved_at": change.approved_at,
        "effective_at": change.effective_at,
        "applied_at": change.applied_at,
        "cancelled_at": change.cancelled_at,
    }


def present_open(session: Session, vault: Vault, member_id: int) -> dict[str, Any] | None:
    change = open_change(session, member_id)
    return None if change is None else present(change, vault)
