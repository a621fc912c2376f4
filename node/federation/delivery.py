"""The delivery worker: claims due outbox messages with a lease, sends them, records the answer.

One round (:meth:`DeliveryWorker.run_once`):

1. **Claim**, in one short write transaction: due messages (queued and due, or in flight with an
   expired lease: a worker died) whose peer is active and whose circuit is closed, and only the
   lowest undelivered ``seq`` of each conversation (a dead letter holds back its own conversation
   and nothing else). PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``; SQLite's write transaction
   is exclusive. The claim sets the lease (owner, until) and counts the attempt, then COMMITS.
2. **Send**, holding no database lock: each message re-signed (new ``iat``/``exp``, same ``jti``
   and body), one request per peer (a JSON array when there are several).
3. **Record**: an accepted receipt (its signature and audience verified) delivers the message;
   a refused one ends it as ``refused`` (no retry); anything else schedules a retry with
   exponential backoff and full jitter up to a cap, or makes it a dead letter after too many
   attempts or too long. Failed requests in a row open the peer's circuit breaker for a while.

Several workers (``coopnode serve`` processes, ``coopnode worker``) can run at once: leases keep
them from sending one message concurrently, and the receiver's ``(iss, jti)`` record makes a
resend after a crash harmless.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, exists, func, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from federation import envelope
from federation.errors import Rejection, UnknownPeer
from federation.keys import KeySet
from federation.schemas import default_catalogue
from node.config import Settings
from node.db import Database, lock_row
from node.db.types import utcnow
from node.errors import Conflict, NotFound
from node.federation.inbox import CONFLICT, RECEIPT_TYPE, prune_processed
from node.federation.models import MessageState, OutboxMessage, Peer, PeerState
from node.federation.peering import PEERING_REQUEST  # the only message sent to a pending peer
from node.federation.signing import Signer, UnusableKey

log = logging.getLogger("coopnode.federation")
JOSE = "application/jose"
PRUNE_EVERY = timedelta(hours=1)
#: Peers served in one round of a worker, a batch each (the others in the next round).
PEERS_PER_ROUND = 8


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 50  # the inbox's limit: fewer rounds, one commit per batch on each side
    lease: timedelta = timedelta(seconds=60)
    timeout: float = 10.0
    retry_base: timedelta = timedelta(seconds=2)
    retry_cap: timedelta = timedelta(hours=1)
    max_attempts: int = 60
    max_age: timedelta = timedelta(hours=72)
    breaker_failures: int = 5
    breaker_cooldown: timedelta = timedelta(minutes=5)
    skew: timedelta = envelope.DEFAULT_SKEW
    retention: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        def seconds(name: str) -> timedelta:
            return timedelta(seconds=settings[f"federation.{name}"])

        return cls(
            batch_size=settings["federation.delivery_batch_size"],
            lease=seconds("lease_seconds"),
            timeout=float(settings["federation.request_timeout_seconds"]),
            retry_base=seconds("retry_base_seconds"),
            retry_cap=seconds("retry_cap_seconds"),
            max_attempts=settings["federation.max_attempts"],
            max_age=timedelta(hours=settings["federation.max_age_hours"]),
            breaker_failures=settings["federation.breaker_failures"],
            breaker_cooldown=seconds("breaker_cooldown_seconds"),
            skew=seconds("clock_skew_seconds"),
            retention=timedelta(days=settings["federation.processed_ids_retention_days"]),
        )

    def backoff(self, attempts: int, draw: Callable[[], float]) -> timedelta:
        """Full jitter: a uniform delay between 0 and ``min(cap, base · 2^(attempts-1))``."""
        ceiling = min(self.retry_cap, self.retry_base * (2 ** min(max(attempts - 1, 0), 40)))
        return ceiling * draw()


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, detached from its session."""

    id: int
    jti: str
    type: str
    conversation: str
    seq: int
    body: dict[str, Any]
    signing_kid: str | None = None  # the own key that must sign it; None: the current key


@dataclass
class Batch:
    """The messages claimed for one peer in one round, with what the worker needs to send them."""

    peer_id: int
    node_id: str
    inbox_url: str
    keys: KeySet
    messages: list[Outgoing] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """What became of one message: delivered/refused (with receipt), a retry, or a dead letter."""

    state: MessageState | None  # None: retry later
    error: str | None = None
    receipt: dict[str, Any] | None = None
    sent: bool = True  # False: never sent (it could not be signed), says nothing of the peer


def default_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        signer: Signer,
        policy: DeliveryPolicy,
        client: httpx.Client,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.signer = signer
        self.policy = policy
        self.client = client
        self.owner = owner or default_owner()
        self.clock = clock
        self.draw = draw
        self._pruned_at: datetime | None = None

    # -- one round ------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim, send and record one round; returns how many messages were attempted."""
        batches = self.claim()
        for batch in batches:
            answers = self.send(batch)
            self.record(batch, answers)
        return sum(len(batch.messages) for batch in batches)

    def claim(self) -> list[Batch]:
        """Lease due messages (committed before anything is sent): up to a batch for each of
        the :data:`PEERS_PER_ROUND` peers whose oldest due message is oldest, so a peer with a
        long backlog does not hold up the others."""
        now = self.clock()
        batches: list[Batch] = []
        if self.db.is_sqlite and not self._anything_due(now):
            return []  # an idle worker takes no write lock (SQLite has only one; PostgreSQL
            # claims with SKIP LOCKED and a second look at the queue would only cost time)
        with self.db.transaction() as session:
            for peer_id in session.scalars(self._peers_due(now)):
                query = self._due(now).where(OutboxMessage.peer_id == peer_id)
                if not self.db.is_sqlite:
                    query = query.with_for_update(skip_locked=True, of=OutboxMessage)
                batch = self._lease(session.execute(query), now)
                if batch is not None:
                    batches.append(batch)
        return batches

    def _lease(self, due: Iterable[Any], now: datetime) -> Batch | None:
        """Lease one peer's due messages; the batch to send them in (None when another worker
        took them all)."""
        batch: Batch | None = None
        for message, peer in due:
            if batch is None:
                batch = Batch(peer.id, peer.node_id, peer.inbox_url, KeySet.from_jwks(peer.jwks))
            message.state = MessageState.IN_FLIGHT.value
            message.lease_owner = self.owner
            message.lease_until = now + self.policy.lease
            message.attempts += 1
            batch.messages.append(
                Outgoing(
                    message.id,
                    message.jti,
                    message.type,
                    message.conversation,
                    message.seq,
                    dict(message.body),
                    message.signing_kid,
                )
            )
        return batch

    def _peers_due(self, now: datetime) -> Any:
        """The peers with due messages, the one waiting longest first."""
        columns = (OutboxMessage.peer_id, OutboxMessage.id)
        due = self._due(now, *columns, in_order=False).order_by(None).limit(None).subquery()
        return (
            select(due.c.peer_id)
            .group_by(due.c.peer_id)
            .order_by(func.min(due.c.id))
            .limit(PEERS_PER_ROUND)
        )

    def _anything_due(self, now: datetime) -> bool:
        with self.db.reading() as session:
            return session.execute(self._due(now).limit(1)).first() is not None

    def _due(self, now: datetime, *columns: Any, in_order: bool = True) -> Any:
        """Due messages (with their Peer, or ``columns``), oldest first, a batch at most;
        without ``in_order``, also those a conversation holds back (cheaper: for finding peers
        with work, whose own query then leaves those out)."""
        earlier = aliased(OutboxMessage)
        held_back = exists().where(
            earlier.peer_id == OutboxMessage.peer_id,
            earlier.conversation == OutboxMessage.conversation,
            earlier.seq < OutboxMessage.seq,
            earlier.state.in_(
                (MessageState.QUEUED.value, MessageState.IN_FLIGHT.value, MessageState.DEAD.value)
            ),
        )
        due = or_(
            and_(
                OutboxMessage.state == MessageState.QUEUED.value,
                OutboxMessage.next_attempt_at <= now,
            ),
            and_(
                OutboxMessage.state == MessageState.IN_FLIGHT.value,
                OutboxMessage.lease_until <= now,
            ),
        )
        return (
            select(*(columns or (OutboxMessage, Peer)))
            .join(Peer, Peer.id == OutboxMessage.peer_id)
            .where(
                due,
                # seq 0 opens its conversation: nothing can hold it back, and saying so spares
                # the anti-join, which PostgreSQL may plan per row over the whole queue
                or_(OutboxMessage.seq == 0, ~held_back) if in_order else true(),
                or_(
                    Peer.state == PeerState.ACTIVE.value,
                    # a peering request goes to the node it asks: pending on this side
                    and_(
                        Peer.state == PeerState.PENDING.value,
                        OutboxMessage.type == PEERING_REQUEST,
                    ),
                ),
                or_(Peer.circuit_open_until.is_(None), Peer.circuit_open_until <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(self.policy.batch_size)
        )

    # -- sending, without any database lock -----------------------------------------------------

    def send(self, batch: Batch) -> list[Answer]:
        """One request for the messages that could be signed; the others are dead letters."""
        now = self.clock()
        answers: dict[int, Answer] = {}
        signed: list[tuple[Outgoing, str]] = []
        signer = self.signer.for_batch()
        for message in batch.messages:
            try:
                signed.append((message, self._sign(signer, batch, message, now)))
            except (UnusableKey, NotFound, Conflict) as exc:
                if message.signing_kid is None:
                    raise  # the current key: a fault of the node, the round is retried
                # Its named key is revoked or past its window: it can never be sent.
                answers[message.id] = Answer(MessageState.DEAD, f"cannot sign: {exc}", sent=False)
        posted = self._post(batch, signed, now)
        for (message, _), answer in zip(signed, posted, strict=True):
            answers[message.id] = answer
        return [answers[message.id] for message in batch.messages]

    def _post(
        self, batch: Batch, signed: list[tuple[Outgoing, str]], now: datetime
    ) -> list[Answer]:
        tokens = [token for _, token in signed]
        if not tokens:
            return []
        try:
            if len(tokens) == 1:
                response = self.client.post(
                    batch.inbox_url, content=tokens[0], headers={"Content-Type": JOSE}
                )
            else:
                response = self.client.post(batch.inbox_url, json=tokens)
        except httpx.HTTPError as exc:
            return [Answer(None, f"request failed: {type(exc).__name__}: {exc}")] * len(tokens)
        items = self._items(response, len(tokens))
        return [
            self._answer(batch, message, item, now)
            for (message, _), item in zip(signed, items, strict=True)
        ]

    @staticmethod
    def _sign(signer: Signer, batch: Batch, message: Outgoing, now: datetime) -> str:
        # The body was checked against its schema when it was queued (outbox.enqueue).
        return signer.sign(
            kid=message.signing_kid,
            aud=batch.node_id,
            type=message.type,
            body=message.body,
            now=now,
            jti=message.jti,
            conversation=message.conversation,
            seq=message.seq,
            check=False,
        )

    @staticmethod
    def _items(response: httpx.Response, count: int) -> list[dict[str, Any]]:
        """The inbox's answer as one item per message sent (see ``node.federation.api``)."""
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code == 200 and media == JOSE and count == 1:
            return [{"status": 200, "receipt": response.text}]
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if response.status_code == 200 and isinstance(parsed, list) and len(parsed) == count:
            return [item if isinstance(item, dict) else {} for item in parsed]
        if isinstance(parsed, dict) and "code" in parsed:
            return [{"status": response.status_code, "problem": parsed}] * count
        return [{"status": response.status_code}] * count

    def _answer(
        self, batch: Batch, message: Outgoing, item: dict[str, Any], now: datetime
    ) -> Answer:
        receipt = item.get("receipt")
        if item.get("status") == 200 and isinstance(receipt, str):
            return self._check_receipt(batch, message, receipt, now)
        found = item.get("problem")
        problem: dict[str, Any] = found if isinstance(found, dict) else {}
        code = problem.get("code")
        error = f"HTTP {item.get('status')}" + (f" {code}: {problem.get('detail')}" if code else "")
        if code == CONFLICT:
            return Answer(MessageState.DEAD, error)  # the peer holds another body: ask an admin
        return Answer(None, error)

    def _check_receipt(self, batch: Batch, message: Outgoing, token: str, now: datetime) -> Answer:
        def resolve(iss: str) -> KeySet:
            if iss != batch.node_id:
                raise UnknownPeer(f"receipt from {iss}, not from {batch.node_id}")
            return batch.keys

        try:
            receipt = envelope.verify(
                token,
                resolve,
                self.signer.node_id,
                now,
                skew=self.policy.skew,
                catalogue=default_catalogue(),
            )
        except Rejection as exc:
            return Answer(None, f"receipt rejected: {exc.code.value}: {exc.detail}")
        body = receipt.body
        if receipt.type != RECEIPT_TYPE or body.get("message") != message.jti:
            return Answer(None, "the receipt does not answer this message")
        stored = {"jti": receipt.jti, "token": token, "body": body}
        if body["outcome"] == "accepted":
            return Answer(MessageState.DELIVERED, None, stored)
        return Answer(MessageState.REFUSED, f"refused: {body.get('reason')}", stored)

    # -- recording ------------------------------------------------------------------------------

    def record(self, batch: Batch, answers: list[Answer]) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            rows = self._lock_rows(session, [message.id for message in batch.messages])
            for message, answer in zip(batch.messages, answers, strict=True):
                row = rows.get(message.id)
                if row is not None:
                    self._record_one(row, answer, now)
            self._breaker(session, batch.peer_id, answers, now)

    @staticmethod
    def _lock_rows(session: Session, ids: list[int]) -> dict[int, OutboxMessage]:
        """The batch's rows in one ``SELECT … FOR UPDATE`` (in id order, as every worker locks),
        refreshed as committed by the locks' previous holders."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in session.scalars(query)}

    def _record_one(self, row: OutboxMessage, answer: Answer, now: datetime) -> None:
        if row.state in (MessageState.DELIVERED.value, MessageState.REFUSED.value):
            return  # another worker finished it first (after our lease expired)
        if answer.state is None and row.lease_owner != self.owner:
            return  # our lease expired and another worker owns it now
        row.lease_owner = row.lease_until = None
        row.last_error = None if answer.error is None else answer.error[:500]
        if answer.state in (MessageState.DELIVERED, MessageState.REFUSED):
            row.state = answer.state.value
            row.receipt = answer.receipt
            row.delivered_at = now
        elif answer.state is MessageState.DEAD or self._exhausted(row, now):
            row.state = MessageState.DEAD.value
            log.warning("dead letter", extra={"jti": row.jti, "error": row.last_error})
        else:
            row.state = MessageState.QUEUED.value
            row.next_attempt_at = now + self.policy.backoff(row.attempts, self.draw)

    def _exhausted(self, row: OutboxMessage, now: datetime) -> bool:
        return (
            row.attempts >= self.policy.max_attempts or now - row.created_at >= self.policy.max_age
        )

    def _breaker(
        self, session: Session, peer_id: int, answers: list[Answer], now: datetime
    ) -> None:
        """A request that got no receipt at all counts as a failure of the peer. A success
        resets the count with one conditional UPDATE that touches (and locks) the Peer row only
        when there is something to reset: workers delivering to a healthy peer never queue on
        its row."""
        answers = [answer for answer in answers if answer.sent]
        if not answers:
            return
        failed = all(answer.receipt is None for answer in answers)
        if not failed:
            session.execute(
                update(Peer)
                .where(
                    Peer.id == peer_id,
                    or_(Peer.consecutive_failures != 0, Peer.circuit_open_until.is_not(None)),
                )
                .values(consecutive_failures=0, circuit_open_until=None)
            )
            return
        peer = lock_row(session, Peer, peer_id)
        if peer is None:
            return
        peer.consecutive_failures += 1
        peer.last_error = (answers[0].error or "")[:500]
        if peer.consecutive_failures >= self.policy.breaker_failures:
            peer.circuit_open_until = now + self.policy.breaker_cooldown

    # -- the loop -------------------------------------------------------------------------------

    def prune(self) -> None:
        """Forget old received ids now and then (retention ≥ every sender's retry horizon)."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        with self.db.transaction() as session:
            prune_processed(session, now, self.policy.retention)
        self._pruned_at = now

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Deliver until ``stop`` is set; errors are logged and the loop goes on."""
        while not stop.is_set():
            try:
                self.prune()
                busy = self.run_once()
            except Exception:  # a worker must outlive a bad round
                log.exception("delivery round failed")
                busy = 0
            if not busy:
                stop.wait(idle_seconds)


def worker_for(node: Any, client: httpx.Client, owner: str | None = None) -> DeliveryWorker:
    """The node's own worker (its database, signer and settings)."""
    from node.federation.signing import node_signer

    policy = DeliveryPolicy.from_settings(node.settings)
    return DeliveryWorker(node.db, node_signer(node), policy, client, owner=owner)


def http_client(policy: DeliveryPolicy) -> httpx.Client:
    return httpx.Client(timeout=policy.timeout, trust_env=False, follow_redirects=False)


class Background:
    """Delivery workers on threads, for ``coopnode serve`` (started and stopped with the app).

    ``federation.delivery_threads`` of them (2 by default): a single worker leaves both nodes idle
    in turn (the peer while it claims and records, itself while the peer answers); with two, one
    works while the other waits. Each has its own lease owner, as separate processes would.
    """

    def __init__(self, node: Any) -> None:
        self.node = node
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.client: httpx.Client | None = None

    def start(self) -> None:
        self.client = http_client(DeliveryPolicy.from_settings(self.node.settings))  # thread-safe
        for number in range(self.node.settings["federation.delivery_threads"]):
            worker = worker_for(self.node, self.client)
            thread = threading.Thread(
                target=worker.run, args=(self.stop,), name=f"federation-delivery-{number}"
            )
            thread.daemon = True
            thread.start()
            self.threads.append(thread)

    def close(self, timeout: float = 15.0) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)
        if self.client is not None:
            self.client.close()
