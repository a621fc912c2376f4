"""Value chains across three real co-op nodes (``coopnode serve`` on 127.0.0.1, each its own
database and keys) when things go wrong: allocation messages repeated and out of order, a
contributor node down while the lead allocates, a contributor refusing, a partial payment, a
client default, and a chain across three countries and two currencies.

Belgium leads (on SQLite, EUR, with a configured EUR/SEK rate); France (EUR) and Sweden (SEK)
contribute, both on the test's engine (databases of their own on PostgreSQL). The nodes are
started once for the module; every case works on chains of its own and ends with
:func:`~tests.node.crossborder.coops.books_agree`: every ledger verified and balanced, every pair's
clearing accounts mirroring item by item and in total.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.node.chains.test_chain_nodes import IBAN, SELLER
from tests.node.crossborder.coops import (
    Coop,
    Coops,
    Part,
    accepted_by_all,
    allocations,
    balance,
    books_agree,
    budget,
    chain_allocation_count,
    chain_at,
    decide,
    entry_count,
    gross_minor,
    invoice,
    invoiced_chain,
    lose_receipt,
    pay,
    payable,
    propose,
    queued_allocations,
    receipt_outcome,
    receivable,
    send_again,
    send_last,
    settle,
    three_coops,
    until,
    with_share,
)
from tests.node.member_helpers import BE_COMPANY, BE_VAT
from tests.realnodes import ok
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process
CHAINS = "/api/v1/chains"
EUR_SEK = "11.0952"


@pytest.fixture(scope="module")
def coops(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[Coops]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    folder = tmp_path_factory.mktemp("crossborder")
    be = Coop(
        folder / "be",
        "BE",
        COOPNODE_NAME="Coop BE",
        COOPNODE_COUNTRY="BE",
        COOPNODE_VAT_NUMBER=BE_VAT,
        COOPNODE_LEGAL_ENTITY_NUMBER=BE_COMPANY,
        COOPNODE_FX_RATES=f"EUR/SEK={EUR_SEK}",
    )
    fr = Coop(folder / "fr", "FR", COOPNODE_NAME="Coop FR", COOPNODE_COUNTRY="FR")
    se = Coop(
        folder / "se", "SE", COOPNODE_NAME="Coop SE", COOPNODE_COUNTRY="SE", COOPNODE_CURRENCY="SEK"
    )
    with three_coops(be, fr, se, engine) as started:
        yield started


def decision_at_lead(c: Coops, chain: dict[str, Any], part: Part, decision: str) -> None:
    def decided() -> bool | None:
        shown = c.be.api.call("GET", f"{CHAINS}/{chain['id']}")
        mine = [
            x
            for x in shown["contributors"]
            if (x["node"], x["member_ref"]) == (part.coop.url, str(part.member))
        ]
        return True if mine and mine[0]["decision"] == decision else None

    until(f"Belgium never saw {part.name} {decision}", decided, c.all)


def two_way(c: Coops, lead_share: str = "60", other_share: str = "40") -> list[Part]:
    return [with_share(c.an, lead_share), with_share(c.luc, other_share)]


def test_allocations_repeated_and_out_of_order_are_booked_once(coops: Coops) -> None:
    c = coops
    parts = two_way(c)
    chain, invoice_id = invoiced_chain(c.be, c.client_id, parts)
    chain_at(c.fr, chain["uid"], "invoiced")
    settle(c.all)
    owed, held = receivable(c.fr, c.be), payable(c.be, c.fr)

    # France is down while the client pays in two halves: two allocations queue at Belgium;
    # the first is put behind the second, so France gets seq 2 before seq 1.
    c.fr.stop()
    pay(c.be, invoice_id, "605.00")
    pay(c.be, invoice_id, "605.00")
    first, second = queued_allocations(c.be, chain["uid"])
    assert [first.body["seq"], second.body["seq"]] == [1, 2]
    send_last(c.be, first.id)
    assert payable(c.be, c.fr) == held + 40_000
    c.fr.restart()
    settle(c.all)
    arrived = allocations(c.fr, chain["uid"])
    assert [(a["seq"], a["amount"]) for a in arrived] == [(2, "200.00"), (1, "200.00")]
    assert receivable(c.fr, c.be) == owed + 40_000
    luc_activity = chain_at(c.fr, chain["uid"])["contributors"][0]["activity_id"]
    assert budget(c.fr, luc_activity) == 40_000 - 2_600  # France's 6.5 % on the whole share

    # The first allocation again under its own id (its receipt "lost", retried by the operator)
    # and the second again in a new message: both accepted, nothing booked twice.
    entries, rows = entry_count(c.fr), chain_allocation_count(c.fr)
    lose_receipt(c.be, first.id)
    ok(c.be, "outbox", "retry", str(first.id))
    again = send_again(c.be, second.id)
    settle(c.all)
    assert receipt_outcome(c.be, first.jti) == receipt_outcome(c.be, again) == "accepted"
    assert (entry_count(c.fr), chain_allocation_count(c.fr)) == (entries, rows)
    assert receivable(c.fr, c.be) == owed + 40_000
    assert budget(c.fr, luc_activity) == 40_000 - 2_600
    books_agree(c.all)


def test_a_contributor_node_down_during_allocation_catches_up_once(coops: Coops) -> None:
    c = coops
    chain, invoice_id = invoiced_chain(c.be, c.client_id, two_way(c))
    chain_at(c.fr, chain["uid"], "invoiced")
    settle(c.all)
    owed, entries = receivable(c.fr, c.be), entry_count(c.fr)

    c.fr.crash()
    pay(c.be, invoice_id, "1210.00")
    assert [m.body["amount"]["amount"] for m in queued_allocations(c.be, chain["uid"])] == [
        "400.00"
    ]
    until(
        "Belgium tried France in vain",
        lambda: True if queued_allocations(c.be, chain["uid"])[0].attempts >= 2 else None,
        c.all,
    )
    assert receivable(c.fr, c.be) == owed  # France saw nothing
    c.fr.restart()
    settle(c.all)
    assert receivable(c.fr, c.be) == owed + 40_000
    assert entry_count(c.fr) == entries + 1
    assert [(a["seq"], a["basis"]) for a in allocations(c.fr, chain["uid"])] == [(1, "payment")]
    books_agree(c.all)


def test_one_contributor_refusing_cancels_the_chain_everywhere(coops: Coops) -> None:
    c = coops
    parts = [with_share(c.an, "50"), with_share(c.luc, "30"), with_share(c.eva, "20")]
    settle(c.all)
    entries = [entry_count(coop) for coop in c.all]
    chain = propose(c.be, c.client_id, parts)
    decide(c.se, chain_at(c.se, chain["uid"]), c.eva.member, "accept")
    decide(c.be, chain, c.an.member, "accept")
    decision_at_lead(c, chain, c.eva, "accepted")  # else France's refusal may overtake it
    decide(c.fr, chain_at(c.fr, chain["uid"]), c.luc.member, "refuse")

    shown = chain_at(c.be, chain["uid"], "cancelled")
    assert shown["reason"] == "contributor_refused"
    assert chain_at(c.se, chain["uid"], "cancelled")["reason"] == "contributor_refused"
    assert chain_at(c.fr, chain["uid"], "cancelled")["reason"] == "member_declined"
    body = {"idempotency_key": f"chain-{chain['uid']}", "bank_iban": IBAN, "seller_address": SELLER}
    c.be.api.call("POST", f"{CHAINS}/{chain['id']}/invoice", 409, json=body)
    assert c.be.api.call("POST", f"{CHAINS}/{chain['id']}/allocate") == []
    settle(c.all)
    for coop in c.all:
        assert allocations(coop, chain["uid"]) == []
    assert [entry_count(coop) for coop in c.all] == entries
    books_agree(c.all)


def test_a_partial_payment_then_the_rest_allocate_pro_rata_to_the_cent(coops: Coops) -> None:
    c = coops
    parts = two_way(c, "70", "30")
    chain, invoice_id = invoiced_chain(c.be, c.client_id, parts, amount="999.99")
    # 999.99: 70 % is 699.993, 30 % is 299.997; the cent left over goes to the larger remainder
    assert [x["full_share"] for x in chain["contributors"]] == ["699.99", "300.00"]
    assert gross_minor(c.be, invoice_id) == 120_999  # 999.99 + 21 % VAT (210.00)
    settle(c.all)
    owed = receivable(c.fr, c.be)

    pay(c.be, invoice_id, "400.00")
    settle(c.all)
    # each share is due floor(share × 400.00 ÷ 1209.99)
    lead_chain = chain_at(c.be, chain["uid"])
    an_activity = lead_chain["contributors"][0]["activity_id"]
    assert budget(c.be, an_activity) == 23_140 - 1_504  # less Belgium's 6.5 % (half up)
    assert receivable(c.fr, c.be) - owed == 9_917
    assert budget(c.be, lead_chain["activity_id"]) == 99_999 - 23_140 - 9_917

    pay(c.be, invoice_id, "809.99")
    settle(c.all)
    assert budget(c.be, an_activity) == 69_999 - 4_550
    assert receivable(c.fr, c.be) - owed == 30_000
    assert budget(c.be, lead_chain["activity_id"]) == 0
    shares = [Decimal(a["share"]) for a in allocations(c.be, chain["uid"])]
    assert sum(shares) == Decimal("999.99")  # every cent of the chain handed out, none twice
    luc_activity = chain_at(c.fr, chain["uid"])["contributors"][0]["activity_id"]
    assert budget(c.fr, luc_activity) == 30_000 - 1_950
    books_agree(c.all)


@pytest.mark.parametrize(
    ("policy", "france_gets", "bases"),
    [
        ("lead_bears", 40_000, [(1, "payment"), (2, "default")]),
        ("contributors_bear_pro_rata", 4_000, [(1, "payment")]),
    ],
)
def test_a_client_default_follows_the_chains_policy(
    coops: Coops, policy: str, france_gets: int, bases: list[tuple[int, str]]
) -> None:
    c = coops
    chain, invoice_id = invoiced_chain(c.be, c.client_id, two_way(c), default_policy=policy)
    settle(c.all)
    owed = receivable(c.fr, c.be)
    pay(c.be, invoice_id, "121.00")  # a tenth, then nothing more
    defaulted = c.be.api.call("POST", f"{CHAINS}/{chain['id']}/default")
    assert defaulted["state"] == "defaulted"
    settle(c.all)
    assert receivable(c.fr, c.be) - owed == france_gets
    arrived = allocations(c.fr, chain["uid"])
    assert [(a["seq"], a["basis"]) for a in arrived] == bases
    an_activity = defaulted["contributors"][0]["activity_id"]
    assert budget(c.be, an_activity) == 6_000 - 390  # Belgium's member keeps a tenth either way
    assert c.be.api.call("POST", f"{CHAINS}/{chain['id']}/default")["state"] == "defaulted"
    settle(c.all)
    assert len(allocations(c.fr, chain["uid"])) == len(bases)  # declaring it again: nothing more
    books_agree(c.all)


def test_a_chain_across_three_countries_and_two_currencies_mirrors_exactly(
    coops: Coops,
) -> None:
    c = coops
    parts = [with_share(c.an, "50"), with_share(c.luc, "30"), with_share(c.eva, "20")]
    settle(c.all)
    owed_fr, owed_se = receivable(c.fr, c.be), receivable(c.se, c.be)
    exchanged = (balance(c.se, "fx:exchange", "EUR"), balance(c.se, "fx:exchange", "SEK"))
    chain = propose(c.be, c.client_id, parts)
    rate = chain["proposal"]["contributors"][2]["rate"]
    assert (rate["base"], rate["quote"], rate["rate"], rate["source"]) == (
        "EUR",
        "SEK",
        EUR_SEK,
        "configured",
    )
    accepted_by_all(c.be, chain, parts)
    invoice_id = invoice(c.be, chain)
    pay(c.be, invoice_id, "605.00")
    pay(c.be, invoice_id, "605.00")
    settle(c.all)

    assert receivable(c.fr, c.be) - owed_fr == 30_000
    assert receivable(c.se, c.be) - owed_se == 20_000  # in EUR, the settlement currency
    at_se = allocations(c.se, chain["uid"])
    assert {a["rate"]["rate"] for a in at_se} == {EUR_SEK}
    assert [a["local_amount"] for a in at_se] == ["1109.52", "1109.52"]
    eva_activity = chain_at(c.se, chain["uid"])["contributors"][0]["activity_id"]
    assert budget(c.se, eva_activity, "SEK") == 221_904 - 14_424  # 2219.04 SEK less 6.5 %
    assert (balance(c.se, "fx:exchange", "EUR"), balance(c.se, "fx:exchange", "SEK")) == (
        exchanged[0] - 20_000,  # the EUR the lead owes, exchanged …
        exchanged[1] + 221_904,  # … for the SEK the member was credited
    )
    luc_activity = chain_at(c.fr, chain["uid"])["contributors"][0]["activity_id"]
    assert budget(c.fr, luc_activity) == 30_000 - 1_950
    an_activity = chain_at(c.be, chain["uid"])["contributors"][0]["activity_id"]
    assert budget(c.be, an_activity) == 50_000 - 3_250
    books_agree(c.all)
    for coop in c.all:
        assert "ledger verified" in ok(coop, "ledger", "verify")
