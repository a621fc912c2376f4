"""Real co-op nodes for the cross-border fault tests, and the checks every such test ends with.

A :class:`Coop` is one ``coopnode serve`` process on 127.0.0.1 with its own database and keys
(:class:`tests.node.federation.test_delivery_nodes.RealNode`) that can also go down and come back
on the same port, database and keys. Every node retries deliveries within a second or so
(``federation.retry_*``, ``breaker_cooldown_seconds``), so a node that comes back is caught up
quickly; nothing else differs from a production node.

:func:`books_agree` is the end of every test: once no message is waiting anywhere, each node's
ledger verifies (hash chain, every entry balanced) and sums to zero per currency, and for every
pair of nodes A's clearing payable on B equals B's clearing receivable on A, item by item
(allocation id, amount, currency) and in total (less the items a closed settlement statement
settled there), both ways.
"""

from __future__ import annotations

import itertools
import subprocess
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, func, make_url, select, text, update

from node.chains import clearing
from node.chains.models import ChainAllocation
from node.db import Database
from node.federation import outbox
from node.federation.models import MessageState, OutboxMessage, Peer
from node.invoices.models import Invoice
from node.ledger import service as ledger
from node.ledger.models import Account, JournalEntry, Posting
from node.settlement import messages as settlement_messages
from tests.conftest import POSTGRES_URL
from tests.node.chains.test_chain_nodes import CHAINS, IBAN, SELLER, active_member, the_chain
from tests.realnodes import Api, RealNode, create_admin, peer_with
from tests.test_server_process import COOPNODE, wait_until_healthy

T = TypeVar("T")
WAIT_SECONDS = 90  # a slow machine with other test runs beside
QUICK_RETRIES = {
    "COOPNODE_FEDERATION_RETRY_BASE_SECONDS": "1",
    "COOPNODE_FEDERATION_RETRY_CAP_SECONDS": "1",
    "COOPNODE_FEDERATION_BREAKER_COOLDOWN_SECONDS": "1",
}
UNSETTLED = (MessageState.QUEUED.value, MessageState.IN_FLIGHT.value)
_keys = itertools.count(1)


class Coop(RealNode):
    """A real node that may crash or stop and come back with the same port, database and keys."""

    def __init__(self, folder: Path, code: str, **environ: str) -> None:
        super().__init__(folder)
        self.code = code
        self.environ.update(QUICK_RETRIES)
        self.environ.update(environ)
        self._db: Database | None = None
        self._api: Api | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = self.database()
        return self._db

    @property
    def api(self) -> Api:
        if self._api is None:
            self._api = create_admin(self)
        return self._api

    def crash(self) -> None:
        """Killed without a chance to finish anything (SIGKILL)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=15)

    def restart(self) -> None:
        """``coopnode serve`` again (already initialised and migrated)."""
        assert self.process is None or self.process.poll() is not None, "still running"
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(COOPNODE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(self.process, self.url, self.log)

    def close(self) -> None:
        self.stop()
        if self._db is not None:
            self._db.dispose()


def until(what: str, probe: Callable[[], T | None], coops: Sequence[Coop]) -> T:
    """Poll ``probe`` until it gives something (not None), within :data:`WAIT_SECONDS`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    logs = "\n".join(f"--- {c.code}\n{c.log.read_text()}" for c in coops)
    raise AssertionError(f"{what} never happened\n{logs}")


@contextmanager
def own_databases(engine: str, count: int) -> Iterator[list[str | None]]:
    """None each on SQLite (a node's own file); on PostgreSQL new, empty databases' URLs,
    dropped afterwards (as ``tests.node.federation.test_peering_nodes.own_database``, for
    several nodes at once and any fixture scope)."""
    if engine == "sqlite":
        yield [None] * count
        return
    assert POSTGRES_URL
    names = [f"coopnode_xborder_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        base = make_url(POSTGRES_URL)
        yield [base.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def start_and_peer(lead: Coop, others: Sequence[Coop]) -> None:
    """Start every node; the lead and each other node peer with each other (active)."""
    for coop in (lead, *others):
        coop.start()
    for other in others:
        peer_with(lead.db, other)
        peer_with(other.db, lead)


# -- driving a chain through the nodes' APIs -------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A contributor: a member of ``coop`` (by their member id there) and their share."""

    coop: Coop
    member: int
    name: str
    share: dict[str, str]


def member_of(coop: Coop, name: str) -> Part:
    """A new active member of ``coop`` with a placeholder share (see :func:`with_share`)."""
    return Part(coop, active_member(coop.api, name), name, {})


def with_share(part: Part, value: str, kind: str = "percent") -> Part:
    return Part(part.coop, part.member, part.name, {"kind": kind, "value": value})


def client_of(lead: Coop) -> int:
    body = {
        "kind": "company",
        "name": "Atelier Nord SA",
        "country": "BE",
        "vat_number": "BE0202239951",
        "billing_address": {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"},
    }
    return int(lead.api.call("POST", "/api/v1/clients", 201, json=body)["id"])


def propose(lead: Coop, client_id: int, parts: Sequence[Part], **policies: str) -> dict[str, Any]:
    """The lead node's staff propose a chain of ``parts`` (1000.00 unless ``amount`` is given)."""
    contributors: list[dict[str, Any]] = []
    for part in parts:
        entry: dict[str, Any] = {"member_ref": str(part.member), "share": part.share}
        if part.coop is not lead:
            entry |= {"node": part.coop.url, "name": part.name}
        contributors.append(entry)
    body = {
        "client_id": client_id,
        "description": "Website for Atelier Nord",
        "amount": "1000.00",
        "contributors": contributors,
        "fee_policy": {"kind": "each_node"},
        "guarantee": "on_payment",
        "default_policy": "contributors_bear_pro_rata",
        **policies,
    }
    return dict(lead.api.call("POST", CHAINS, 201, json=body))


def chain_at(coop: Coop, uid: str, state: str | None = None, *coops: Coop) -> dict[str, Any]:
    """The chain as ``coop`` knows it, once it does (and is in ``state``)."""
    return until(
        f"{coop.code} never had chain {uid} {state or ''}",
        lambda: the_chain(coop.api, uid, state),
        (coop, *coops),
    )


def decide(coop: Coop, chain: dict[str, Any], member: int, decision: str) -> None:
    """Staff of ``coop`` record their member's consent (``accept``) or refusal (``refuse``)."""
    (mine,) = [c for c in chain["contributors"] if c["local"] and c["member_ref"] == str(member)]
    path = f"{CHAINS}/{chain['id']}/contributors/{mine['id']}/{decision}"
    coop.api.call("POST", path, json={})


def accepted_by_all(lead: Coop, chain: dict[str, Any], parts: Sequence[Part]) -> None:
    for part in parts:
        here = chain if part.coop is lead else chain_at(part.coop, chain["uid"], None, lead)
        decide(part.coop, here, part.member, "accept")
    chain_at(lead, chain["uid"], "accepted", *(p.coop for p in parts))


def invoice(lead: Coop, chain: dict[str, Any]) -> int:
    """Invoice the client (the chain's amount plus Belgian VAT); the invoice's id."""
    body = {"idempotency_key": f"chain-{chain['uid']}", "bank_iban": IBAN, "seller_address": SELLER}
    invoiced = lead.api.call("POST", f"{CHAINS}/{chain['id']}/invoice", json=body)
    return int(invoiced["invoice"]["id"])


def invoiced_chain(
    lead: Coop, client_id: int, parts: Sequence[Part], **policies: str
) -> tuple[dict[str, Any], int]:
    """A chain every contributor accepted, invoiced; (the lead's chain, the invoice id)."""
    chain = propose(lead, client_id, parts, **policies)
    accepted_by_all(lead, chain, parts)
    return chain, invoice(lead, chain)


def pay(lead: Coop, invoice_id: int, amount: str) -> None:
    body = {"amount": amount, "received_on": "2026-11-20", "idempotency_key": f"x{next(_keys)}"}
    lead.api.call("POST", f"/api/v1/invoices/{invoice_id}/payments", 201, json=body)


def gross_minor(coop: Coop, invoice_id: int) -> int:
    with coop.db.reading() as session:
        return session.get_one(Invoice, invoice_id).gross_minor


def allocations(coop: Coop, uid: str) -> list[dict[str, Any]]:
    """The chain's allocations at ``coop`` in the order it recorded them."""
    chain = the_chain(coop.api, uid)
    assert chain is not None, f"{coop.code} has no chain {uid}"
    return list(coop.api.call("GET", f"{CHAINS}/{chain['id']}/allocations"))


# -- reading the books -----------------------------------------------------------------------------


def balance(coop: Coop, key: str, currency: str = "EUR") -> int:
    """An account's balance, debits positive (0 when it was never opened)."""
    with coop.db.reading() as session:
        query = select(Account).where(Account.key == key, Account.currency == currency)
        account = session.scalar(query)
        return 0 if account is None else ledger.balance_minor(session, account)


def budget(coop: Coop, activity_id: int, currency: str = "EUR") -> int:
    """What an activity's budget holds (positive)."""
    return -balance(coop, f"activity:{activity_id}:budget", currency)


def payable(coop: Coop, peer: Coop, currency: str = "EUR") -> int:
    """What ``coop`` owes ``peer`` on clearing (positive)."""
    return -balance(coop, clearing.payable(peer.url).key, currency)


def receivable(coop: Coop, peer: Coop, currency: str = "EUR") -> int:
    """What ``peer`` owes ``coop`` on clearing."""
    return balance(coop, clearing.receivable(peer.url).key, currency)


def entry_count(coop: Coop) -> int:
    with coop.db.reading() as session:
        return session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def chain_allocation_count(coop: Coop) -> int:
    with coop.db.reading() as session:
        return session.scalar(select(func.count()).select_from(ChainAllocation)) or 0


# -- the sender's outbox, as an operator (or a crash) leaves it ------------------------------------


def queued_allocations(coop: Coop, uid: str) -> list[OutboxMessage]:
    """The ``chain-allocation/1`` messages of chain ``uid`` in ``coop``'s outbox, by sequence."""
    with coop.db.reading() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.conversation == uid, OutboxMessage.type == "chain-allocation/1")
            .order_by(OutboxMessage.seq)
        )
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def send_last(coop: Coop, message_id: int) -> None:
    """Move a queued message behind every other message of its conversation."""
    with coop.db.transaction() as session:
        row = session.get_one(OutboxMessage, message_id)
        last = session.scalar(
            select(func.max(OutboxMessage.seq)).where(
                OutboxMessage.peer_id == row.peer_id,
                OutboxMessage.conversation == row.conversation,
            )
        )
        row.seq = int(last or 0) + 1


def lose_receipt(coop: Coop, message_id: int) -> None:
    """A delivered message becomes a dead letter, as if its receipt never came back and its
    attempts ran out (the receiver did apply it)."""
    with coop.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(state=MessageState.DEAD.value, receipt=None, delivered_at=None)
        )


def send_again(coop: Coop, message_id: int) -> str:
    """The same body again in a new message (a new id) of the same conversation; its jti."""
    with coop.db.transaction() as session:
        row = session.get_one(OutboxMessage, message_id)
        peer = session.get_one(Peer, row.peer_id)
        return outbox.enqueue(session, peer, row.type, dict(row.body), row.conversation).jti


def receipt_outcome(coop: Coop, jti: str) -> str | None:
    with coop.db.reading() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.jti == jti)).one()
        return None if row.receipt is None else str(row.receipt["body"]["outcome"])


# -- the end of every test -------------------------------------------------------------------------


def _waiting(coop: Coop) -> int:
    with coop.db.reading() as session:
        query = select(func.count()).where(OutboxMessage.state.in_(UNSETTLED))
        return session.scalar(query) or 0


def settle(coops: Sequence[Coop]) -> None:
    """Wait until no node has a message queued or in flight."""
    until(
        "every outbox emptied",
        lambda: True if all(_waiting(c) == 0 for c in coops) else None,
        coops,
    )


def _undelivered(coop: Coop, refused: Collection[str] = ()) -> list[tuple[str, str, str | None]]:
    """Messages not delivered, but for those of ``refused`` (jtis) that were refused."""
    with coop.db.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.state != MessageState.DELIVERED.value)
        return [
            (m.type, m.state, m.last_error)
            for m in session.scalars(query)
            if not (m.state == MessageState.REFUSED.value and m.jti in refused)
        ]


def _ledger_faults(coop: Coop) -> list[str]:
    with coop.db.reading() as session:
        faults = [f"{p.sequence}: {p.problem}" for p in ledger.verify_chain(session)]
        totals = session.execute(
            select(Posting.currency, func.sum(Posting.amount_minor)).group_by(Posting.currency)
        )
        faults += [f"{cur} sums to {total}" for cur, total in totals if total]
    return faults


def _items(coop: Coop, peer: Coop, direction: str) -> list[tuple[str, int, str]]:
    with coop.db.reading() as session:
        found = clearing.items_with(session, peer.url)
    return sorted(
        (i["item"], i["amount_minor"], i["currency"]) for i in found if i["direction"] == direction
    )


def _total(coop: Coop, spec: ledger.AccountSpec, currency: str) -> int:
    with coop.db.reading() as session:
        return clearing.balance_minor(session, spec, currency)


def _open_sum(coop: Coop, peer: Coop, items: list[tuple[str, int, str]], currency: str) -> int:
    """What ``items`` still hold at ``coop``: those a closed settlement statement there settled
    are zero on its clearing accounts."""
    with coop.db.reading() as session:
        closed = settlement_messages.closed_items(session, peer.url)
    return sum(amount for item, amount, c in items if c == currency and item not in closed)


def assert_mirror(owes: Coop, owed: Coop) -> None:
    """``owes``' payable on ``owed`` equals ``owed``'s receivable on ``owes``: item by item, in
    total per currency, and each total is the sum of its items not settled yet on that side."""
    out, back = _items(owes, owed, "payable"), _items(owed, owes, "receivable")
    assert out == back, f"{owes.code} payable on {owed.code} {out} != receivable {back}"
    for currency in {c for _, _, c in out} | {"EUR"}:
        items = (_open_sum(owes, owed, out, currency), _open_sum(owed, owes, back, currency))
        due = -_total(owes, clearing.payable(owed.url), currency)
        claimed = _total(owed, clearing.receivable(owes.url), currency)
        assert (due, claimed) == items and due == claimed, (
            owes.code,
            owed.code,
            currency,
            due,
            claimed,
            items,
        )


def books_agree(coops: Sequence[Coop], refused: Collection[str] = ()) -> None:
    """Every message delivered (none refused or dead, but the test's expected refusals: their
    jtis in ``refused``), every ledger verified and balanced, every pair's clearing mirrored
    both ways, and no node logged a traceback."""
    settle(coops)
    for coop in coops:
        left = _undelivered(coop, refused)
        assert left == [], (coop.code, left)
        assert _ledger_faults(coop) == [], (coop.code, _ledger_faults(coop))
    for a, b in itertools.permutations(coops, 2):
        assert_mirror(a, b)
    for coop in coops:
        assert "Traceback" not in coop.log.read_text(), coop.log.read_text()


@dataclass
class Coops:
    """Three started, peered nodes: Belgium (the lead, SQLite), France (EUR) and Sweden (SEK),
    with a client at Belgium and one member at each."""

    be: Coop
    fr: Coop
    se: Coop
    client_id: int
    an: Part  # Belgium's member: the lead member of every chain
    luc: Part  # France's member
    eva: Part  # Sweden's member
    refused: set[str] = field(default_factory=set)  # jtis of messages a case expected refused

    @property
    def all(self) -> tuple[Coop, Coop, Coop]:
        return self.be, self.fr, self.se


@contextmanager
def three_coops(be: Coop, fr: Coop, se: Coop, engine: str) -> Iterator[Coops]:
    """Start and peer the three (France and Sweden on ``engine``), stop them afterwards."""
    with own_databases(engine, 2) as urls:
        for coop, url in zip((fr, se), urls, strict=True):
            if url is not None:
                coop.environ["COOPNODE_DATABASE_URL"] = url
        try:
            start_and_peer(be, (fr, se))
            yield Coops(
                be,
                fr,
                se,
                client_of(be),
                member_of(be, "An Peeters"),
                member_of(fr, "Luc Martin"),
                member_of(se, "Eva Lind"),
            )
        finally:
            for coop in (be, fr, se):
                coop.close()
