"""Settlement statements between this node and a peer: propose, check, confirm, net.

**Proposing** (:func:`propose`): the clearing items with the peer up to a day that no statement
holds yet, netted per currency (:func:`node.settlement.netting.statements`); each statement holds
its items (``settlement_items``, unique per item) and goes out as ``settlement-statement/1``.

**Receiving** (:func:`handle_statement`): a line for an item this node never booked with the
sender is refused (``unknown_item``), as is an item another open or confirmed statement holds
(``item_in_settlement``). When both nodes proposed at once for the same items, the statement of
the node whose id sorts first wins: the other node's own statement gives way (``refused``,
reason ``settlement_in_progress``), and that node refuses the losing one with the same code.
Otherwise every line is checked (:func:`node.settlement.netting.check_statement`) and answered
in ``settlement-answer/1``: all confirmed, or disputed line by line (nothing is held then).
A statement the peer refused (a signed business refusal) is marked ``refused`` here with the
peer's reason, and lets its items go, when this node next proposes to or hears from that peer.

**Confirmed** (both sides): the same netting entry offsets payable against receivable with the
peer, leaving the net on the payer's payable and the payee's receivable::

    debit   clearing:<peer>:payable      min(receivable, payable)
    credit  clearing:<peer>:receivable   the same

A statement with nothing due is closed at once; otherwise :mod:`node.settlement.payment` pays
and receives the net.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.chains import clearing
from node.config import Settings
from node.db.types import utcnow
from node.errors import Conflict, NotFound, ValidationProblem
from node.federation.inbox import BusinessRefusal
from node.federation.models import MessageState, OutboxMessage
from node.ledger import service as ledger
from node.ledger.entries import EntryDraft, PostingLine
from node.settlement import messages
from node.settlement.messages import money
from node.settlement.models import Role, SettledItem, State, Statement, StatementLine
from node.settlement.netting import (
    ClearingItem,
    LineCheck,
    check_statement,
    from_wire,
    mirror,
    statements,
    to_wire,
)

ENTITY = "settlement_statement"
MISSING = "No such settlement statement."
OPEN = (State.SENT.value, State.CONFIRMED.value)


class NothingToSettle(Conflict):
    """No clearing item with the peer is left for a statement (409 on the API; on the command
    line, said and not an error, so a periodic run stays quiet)."""


def record(session: Session, row: Statement, action: str, actor: str, **changes: Any) -> None:
    """Audit one step of a statement."""
    audit.record(
        session,
        actor=actor[:120],
        action=f"settlement.{action}",
        entity=ENTITY,
        entity_id=row.id,
        changes={key: [None, value] for key, value in changes.items()},
    )


def touch(row: Statement, state: State, reason: str | None = None) -> None:
    row.state, row.updated_at = state.value, utcnow()
    if reason is not None:
        row.reason = reason


def locked_statement(session: Session, statement_id: int) -> Statement:
    query = select(Statement).where(Statement.id == statement_id).with_for_update()
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound(MISSING)
    return row


def by_uid(session: Session, uid: str) -> Statement | None:
    query = select(Statement).where(Statement.uid == uid).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def pay_to(settings: Settings) -> dict[str, str] | None:
    """This node's account for a net paid to it (``payouts.debtor_iban``), if configured."""
    iban = settings["payouts.debtor_iban"]
    return {"name": settings["node.name"][:200], "iban": iban} if iban else None


def _hold(session: Session, row: Statement) -> None:
    """Take the statement's items (refused when another statement took one meanwhile)."""
    try:
        with session.begin_nested():
            session.add_all(SettledItem(item=line.item, statement_id=row.id) for line in row.lines)
    except IntegrityError:
        raise Conflict(
            "Another settlement with this peer took some of these items meanwhile.",
            reason=messages.SETTLEMENT_IN_PROGRESS,
        ) from None


def _release(session: Session, row: Statement) -> None:
    for held in session.scalars(select(SettledItem).where(SettledItem.statement_id == row.id)):
        session.delete(held)
    session.flush()


def _refused_by_peer(session: Session, peer: str) -> None:
    """Our statements ``peer`` refused (the signed refusal in the outbox): refused here too, with
    its reason, and their items free again, else they would be held for good."""
    query = (
        select(Statement, OutboxMessage.receipt)
        .join(OutboxMessage, OutboxMessage.conversation == Statement.uid)
        .where(
            Statement.peer_node == peer,
            Statement.role == Role.SENDER.value,
            Statement.state == State.SENT.value,
            OutboxMessage.type == messages.STATEMENT,
            OutboxMessage.state == MessageState.REFUSED.value,
        )
        .with_for_update(of=Statement)
        .execution_options(populate_existing=True)
    )
    for row, receipt in session.execute(query).all():
        reason = str((receipt or {}).get("body", {}).get("reason") or "refused")[:64]
        touch(row, State.REFUSED, reason)
        _release(session, row)
        record(session, row, "refused", f"peer:{peer}", reason=reason)


def _row(
    uid: str,
    peer: str,
    role: Role,
    lines: Sequence[ClearingItem],
    period: tuple[date, date],
    currency: str,
    payer: str | None,
    actor: str,
) -> Statement:
    receivable = sum(i.amount_minor for i in lines if i.direction == "receivable")
    payable = sum(i.amount_minor for i in lines if i.direction == "payable")
    row = Statement(
        uid=uid,
        peer_node=peer,
        role=role.value,
        period_start=period[0],
        period_end=period[1],
        currency=currency,
        receivable_minor=receivable,
        payable_minor=payable,
        net_minor=receivable - payable,
        payer=payer,
        state=State.SENT.value,
        created_by=actor[:120],
    )
    row.lines = [
        StatementLine(position=n, item=i.item, direction=i.direction, amount_minor=i.amount_minor)
        for n, i in enumerate(lines)
    ]
    return row


# -- proposing ---------------------------------------------------------------------------------------


def statement_body(row: Statement, own_node: str) -> dict[str, Any]:
    payer = row.payer or own_node
    body: dict[str, Any] = {
        "statement": row.uid,
        "period": {"start": row.period_start.isoformat(), "end": row.period_end.isoformat()},
        "currency": row.currency,
        "lines": [
            {
                "item": line.item,
                "direction": to_wire(line.direction),  # type: ignore[arg-type]
                "amount": money(line.amount_minor, row.currency),
            }
            for line in row.lines
        ],
        "net": {"payer": payer, "amount": money(abs(row.net_minor), row.currency)},
    }
    if row.pay_to is not None:
        body["pay_to"] = row.pay_to
    return body


def propose(
    session: Session,
    settings: Settings,
    own_node: str,
    peer: str,
    until: date,
    *,
    actor: str,
) -> list[Statement]:
    """One statement per currency of the items with ``peer`` up to ``until`` that no statement
    holds yet; 409 when there are none."""
    if messages.peer_row(session, peer, active=True) is None:
        raise ValidationProblem.single("peer", "Not an active peer.", "not_a_peer")
    _refused_by_peer(session, peer)
    items = messages.clearing_items(session, peer, until)
    held = messages.holders(session, (i.item for i in items))
    free = [i for i in items if i.item not in held]
    if not free:
        raise NothingToSettle(f"Nothing to settle with {peer} up to {until.isoformat()}.")
    start = min(i.occurred_on for i in free)
    made: list[Statement] = []
    for netted in statements(free, start, until):
        payer = {"us": own_node, "peer": peer, None: None}[netted.payer]
        row = _row(
            str(uuid.uuid4()),
            peer,
            Role.SENDER,
            netted.lines,
            (start, until),
            netted.currency,
            payer,
            actor,
        )
        if payer == peer:
            row.pay_to = pay_to(settings)
        session.add(row)
        session.flush()
        _hold(session, row)
        messages.send(session, peer, messages.STATEMENT, statement_body(row, own_node), row.uid)
        record(session, row, "propose", actor, uid=row.uid, net_minor=row.net_minor)
        made.append(row)
    return made


# -- netting (both sides) ------------------------------------------------------------------------------


def net(session: Session, row: Statement, actor: str) -> None:
    """The statement is confirmed: post the netting entry; close it when nothing is due."""
    offset = min(row.receivable_minor, row.payable_minor)
    if offset:
        payable, receivable = clearing.payable(row.peer_node), clearing.receivable(row.peer_node)
        for spec in (payable, receivable):
            ledger.ensure_account(session, spec, row.currency)
        draft = EntryDraft(
            kind="settlement.netting",
            occurred_on=utcnow().date(),
            idempotency_key=f"settlement:{row.uid}:netting",
            description=f"Settlement {row.uid} with {row.peer_node}: netting"[:500],
            postings=(
                PostingLine(payable.key, row.currency, offset),
                PostingLine(receivable.key, row.currency, -offset),
            ),
            meta={"statement": row.uid},
        )
        row.netting_entry_id = ledger.post(session, draft, actor=actor).id
    touch(row, State.CONFIRMED if row.net_minor else State.CLOSED)


# -- receiving a statement ------------------------------------------------------------------------


def _their_lines(body: dict[str, Any]) -> list[ClearingItem]:
    """The statement's lines as the sender books them."""
    currency, day = body["currency"], date.fromisoformat(body["period"]["end"])
    lines = []
    for line in body["lines"]:
        amount = messages.minor_of(line["amount"], currency)
        try:
            lines.append(
                ClearingItem(line["item"], from_wire(line["direction"]), amount, currency, day)
            )
        except ValueError as exc:
            raise BusinessRefusal(messages.INVALID_AMOUNT, str(exc)[:500]) from None
    return lines


def _check_net(body: dict[str, Any], lines: list[ClearingItem], sender: str, own: str) -> None:
    net = sum(line.signed_minor for line in lines)  # > 0: we (the receiver) owe the sender
    stated = messages.minor_of(body["net"]["amount"], body["currency"])
    payer = body["net"]["payer"]
    if stated != abs(net) or (net > 0 and payer != own) or (net < 0 and payer != sender):
        raise BusinessRefusal(messages.NET_MISMATCH, "the net does not follow from the lines")


def _give_way(
    session: Session, lines: list[ClearingItem], sender: str, own: str
) -> tuple[set[str], list[Statement]]:
    """Items already settled here, and this node's own open statements that lose to the
    sender's (refuses the message when ours wins or another statement holds an item)."""
    settled: set[str] = set()
    losers: dict[int, Statement] = {}
    for item, holder in messages.holders(session, (line.item for line in lines)).items():
        if holder.state in (State.PAID.value, State.CLOSED.value):
            settled.add(item)
        elif holder.state == State.SENT.value and holder.peer_node == sender:
            if own < sender:
                raise BusinessRefusal(
                    messages.SETTLEMENT_IN_PROGRESS,
                    f"this node's statement {holder.uid} goes first",
                )
            losers[holder.id] = holder
        else:
            raise BusinessRefusal(
                messages.ITEM_IN_SETTLEMENT, f"item {item} is in statement {holder.uid}"
            )
    return settled, list(losers.values())


def answer_body(row: Statement, checks: Sequence[LineCheck], settings: Settings) -> dict[str, Any]:
    confirmed = all(c.status == "confirmed" for c in checks)
    body: dict[str, Any] = {
        "statement": row.uid,
        "decision": "confirmed" if confirmed else "disputed",
        "lines": [
            {"item": c.item, "status": c.status, **({"reason": c.reason} if c.reason else {})}
            for c in checks
        ],
    }
    mine = pay_to(settings)
    if confirmed and row.net_minor > 0 and mine is not None:
        body["pay_to"] = mine
    return body


def handle_statement(settings: Settings, session: Session, message: Envelope) -> None:
    """Check a peer's statement line by line and answer it (see the module)."""
    body, sender, own = message.body, message.iss, message.aud
    known = by_uid(session, body["statement"])
    if known is not None:
        if known.role == Role.RECEIVER and known.peer_node == sender:
            return  # answered already
        raise BusinessRefusal(messages.STATEMENT_CONFLICT, "another statement has this id")
    theirs = _their_lines(body)
    _refused_by_peer(session, sender)
    ours = messages.clearing_items(session, sender)
    mine = {i.item for i in ours}
    unknown = [line.item for line in theirs if line.item not in mine]
    if unknown:
        raise BusinessRefusal(messages.UNKNOWN_ITEM, f"no clearing item {unknown[0]} here")
    _check_net(body, theirs, sender, own)
    settled, losers = _give_way(session, theirs, sender, own)
    checks = check_statement(theirs, ours, settled)
    for loser in losers:
        touch(loser, State.REFUSED, messages.SETTLEMENT_IN_PROGRESS)
        _release(session, loser)
        record(session, loser, "gave_way", f"peer:{sender}", to=body["statement"])
    period = (
        date.fromisoformat(body["period"]["start"]),
        date.fromisoformat(body["period"]["end"]),
    )
    row = _row(
        body["statement"],
        sender,
        Role.RECEIVER,
        [mirror(line) for line in theirs],
        period,
        body["currency"],
        body["net"]["payer"],
        f"peer:{sender}",
    )
    for line, check in zip(row.lines, checks, strict=True):
        line.status, line.reason = check.status, check.reason
    if row.net_minor < 0:
        row.pay_to = body.get("pay_to")
    session.add(row)
    session.flush()
    confirmed = all(c.status == "confirmed" for c in checks)
    if confirmed:
        _hold(session, row)
        net(session, row, f"peer:{sender}")
    else:
        touch(row, State.DISPUTED)
    reply = answer_body(row, checks, settings)
    messages.send(session, sender, messages.ANSWER, reply, row.uid)
    record(session, row, "received", f"peer:{sender}", decision=reply["decision"])


# -- the answer, at the sender ----------------------------------------------------------------------


def handle_answer(session: Session, message: Envelope) -> None:
    """The peer confirmed (net it here too) or disputed (let the items go) our statement."""
    body = message.body
    row = by_uid(session, body["statement"])
    if row is None or row.role != Role.SENDER or row.peer_node != message.iss:
        raise BusinessRefusal(messages.UNKNOWN_STATEMENT, "no statement of this node to the sender")
    if [line["item"] for line in body["lines"]] != [line.item for line in row.lines]:
        raise BusinessRefusal(
            messages.ANSWER_MISMATCH, "the answer's lines are not the statement's"
        )
    if row.state != State.SENT:
        return  # answered already, or ours gave way to the peer's statement
    for line, verdict in zip(row.lines, body["lines"], strict=True):
        line.status, line.reason = verdict["status"], verdict.get("reason")
    if body["decision"] == "confirmed":
        if any(line["status"] != "confirmed" for line in body["lines"]):
            raise BusinessRefusal(messages.ANSWER_MISMATCH, "confirmed with a disputed line")
        if row.net_minor > 0:
            row.pay_to = body.get("pay_to") or row.pay_to
        elif row.net_minor < 0:
            row.pay_to = body.get("pay_to")
        net(session, row, f"peer:{message.iss}")
    else:
        touch(row, State.DISPUTED)
        _release(session, row)
    record(session, row, "answered", f"peer:{message.iss}", decision=body["decision"])


# -- reading -------------------------------------------------------------------------------------------


def statements_of(session: Session, peer: str | None = None) -> list[Statement]:
    query = select(Statement).order_by(Statement.id)
    if peer is not None:
        query = query.where(Statement.peer_node == peer)
    return list(session.scalars(query))


def get(session: Session, statement_id: int) -> Statement:
    row = session.get(Statement, statement_id)
    if row is None:
        raise NotFound(MISSING)
    return row


def view(row: Statement) -> dict[str, Any]:
    amount = messages.money
    return {
        "id": row.id,
        "uid": row.uid,
        "peer": row.peer_node,
        "role": row.role,
        "state": row.state,
        "reason": row.reason,
        "period": {"start": row.period_start, "end": row.period_end},
        "currency": row.currency,
        "receivable": amount(row.receivable_minor, row.currency)["amount"],
        "payable": amount(row.payable_minor, row.currency)["amount"],
        "net": amount(abs(row.net_minor), row.currency)["amount"],
        "payer": row.payer if row.net_minor else None,
        "pay_to": row.pay_to,
        "payout_id": row.payout_id,
        "end_to_end_id": row.end_to_end_id,
        "paid_on": row.paid_on,
        "lines": [
            {
                "item": line.item,
                "direction": line.direction,
                "amount": amount(line.amount_minor, row.currency)["amount"],
                "status": line.status,
                "reason": line.reason,
            }
            for line in row.lines
        ],
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
