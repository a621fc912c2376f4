"""Paying and receiving a confirmed statement's net.

**The payer** pays through the payout path (:func:`pay`): a ``settlement`` payout out of its
clearing payable on the peer, to the account the payee named (``pay_to``) or one staff give, with
the usual approval threshold, pain.001 batch and CAMT.053 debit matching. When the bank's debit
is matched (or staff confirm it), :func:`after_payout_paid` closes the statement and sends
``settlement-paid/1`` with the transfer's end-to-end id.

**The payee** learns of the transfer (:func:`handle_paid`, state ``paid``) and closes its
receivable when the credit is seen (:func:`record_received`, by staff from the bank statement)::

    debit   bank                          the net
    credit  clearing:<peer>:receivable    the net

After both, the clearing balances with the peer for the statement's items are zero on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node.banking.matching import (
    BankLine,
    ExpectedTransfer,
    Reason,
    Unmatched,
    match_transfers,
    uuids_in,
)
from node.chains import clearing
from node.config import Settings
from node.db.types import utcnow
from node.errors import Conflict
from node.federation.inbox import BusinessRefusal
from node.ledger import service as ledger
from node.ledger.entries import EntryDraft, PostingLine
from node.members.identifiers import Vault
from node.money import from_minor
from node.payouts import service as payouts
from node.payouts.models import Payout, PayoutStatus
from node.settlement import messages
from node.settlement.models import State, Statement
from node.settlement.service import by_uid, locked_statement, record, touch


def _payable_by_us(row: Statement) -> None:
    if row.net_minor >= 0:
        raise Conflict("This node does not pay this statement's net; the peer does.")


def pay(
    session: Session,
    settings: Settings,
    vault: Vault,
    statement_id: int,
    *,
    actor: str,
    creditor_name: str | None = None,
    creditor_iban: str | None = None,
    request_id: str | None = None,
) -> Statement:
    """Pay the net of a confirmed statement this node owes (idempotent while its payout lives)."""
    row = locked_statement(session, statement_id)
    _payable_by_us(row)
    if row.state != State.CONFIRMED:
        raise Conflict(f"The statement is {row.state}: only a confirmed one is paid.")
    previous = None if row.payout_id is None else session.get(Payout, row.payout_id)
    if previous is not None and previous.status != PayoutStatus.CANCELLED:
        return row
    to = row.pay_to or {}
    made, _created = payouts.settlement_payout(
        session,
        clearing.payable(row.peer_node),
        -row.net_minor,
        row.currency,
        f"settlement:{row.uid}:{0 if previous is None else previous.id}",
        creditor=payouts.Creditor(
            name=creditor_name or to.get("name"), iban=creditor_iban or to.get("iban")
        ),
        actor=actor,
        vault=vault,
        second_approval_above=settings["payouts.second_approval_above"],
        description=f"Settlement {row.uid}",
        request_id=request_id,
    )
    row.payout_id, row.end_to_end_id, row.updated_at = made.id, made.end_to_end_id, utcnow()
    record(session, row, "pay", actor, payout_id=made.id)
    return row


def after_payout_paid(session: Session, payout: Payout) -> None:
    """The payout path saw a settlement payout paid: close the statement, tell the payee."""
    row = session.scalars(
        select(Statement).where(Statement.payout_id == payout.id).with_for_update()
    ).one_or_none()
    if row is None or row.state != State.CONFIRMED:
        return
    row.paid_on = payout.paid_on
    touch(row, State.CLOSED)
    body = {
        "statement": row.uid,
        "end_to_end_id": payout.end_to_end_id,
        "amount": messages.money(payout.amount_minor, payout.currency),
        "executed_on": (payout.paid_on or utcnow().date()).isoformat(),
    }
    messages.send(session, row.peer_node, messages.PAID, body, row.uid)
    record(session, row, "paid", "settlement", end_to_end_id=payout.end_to_end_id)


def handle_paid(session: Session, message: Envelope) -> None:
    """The payer announced its transfer: remember its end-to-end id to match the credit."""
    body = message.body
    row = by_uid(session, body["statement"])
    if row is None or row.peer_node != message.iss:
        raise BusinessRefusal(messages.UNKNOWN_STATEMENT, "no statement with the sender")
    if row.net_minor <= 0:
        raise BusinessRefusal(messages.NOT_PAYER, "the sender is not due to pay this statement")
    if messages.minor_of(body["amount"], row.currency) != row.net_minor:
        raise BusinessRefusal(messages.AMOUNT_MISMATCH, "not the statement's net")
    if row.state in (State.PAID, State.CLOSED):
        return
    if row.state != State.CONFIRMED:
        raise BusinessRefusal(messages.NOT_CONFIRMED, f"the statement is {row.state}")
    row.end_to_end_id = body["end_to_end_id"]
    row.paid_on = date.fromisoformat(body["executed_on"])
    touch(row, State.PAID)
    record(session, row, "payer_paid", f"peer:{message.iss}", end_to_end_id=row.end_to_end_id)


def record_received(
    session: Session,
    statement_id: int,
    *,
    received_on: date,
    actor: str,
    bank_reference: str | None = None,
    source: str = "manual",
) -> Statement:
    """The net arrived on this node's bank account: close the receivable (once).

    ``source`` says who saw the credit: staff (``manual``) or a CAMT.053 import (``camt``)."""
    row = locked_statement(session, statement_id)
    if row.net_minor <= 0:
        raise Conflict("This node pays this statement's net; it receives nothing.")
    if row.state == State.CLOSED:
        return row
    if row.state not in (State.CONFIRMED, State.PAID):
        raise Conflict(f"The statement is {row.state}: nothing is due on it.")
    receivable = clearing.receivable(row.peer_node)
    for spec in (payouts.BANK, receivable):
        ledger.ensure_account(session, spec, row.currency)
    meta: dict[str, Any] = {"statement": row.uid}
    if row.end_to_end_id:
        meta["end_to_end_id"] = row.end_to_end_id
    if bank_reference:
        meta["bank_reference"] = bank_reference[:80]
    draft = EntryDraft(
        kind="settlement.received",
        occurred_on=received_on,
        idempotency_key=f"settlement:{row.uid}:received",
        description=f"Settlement {row.uid} from {row.peer_node}: "
        f"{from_minor(row.net_minor, row.currency)} {row.currency} received"[:500],
        postings=(
            PostingLine(payouts.BANK.key, row.currency, row.net_minor),
            PostingLine(receivable.key, row.currency, -row.net_minor),
        ),
        meta=meta,
    )
    row.received_entry_id = ledger.post(session, draft, actor=actor).id
    row.paid_on = row.paid_on or received_on
    touch(row, State.CLOSED)
    record(
        session, row, "received_payment", actor, received_on=received_on.isoformat(), source=source
    )
    return row


# -- the credit on a CAMT.053 statement -------------------------------------------------------

#: The states in which a statement's net is due to arrive.
_DUE = (State.CONFIRMED.value, State.PAID.value)


@dataclass(frozen=True)
class Credits:
    """What :func:`receive_credits` did with a file's credit lines."""

    received: list[tuple[BankLine, Statement]]  # lines recorded as the statement's receipt
    already: list[tuple[BankLine, Statement]]  # lines naming a statement already received
    unmatched: list[Unmatched]  # lines naming a statement, with the wrong amount or state
    rest: list[BankLine]  # lines naming no statement: client payments, perhaps


def _named_statements(session: Session, lines: Sequence[BankLine]) -> list[Statement]:
    """Statements this node is paid on that ``lines`` name by end-to-end id or uuid, locked."""
    ids = sorted({line.end_to_end_id for line in lines if line.end_to_end_id})
    uids = sorted({uid for line in lines for uid in uuids_in(line.remittance_text)})
    found: dict[int, Statement] = {}
    for column, values in ((Statement.end_to_end_id, ids), (Statement.uid, uids)):
        for start in range(0, len(values), 500):
            query = (
                select(Statement)
                .where(Statement.net_minor > 0, column.in_(values[start : start + 500]))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            found.update((row.id, row) for row in session.scalars(query))
    return [found[key] for key in sorted(found)]


def _expected(row: Statement) -> ExpectedTransfer:
    return ExpectedTransfer(
        row.uid, row.end_to_end_id, from_minor(row.net_minor, row.currency), row.currency
    )


def receive_credits(
    session: Session, lines: Sequence[BankLine], *, today: date, actor: str
) -> Credits:
    """Record the booked credits that pay a statement's net as its receipt (:func:`record_received`,
    so the receivable closes once); a line for a statement already received changes nothing."""
    rows = {row.uid: row for row in _named_statements(session, lines)}
    result = match_transfers([_expected(row) for row in rows.values()], lines)
    received: list[tuple[BankLine, Statement]] = []
    already: list[tuple[BankLine, Statement]] = []
    unmatched = list(result.unmatched)
    for match in result.matches:
        row, line = rows[match.key], match.line
        if row.state == State.CLOSED:
            already.append((line, row))
        elif row.state not in _DUE:
            detail = f"settlement statement {row.uid} is {row.state}: nothing is due on it"
            unmatched.append(Unmatched(line, Reason.NOT_DUE, detail))
        else:
            row.end_to_end_id = row.end_to_end_id or line.end_to_end_id
            record_received(
                session,
                row.id,
                received_on=line.booking_date or today,
                actor=actor,
                bank_reference=line.entry_ref or line.end_to_end_id,
                source="camt",
            )
            received.append((line, row))
    return Credits(received, already, unmatched, list(result.rest))
