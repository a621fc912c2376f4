"""A payroll run writes its chunk in bulk: each payslip tied to its own payout and audited under
its own id, each request's status (and why it failed) written back — checked row by row."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.payouts.models import Payout
from node.payroll import run
from node.payroll.models import Payslip, SalaryRequest
from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew
from tests.node.payouts.payout_helpers import chain_problems, credit_budget
from tests.node.payroll.payroll_helpers import PERIOD
from tests.node.payroll.test_run import deferred


def test_each_payslip_has_its_own_payout_audit_and_status(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    made = [
        *deferred(crew, 2, amount="1000.00", budget="2000.00"),
        *deferred(crew, 1, amount="1500.00", budget="1000.00"),  # above its budget
        *deferred(crew, 2, amount="1250.00", budget="3000.00"),
    ]
    refused = made[2][1]["id"]
    result = run.run_period(node, PERIOD, actor="runner", chunk_size=2)
    assert (result.computed, result.failed, result.chunks) == (4, 1, 3)
    assert result.failures == [
        {"salary_request_id": refused, "problem": result.failures[0]["problem"]}
    ]
    assert "available budget is 1000.00 EUR" in result.failures[0]["problem"]

    with node.db.reading() as session:
        slips = {s.request_id: s for s in session.scalars(select(Payslip))}
        payouts = {p.id: p for p in session.scalars(select(Payout))}
        audited = {
            int(a.entity_id): a
            for a in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "payslip.compute")
            )
        }
        requests = {r.id: r for r in session.scalars(select(SalaryRequest))}
        assert set(slips) == {request["id"] for _a, request in made} - {refused}
        for request_id, slip in slips.items():
            payout = payouts[slip.payout_id]
            assert payout.idempotency_key == f"salary:{request_id}:1"
            assert (payout.amount_minor, payout.budget_charge_minor) == (
                slip.net_pay_minor,
                slip.employer_cost_minor,
            )
            assert payout.activity_id == slip.activity_id == requests[request_id].activity_id
            entry = audited[slip.id]
            assert (entry.actor, entry.changes["request_id"], entry.changes["payout_id"]) == (
                "runner",
                [None, request_id],
                [None, payout.id],
            )
            assert (requests[request_id].status, requests[request_id].problem) == (
                "computed",
                None,
            )
        assert requests[refused].status == "failed"
        assert "available budget" in (requests[refused].problem or "")
        assert len(audited) == 4

    credit_budget(crew, made[2][0], "500.00")
    again = run.run_period(node, PERIOD, actor="runner")
    assert (again.computed, again.failed, again.failures) == (1, 0, [])
    with node.db.reading() as session:
        request = session.get(SalaryRequest, refused)
        assert request is not None and (request.status, request.problem) == ("computed", None)
    assert chain_problems(node) == []


def test_a_run_restores_garbage_collection(
    crew: Crew, node: Node, toy: Payroll, monkeypatch: pytest.MonkeyPatch
) -> None:
    deferred(crew, 3)
    real = run.compute

    def crashing(*args: Any, **kwargs: Any) -> Any:
        assert not gc.isenabled()  # collected chunk by chunk during the run
        raise RuntimeError("power cut")

    monkeypatch.setattr(run, "compute", crashing)
    with pytest.raises(RuntimeError, match="power cut"):
        run.run_period(node, PERIOD, actor="runner", chunk_size=2)
    assert gc.isenabled()
    monkeypatch.setattr(run, "compute", real)
    gc.disable()
    try:
        assert run.run_period(node, PERIOD, actor="runner").computed == 3
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
