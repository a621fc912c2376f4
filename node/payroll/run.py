"""The payroll run of a period: every salary request not computed yet, in chunks.

Each chunk is one transaction of up to :data:`CHUNK_SIZE` requests, done in bulk: the requests
are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs share the work; SQLite's
writers are serial anyway), their contracts, profiles and members read in a few queries, their
activities locked in id order with their available budgets read once
(:class:`node.payouts.service.PayoutBatch`); each payslip is computed in memory and decided by the
payout primitive; then the chunk's payouts and payslips go in with multi-row inserts and their
commit entries with one :func:`node.ledger.service.post_batch`.

**Restartable.** A crash rolls back only the chunk in progress; the chunks before it are
committed with their requests marked ``computed``. Running again picks up what is left. A
request is computed at most once: its status is decided under its lock, its payout's idempotency
key is ``salary:{request}:{sequence}`` and (contract, period, sequence) is unique among payslips.

**Refusals.** A request the rules refuse (above the available budget, closed activity, params or
terms the country refuses, a member without IBAN) is marked ``failed`` with the reason; the rest
of the chunk goes on. The next run tries it again (the budget may have grown since).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from node.audit.models import AuditEntry
from node.db.types import utcnow
from node.errors import Problem, ValidationProblem
from node.members.identifiers import Vault
from node.payouts import service as payouts
from node.payouts.models import Payout
from node.payroll.models import EmploymentContract, PayrollProfile, Payslip, SalaryRequest
from node.payroll.models import SalaryRequestStatus as Status
from node.payroll.service import Inputs, SalaryOptions, compute, payroll_of, payslip_changes
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
    while True:
        with node.db.transaction() as session:
            requests = list(
                session.scalars(
                    select(SalaryRequest)
                    .where(
                        SalaryRequest.period == pay_period,
                        SalaryRequest.status.in_(PENDING),
                        SalaryRequest.id > after,
                    )
                    .order_by(SalaryRequest.id)
                    .limit(chunk_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not requests:
                break
            process_chunk(session, law, requests, options, result)
        after = requests[-1].id
        result.chunks += 1
        if progress is not None:
            progress(len(requests))
    return result


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
    requests: list[SalaryRequest],
    options: SalaryOptions,
    result: RunResult,
) -> None:
    """Compute ``requests`` (locked, of one period) in bulk within the caller's transaction."""
    contract_ids = sorted({r.contract_id for r in requests})
    member_ids = sorted({r.member_id for r in requests})
    contracts: dict[int, EmploymentContract] = {}
    profiles: dict[int, PayrollProfile] = {}
    for start in range(0, len(contract_ids), 500):
        chunk = contract_ids[start : start + 500]
        query = select(EmploymentContract).where(EmploymentContract.id.in_(chunk))
        contracts.update((c.id, c) for c in session.scalars(query))
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        found = select(PayrollProfile).where(PayrollProfile.member_id.in_(chunk))
        profiles.update((p.member_id, p) for p in session.scalars(found))
    batch = payouts.PayoutBatch(
        actor=options.actor, vault=options.vault, request_id=options.request_id
    )
    batch.prepare(
        session,
        activity_ids={r.activity_id for r in requests},
        member_ids=member_ids,
        idempotency_keys=[f"salary:{r.id}:1" for r in requests],
    )
    made: list[tuple[Payslip, Payout]] = []
    with session.no_autoflush:  # the chunk's rows go in together, at the flush below
        for request in requests:
            _compute_one(
                session, payroll, request, contracts, profiles, batch, options, made, result
            )
    batch.flush(session)
    slips = [payslip for payslip, _payout in made]
    for payslip, payout in made:
        payslip.payout_id = payout.id
    _insert_payslips(session, slips)
    now = utcnow()
    if slips:
        session.execute(
            insert(_table(AuditEntry)),
            [
                {
                    "at": now,
                    "actor": options.actor,
                    "action": "payslip.compute",
                    "entity": "payslip",
                    "entity_id": str(payslip.id),
                    "changes": payslip_changes(payslip),
                    "request_id": options.request_id,
                }
                for payslip in slips
            ],
        )
    result.computed += len(made)


def _compute_one(
    session: Session,
    payroll: Payroll,
    request: SalaryRequest,
    contracts: dict[int, EmploymentContract],
    profiles: dict[int, PayrollProfile],
    batch: payouts.PayoutBatch,
    options: SalaryOptions,
    made: list[tuple[Payslip, Payout]],
    result: RunResult,
) -> None:
    member = batch.member(session, request.member_id)  # loaded by prepare: no query
    assert member is not None
    inputs = Inputs(
        request,
        contracts[request.contract_id],
        member,
        batch.activity(session, request.activity_id),
        profiles.get(request.member_id),
    )
    try:
        made.append(compute(session, payroll, request, options=options, inputs=inputs, batch=batch))
    except (Problem, PayrollError) as exc:
        request.status, request.problem = Status.FAILED.value, _problem(exc)[:2000]
        result.failed += 1
        if len(result.failures) < MAX_LISTED_FAILURES:
            result.failures.append({"salary_request_id": request.id, "problem": request.problem})


def _insert_payslips(session: Session, slips: list[Payslip]) -> None:
    """Multi-row insert of a chunk's payslips; their ids read back by (request, sequence)."""
    if not slips:
        return
    columns = [c.key for c in Payslip.__table__.columns if c.key != "id"]
    session.execute(
        insert(_table(Payslip)), [{c: getattr(slip, c) for c in columns} for slip in slips]
    )
    by_request = {(slip.request_id, slip.sequence): slip for slip in slips}
    ids = sorted({slip.request_id for slip in slips})
    for start in range(0, len(ids), 500):
        found = select(Payslip.request_id, Payslip.sequence, Payslip.id).where(
            Payslip.request_id.in_(ids[start : start + 500])
        )
        for request_id, sequence, payslip_id in session.execute(found):
            if (request_id, sequence) in by_request:
                by_request[(request_id, sequence)].id = payslip_id


def _table(model: type[Any]) -> Table:
    """A model's table, for Core multi-row inserts (no per-object unit of work)."""
    return cast(Table, model.__table__)
