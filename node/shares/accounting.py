"""Share movements in the books: capital is equity, posted in the same transaction as the movement.

A subscription makes the member owe the co-op the nominal value (called-up capital receivable)
and raises the share capital of the class; a redemption lowers the capital and makes the co-op owe
the member the repayment. The payments themselves (member pays in, co-op pays out) are posted by
the money-in and payout paths.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from node.ledger import service as ledger
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.shares.models import ShareMovement, ShareTransaction

RECEIVABLE = ledger.AccountSpec(
    "members:share_capital_receivable", "Share capital called, not yet paid", AccountType.ASSET
)
TO_REPAY = ledger.AccountSpec(
    "members:shares_to_repay", "Redeemed shares to repay to members", AccountType.LIABILITY
)


def capital_account(share_class: str) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        f"equity:share_capital:{share_class}",
        f"Share capital, class {share_class}",
        AccountType.EQUITY,
    )


def post_movement(session: Session, row: ShareTransaction, *, actor: str) -> None:
    """Post the entry of one share movement (idempotent through the movement's own key)."""
    capital = capital_account(row.share_class)
    counterpart = RECEIVABLE if row.movement == ShareMovement.SUBSCRIPTION else TO_REPAY
    for spec in (capital, counterpart):
        ledger.ensure_account(session, spec, row.currency)
    amount = row.count * row.unit_value_minor
    sign = 1 if row.movement == ShareMovement.SUBSCRIPTION else -1
    verb = "subscribed" if sign == 1 else "redeemed"
    draft = EntryDraft(
        kind=f"shares.{row.movement}",
        occurred_on=row.effective_on,
        idempotency_key=f"shares:{row.idempotency_key}",
        description=f"{row.count} class {row.share_class} shares {verb} by member #{row.member_id}",
        postings=(
            PostingLine(counterpart.key, row.currency, sign * amount),
            PostingLine(capital.key, row.currency, -sign * amount),
        ),
        meta={"member_id": str(row.member_id), "share_transaction_id": str(row.id)},
    )
    ledger.post(session, draft, actor=actor)
