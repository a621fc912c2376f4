"""Internal purchases: recording, accepting and cancelling transfers between two activities.

A purchase between two activities of the same node is not a sale: there is no invoice, no
contribution, no VAT and no guarantee-fund share. It is a transfer of budget, posted as one
journal entry of kind ``transfer`` keyed ``transfer:{id}``:

* debit the buyer's budget (``activity:{buyer}:budget``, a liability: it holds less);
* credit the seller's budget (``activity:{seller}:budget``: it holds more).

Who does what, and why:

* A **member of the buying activity** proposes the purchase (status ``proposed``): the buyer is
  the side that spends, so the buyer asks. Nothing is posted or reserved yet.
* A **member of the selling activity** (or staff) **accepts** it: money arrives in the seller's
  budget only for work the seller agrees it sold, and a buyer cannot push amounts (and the
  bookkeeping that follows them) onto another activity unasked. Accepting posts the entry.
* **Either side** (or staff) may **cancel** a proposal — the buyer withdraws it, the seller
  declines it. A posted transfer is never edited: it is undone by a transfer the other way.
* **Staff** record a transfer directly (both sides agreed elsewhere): it is posted at once.

A member who belongs to both activities may accept their own proposal: they speak for both sides.

The buyer's **available budget** (:func:`node.payouts.available.available_minor`) must cover the
amount when the transfer is proposed (early feedback) and again when it is posted (the binding
check), read while both activities are locked — always in id order, so two transfers in
opposite directions cannot deadlock — so parallel transfers and payouts never overdraw the
buyer. A proposal does not reserve the amount: if the budget has been spent meanwhile, accepting
is refused with 409 and nothing is posted. The figures of the buyer's budget are shown only to
callers who may see the buying activity.

Retries: an idempotency key is unique within the buying activity; the same key with the same
content returns the transfer already recorded, with other content 409.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityMember, ActivityStatus
from node.activities.service import LARGEST_ID, budget_spec, visible_activity
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from node.identity.roles import Principal
from node.ledger import service as ledger
from node.ledger.entries import EntryDraft, PostingLine
from node.money import from_minor, positive_minor
from node.payouts.available import available_minor, lock_activity
from node.transfers.models import Transfer, TransferStatus

KIND = "transfer"
MISSING = "No such transfer."


def record(
    session: Session,
    principal: Principal,
    *,
    buyer_activity_id: int,
    seller_activity_id: int,
    amount: Decimal,
    description: str,
    idempotency_key: str,
    currency: str | None = None,
    request_id: str | None = None,
) -> tuple[Transfer, bool]:
    """Record a purchase of the buying activity from the selling one: ``(transfer, created)``.

    A member of the buying activity proposes it; staff record it posted at once. 404 when the
    caller may not see the buying activity, 422 for bad input (nothing recorded), 409 for a
    closed activity, a budget that does not cover the amount or a key reused for other content.
    """
    buyer = visible_activity(session, principal, buyer_activity_id)
    errors: list[FieldError] = []
    key = idempotency_key.strip()
    if not key:
        errors.append(FieldError("idempotency_key", "An idempotency key is required.", "required"))
    text = " ".join(description.split())[:500]
    if not text:
        errors.append(FieldError("description", "Say what is bought.", "required"))
    seller = None
    if seller_activity_id == buyer.id:
        errors.append(
            FieldError("seller_activity_id", "An activity cannot buy from itself.", "same_activity")
        )
    elif 1 <= seller_activity_id <= LARGEST_ID:
        seller = session.get(Activity, seller_activity_id)
    if seller is None and seller_activity_id != buyer.id:
        errors.append(FieldError("seller_activity_id", "No such activity.", "unknown"))
    if seller is not None and seller.currency != buyer.currency:
        errors.append(
            FieldError(
                "seller_activity_id",
                f"The selling activity keeps its budget in {seller.currency}, "
                f"the buying one in {buyer.currency}.",
                "currency_mismatch",
            )
        )
    if currency is not None and currency != buyer.currency:
        errors.append(
            FieldError(
                "currency",
                f"The buying activity keeps its budget in {buyer.currency}.",
                "currency_mismatch",
            )
        )
    minor = 0
    try:
        minor = positive_minor(amount, buyer.currency)
    except ValidationProblem as problem:
        errors += problem.errors
    if errors:
        raise ValidationProblem(errors)
    assert seller is not None
    buyer, seller = _lock_pair(session, buyer.id, seller.id)
    digest = _digest(buyer.id, seller.id, minor, buyer.currency, text)
    existing = session.scalar(
        select(Transfer).where(
            Transfer.buyer_activity_id == buyer.id, Transfer.idempotency_key == key
        )
    )
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict(
                "This idempotency key was already used for a different transfer.",
                idempotency_key=key,
            )
        return existing, False
    _check_open(buyer, seller)
    _check_covered(session, buyer, minor, disclose=True)
    now = utcnow()
    direct = principal.is_staff
    row = Transfer(
        buyer_activity_id=buyer.id,
        seller_activity_id=seller.id,
        amount_minor=minor,
        currency=buyer.currency,
        description=text,
        status=(TransferStatus.POSTED if direct else TransferStatus.PROPOSED).value,
        idempotency_key=key,
        request_digest=digest,
        proposed_by=principal.actor,
        proposed_at=now,
        accepted_by=principal.actor if direct else None,
        accepted_at=now if direct else None,
    )
    session.add(row)
    session.flush()
    if direct:
        _post(session, row, buyer, seller, principal.actor)
    audit.record(
        session,
        actor=principal.actor,
        action="transfer.record" if direct else "transfer.propose",
        entity="transfer",
        entity_id=row.id,
        changes=audit.diff(
            {},
            {
                "buyer_activity_id": buyer.id,
                "seller_activity_id": seller.id,
                "amount": str(from_minor(minor, row.currency)),
                "currency": row.currency,
                "description": text,
                "status": row.status,
                "entry_id": row.entry_id,
            },
        ),
        request_id=request_id,
    )
    return row, True


def accept(
    session: Session, transfer_id: int, principal: Principal, *, request_id: str | None = None
) -> Transfer:
    """The seller accepts a proposed transfer: it is posted (idempotent once posted).

    403 unless the caller is a member of the selling activity or staff; 409 when the transfer
    was cancelled, an activity is closed, or the buyer's budget no longer covers the amount.
    """
    visible_transfer(session, principal, transfer_id)
    row = locked(session, Transfer, transfer_id, MISSING)
    if not (principal.is_staff or _member_of(session, principal, row.seller_activity_id)):
        raise Forbidden("Only a member of the selling activity, or staff, accepts a transfer.")
    if row.status == TransferStatus.POSTED:
        return row
    if row.status != TransferStatus.PROPOSED:
        raise Conflict(f"The transfer is {row.status}; it cannot be accepted.")
    buyer, seller = _lock_pair(session, row.buyer_activity_id, row.seller_activity_id)
    _check_open(buyer, seller)
    disclose = principal.is_staff or _member_of(session, principal, buyer.id)
    _check_covered(session, buyer, row.amount_minor, disclose=disclose)
    row.status, row.accepted_by = TransferStatus.POSTED.value, principal.actor
    row.accepted_at = utcnow()
    _post(session, row, buyer, seller, principal.actor)
    audit.record(
        session,
        actor=principal.actor,
        action="transfer.accept",
        entity="transfer",
        entity_id=row.id,
        changes={
            "status": [TransferStatus.PROPOSED.value, TransferStatus.POSTED.value],
            "entry_id": [None, row.entry_id],
        },
        request_id=request_id,
    )
    return row


def cancel(
    session: Session, transfer_id: int, principal: Principal, *, request_id: str | None = None
) -> Transfer:
    """Withdraw (buyer) or decline (seller) a proposed transfer; idempotent once cancelled.

    409 for a posted transfer: it is undone by a transfer the other way, never erased.
    """
    visible_transfer(session, principal, transfer_id)
    row = locked(session, Transfer, transfer_id, MISSING)
    if row.status == TransferStatus.CANCELLED:
        return row
    if row.status != TransferStatus.PROPOSED:
        raise Conflict(
            f"The transfer is {row.status}; to undo it, record a transfer the other way."
        )
    row.status, row.cancelled_by = TransferStatus.CANCELLED.value, principal.actor
    row.cancelled_at = utcnow()
    audit.record(
        session,
        actor=principal.actor,
        action="transfer.cancel",
        entity="transfer",
        entity_id=row.id,
        changes={"status": [TransferStatus.PROPOSED.value, TransferStatus.CANCELLED.value]},
        request_id=request_id,
    )
    return row


def visible_transfer(session: Session, principal: Principal, transfer_id: int) -> Transfer:
    """The transfer if the caller may see it (staff, or a member of either activity); else 404
    — the same answer as for a transfer that does not exist."""
    row = session.get(Transfer, transfer_id) if 1 <= transfer_id <= LARGEST_ID else None
    if row is None or not (
        principal.is_staff
        or _member_of(session, principal, row.buyer_activity_id)
        or _member_of(session, principal, row.seller_activity_id)
    ):
        raise NotFound(MISSING)
    return row


def transfers_of(
    session: Session,
    principal: Principal,
    *,
    activity_id: int | None = None,
    status: str | None = None,
) -> list[Transfer]:
    """Transfers the caller may see (staff: all; a member: those of their activities, bought or
    sold), optionally of one activity (either side) or in one status."""
    query = select(Transfer).order_by(Transfer.id)
    if not principal.is_staff:
        mine = select(ActivityMember.activity_id).where(
            ActivityMember.member_id == principal.member_id
        )
        query = query.where(
            or_(Transfer.buyer_activity_id.in_(mine), Transfer.seller_activity_id.in_(mine))
        )
    if activity_id is not None:
        query = query.where(
            or_(
                Transfer.buyer_activity_id == activity_id,
                Transfer.seller_activity_id == activity_id,
            )
        )
    if status is not None:
        query = query.where(Transfer.status == status)
    return list(session.scalars(query))


def _member_of(session: Session, principal: Principal, activity_id: int) -> bool:
    if principal.member_id is None:
        return False
    found = session.scalar(
        select(ActivityMember.id).where(
            ActivityMember.activity_id == activity_id,
            ActivityMember.member_id == principal.member_id,
        )
    )
    return found is not None


def _lock_pair(session: Session, buyer_id: int, seller_id: int) -> tuple[Activity, Activity]:
    """Lock both activities, lower id first (the same order everywhere: no deadlock)."""
    locked_rows = {a: lock_activity(session, a) for a in sorted((buyer_id, seller_id))}
    return locked_rows[buyer_id], locked_rows[seller_id]


def _check_open(buyer: Activity, seller: Activity) -> None:
    if buyer.status != ActivityStatus.OPEN:
        raise Conflict("The buying activity is closed.")
    if seller.status != ActivityStatus.OPEN:
        raise Conflict("The selling activity is closed.")


def _check_covered(session: Session, buyer: Activity, minor: int, *, disclose: bool) -> None:
    """409 when the buyer's available budget (read under its lock) is below ``minor``; its
    figures only for a caller who may see the buying activity."""
    available = available_minor(session, buyer)
    if minor <= available:
        return
    if not disclose:
        raise Conflict("The buying activity's available budget does not cover this transfer.")
    currency = buyer.currency
    raise Conflict(
        f"The buying activity's available budget is {from_minor(max(available, 0), currency)} "
        f"{currency}; this transfer asks for {from_minor(minor, currency)} {currency}.",
        available=str(from_minor(available, currency)),
        requested=str(from_minor(minor, currency)),
        currency=currency,
    )


def _digest(buyer_id: int, seller_id: int, minor: int, currency: str, text: str) -> str:
    """What an idempotency key stands for (nothing secret in it: a plain hash)."""
    content = {
        "buyer": buyer_id,
        "seller": seller_id,
        "amount": minor,
        "currency": currency,
        "description": text,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _post(session: Session, row: Transfer, buyer: Activity, seller: Activity, actor: str) -> None:
    """The transfer's one entry: debit the buyer's budget, credit the seller's. Nothing else."""
    for activity in (buyer, seller):
        ledger.ensure_account(session, budget_spec(activity), row.currency)
    label = f"Transfer #{row.id} from activity #{buyer.id} to activity #{seller.id}: "
    draft = EntryDraft(
        kind=KIND,
        occurred_on=utcnow().date(),
        idempotency_key=f"transfer:{row.id}",
        description=(label + row.description)[:500],
        postings=(
            PostingLine(buyer.budget_key, row.currency, row.amount_minor),
            PostingLine(seller.budget_key, row.currency, -row.amount_minor),
        ),
        meta={
            "transfer_id": str(row.id),
            "buyer_activity_id": str(buyer.id),
            "seller_activity_id": str(seller.id),
        },
    )
    row.entry_id = ledger.post(session, draft, actor=actor).id
