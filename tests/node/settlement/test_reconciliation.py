"""Reconciliation with a peer the test plays: the query, the peer's report, the stored result;
and this node answering a peer's query with its own items."""

from __future__ import annotations

from typing import Any

from node.db.types import utcnow
from node.runtime import Node
from node.settlement import messages, reconciliation
from node.settlement.models import Reconciliation
from tests.node.settlement.conftest import FR
from tests.node.settlement.settle_helpers import Peer, book_item, queued

TODAY = utcnow().date()


def start(node: Node) -> tuple[int, str]:
    with node.db.transaction() as session:
        row = reconciliation.start(session, FR, TODAY, actor="staff")
        return row.id, row.uid


def shown(node: Node, row_id: int) -> dict[str, Any]:
    with node.db.reading() as session:
        return reconciliation.view(reconciliation.get(session, row_id))


def report(uid: str, items: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "query": uid,
        "as_of": TODAY.isoformat(),
        "items": [
            {
                "item": item,
                "direction": way,
                "amount": {"amount": amount, "currency": "EUR"},
                "settled": False,
            }
            for item, way, amount in items
        ],
    }


def test_mirrored_items_are_balanced(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    due = book_item(node, FR, "receivable", 1_000)
    row_id, uid = start(node)
    (query,) = queued(node, messages.QUERY)
    assert (query["query"], query["_conversation"]) == (uid, uid)
    assert shown(node, row_id)["state"] == "waiting"
    body = report(uid, [(owed, "receiver_owes", "400.00"), (due, "sender_owes", "10.00")])
    assert fr.send(messages.REPORT, body, uid)["outcome"] == "accepted"
    result = shown(node, row_id)
    assert result["lines"] == ["reconciliation BE-FR: balanced"]
    assert result["balanced"] is True
    assert result["result"]["our_balances"]["EUR"] == {
        "receivable": "10.00",
        "payable": "400.00",
        "net": "-390.00",
    }


def test_every_differing_item_is_listed_to_the_cent(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    due = book_item(node, FR, "receivable", 1_000)
    row_id, uid = start(node)
    stray = "6f1c2a1e-8d4b-4f3a-9c2e-1b7d5e9a0c11"
    body = report(uid, [(owed, "receiver_owes", "400.01"), (stray, "sender_owes", "5.00")])
    assert fr.send(messages.REPORT, body, uid)["outcome"] == "accepted"
    result = shown(node, row_id)
    assert result["summary"] == "reconciliation BE-FR: 3 differences"
    assert {
        (d["item"], d["kind"], d["ours"], d["theirs"]) for d in result["result"]["differences"]
    } == {
        (owed, "amount", "-400.00", "-400.01"),
        (due, "missing_there", "10.00", None),
        (stray, "missing_here", None, "5.00"),
    }
    assert len(result["lines"]) == 4 and result["balanced"] is False


def test_a_report_for_no_query_of_ours_is_refused(node: Node, fr: Peer) -> None:
    body = report("6f1c2a1e-8d4b-4f3a-9c2e-1b7d5e9a0c11", [])
    receipt = fr.send(messages.REPORT, body, body["query"])
    assert (receipt["outcome"], receipt["reason"]) == ("refused", "unknown_query")
    with node.db.reading() as session:
        assert session.query(Reconciliation).count() == 0


def test_a_query_is_answered_with_this_nodes_items(node: Node, fr: Peer) -> None:
    owed = book_item(node, FR, "payable", 40_000)
    query = {"query": "0b6f9a52-3c1d-4e8f-a2b7-5d9c0e1f2a3b", "as_of": TODAY.isoformat()}
    assert fr.send(messages.QUERY, query, query["query"])["outcome"] == "accepted"
    (answer,) = queued(node, messages.REPORT)
    assert answer["_conversation"] == query["query"]
    assert answer["items"] == [
        {
            "item": owed,
            "direction": "sender_owes",
            "amount": {"amount": "400.00", "currency": "EUR"},
            "settled": False,
        }
    ]
