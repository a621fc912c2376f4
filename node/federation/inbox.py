"""Processing received envelopes: verify, then record and apply once, and answer with a receipt.

For each envelope: :func:`federation.envelope.verify` (keys from the sender's Peer row, which
must be active — peering messages excepted, see :mod:`node.federation.introductions`; types
limited to those the node has handlers for), then ONE write transaction that records
``(iss, jti)`` with the digest of the body and runs the handler. The unique pair makes the effect
happen once: a repeat with the same digest gets the stored receipt (re-signed with the same id and
body if the stored one is about to expire), a repeat with another digest is a conflict; two
concurrent deliveries of one message meet on the unique constraint and the loser reads the
winner's receipt.

A handler accepts by returning; it refuses for a business reason by raising
:class:`BusinessRefusal` (its changes are rolled back to a savepoint, the refusal is recorded and
receipted: the sender does not retry). Anything else it raises rolls everything back (500: the
sender retries later). A protocol rejection changes nothing but the bounded rejection log.

A batch (up to :data:`MAX_BATCH` envelopes) is first applied optimistically in one transaction
without savepoints: the ids already received are read in one query, each sender's keys once (read
again after a message that changes a peer, :data:`~node.federation.signing.PEER_CHANGING_TYPES`),
and the new records are inserted together at commit. Should any handler raise (a refusal
included), that transaction is rolled back and the batch is applied again with a savepoint per
envelope, so each one stands on its own exactly as if it had come alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from federation import envelope
from federation.envelope import Envelope
from federation.errors import Rejection
from federation.keys import KeySet
from federation.schemas import Catalogue, default_catalogue
from node.config import Settings
from node.db import Database
from node.errors import PROBLEM_BASE
from node.federation.models import InboxRecord, InboxRejection, Outcome
from node.federation.signing import PEER_CHANGING_TYPES, Signer, peer_resolver
from node.i18n import N_

log = logging.getLogger("coopnode.federation")
MAX_BATCH = 50
REJECTION_LOG_SIZE = 1000
RECEIPT_TYPE = "receipt/1"
CONFLICT = "conflict"
INTERNAL = "internal"
RATE_LIMITED = "rate_limited"
PROBLEM_TYPE_BASE = PROBLEM_BASE + "federation/"
_TITLES = {
    400: N_("Federation message malformed"),
    401: N_("Federation message not authenticated"),
    403: N_("Federation sender not allowed"),
    409: N_("Federation message conflicts with one received before"),
    413: N_("Federation message too large"),
    429: N_("Too many federation requests"),
    500: N_("Federation message not applied"),
}


class BusinessRefusal(Exception):
    """Raised by a handler to refuse a valid message with a stable reason code."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


class Throttled(Exception):
    """Too many requests that would make the inbox work for senders that are not peers (429)."""


Handler = Callable[[Session, Envelope], None]
Handlers = Mapping[str, Handler]
ResolverFactory = Callable[[Session], envelope.KeyResolver]
Introducer = Callable[[str | bytes, datetime, str | None], ResolverFactory | None]
"""Before the transaction: how to find the keys of a sender that need not be an active peer
(peering messages, :mod:`node.federation.introductions`); None keeps the usual rule."""


@dataclass(frozen=True)
class InboxPolicy:
    max_envelope_bytes: int = envelope.DEFAULT_MAX_SIZE
    skew: timedelta = envelope.DEFAULT_SKEW

    @classmethod
    def from_settings(cls, settings: Settings) -> InboxPolicy:
        return cls(
            max_envelope_bytes=settings["federation.max_envelope_bytes"],
            skew=timedelta(seconds=settings["federation.clock_skew_seconds"]),
        )

    @property
    def max_batch_bytes(self) -> int:
        """A JSON array of :data:`MAX_BATCH` tokens, each quoted and separated."""
        return MAX_BATCH * (self.max_envelope_bytes + 4) + 2


@dataclass(frozen=True)
class Result:
    """What one envelope got: a receipt (200) or a problem document with a stable code."""

    status: int
    receipt: str | None = None
    problem: dict[str, Any] | None = None

    def as_item(self) -> dict[str, Any]:
        if self.receipt is not None:
            return {"status": self.status, "receipt": self.receipt}
        return {"status": self.status, "problem": self.problem}


def problem(status: int, code: str, detail: str) -> dict[str, Any]:
    """An RFC 9457 document whose ``type`` ends with the stable code (also given as ``code``)."""
    return {
        "type": PROBLEM_TYPE_BASE + code,
        "title": _TITLES.get(status, _TITLES[400]),
        "status": status,
        "code": code,
        "detail": detail[:500],
    }


class _Conflict(Exception):
    """(iss, jti) seen before with another body."""


def body_digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def claimed_issuer(token: object) -> str | None:
    """The ``iss`` an unverified token claims, for the rejection log only."""
    if not isinstance(token, str | bytes):
        return None
    try:
        iss = envelope.open_compact(token, envelope.MESSAGE_TYP).claims.get("iss")
    except Rejection:
        return None
    return iss[:300] if isinstance(iss, str) else None


def log_rejection(
    db: Database, code: str, detail: str, *, remote: str | None, iss: str | None
) -> None:
    """Append to the rejection log in its own transaction and keep only the latest entries."""
    with db.transaction() as session:
        session.add(
            InboxRejection(
                remote=(remote or None) and remote[:100],
                claimed_iss=iss,
                code=code,
                detail=detail[:500],
            )
        )
        session.flush()
        newest = session.scalar(select(func.max(InboxRejection.id))) or 0
        session.execute(
            delete(InboxRejection).where(InboxRejection.id <= newest - REJECTION_LOG_SIZE)
        )


class Inbox:
    """Applies envelopes for one node: its database, handlers, signer and limits."""

    def __init__(
        self,
        db: Database,
        handlers: Handlers,
        signer: Signer,
        policy: InboxPolicy,
        introducer: Introducer | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        """``catalogue`` holds the schemas of every handled type (default: those shipped)."""
        self.db = db
        self.handlers = handlers
        self.signer = signer
        self.policy = policy
        self.introducer = introducer
        self.catalogue: Catalogue = (catalogue or default_catalogue()).restricted(handlers)

    def receive(
        self,
        token: str | bytes,
        now: datetime,
        remote: str | None = None,
        signer: Signer | None = None,
    ) -> Result:
        """Verify and apply one envelope; never raises a :class:`Rejection`."""
        try:
            return self._receive(token, now, remote, signer or self.signer)
        except Exception as exc:
            return self._failed(exc, token, remote)

    def _failed(self, exc: Exception, token: object, remote: str | None) -> Result:
        """The answer to an envelope that was not applied (rejections logged, in their own
        transaction: call this outside any other)."""
        if isinstance(exc, Throttled):  # not logged: the limit is there to spare the node work
            return Result(429, problem=problem(429, RATE_LIMITED, str(exc)))
        if isinstance(exc, Rejection):
            return self._refuse(exc.status, exc.code.value, exc.detail, token, remote)
        if isinstance(exc, _Conflict):
            return self._refuse(409, CONFLICT, str(exc), token, remote)
        # a handler's fault: nothing was applied, the sender retries later
        log.error(
            "federation message not applied", exc_info=exc, extra={"iss": claimed_issuer(token)}
        )
        return Result(500, problem=problem(500, INTERNAL, "the message could not be applied"))

    def receive_batch(
        self, tokens: list[Any], now: datetime, remote: str | None = None
    ) -> list[Result]:
        """A batch in ONE write transaction: each envelope is applied or not on its own, exactly
        as :meth:`receive` would, but the batch pays one commit instead of one each (see the
        module docstring). Should the commit fail, nothing was applied: each envelope is then
        received on its own."""
        signer = self.signer.for_batch()
        try:
            return self._batch(tokens, now, remote, signer.pinned())
        except Exception:
            log.warning("federation batch not committed; receiving its envelopes one by one")
            return [self.receive(token, now, remote, signer) for token in tokens]

    def _batch(
        self, tokens: list[Any], now: datetime, remote: str | None, signer: Signer
    ) -> list[Result]:
        resolvers: list[ResolverFactory | Exception] = []
        for token in tokens:  # introductions may fetch over HTTP: before the transaction
            try:
                resolvers.append(self._sender_keys(token, now, remote))
            except Exception as exc:
                resolvers.append(exc)
        try:
            outcomes = self._optimistic(tokens, resolvers, now, signer)
        except Exception:  # a handler refused or failed, or a concurrent delivery won a race
            with self.db.transaction() as session:
                outcomes = [
                    found
                    if isinstance(found, Exception)
                    else self._in_savepoint(session, token, now, signer, found)
                    for token, found in zip(tokens, resolvers, strict=True)
                ]
        return [
            outcome if isinstance(outcome, Result) else self._failed(outcome, token, remote)
            for token, outcome in zip(tokens, outcomes, strict=True)
        ]

    def _optimistic(
        self,
        tokens: list[Any],
        resolvers: list[ResolverFactory | Exception],
        now: datetime,
        signer: Signer,
    ) -> list[Result | Exception]:
        """The whole batch without savepoints; raises (rolling everything back) as soon as a
        handler raises anything, a refusal included."""
        outcomes: list[Result | Exception] = []
        with self.db.transaction() as session:
            known = _known_records(session, tokens)
            keys: dict[tuple[ResolverFactory, str], KeySet] = {}
            for token, found in zip(tokens, resolvers, strict=True):
                if isinstance(found, Exception):
                    outcomes.append(found)
                    continue
                try:
                    verified = self._verify(session, token, now, _remembering(found, keys))
                except Rejection as exc:
                    outcomes.append(exc)
                    continue
                try:
                    receipt = self._apply(session, verified, now, signer, known)
                except _Conflict as exc:
                    outcomes.append(exc)
                    continue
                outcomes.append(Result(200, receipt=receipt))
                if verified.type in PEER_CHANGING_TYPES:
                    keys.clear()
        return outcomes

    def _in_savepoint(
        self,
        session: Session,
        token: str | bytes,
        now: datetime,
        signer: Signer,
        resolver: ResolverFactory,
    ) -> Result | Exception:
        """One envelope of a batch; what it raised is returned, its changes rolled back."""
        try:
            try:
                return self._savepoint(session, token, now, signer, resolver)
            except IntegrityError:  # a concurrent delivery won the (iss, jti) race: its receipt
                return self._savepoint(session, token, now, signer, resolver)
        except Exception as exc:
            return exc

    def _savepoint(
        self,
        session: Session,
        token: str | bytes,
        now: datetime,
        signer: Signer,
        resolver: ResolverFactory,
    ) -> Result:
        with session.begin_nested():
            verified = self._verify(session, token, now, resolver)
            return Result(200, receipt=self._apply(session, verified, now, signer))

    def _refuse(
        self, status: int, code: str, detail: str, token: object, remote: str | None
    ) -> Result:
        log_rejection(self.db, code, detail, remote=remote, iss=claimed_issuer(token))
        return Result(status, problem=problem(status, code, detail))

    def _receive(
        self, token: str | bytes, now: datetime, remote: str | None, signer: Signer
    ) -> Result:
        signer = signer.pinned()  # the key store may read the database: not inside ours
        resolver = self._sender_keys(token, now, remote)  # may fetch over HTTP: not inside ours
        try:
            return self._in_transaction(token, now, signer, resolver)
        except IntegrityError:
            # A concurrent delivery of the same message won the (iss, jti) race: read its receipt.
            return self._in_transaction(token, now, signer, resolver)

    def _sender_keys(
        self, token: str | bytes, now: datetime, remote: str | None
    ) -> ResolverFactory:
        """The usual rule (an active peer's keys) unless the introducer makes an exception."""
        introduced = self.introducer(token, now, remote) if self.introducer else None
        return introduced or peer_resolver

    def _in_transaction(
        self, token: str | bytes, now: datetime, signer: Signer, resolver: ResolverFactory
    ) -> Result:
        with self.db.transaction() as session:
            verified = self._verify(session, token, now, resolver)
            return Result(200, receipt=self._apply(session, verified, now, signer))

    def _verify(
        self, session: Session, token: str | bytes, now: datetime, resolver: ResolverFactory
    ) -> Envelope:
        return envelope.verify(
            token,
            resolver(session),
            self.signer.node_id,
            now,
            skew=self.policy.skew,
            max_size=self.policy.max_envelope_bytes,
            catalogue=self.catalogue,
        )

    def _apply(
        self,
        session: Session,
        verified: Envelope,
        now: datetime,
        signer: Signer,
        known: dict[tuple[str, str], InboxRecord] | None = None,
    ) -> str:
        """Record and handle ``verified`` once. With ``known`` (the batch's records, read
        beforehand and kept up to date here) the handler runs without a savepoint of its own
        and the record is inserted at the next flush; whatever the handler raises propagates."""
        digest = body_digest(verified.body)
        key = (verified.iss, verified.jti)
        found = known.get(key) if known is not None else _stored_record(session, key)
        if found is not None:
            if found.body_digest != digest:
                raise _Conflict(f"message {verified.jti} was received before with another body")
            return self._stored_receipt(found, now, signer)
        record = InboxRecord(
            iss=verified.iss,
            jti=verified.jti,
            body_digest=digest,
            type=verified.type,
            conversation=verified.conversation,
            seq=verified.seq,
            received_at=now,
        )
        # Accepted unless the handler refuses: signed now, the receipt goes in with the record
        # (one INSERT, no UPDATE after the handler); a refusal signs another.
        self._receipt(record, verified, signer, now)
        session.add(record)
        if known is not None:
            known[key] = record
            self.handlers[verified.type](session, verified)
            return record.receipt_token
        session.flush()  # claims (iss, jti) now: a concurrent duplicate waits or fails here
        try:
            with session.begin_nested():
                self.handlers[verified.type](session, verified)
        except BusinessRefusal as refusal:
            self._receipt(record, verified, signer, now, refusal.reason, refusal.detail)
        return record.receipt_token

    def _receipt(
        self,
        record: InboxRecord,
        verified: Envelope,
        signer: Signer,
        now: datetime,
        reason: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Put the signed receipt (accepted, or refused for ``reason``) on ``record``."""
        body = envelope.receipt_body(verified, reason, detail)
        receipt_jti = envelope.new_message_id()
        record.receipt = {"jti": receipt_jti, "body": body}
        record.outcome = (Outcome.ACCEPTED if reason is None else Outcome.REFUSED).value
        record.reason = reason
        record.receipt_token = self._sign_receipt(signer, record, receipt_jti, body, now)

    @staticmethod
    def _sign_receipt(
        signer: Signer,
        record: InboxRecord,
        receipt_jti: str,
        body: Mapping[str, Any],
        now: datetime,
    ) -> str:
        return signer.sign(
            aud=record.iss,
            type=RECEIPT_TYPE,
            body=body,
            now=now,
            jti=receipt_jti,
            conversation=record.conversation,
            seq=record.seq,
            check=False,  # built by envelope.receipt_body
        )

    def _stored_receipt(self, record: InboxRecord, now: datetime, signer: Signer) -> str:
        """The stored receipt; re-signed (same id and body) once it is too old to be accepted."""
        claims = envelope.open_compact(record.receipt_token, envelope.MESSAGE_TYP).claims
        if claims["exp"] - self.policy.skew.total_seconds() > envelope.to_numeric(now) + 60:
            return record.receipt_token
        token = self._sign_receipt(
            signer, record, record.receipt["jti"], record.receipt["body"], now
        )
        record.receipt_token = token
        return token


def _stored_record(session: Session, key: tuple[str, str]) -> InboxRecord | None:
    iss, jti = key
    return session.scalars(
        select(InboxRecord).where(InboxRecord.iss == iss, InboxRecord.jti == jti)
    ).one_or_none()


def _known_records(session: Session, tokens: list[Any]) -> dict[tuple[str, str], InboxRecord]:
    """The records of the ids the batch's envelopes claim, in one query (claims unverified:
    only a lookup table, entries are used for verified ids alone)."""
    claimed: set[tuple[str, str]] = set()
    for token in tokens:
        try:
            claims = envelope.open_compact(token, envelope.MESSAGE_TYP).claims
        except Rejection:
            continue
        iss, jti = claims.get("iss"), claims.get("jti")
        if isinstance(iss, str) and isinstance(jti, str):
            claimed.add((iss, jti))
    if not claimed:
        return {}
    rows = session.scalars(
        select(InboxRecord).where(
            InboxRecord.jti.in_({jti for _, jti in claimed}),
            InboxRecord.iss.in_({iss for iss, _ in claimed}),
        )
    )
    return {(row.iss, row.jti): row for row in rows}


def _remembering(
    factory: ResolverFactory, remembered: dict[tuple[ResolverFactory, str], KeySet]
) -> ResolverFactory:
    """``factory`` whose keys, once found for a sender, are reused for the rest of the batch."""

    def resolver(session: Session) -> envelope.KeyResolver:
        resolve = factory(session)

        def cached(iss: str) -> KeySet:
            key = (factory, iss)
            if key not in remembered:
                remembered[key] = resolve(iss)
            return remembered[key]

        return cached

    return resolver


def prune_processed(session: Session, now: datetime, retention: timedelta) -> int:
    """Forget received message ids older than ``retention`` (kept longer than any retry horizon)."""
    result = session.execute(delete(InboxRecord).where(InboxRecord.received_at < now - retention))
    return int(getattr(result, "rowcount", 0) or 0)
