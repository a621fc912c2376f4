"""Settlement between real co-op nodes (``coopnode serve`` on 127.0.0.1, each its own database
and keys) when things go wrong: both nodes of a pair settling at the same moment, a node down
while a statement, its answer or the payer's transfer notice is in flight, and a settlement of a
chain across two currencies.

Belgium leads every chain (on SQLite, EUR, with a configured EUR/SEK rate) and so owes its
contributors' nodes, France (EUR) and Sweden (SEK), both on the test's engine. Each case opens
items of its own, settles every item open with the peer, pays the net through the payout path
(settlement payout, pain.001 batch, the bank's debit; the payee records the credit) and ends with
:func:`~tests.node.crossborder.coops.books_agree` and ``coopnode reconcile`` printing
``reconciliation XX-YY: balanced`` on both nodes.

A disputed statement needs the two nodes to book one item differently, which no honest way
through the product does (both book each item from the same allocation message): disputes are
covered at one node with a peer the test plays (``tests/node/settlement/test_statements.py``), as
are the refused statements (a line the receiver never saw, a wrong net, an item held).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from node.db.types import utcnow
from node.federation.models import OutboxMessage, Peer
from node.ledger.models import JournalEntry
from node.money import from_minor
from node.settlement import messages
from tests.node.chains.test_chain_nodes import IBAN
from tests.node.crossborder.coops import (
    Coop,
    Coops,
    Part,
    balance,
    books_agree,
    invoiced_chain,
    lose_receipt,
    pay,
    payable,
    queued_allocations,
    receivable,
    settle,
    three_coops,
    until,
    with_share,
)
from tests.node.member_helpers import BE_COMPANY, BE_VAT
from tests.node.settlement.test_settlement_nodes import reconciled, statement_in
from tests.realnodes import cli, ok
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process
SETTLEMENTS = "/api/v1/admin/settlements"
FR_IBAN = "FR7630006000011234567890189"
SE_IBAN = "SE4550000000058398257466"


@pytest.fixture(scope="module")
def coops(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[Coops]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    folder = tmp_path_factory.mktemp("settlement-faults")
    be = Coop(
        folder / "be",
        "BE",
        COOPNODE_NAME="Coop BE",
        COOPNODE_COUNTRY="BE",
        COOPNODE_VAT_NUMBER=BE_VAT,
        COOPNODE_LEGAL_ENTITY_NUMBER=BE_COMPANY,
        COOPNODE_FX_RATES="EUR/SEK=11.0952",
        COOPNODE_PAYOUT_DEBTOR_IBAN=IBAN,
    )
    fr = Coop(
        folder / "fr",
        "FR",
        COOPNODE_NAME="Coop FR",
        COOPNODE_COUNTRY="FR",
        COOPNODE_PAYOUT_DEBTOR_IBAN=FR_IBAN,
    )
    se = Coop(
        folder / "se",
        "SE",
        COOPNODE_NAME="Coop SE",
        COOPNODE_COUNTRY="SE",
        COOPNODE_CURRENCY="SEK",
        COOPNODE_PAYOUT_DEBTOR_IBAN=SE_IBAN,
    )
    with three_coops(be, fr, se, engine) as started:
        yield started


# -- helpers -------------------------------------------------------------------------------------


def belgium_owes(c: Coops, part: Part) -> int:
    """A 1000.00 chain, 40 % to ``part``, paid in full: Belgium owes ``part``'s node 400.00 more
    on clearing. What Belgium owes that node in all (EUR minor units)."""
    _chain, invoice_id = invoiced_chain(
        c.be, c.client_id, [with_share(c.an, "60"), with_share(part, "40")]
    )
    pay(c.be, invoice_id, "1210.00")
    settle(c.all)
    owed = payable(c.be, part.coop)
    assert owed >= 40_000 and receivable(part.coop, c.be) == owed
    return owed


def statement_at(coop: Coop, uid: str, state: str, *others: Coop) -> dict[str, Any]:
    """Statement ``uid`` as ``coop`` shows it, once it is in ``state``."""
    return until(
        f"{coop.code} never had statement {uid} {state}",
        lambda: statement_in(coop.api, uid, state),
        (coop, *others),
    )


def settled_by_cli(coop: Coop, peer: Coop) -> str:
    """``coopnode settle PEER`` at ``coop``: the uid of its one statement."""
    done = cli(coop, "settle", peer.url)
    assert done.returncode == 0, done.stdout + done.stderr
    (line,) = done.stdout.splitlines()
    return line.split("\t")[1]


def link(coop: Coop, peer: Coop, *, up: bool) -> None:
    """``coop``'s deliveries to ``peer`` held (its circuit breaker open, as after failures) or
    let go: messages queue meanwhile and go out in order afterwards."""
    until_ = None if up else utcnow() + timedelta(hours=1)
    with coop.db.transaction() as session:
        session.execute(
            update(Peer).where(Peer.node_id == peer.url).values(circuit_open_until=until_)
        )


def outgoing(coop: Coop, uid: str, type: str) -> OutboxMessage:
    """``coop``'s one message of ``type`` in conversation ``uid``."""
    with coop.db.reading() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.conversation == uid, OutboxMessage.type == type
        )
        row = session.scalars(query).one()
        session.expunge(row)
        return row


def answered(coop: Coop, uid: str, type: str) -> OutboxMessage | None:
    """``coop``'s message of ``type`` in conversation ``uid``, once its receipt came back."""
    message = outgoing(coop, uid, type)
    return message if message.receipt is not None else None


def tried_in_vain(coop: Coop, uid: str, type: str, *others: Coop) -> None:
    """Wait until ``coop`` tried its message twice (its peer is down)."""
    until(
        f"{coop.code} never tried {type} of {uid}",
        lambda: True if outgoing(coop, uid, type).attempts >= 2 else None,
        (coop, *others),
    )


def settlement_entries(coop: Coop, uid: str) -> list[str]:
    """The kinds of the journal entries statement ``uid`` posted at ``coop``."""
    with coop.db.reading() as session:
        query = (
            select(JournalEntry.kind)
            .where(JournalEntry.idempotency_key.like(f"settlement:{uid}:%"))
            .order_by(JournalEntry.sequence)
        )
        return list(session.scalars(query))


def payout_entries(coop: Coop) -> int:
    with coop.db.reading() as session:
        query = select(func.count()).where(JournalEntry.kind.like("payout.%"))
        return session.scalar(query) or 0


def pays(payer: Coop, uid: str) -> dict[str, Any]:
    """The payer's staff pay the confirmed statement: settlement payout, pain.001 batch, sent;
    the payout view."""
    (row,) = [r for r in payer.api.call("GET", SETTLEMENTS) if r["uid"] == uid]
    paying = payer.api.call("POST", f"{SETTLEMENTS}/{row['id']}/pay", json={})
    today = date.today().isoformat()
    batch = payer.api.call("POST", "/api/v1/payment-batches", 201, json={"execution_date": today})
    payer.api.call("POST", f"/api/v1/payment-batches/{batch['id']}/sent")
    return dict(paying)


def debited(payer: Coop, paying: dict[str, Any]) -> None:
    """The bank debited the transfer: the payer's statement closes, the payee is told."""
    today = date.today().isoformat()
    payer.api.call("POST", f"/api/v1/payouts/{paying['payout_id']}/paid", json={"paid_on": today})
    assert statement_in(payer.api, paying["uid"], "closed") is not None


def credited(payee: Coop, uid: str, *others: Coop) -> None:
    """The payee saw the transfer announced and records the credit on its account."""
    paid = statement_at(payee, uid, "paid", *others)
    path = f"{SETTLEMENTS}/{paid['id']}/received"
    payee.api.call("POST", path, json={"received_on": date.today().isoformat()})


def balanced(a: Coop, b: Coop) -> None:
    """``coopnode reconcile`` on both nodes says the pair is balanced."""
    pair = "-".join(sorted((a.code, b.code)))
    assert reconciled(a, b) == reconciled(b, a) == f"reconciliation {pair}: balanced"


def at_once(*runs: Callable[[], str]) -> list[str]:
    """Run each on its own thread, all released at the same moment."""
    start = threading.Barrier(len(runs))

    def go(run: Callable[[], str]) -> str:
        start.wait(timeout=30)
        return run()

    with ThreadPoolExecutor(len(runs)) as pool:
        return list(pool.map(go, runs))


# -- the cases -------------------------------------------------------------------------------------


def test_two_settlements_started_at_once_the_first_node_id_wins(coops: Coops) -> None:
    c = coops
    due = belgium_owes(c, c.luc)
    winner, loser = sorted((c.be, c.fr), key=lambda coop: coop.url)

    # Both nodes settle at the same moment, each statement sent before the other's arrives
    # (their deliveries held until both exist, then the loser's let go first).
    link(c.be, c.fr, up=False)
    link(c.fr, c.be, up=False)
    be_uid, fr_uid = at_once(lambda: settled_by_cli(c.be, c.fr), lambda: settled_by_cli(c.fr, c.be))
    won, lost = (be_uid, fr_uid) if winner is c.be else (fr_uid, be_uid)
    link(loser, winner, up=True)
    link(winner, loser, up=True)

    gave_way = statement_at(loser, lost, "refused", winner)
    assert gave_way["reason"] == messages.SETTLEMENT_IN_PROGRESS
    confirmed = statement_at(c.be, won, "confirmed", c.fr)
    assert (confirmed["net"], confirmed["payer"]) == (str(from_minor(due, "EUR")), c.be.url)
    assert confirmed["pay_to"] == {"name": "Coop FR", "iban": FR_IBAN}
    statement_at(c.fr, won, "confirmed", c.be)
    settle(c.all)
    refused = outgoing(loser, lost, messages.STATEMENT)
    assert refused.state == "refused" and refused.receipt is not None
    assert refused.receipt["body"]["reason"] == messages.SETTLEMENT_IN_PROGRESS
    # the refusal left nothing at the winner; one direction only: nothing to net either side
    assert [r["uid"] for r in winner.api.call("GET", SETTLEMENTS) if r["uid"] == lost] == []
    for coop in (c.be, c.fr):
        assert settlement_entries(coop, won) == settlement_entries(coop, lost) == []

    # The winner's statement is paid and received: both sides' balances close.
    paying = pays(c.be, won)
    assert paying["payout_id"] is not None
    assert payable(c.be, c.fr) == 0  # committed to the payout
    debited(c.be, paying)
    credited(c.fr, won, c.be)
    assert receivable(c.fr, c.be) == 0 == payable(c.be, c.fr)
    assert statement_in(c.fr.api, won, "closed") is not None
    c.refused.add(refused.jti)
    books_agree(c.all, c.refused)
    balanced(c.be, c.fr)


@pytest.mark.parametrize("in_flight", ["statement", "answer", "paid"])
def test_a_node_down_while_a_message_is_in_flight_catches_up_once(
    coops: Coops, in_flight: str
) -> None:
    c = coops
    due = belgium_owes(c, c.luc)
    banked, payouts_before = balance(c.fr, "bank"), payout_entries(c.be)

    if in_flight == "statement":  # France is down when Belgium's statement leaves
        c.fr.crash()
        uid = settled_by_cli(c.be, c.fr)
        tried_in_vain(c.be, uid, messages.STATEMENT, c.fr)
        c.fr.restart()
    elif in_flight == "answer":  # Belgium is down when France's answer leaves
        link(c.fr, c.be, up=False)
        uid = settled_by_cli(c.be, c.fr)
        statement_at(c.fr, uid, "confirmed", c.be)
        c.be.crash()
        link(c.fr, c.be, up=True)
        tried_in_vain(c.fr, uid, messages.ANSWER, c.be)
        assert statement_in(c.fr.api, uid, "confirmed") is not None
        c.be.restart()
    else:
        uid = settled_by_cli(c.be, c.fr)
    statement_at(c.be, uid, "confirmed", c.fr)

    paying = pays(c.be, uid)
    if in_flight == "paid":  # France is down when Belgium announces its transfer
        c.fr.crash()
        debited(c.be, paying)
        tried_in_vain(c.be, uid, messages.PAID, c.fr)
        c.fr.restart()
    else:
        debited(c.be, paying)
    credited(c.fr, uid, c.be)

    settle(c.all)
    # Belgium only owes France: nothing to net; France's credit booked once
    assert settlement_entries(c.be, uid) == []
    assert settlement_entries(c.fr, uid) == ["settlement.received"]
    assert payout_entries(c.be) == payouts_before + 2  # approved, paid: once each
    assert balance(c.fr, "bank") == banked + due
    assert receivable(c.fr, c.be) == 0 == payable(c.be, c.fr)
    books_agree(c.all, c.refused)
    balanced(c.be, c.fr)


def test_a_statement_with_an_item_the_peer_never_saw_is_refused_then_settled(
    coops: Coops,
) -> None:
    """Belgium's allocation to France became a dead letter (France unreachable for too long)
    while Belgium settled: France refuses the statement (``unknown_item``), changing nothing.
    Once the operator sent the allocation again, settling again takes the items back."""
    c = coops
    settle(c.all)
    owed, statements_at_fr = receivable(c.fr, c.be), len(c.fr.api.call("GET", SETTLEMENTS))
    chain, invoice_id = invoiced_chain(
        c.be, c.client_id, [with_share(c.an, "60"), with_share(c.luc, "40")]
    )
    settle(c.all)
    link(c.be, c.fr, up=False)
    pay(c.be, invoice_id, "1210.00")
    (allocation,) = queued_allocations(c.be, chain["uid"])
    lose_receipt(c.be, allocation.id)  # never delivered, its attempts spent: a dead letter
    refused_uid = settled_by_cli(c.be, c.fr)
    link(c.be, c.fr, up=True)

    refused = until(
        "France never answered the statement",
        lambda: answered(c.be, refused_uid, messages.STATEMENT),
        c.all,
    )
    assert refused.receipt is not None
    assert (refused.state, refused.receipt["body"]["reason"]) == ("refused", "unknown_item")
    assert len(c.fr.api.call("GET", SETTLEMENTS)) == statements_at_fr  # France changed nothing
    assert receivable(c.fr, c.be) == owed
    done = cli(c.be, "reconcile", c.fr.url, "--timeout", "60")
    assert (done.returncode, done.stdout.splitlines()[0]) == (
        1,
        "reconciliation BE-FR: 1 difference",
    )

    ok(c.be, "outbox", "retry", str(allocation.id))
    settle(c.all)
    assert receivable(c.fr, c.be) == owed + 40_000 == payable(c.be, c.fr)
    uid = settled_by_cli(c.be, c.fr)  # the refused statement let its items go
    gave_up = statement_in(c.be.api, refused_uid, "refused")
    assert gave_up is not None and gave_up["reason"] == "unknown_item"
    confirmed = statement_at(c.be, uid, "confirmed", c.fr)
    assert confirmed["net"] == str(from_minor(owed + 40_000, "EUR"))
    debited(c.be, pays(c.be, uid))
    credited(c.fr, uid, c.be)
    assert receivable(c.fr, c.be) == 0 == payable(c.be, c.fr)
    c.refused.add(refused.jti)
    books_agree(c.all, c.refused)
    balanced(c.be, c.fr)


def test_a_settlement_across_currencies_is_in_the_chains_currency(coops: Coops) -> None:
    """Sweden's node keeps SEK books, but the chain's clearing is in EUR (the lead's): Sweden
    settles it in EUR, Belgium pays the net in a EUR pain.001 batch to Sweden's account."""
    c = coops
    due = belgium_owes(c, c.eva)
    assert balance(c.se, "clearing:" + c.be.url + ":receivable", "SEK") == 0
    banked = balance(c.se, "bank")

    uid = settled_by_cli(c.se, c.be)
    confirmed = statement_at(c.se, uid, "confirmed", c.be)
    assert (confirmed["currency"], confirmed["net"], confirmed["payer"]) == (
        "EUR",
        str(from_minor(due, "EUR")),
        c.be.url,
    )
    at_be = statement_at(c.be, uid, "confirmed", c.se)
    assert at_be["currency"] == "EUR" and at_be["pay_to"] == {"name": "Coop SE", "iban": SE_IBAN}

    paying = pays(c.be, uid)
    debited(c.be, paying)
    credited(c.se, uid, c.be)
    assert balance(c.se, "bank") == banked + due  # EUR on Sweden's account
    assert receivable(c.se, c.be) == 0 == payable(c.be, c.se)
    books_agree(c.all, c.refused)
    balanced(c.be, c.se)
