"""The payroll run of a period: every salary request not computed yet, in chunks.

Each chunk is one transaction of up to :data:`CHUNK_SIZE` requests, done in bulk: the requests
are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs share the work; SQLite's
writers are serial anyway) and read, with their contracts and profiles, as plain rows (no ORM
objects), their members in a few queries, their activities locked in id order with their
available budgets read once (:class:`node.payouts.service.PayoutBatch`); each payslip is computed
in memory (:func:`node.payroll.service.solve`: a few payslips per request) and decided by the
payout primitive; then the chunk's payouts, payslips and audit entries go in with multi-row
inserts, their commit entries with one :func:`node.ledger.service.post_batch`, and the requests'
statuses with one UPDATE per 500 (and one per refusal).

**Restartable.** A crash rolls back only the chunk in progress; the chunks before it are
committed with their requests marked ``computed``. Running again picks up what is left. A
request is computed at most once: its status is decided under its lock, its payout's idempotency
key is ``salary:{request}:{sequence}`` and (contract, period, sequence) is unique among payslips.

**Refusals.** A request the rules refuse (above the available budget, closed activity, params or
terms the country refuses, a member without IBAN) is marked ``failed`` with the reason; the rest
of the chunk goes on. The next run tries it again (the budget may have grown since).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from node.audit.models import AuditEntry
from node.db.bulk import insert_rows, table_of
from node.db.types import utcnow
from node.errors import Problem, ValidationProblem
from node.members.identifiers import Vault
from node.payouts import service as payouts
from node.payouts.models import Payout
from node.payroll.models import EmploymentContract, PayrollProfile, Payslip, SalaryRequest
from node.payroll.models import SalaryRequestStatus as Status
from node.payroll.service import (
    ContractFields,
    Inputs,
    PayslipRow,
    ProfileFields,
    RequestFields,
    SalaryOptions,
    compute,
    payroll_of,
    payslip_changes,
)
from node.payroll.service import _period as parse_period
from plugins.payroll.contract import Payroll
from plugins.payroll.model import PayrollError

if TYPE_CHECKING:
    from node.runtime import Node

CHUNK_SIZE = 1000
PENDING = (Status.REQUESTED.value, Status.FAILED.value)
MAX_LISTED_FAILURES = 100


@dataclass
class RunResult:
    """What a run did: payslips computed, requests refused (the first ones listed)."""

    period: str
    computed: int = 0
    failed: int = 0
    chunks: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "computed": self.computed,
            "failed": self.failed,
            "chunks": self.chunks,
            "failures": self.failures,
        }


def pending_count(session: Session, period: str) -> int:
    """Salary requests of ``period`` a run would compute (requested, or failed before)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SalaryRequest)
            .where(SalaryRequest.period == period, SalaryRequest.status.in_(PENDING))
        )
        or 0
    )


def run_period(
    node: Node,
    period: str,
    *,
    actor: str,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
    request_id: str | None = None,
    payroll: Payroll | None = None,
) -> RunResult:
    """Compute every pending salary request of ``period``, ``chunk_size`` per transaction;
    ``progress(n)`` is called after each committed chunk with the number of requests done."""
    pay_period = str(parse_period(period))
    law = payroll or payroll_of(node)
    options = SalaryOptions(
        actor=actor,
        vault=Vault.from_settings(node.settings, node.cipher),
        second_approval_above=node.settings["payouts.second_approval_above"],
        request_id=request_id,
    )
    result = RunResult(pay_period)
    after = 0
    with _chunk_garbage_only():
        while True:
            with node.db.transaction() as session:
                requests = [
                    Pending(*row)
                    for row in session.execute(
                        select(*PENDING_COLUMNS)
                        .where(
                            SalaryRequest.period == pay_period,
                            SalaryRequest.status.in_(PENDING),
                            SalaryRequest.id > after,
                        )
                        .order_by(SalaryRequest.id)
                        .limit(chunk_size)
                        .with_for_update(skip_locked=True)
                    )
                ]
                if not requests:
                    break
                process_chunk(session, law, requests, options, result)
            after = requests[-1].id
            result.chunks += 1
            gc.collect(1)  # the chunk's garbage: young objects only
            if progress is not None:
                progress(len(requests))
    return result


@contextmanager
def _chunk_garbage_only() -> Iterator[None]:
    """No automatic garbage collection while the run goes: it collects each chunk's garbage
    after the chunk (the young generations only).

    A chunk keeps its hundreds of thousands of objects (rows, payslip lines, entries) alive
    until it commits, so they outlive the young generations and keep triggering full
    collections, each of which walks every object the process holds (the ORM, the law books
    …): without this, some 15 % of a run's time. Automatic collection is restored afterwards
    as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class Pending:
    """A salary request of the chunk as the run reads it: plain values, no ORM object (its
    status is written back in bulk, :func:`_record_statuses`)."""

    id: int
    contract_id: int
    member_id: int
    activity_id: int
    period: str
    amount_minor: int
    days: int | None
    hours: str | None


PENDING_COLUMNS = (
    SalaryRequest.id,
    SalaryRequest.contract_id,
    SalaryRequest.member_id,
    SalaryRequest.activity_id,
    SalaryRequest.period,
    SalaryRequest.amount_minor,
    SalaryRequest.days,
    SalaryRequest.hours,
)


#: What a chunk reads of its contracts and profiles (plain rows: no ORM objects to build).
CONTRACT_COLUMNS = (
    EmploymentContract.id,
    EmploymentContract.kind,
    EmploymentContract.basis,
    EmploymentContract.start_on,
    EmploymentContract.end_on,
    EmploymentContract.work_fraction,
    EmploymentContract.days,
    EmploymentContract.hours,
    EmploymentContract.params,
)
PROFILE_COLUMNS = (PayrollProfile.member_id, PayrollProfile.params, PayrollProfile.language)


def _problem(exc: Exception) -> str:
    """One line saying why a request was refused."""
    if isinstance(exc, ValidationProblem):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    if isinstance(exc, Problem):
        return str(exc.detail or exc.title)
    return str(exc)


def process_chunk(
    session: Session,
    payroll: Payroll,
    requests: Sequence[RequestFields],
    options: SalaryOptions,
    result: RunResult,
) -> None:
    """Compute ``requests`` (locked, of one period) in bulk within the caller's transaction."""
    contract_ids = sorted({r.contract_id for r in requests})
    member_ids = sorted({r.member_id for r in requests})
    contracts: dict[int, ContractFields] = {}
    profiles: dict[int, ProfileFields] = {}
    for start in range(0, len(contract_ids), 500):
        chunk = contract_ids[start : start + 500]
        query = select(*CONTRACT_COLUMNS).where(EmploymentContract.id.in_(chunk))
        contracts.update((row.id, row) for row in session.execute(query))
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        found = select(*PROFILE_COLUMNS).where(PayrollProfile.member_id.in_(chunk))
        profiles.update((row.member_id, row) for row in session.execute(found))
    batch = payouts.PayoutBatch(
        actor=options.actor, vault=options.vault, request_id=options.request_id
    )
    batch.prepare(
        session,
        activity_ids={r.activity_id for r in requests},
        member_ids=member_ids,
        idempotency_keys=[f"salary:{r.id}:1" for r in requests],
    )
    made: list[tuple[PayslipRow, Payout]] = []
    refused: dict[int, str] = {}
    with session.no_autoflush:  # the chunk's rows go in together, at the flush below
        for request in requests:
            member = batch.member(session, request.member_id)  # loaded by prepare: no query
            assert member is not None
            inputs = Inputs(
                request,
                contracts[request.contract_id],
                member,
                batch.activity(session, request.activity_id),
                profiles.get(request.member_id),
            )
            _compute_one(session, payroll, request, inputs, batch, options, made, refused)
    batch.flush(session)
    slips = []
    for fields, payout in made:
        fields["payout_id"] = payout.id
        slips.append(fields)
    ids = _insert_payslips(session, slips)
    if slips:
        now = utcnow()
        insert_rows(
            session,
            AuditEntry,
            [
                {
                    "at": now,
                    "actor": options.actor,
                    "action": "payslip.compute",
                    "entity": "payslip",
                    "entity_id": str(payslip_id),
                    "changes": payslip_changes(fields),
                    "request_id": options.request_id,
                }
                for payslip_id, fields in zip(ids, slips, strict=True)
            ],
        )
    _record_statuses(session, [fields["request_id"] for fields in slips], refused)
    result.computed += len(made)
    result.failed += len(refused)
    for request_id, problem in refused.items():
        if len(result.failures) >= MAX_LISTED_FAILURES:
            break
        result.failures.append({"salary_request_id": request_id, "problem": problem})


def _compute_one(
    session: Session,
    payroll: Payroll,
    request: RequestFields,
    inputs: Inputs,
    batch: payouts.PayoutBatch,
    options: SalaryOptions,
    made: list[tuple[PayslipRow, Payout]],
    refused: dict[int, str],
) -> None:
    try:
        made.append(compute(session, payroll, request, options=options, inputs=inputs, batch=batch))
    except (Problem, PayrollError) as exc:
        refused[request.id] = _problem(exc)[:2000]


def _insert_payslips(session: Session, slips: list[PayslipRow]) -> list[int]:
    """Multi-row insert of a chunk's payslips; returns their ids, in order, read back by
    (request, sequence).

    :func:`node.db.bulk.insert_rows` and one query for the ids: cheaper than ``RETURNING``
    on both engines.
    """
    if not slips:
        return []
    insert_rows(session, Payslip, slips)
    by_request: dict[tuple[int, int], int] = {}
    requests = sorted({slip["request_id"] for slip in slips})
    for start in range(0, len(requests), 500):
        found = select(Payslip.request_id, Payslip.sequence, Payslip.id).where(
            Payslip.request_id.in_(requests[start : start + 500])
        )
        by_request.update(((r, n), i) for r, n, i in session.execute(found))
    return [by_request[(slip["request_id"], slip["sequence"])] for slip in slips]


def _record_statuses(session: Session, computed: list[int], refused: dict[int, str]) -> None:
    """The chunk's requests marked ``computed`` (one UPDATE per 500) or ``failed`` with why."""
    table = table_of(SalaryRequest)
    for start in range(0, len(computed), 500):
        session.execute(
            update(table)
            .where(table.c.id.in_(computed[start : start + 500]))
            .values(status=Status.COMPUTED.value, problem=None)
        )
    if refused:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("request"))
            .values(status=Status.FAILED.value, problem=bindparam("problem")),
            [{"request": key, "problem": problem} for key, problem in refused.items()],
        )
