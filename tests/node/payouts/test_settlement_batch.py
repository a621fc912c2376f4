"""A settlement between co-ops in SEK: its payout is batched in SEK, sent, and marked paid by
the bank's SEK debit, which closes the statement and tells the peer."""

from __future__ import annotations

import defusedxml.ElementTree as SafeET
from sqlalchemy import select

from node.db.types import utcnow
from node.payouts import service as payouts
from node.payouts.models import PaymentBatch
from node.runtime import Node
from node.settlement import messages, payment, service
from node.settlement.models import Statement
from tests.node.federation.fed_helpers import RECEIVER
from tests.node.payouts.payout_helpers import camt_debits
from tests.node.settlement.conftest import FR, fr, receiver, settings  # noqa: F401 (fixtures)
from tests.node.settlement.settle_helpers import Peer, book_item, queued

TODAY = utcnow().date()
SE_IBAN = "SE4550000000058398257466"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def confirmed_in_sek(node: Node, peer: Peer) -> Statement:
    """We owe the peer 250.00 SEK net; it confirms and asks to be paid on its SEK account."""
    book_item(node, FR, "payable", 40_000, "SEK")
    book_item(node, FR, "receivable", 15_000, "SEK")
    with node.db.transaction() as session:
        (row,) = service.propose(session, node.settings, RECEIVER, FR, TODAY, actor="staff")
        uid, lines = row.uid, [line.item for line in row.lines]
    answer = {
        "statement": uid,
        "decision": "confirmed",
        "lines": [{"item": item, "status": "confirmed"} for item in lines],
        "pay_to": {"name": "Kooperativet SE", "iban": SE_IBAN},
    }
    assert peer.send(messages.ANSWER, answer, uid)["outcome"] == "accepted"
    with node.db.reading() as session:
        found = service.by_uid(session, uid)
        assert found is not None and found.state == "confirmed" and found.currency == "SEK"
        session.expunge_all()
        return found


def test_a_sek_settlement_is_batched_sent_and_paid(node: Node, fr: Peer) -> None:  # noqa: F811
    row = confirmed_in_sek(node, fr)
    vault = payouts.Vault.from_settings(node.settings, node.cipher)
    with node.db.transaction() as session:
        paid = payment.pay(session, node.settings, vault, row.id, actor="staff")
        out = payouts.get_payout(session, paid.payout_id or 0)
        assert (out.kind, out.currency, out.amount_minor, out.status) == (
            "settlement",
            "SEK",
            25_000,
            "approved",
        )
        e2e = out.end_to_end_id
        batch = payouts.make_batch(
            session,
            execution_date=TODAY,
            debtor_name="Coop BE",
            debtor_iban=node.settings["payouts.debtor_iban"],
            vault=vault,
            actor="staff",
            currency="SEK",
        )
        batch_id, document = batch.id, batch.pain001
        assert (batch.currency, batch.payment_count, batch.total_minor) == ("SEK", 1, 25_000)
    root = SafeET.fromstring(document)
    amount = root.find(".//p:InstdAmt", NS)
    assert amount is not None and (amount.get("Ccy"), amount.text) == ("SEK", "250.00")
    assert root.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == SE_IBAN
    with node.db.transaction() as session:
        payouts.mark_batch_sent(session, batch_id, actor="staff")
    with node.db.transaction() as session:
        result = payouts.import_debits(
            session, camt_debits([(e2e, "250.00")], currency="SEK"), actor="staff"
        )
    assert [m["end_to_end_id"] for m in result["matched"]] == [e2e]
    with node.db.reading() as session:
        assert session.scalars(select(PaymentBatch.status)).one() == "paid"
        closed = service.by_uid(session, row.uid)
        assert closed is not None and closed.state == "closed"
    (told,) = queued(node, messages.PAID)
    assert told["end_to_end_id"] == e2e
    assert told["amount"] == {"amount": "250.00", "currency": "SEK"}
