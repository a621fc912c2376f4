"""Reconciliation with a peer: ask for its clearing items, compare them with ours to the cent.

:func:`start` records a reconciliation and sends ``clearing-query/1``; the peer answers
(:func:`handle_query`) with ``clearing-report/1``: its items with this node as of the day asked,
each marked settled when a closed statement settled it there. :func:`handle_report` compares the
items still open on each side (:func:`node.settlement.reconcile.reconcile`: every differing item
and both sides' balances) and stores the result with its summary line,
``reconciliation BE-FR: balanced`` (the two countries in alphabetical order, so both nodes print
the same line).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.envelope import Envelope
from node import audit
from node.db.types import utcnow
from node.errors import NotFound, ValidationProblem
from node.federation.inbox import BusinessRefusal
from node.money import from_minor
from node.settlement import messages
from node.settlement.models import Reconciliation
from node.settlement.netting import ClearingItem, from_wire, to_wire
from node.settlement.reconcile import Difference, reconcile, summary_line

WAITING, DONE = "waiting", "done"
MISSING = "No such reconciliation."


def pair_label(own_country: str, peer_country: str) -> str:
    return "-".join(sorted((own_country.upper(), peer_country.upper())))


def start(session: Session, peer: str, as_of: date, *, actor: str) -> Reconciliation:
    """Record a reconciliation with ``peer`` and send it the query."""
    if messages.peer_row(session, peer, active=True) is None:
        raise ValidationProblem.single("peer", "Not an active peer.", "not_a_peer")
    row = Reconciliation(
        uid=str(uuid.uuid4()), peer_node=peer, as_of=as_of, state=WAITING, created_by=actor[:120]
    )
    session.add(row)
    session.flush()
    body = {"query": row.uid, "as_of": as_of.isoformat()}
    messages.send(session, peer, messages.QUERY, body, row.uid)
    audit.record(
        session,
        actor=actor[:120],
        action="settlement.reconcile",
        entity="settlement_reconciliation",
        entity_id=row.id,
        changes={"peer": [None, peer]},
    )
    return row


def _open_items(session: Session, peer: str, as_of: date) -> list[ClearingItem]:
    closed = messages.closed_items(session, peer)
    return [i for i in messages.clearing_items(session, peer, as_of) if i.item not in closed]


def handle_query(session: Session, message: Envelope) -> None:
    """Report this node's clearing items with the sender as of the day asked."""
    as_of = date.fromisoformat(message.body["as_of"])
    closed = messages.closed_items(session, message.iss)
    items = [
        {
            "item": i.item,
            "direction": to_wire(i.direction),
            "amount": messages.money(i.amount_minor, i.currency),
            "settled": i.item in closed,
        }
        for i in messages.clearing_items(session, message.iss, as_of)
    ]
    body = {"query": message.body["query"], "as_of": as_of.isoformat(), "items": items}
    messages.send(session, message.iss, messages.REPORT, body, message.body["query"])


def _their_open(body: dict[str, Any]) -> list[ClearingItem]:
    day = date.fromisoformat(body["as_of"])
    items = []
    for entry in body["items"]:
        if entry["settled"]:
            continue
        currency = entry["amount"]["currency"]
        amount = messages.minor_of(entry["amount"], currency)
        try:
            items.append(
                ClearingItem(entry["item"], from_wire(entry["direction"]), amount, currency, day)
            )
        except ValueError as exc:
            raise BusinessRefusal(messages.INVALID_AMOUNT, str(exc)[:500]) from None
    return items


def _difference(d: Difference, currency: dict[str, str]) -> dict[str, Any]:
    unit = currency.get(d.item, "EUR")

    def shown(minor: int | None) -> str | None:
        return None if minor is None else str(from_minor(minor, unit))

    return {
        "item": d.item,
        "kind": d.kind,
        "currency": unit,
        "ours": shown(d.ours_minor),
        "theirs": shown(d.theirs_minor),
    }


def handle_report(own_country: str, session: Session, message: Envelope) -> None:
    """Compare the peer's report with our items and store the result."""
    body = message.body
    row = session.scalars(
        select(Reconciliation).where(Reconciliation.uid == body["query"]).with_for_update()
    ).one_or_none()
    if row is None or row.peer_node != message.iss:
        raise BusinessRefusal(
            messages.UNKNOWN_QUERY, "no clearing query of this node to the sender"
        )
    if row.state == DONE:
        return
    ours = _open_items(session, row.peer_node, row.as_of)
    theirs = _their_open(body)
    try:
        result = reconcile(ours, theirs)
    except ValueError as exc:
        raise BusinessRefusal(messages.INVALID_AMOUNT, str(exc)[:500]) from None
    peer = messages.peer_row(session, row.peer_node)
    label = pair_label(own_country, peer.country if peer is not None else "??")
    currency = {i.item: i.currency for i in [*theirs, *ours]}

    def balances(figures: Any) -> dict[str, dict[str, str]]:
        return {
            c: {
                "receivable": str(from_minor(b.receivable_minor, c)),
                "payable": str(from_minor(b.payable_minor, c)),
                "net": str(from_minor(b.net_minor, c)),
            }
            for c, b in figures.items()
        }

    row.result = {
        "differences": [_difference(d, currency) for d in result.differences],
        "our_balances": balances(result.our_balances),
        "their_balances": balances(result.their_balances),
    }
    row.balanced = result.balanced
    row.summary = summary_line(label, result)
    row.state, row.answered_at = DONE, utcnow()


def get(session: Session, reconciliation_id: int) -> Reconciliation:
    row = session.get(Reconciliation, reconciliation_id)
    if row is None:
        raise NotFound(MISSING)
    return row


def lines(row: Reconciliation) -> list[str]:
    """The summary line, then one line per difference (what the CLI prints)."""
    if row.summary is None:
        return []
    out = [row.summary]
    for d in (row.result or {}).get("differences", []):
        out.append(
            f"  {d['item']}  {d['kind']}  ours {d['ours'] or '-'}  theirs {d['theirs'] or '-'}"
            f" {d['currency']}"
        )
    return out


def view(row: Reconciliation) -> dict[str, Any]:
    return {
        "id": row.id,
        "uid": row.uid,
        "peer": row.peer_node,
        "as_of": row.as_of,
        "state": row.state,
        "balanced": row.balanced,
        "summary": row.summary,
        "result": row.result,
        "lines": lines(row),
        "created_at": row.created_at,
        "answered_at": row.answered_at,
    }
