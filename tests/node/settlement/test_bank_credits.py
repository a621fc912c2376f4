"""The payee matches a settlement's transfer from its CAMT.053 file: by the payer's end-to-end id
(or the statement's uuid in the remittance information) and for exactly the net, it is recorded
as the statement's receipt once; anything else stays in the unmatched queue with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from node.cli.main import main
from node.config import Settings
from node.ledger.models import JournalEntry
from node.payments.models import ClientPayment, UnmatchedCredit
from node.runtime import Node
from node.settlement import messages, payment
from node.settlement.models import Statement
from tests.node.chains.chain_helpers import balance
from tests.node.member_helpers import Crew, state_counts
from tests.node.payments.test_payments import PAYER_IBAN, camt, post_xml
from tests.node.settlement.conftest import EARLY, FR
from tests.node.settlement.settle_helpers import Peer, book_item, statement_from
from tests.node.settlement.test_statements import TODAY, propose, receivable, statement

E2E = "CN-0123456789ABCDEF01234567"


def ntry(ref: str, amount: str, *, e2e: str | None = None, text: str = "Thank you") -> str:
    """A booked credit from the peer co-op with its end-to-end id and unstructured remittance."""
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>{e2e or "NOTPROVIDED"}</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Coop FR</Nm></Dbtr><DbtrAcct><Id><IBAN>{PAYER_IBAN}</IBAN></Id></DbtrAcct>
</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def confirmed_owed_by(node: Node, peer: Peer, net: str = "250.00") -> str:
    """A statement the peer sent and this node confirmed: the peer pays ``net``. Its uuid."""
    due = book_item(node, peer.node_id, "receivable", int(net.replace(".", "")))
    body = statement_from(peer.node_id, [(due, "sender_owes", net)], payer=peer.node_id, net=net)
    assert peer.send(messages.STATEMENT, body, body["statement"])["outcome"] == "accepted"
    return str(body["statement"])


def announce(peer: Peer, uid: str, amount: str = "250.00", e2e: str = E2E) -> dict[str, Any]:
    """The payer's ``settlement-paid/1``."""
    paid = {
        "statement": uid,
        "end_to_end_id": e2e,
        "amount": {"amount": amount, "currency": "EUR"},
        "executed_on": TODAY.isoformat(),
    }
    return peer.send(messages.PAID, paid, uid)


def state(node: Node) -> dict[str, int]:
    """What an import may change: rows, entries and the bank and clearing balances."""
    return {
        **state_counts(node, ClientPayment, UnmatchedCredit, JournalEntry),
        "bank": balance(node, "bank"),
        "receivable": receivable(node, FR),
    }


def test_the_transfer_is_matched_by_its_end_to_end_id_once(crew: Crew, fr: Peer) -> None:
    uid = confirmed_owed_by(crew.node, fr)
    assert announce(fr, uid)["outcome"] == "accepted"
    assert statement(crew.node, uid).state == "paid"
    file = camt([ntry("SET-1", "250.00", e2e=E2E)], "S-SET-1")

    first = post_xml(crew, file)
    assert first.status_code == 200, first.text
    result = first.json()
    (received,) = result["settlements_received"]
    assert (received["statement"], received["peer"], received["entry_ref"]) == (uid, FR, "SET-1")
    assert result["matched"] == result["unmatched"] == []
    row = statement(crew.node, uid)
    assert (row.state, row.received_entry_id is not None) == ("closed", True)
    after = state(crew.node)
    assert (after["receivable"], after["bank"], after["unmatched_credits"]) == (0, 25_000, 0)
    with crew.node.db.reading() as session:
        entry = session.get(JournalEntry, row.received_entry_id)
        assert entry is not None and entry.kind == "settlement.received"
        assert (entry.meta["end_to_end_id"], entry.meta["bank_reference"]) == (E2E, "SET-1")

    again = post_xml(crew, file).json()  # the same file again changes nothing
    assert again["settlements_received"] == [] and again["unmatched"] == []
    assert [a["statement"] for a in again["already_recorded"]] == [uid]
    assert state(crew.node) == after


def test_the_statements_uuid_in_the_remittance_matches_before_the_paid_message(
    crew: Crew, fr: Peer
) -> None:
    uid = confirmed_owed_by(crew.node, fr)
    file = camt([ntry("SET-2", "250.00", e2e=E2E, text=f"Settlement {uid.upper()}")], "S-SET-2")
    result = post_xml(crew, file).json()
    assert [r["statement"] for r in result["settlements_received"]] == [uid]
    row = statement(crew.node, uid)
    assert (row.state, row.end_to_end_id) == ("closed", E2E)
    # The payer's announcement arrives afterwards: accepted, nothing changes.
    assert announce(fr, uid)["outcome"] == "accepted"
    assert statement(crew.node, uid).state == "closed"
    assert (receivable(crew.node, FR), balance(crew.node, "bank")) == (0, 25_000)


def test_a_wrong_amount_stays_unmatched_with_its_reason(crew: Crew, fr: Peer) -> None:
    uid = confirmed_owed_by(crew.node, fr)
    assert announce(fr, uid)["outcome"] == "accepted"
    lines = [ntry("SET-3", "249.99", e2e=E2E), ntry("SET-4", "250.00", text=f"Settlement {uid}")]
    result = post_xml(crew, camt(lines[:1], "S-SET-3")).json()
    assert result["settlements_received"] == []
    (queued,) = result["unmatched"]
    assert queued["reason"] == "amount-mismatch"
    assert queued["detail"] == f"{uid} is due for 250.00 EUR, the bank credited 249.99 EUR"
    assert statement(crew.node, uid).state == "paid"
    assert (receivable(crew.node, FR), balance(crew.node, "bank")) == (25_000, 24_999)
    # The right amount then closes it; a second transfer in the same file is not taken twice.
    twice = post_xml(crew, camt([lines[1], ntry("SET-5", "250.00", e2e=E2E)], "S-SET-4")).json()
    assert [r["entry_ref"] for r in twice["settlements_received"]] == ["SET-4"]
    assert [(u["entry_ref"], u["reason"]) for u in twice["unmatched"]] == [
        ("SET-5", "already-matched")
    ]
    assert statement(crew.node, uid).state == "closed"
    assert receivable(crew.node, FR) == 0


def test_a_receipt_staff_recorded_is_not_booked_again(crew: Crew, fr: Peer) -> None:
    uid = confirmed_owed_by(crew.node, fr)
    assert announce(fr, uid)["outcome"] == "accepted"
    with crew.node.db.transaction() as session:
        row = session.scalars(select(Statement).where(Statement.uid == uid)).one()
        payment.record_received(session, row.id, received_on=TODAY, actor="staff")
    before = state(crew.node)
    result = post_xml(crew, camt([ntry("SET-6", "250.00", e2e=E2E)], "S-SET-6")).json()
    assert [a["statement"] for a in result["already_recorded"]] == [uid]
    assert result["unmatched"] == [] and result["settlements_received"] == []
    assert state(crew.node) == before and before["bank"] == 25_000


def test_a_statement_nothing_is_due_on_is_not_received(crew: Crew, node: Node, fr: Peer) -> None:
    book_item(node, FR, "receivable", 9_000)
    (sent,) = propose(node, FR)  # France has not confirmed it yet
    result = post_xml(crew, camt([ntry("SET-7", "90.00", text=f"Settlement {sent.uid}")])).json()
    (queued,) = result["unmatched"]
    assert queued["reason"] == "not-due" and "is sent" in queued["detail"]
    assert statement(node, sent.uid).state == "sent"
    assert receivable(node, FR) == 9_000


def test_a_transfer_from_a_statement_this_node_pays_is_not_a_receipt(
    crew: Crew, node: Node, early: Peer
) -> None:
    book_item(node, EARLY, "payable", 5_000)
    (ours,) = propose(node, EARLY)  # this node pays: a credit quoting it is no receipt
    result = post_xml(crew, camt([ntry("SET-8", "50.00", text=f"Settlement {ours.uid}")])).json()
    assert [u["reason"] for u in result["unmatched"]] == ["no-reference"]
    assert result["settlements_received"] == []


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return main


def test_the_command_line_import_receives_the_transfer(
    fr: Peer, node: Node, cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = confirmed_owed_by(node, fr)
    file = tmp_path / "credits.xml"
    file.write_bytes(camt([ntry("SET-9", "250.00", text=f"Settlement {uid}")], "S-SET-9"))
    assert cli(["bank", "import-credits", str(file)]) == 0
    assert "0 unmatched" in (out := capsys.readouterr().out) and "1 settlements received" in out
    assert cli(["bank", "import-credits", str(file)]) == 0
    assert "1 already recorded" in capsys.readouterr().out
    assert statement(node, uid).state == "closed"
    assert (receivable(node, FR), balance(node, "bank")) == (0, 25_000)
