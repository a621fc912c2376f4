"""Settlement statements at one node, with a peer the test plays: proposing and netting, the
receiver's checks and refusals, two settlements started at once, paying and receiving the net."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from node.activities.models import Activity
from node.chains import clearing
from node.db.types import utcnow
from node.errors import Conflict, ValidationProblem
from node.federation.models import MessageState, OutboxMessage
from node.payouts import service as payouts
from node.runtime import Node
from node.settlement import messages, payment, service
from node.settlement.models import SettledItem, Statement, StatementLine
from tests.node.chains.chain_helpers import balance
from tests.node.federation.fed_helpers import RECEIVER
from tests.node.settlement.conftest import EARLY, FR, FR_IBAN, OWN_IBAN
from tests.node.settlement.settle_helpers import Peer, book_item, queued, statement_from

TODAY = utcnow().date()


def propose(node: Node, peer: str) -> list[Statement]:
    with node.db.transaction() as session:
        return service.propose(session, node.settings, RECEIVER, peer, TODAY, actor="staff")


def rows(node: Node) -> dict[str, int]:
    """Row counts a refused message must leave alone."""
    with node.db.reading() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Statement, StatementLine, SettledItem)
        }


def statement(node: Node, uid: str) -> Statement:
    with node.db.reading() as session:
        found = service.by_uid(session, uid)
        assert found is not None
        session.expunge_all()  # kept as read, after the read-only transaction ends
        return found


def payable(node: Node, peer: str) -> int:
    return -balance(node, clearing.payable(peer).key)


def receivable(node: Node, peer: str) -> int:
    return balance(node, clearing.receivable(peer).key)


def test_a_statement_nets_both_directions_and_holds_its_items(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    due = book_item(node, FR, "receivable", 15_000)
    (row,) = propose(node, FR)
    assert (row.receivable_minor, row.payable_minor, row.net_minor) == (15_000, 40_000, -25_000)
    assert row.payer == RECEIVER and row.state == "sent" and row.pay_to is None
    (body,) = queued(node, messages.STATEMENT)
    assert body["_conversation"] == row.uid
    assert {
        (line["item"], line["direction"], line["amount"]["amount"]) for line in body["lines"]
    } == {
        (owed, "sender_owes", "400.00"),
        (due, "receiver_owes", "150.00"),
    }
    assert body["net"] == {"payer": RECEIVER, "amount": {"amount": "250.00", "currency": "EUR"}}
    # The same node again: every item is held, so nothing is left to settle.
    with pytest.raises(Conflict, match="Nothing to settle"):
        propose(node, FR)


def test_an_item_is_held_by_one_statement_only(node: Node, fr: Peer) -> None:
    book_item(node, FR, "payable", 100)
    (row,) = propose(node, FR)
    with pytest.raises(IntegrityError), node.db.transaction() as session:
        session.add(SettledItem(item=row.lines[0].item, statement_id=row.id))
        session.flush()


def test_a_statement_the_peer_refused_lets_its_items_go(node: Node, fr: Peer) -> None:
    """The peer's signed refusal (in the outbox) marks our statement refused with its reason
    when we next settle with that peer; its items are settled by the next statement."""
    item = book_item(node, FR, "payable", 2_500)
    (first,) = propose(node, FR)
    with node.db.transaction() as session:
        sent = session.scalars(
            select(OutboxMessage).where(OutboxMessage.conversation == first.uid)
        ).one()
        sent.state = MessageState.REFUSED.value
        sent.receipt = {"body": {"outcome": "refused", "reason": "unknown_item"}}

    (second,) = propose(node, FR)

    refused = statement(node, first.uid)
    assert (refused.state, refused.reason) == ("refused", "unknown_item")
    assert [line.item for line in statement(node, second.uid).lines] == [item]


def test_the_payee_asks_to_be_paid_on_its_account(node: Node, fr: Peer) -> None:
    book_item(node, FR, "receivable", 9_000)
    (row,) = propose(node, FR)
    assert row.payer == FR and row.pay_to == {"name": "Coop BE", "iban": OWN_IBAN}
    (body,) = queued(node, messages.STATEMENT)
    assert body["pay_to"]["iban"] == OWN_IBAN


def test_the_receiver_confirms_nets_and_answers(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)  # we owe France
    due = book_item(node, FR, "receivable", 10_000)  # France owes us
    body = statement_from(
        FR,
        [(owed, "receiver_owes", "400.00"), (due, "sender_owes", "100.00")],
        payer=RECEIVER,
        net="300.00",
        pay_to={"name": "Coop FR", "iban": FR_IBAN},
    )
    assert fr.send(messages.STATEMENT, body, body["statement"])["outcome"] == "accepted"
    row = statement(node, body["statement"])
    assert (row.role, row.state, row.net_minor, row.payer) == (
        "receiver",
        "confirmed",
        -30_000,
        RECEIVER,
    )
    assert [line.status for line in row.lines] == ["confirmed", "confirmed"]
    (answer,) = queued(node, messages.ANSWER)
    assert answer["decision"] == "confirmed" and "pay_to" not in answer
    # Netted: 100.00 offset on both accounts, the net left on our payable.
    assert (payable(node, FR), receivable(node, FR)) == (30_000, 0)
    # A second delivery of the same statement changes nothing.
    again = fr.send(messages.STATEMENT, body, body["statement"])
    assert again["outcome"] == "accepted" and len(queued(node, messages.ANSWER)) == 1


def test_a_wrong_amount_is_disputed_line_by_line_and_nothing_is_held(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    due = book_item(node, FR, "receivable", 10_000)
    body = statement_from(
        FR,
        [(owed, "receiver_owes", "400.00"), (due, "sender_owes", "100.01")],
        payer=RECEIVER,
        net="299.99",
    )
    assert fr.send(messages.STATEMENT, body, body["statement"])["outcome"] == "accepted"
    (answer,) = queued(node, messages.ANSWER)
    assert answer["decision"] == "disputed"
    assert answer["lines"] == [
        {"item": owed, "status": "confirmed"},
        {"item": due, "status": "disputed", "reason": "amount_mismatch"},
    ]
    assert statement(node, body["statement"]).state == "disputed"
    assert rows(node)["settlement_items"] == 0
    assert (payable(node, FR), receivable(node, FR)) == (40_000, 10_000)


@pytest.mark.parametrize(
    ("case", "reason"),
    [("unseen", "unknown_item"), ("net", "net_mismatch"), ("held", "item_in_settlement")],
)
def test_refused_statements_change_nothing(node: Node, fr: Peer, case: str, reason: str) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    lines = [(owed, "receiver_owes", "400.00")]
    if case == "held":  # another statement from France holds the item, confirmed
        first = statement_from(FR, lines, payer=RECEIVER, net="400.00")
        assert fr.send(messages.STATEMENT, first, first["statement"])["outcome"] == "accepted"
    if case == "unseen":
        lines.append(("6f1c2a1e-8d4b-4f3a-9c2e-1b7d5e9a0c11", "sender_owes", "1.00"))
    body = statement_from(FR, lines, payer=RECEIVER, net="400.00" if case != "net" else "40.00")
    if case == "unseen":
        body["net"]["amount"]["amount"] = "399.00"
    before, books = rows(node), payable(node, FR)
    receipt = fr.send(messages.STATEMENT, body, body["statement"])
    assert (receipt["outcome"], receipt["reason"]) == ("refused", reason)
    assert rows(node) == before and payable(node, FR) == books


def test_two_settlements_at_once_the_first_node_id_wins(node: Node, fr: Peer) -> None:
    """This node (http://127.0.0.1:8000) sorts before France: France's statement is refused and
    ours stays; France gives way when ours reaches it (its side of the rule)."""
    owed = book_item(node, FR, "payable", 40_000)
    (ours,) = propose(node, FR)
    theirs = statement_from(FR, [(owed, "receiver_owes", "400.00")], payer=RECEIVER, net="400.00")
    receipt = fr.send(messages.STATEMENT, theirs, theirs["statement"])
    assert (receipt["outcome"], receipt["reason"]) == ("refused", "settlement_in_progress")
    assert statement(node, ours.uid).state == "sent"


def test_two_settlements_at_once_ours_gives_way_to_an_earlier_node(node: Node, early: Peer) -> None:
    owed = book_item(node, EARLY, "payable", 40_000)
    (ours,) = propose(node, EARLY)
    theirs = statement_from(
        EARLY, [(owed, "receiver_owes", "400.00")], payer=RECEIVER, net="400.00"
    )
    assert early.send(messages.STATEMENT, theirs, theirs["statement"])["outcome"] == "accepted"
    mine = statement(node, ours.uid)
    assert (mine.state, mine.reason) == ("refused", "settlement_in_progress")
    assert statement(node, theirs["statement"]).state == "confirmed"
    with node.db.reading() as session:
        held = {h.item: h.statement_id for h in session.scalars(select(SettledItem))}
    assert held == {owed: statement(node, theirs["statement"]).id}
    # Its late answer to ours changes nothing.
    answer = {
        "statement": ours.uid,
        "decision": "confirmed",
        "lines": [{"item": owed, "status": "confirmed"}],
    }
    assert early.send(messages.ANSWER, answer, ours.uid)["outcome"] == "accepted"
    assert statement(node, ours.uid).state == "refused"


def _confirmed_by_france(node: Node, fr: Peer) -> Statement:
    (row,) = propose(node, FR)
    answer: dict[str, Any] = {
        "statement": row.uid,
        "decision": "confirmed",
        "lines": [{"item": line.item, "status": "confirmed"} for line in row.lines],
        "pay_to": {"name": "Coop FR", "iban": FR_IBAN},
    }
    assert fr.send(messages.ANSWER, answer, row.uid)["outcome"] == "accepted"
    return statement(node, row.uid)


def test_a_disputed_answer_lets_the_items_go(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    (row,) = propose(node, FR)
    answer = {
        "statement": row.uid,
        "decision": "disputed",
        "lines": [{"item": owed, "status": "disputed", "reason": "amount_mismatch"}],
    }
    assert fr.send(messages.ANSWER, answer, row.uid)["outcome"] == "accepted"
    assert statement(node, row.uid).state == "disputed"
    assert rows(node)["settlement_items"] == 0
    (again,) = propose(node, FR)  # the items may be settled again
    assert again.uid != row.uid


def test_the_payer_pays_the_net_through_a_settlement_payout(node: Node, fr: Peer) -> None:
    book_item(node, FR, "payable", 40_000)
    book_item(node, FR, "receivable", 15_000)
    row = _confirmed_by_france(node, fr)
    assert row.state == "confirmed" and row.pay_to == {"name": "Coop FR", "iban": FR_IBAN}
    assert (payable(node, FR), receivable(node, FR)) == (25_000, 0)
    vault = payouts.Vault.from_settings(node.settings, node.cipher)
    with node.db.transaction() as session:
        paid = payment.pay(session, node.settings, vault, row.id, actor="staff")
        again = payment.pay(session, node.settings, vault, row.id, actor="staff")
        assert again.payout_id == paid.payout_id
        out = payouts.get_payout(session, paid.payout_id or 0)
        assert (out.kind, out.activity_id, out.amount_minor) == ("settlement", None, 25_000)
        assert out.source_key == clearing.payable(FR).key and out.status == "approved"
    assert payable(node, FR) == 0  # committed out of the clearing payable, not a budget
    with node.db.transaction() as session:
        payouts.make_batch(
            session,
            execution_date=TODAY,
            debtor_name="Coop BE",
            debtor_iban=OWN_IBAN,
            vault=vault,
            actor="staff",
        )
    with node.db.transaction() as session:
        payouts.mark_paid(session, out.id, on=TODAY, actor="staff")
    assert statement(node, row.uid).state == "closed"
    (told,) = queued(node, messages.PAID)
    assert told["end_to_end_id"] == out.end_to_end_id and told["amount"]["amount"] == "250.00"


def test_a_settlement_is_never_paid_out_of_an_activity(node: Node) -> None:
    vault = payouts.Vault.from_settings(node.settings, node.cipher)
    with node.db.transaction() as session, pytest.raises(ValidationProblem) as refused:
        payouts.payout(
            session,
            Activity(id=1, name="A", currency="EUR"),
            Decimal("1.00"),
            "settlement",
            "key-12345",
            creditor=payouts.Creditor(name="X", iban=FR_IBAN),
            actor="staff",
            vault=vault,
            second_approval_above=Decimal("10"),
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [("kind", "clearing")]


def test_the_payee_closes_its_receivable_when_the_credit_arrives(node: Node, fr: Peer) -> None:
    due = book_item(node, FR, "receivable", 25_000)
    body = statement_from(FR, [(due, "sender_owes", "250.00")], payer=FR, net="250.00")
    assert fr.send(messages.STATEMENT, body, body["statement"])["outcome"] == "accepted"
    (answer,) = queued(node, messages.ANSWER)
    assert answer["pay_to"] == {"name": "Coop BE", "iban": OWN_IBAN}
    paid = {
        "statement": body["statement"],
        "end_to_end_id": "CN-0123456789ABCDEF01234567",
        "amount": {"amount": "250.01", "currency": "EUR"},
        "executed_on": TODAY.isoformat(),
    }
    refused = fr.send(messages.PAID, paid, body["statement"])
    assert (refused["outcome"], refused["reason"]) == ("refused", "amount_mismatch")
    paid["amount"]["amount"] = "250.00"
    assert fr.send(messages.PAID, paid, body["statement"])["outcome"] == "accepted"
    row = statement(node, body["statement"])
    assert (row.state, row.end_to_end_id) == ("paid", paid["end_to_end_id"])
    with node.db.transaction() as session:
        payment.record_received(session, row.id, received_on=TODAY, actor="staff")
        payment.record_received(session, row.id, received_on=TODAY, actor="staff")  # once
    assert statement(node, row.uid).state == "closed"
    assert receivable(node, FR) == 0 and balance(node, "bank") == 25_000
