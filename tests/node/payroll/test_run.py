"""The payroll run of a period: chunks, restart after a crash, refusals, corrections, the
periodic declaration, and the command line."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.cli.main import main
from node.config import Settings
from node.ledger.models import JournalEntry
from node.payouts.models import Payout
from node.payroll import run
from node.payroll.models import Payslip, SalaryRequest
from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew, state_counts
from tests.node.payouts.payout_helpers import (
    available,
    balance,
    chain_problems,
    credit_budget,
    use_debtor,
)
from tests.node.payroll.payroll_helpers import PERIOD, ask_salary, contract, worker

SOCIAL = "payroll:social_contributions"
TAX = "payroll:withholding_tax"


def deferred(crew: Crew, count: int, amount: str = "1000.00", budget: str = "2000.00") -> list[Any]:
    """``count`` workers with a deferred salary request each: [(activity id, request)]."""
    made = []
    for _ in range(count):
        activity_id, _member, headers = worker(crew, budget)
        contract_id = contract(crew, activity_id, headers)
        response = ask_salary(crew, contract_id, amount, headers=headers, defer=True)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "requested" and response.json()["payslip"] is None
        made.append((activity_id, response.json()))
    return made


def payslips_per_request(node: Node) -> dict[int, int]:
    with node.db.reading() as session:
        rows = session.execute(
            select(Payslip.request_id, func.count()).group_by(Payslip.request_id)
        )
        return {request_id: int(count) for request_id, count in rows}


def statuses(node: Node) -> dict[int, str]:
    with node.db.reading() as session:
        return dict(session.execute(select(SalaryRequest.id, SalaryRequest.status)).all())


def test_a_run_is_restartable_and_computes_each_request_once(
    crew: Crew, node: Node, toy: Payroll, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = deferred(crew, 5)
    short_activity, short = deferred(crew, 1, amount="1000.00", budget="600.00")[0]
    assert available(node, made[0][0]) == 200000  # nothing computed or reserved yet

    calls = {"n": 0}
    real = run.compute

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # the first computation of the second chunk
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "compute", crashing)
    seen: list[int] = []
    with pytest.raises(RuntimeError, match="power cut"):
        run.run_period(node, PERIOD, actor="test", chunk_size=2, progress=seen.append)
    assert seen == [2]  # the first chunk committed
    assert list(statuses(node).values()).count("computed") == 2
    assert set(payslips_per_request(node).values()) == {1}
    assert chain_problems(node) == []

    monkeypatch.setattr(run, "compute", real)
    result = run.run_period(node, PERIOD, actor="test", chunk_size=2, progress=seen.append)
    assert (result.computed, result.failed) == (3, 1)
    assert result.failures[0]["salary_request_id"] == short["id"]
    assert "available budget is 600.00 EUR" in result.failures[0]["problem"]
    assert payslips_per_request(node) == {request["id"]: 1 for _a, request in made}
    assert statuses(node)[short["id"]] == "failed"
    for activity_id, _request in made:
        assert balance(node, f"activity:{activity_id}:budget") == -100000
    assert balance(node, "payouts:pending") == -5 * 62640
    assert balance(node, SOCIAL) == -5 * 30400 and balance(node, TAX) == -5 * 6960
    assert chain_problems(node) == []

    before = state_counts(node, Payout, Payslip, JournalEntry)
    again = run.run_period(node, PERIOD, actor="test")
    assert (again.computed, again.failed) == (0, 1)  # the refused one is tried again, only
    assert state_counts(node, Payout, Payslip, JournalEntry) == before

    credit_budget(crew, short_activity, "400.00")
    through_api = crew.client.post(
        "/api/v1/payroll/runs", json={"period": PERIOD}, headers=crew.staff
    )
    assert through_api.status_code == 200, through_api.text
    assert (through_api.json()["computed"], through_api.json()["failed"]) == (1, 0)
    assert set(statuses(node).values()) == {"computed"}
    assert set(payslips_per_request(node).values()) == {1}
    shown = crew.client.get(
        f"/api/v1/payroll/salary-requests/{short['id']}", headers=crew.staff
    ).json()
    assert (shown["status"], shown["problem"], shown["payslip"]["net_pay"]) == (
        "computed",
        None,
        "626.40",
    )
    assert chain_problems(node) == []


def test_a_correction_reverses_and_reposts(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, member, headers = worker(crew, "3000.00")
    contract_id = contract(crew, activity_id, headers)
    first = ask_salary(crew, contract_id, "1000.00", headers=headers).json()["payslip"]
    refused = crew.client.post(
        f"/api/v1/payroll/payslips/{first['id']}/correct",
        json={"reason": "Wrong amount"},
        headers=headers,
    )
    assert refused.status_code == 403  # staff correct payslips
    corrected = crew.client.post(
        f"/api/v1/payroll/payslips/{first['id']}/correct",
        json={"reason": "Wrong amount", "amount": "800.00"},
        headers=crew.staff,
    )
    assert corrected.status_code == 201, corrected.text
    second = corrected.json()
    assert (second["sequence"], second["corrects_id"], second["reason"]) == (
        2,
        first["id"],
        "Wrong amount",
    )
    assert (second["gross"], second["net_pay"], second["employer_cost"]) == (
        "640.00",
        "501.12",
        "800.00",
    )
    old = crew.client.get(f"/api/v1/payroll/payslips/{first['id']}", headers=headers).json()
    assert (old["status"], old["payout"]["status"]) == ("corrected", "cancelled")
    assert balance(node, f"activity:{activity_id}:budget") == -(300000 - 80000)
    assert balance(node, "payouts:pending") == -50112
    assert balance(node, SOCIAL) == -(8320 + 16000)
    assert balance(node, TAX) == -5568
    with node.db.reading() as session:
        reversals = session.scalars(
            select(JournalEntry).where(JournalEntry.reverses_entry_id.is_not(None))
        ).all()
        assert len(reversals) == 1
    assert chain_problems(node) == []

    again = crew.client.post(
        f"/api/v1/payroll/payslips/{first['id']}/correct",
        json={"reason": "Again"},
        headers=crew.staff,
    )
    assert again.status_code == 409 and f"#{second['id']}" in again.json()["detail"]
    old_page = crew.client.get(f"/api/v1/payroll/payslips/{first['id']}/html", headers=headers)
    assert f"Remplacé par le bulletin n° {second['id']}" in old_page.text
    new_pdf = crew.client.get(f"/api/v1/payroll/payslips/{second['id']}/pdf", headers=headers)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(new_pdf.content)).pages)
    assert f"rectifie le bulletin n° {first['id']}" in text and "501,12" in text
    request = crew.client.get(
        f"/api/v1/payroll/salary-requests/{first['request_id']}", headers=headers
    ).json()
    assert (request["amount"], request["payslip"]["id"]) == ("800.00", second["id"])
    listed = crew.client.get("/api/v1/payroll/payslips", headers=headers).json()
    assert [p["id"] for p in listed] == [first["id"], second["id"]]
    assert member["id"] == second["member_id"]


def _minor(text: str) -> int:
    return int(Decimal(text) * 100)


def _batched_slip(crew: Crew, node: Node, amount: str = "1000.00") -> tuple[int, dict[str, Any]]:
    """A worker's payslip whose net pay is in a pain.001 batch: ``(activity id, payslip)``."""
    use_debtor(node)
    activity_id, _member, headers = worker(crew)
    slip = ask_salary(crew, contract(crew, activity_id, headers), amount).json()["payslip"]
    batch = crew.client.post(
        "/api/v1/payment-batches", json={"execution_date": "2099-01-15"}, headers=crew.staff
    )
    assert batch.status_code == 201, batch.text
    return activity_id, slip


def test_a_batched_salary_corrected_upward_pays_the_difference(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    activity_id, first = _batched_slip(crew, node)
    budget_before = available(node, activity_id)
    corrected = crew.client.post(
        f"/api/v1/payroll/payslips/{first['id']}/correct",
        json={"reason": "Two more days", "amount": "1200.00"},
        headers=crew.staff,
    )
    assert corrected.status_code == 201, corrected.text
    second = corrected.json()
    assert (second["sequence"], second["corrects_id"]) == (2, first["id"])
    assert _minor(second["employer_cost"]) <= 120000 < _minor(second["employer_cost"]) + 100
    difference = _minor(second["net_pay"]) - _minor(first["net_pay"])
    assert difference > 0
    assert _minor(second["payout"]["amount"]) == difference
    old = crew.client.get(f"/api/v1/payroll/payslips/{first['id']}", headers=crew.staff).json()
    assert (old["status"], old["payout"]["status"]) == ("corrected", "batched")
    # the budget gave only the difference in employer cost; the liabilities hold the new totals
    added_cost = _minor(second["employer_cost"]) - _minor(first["employer_cost"])
    assert available(node, activity_id) == budget_before - added_cost
    assert balance(node, f"activity:{activity_id}:budget") == -(
        500000 - _minor(second["employer_cost"])
    )
    contributions = _minor(second["employee_contributions"]) + _minor(
        second["employer_contributions"]
    )
    assert balance(node, SOCIAL) == -contributions
    assert balance(node, TAX) == -_minor(second["income_tax_withheld"])
    assert balance(node, "payouts:pending") == -_minor(second["net_pay"])
    assert chain_problems(node) == []
    page = crew.client.get(f"/api/v1/payroll/payslips/{second['id']}/html", headers=crew.staff)
    assert "déjà payé" in page.text

    # corrected again before the difference reaches the bank: that payout is cancelled, and
    # the third payslip again pays only what the batched first one did not
    third = crew.client.post(
        f"/api/v1/payroll/payslips/{second['id']}/correct",
        json={"reason": "One more day only", "amount": "1100.00"},
        headers=crew.staff,
    ).json()
    assert third["sequence"] == 3
    assert _minor(third["payout"]["amount"]) == _minor(third["net_pay"]) - _minor(first["net_pay"])
    assert balance(node, "payouts:pending") == -_minor(third["net_pay"])
    assert balance(node, SOCIAL) == -(
        _minor(third["employee_contributions"]) + _minor(third["employer_contributions"])
    )
    assert chain_problems(node) == []


def test_a_batched_salary_is_not_corrected_downward(crew: Crew, node: Node, toy: Payroll) -> None:
    _activity_id, slip = _batched_slip(crew, node)
    before = state_counts(node, Payout, Payslip, JournalEntry)
    for amount in ("800.00", "1000.00"):  # less, and the same again: nothing to pay
        refused = crew.client.post(
            f"/api/v1/payroll/payslips/{slip['id']}/correct",
            json={"reason": "Too much", "amount": amount},
            headers=crew.staff,
        )
        assert refused.status_code == 409, refused.text
        assert "already" in refused.json()["detail"]
        assert state_counts(node, Payout, Payslip, JournalEntry) == before
    current = crew.client.get(f"/api/v1/payroll/payslips/{slip['id']}", headers=crew.staff)
    assert current.json()["status"] == "current"


def test_the_periodic_declaration(crew: Crew, node: Node, toy: Payroll) -> None:
    activity_id, member, headers = worker(crew)
    slip = ask_salary(crew, contract(crew, activity_id, headers), "1000.00").json()["payslip"]
    crew.client.post(
        f"/api/v1/payroll/payslips/{slip['id']}/correct",
        json={"reason": "Less", "amount": "500.00"},
        headers=crew.staff,
    )
    deferred(crew, 1)  # requested, not computed: not declared
    response = crew.client.get(
        "/api/v1/payroll/declarations", params={"period": PERIOD}, headers=crew.staff
    )
    assert response.status_code == 200, response.text
    declaration = response.json()
    assert (declaration["name"], declaration["period"], declaration["payslips"]) == (
        "TOY-PERIODIC",
        PERIOD,
        1,
    )
    assert declaration["payload"]["workers"] == [
        {"member_id": member["id"], "gross": "400.00", "contributions": "152.00", "tax": "34.80"}
    ]
    assert (
        crew.client.get(
            "/api/v1/payroll/declarations", params={"period": PERIOD}, headers=headers
        ).status_code
        == 403
    )


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return main


def test_the_command_line(
    crew: Crew,
    node: Node,
    toy: Payroll,
    cli: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = deferred(crew, 3)
    assert cli(["payroll", "status", "--period", PERIOD]) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == {"requested": 3}
    assert cli(["payroll", "run", "--period", PERIOD, "--chunk-size", "2"]) == 0
    assert "3 payslips computed, 0 refused" in capsys.readouterr().out
    assert cli(["payroll", "run", "--period", PERIOD]) == 0
    assert "0 payslips computed" in capsys.readouterr().out
    with node.db.reading() as session:
        first = session.scalars(select(Payslip).order_by(Payslip.id)).first()
        assert first is not None
        payslip_id = first.id
    corrected = ["payroll", "correct", str(payslip_id), "--reason", "Typo", "--amount", "500.00"]
    assert cli(corrected) == 0
    assert "net pay 313.20 EUR" in capsys.readouterr().out
    assert cli(corrected) == 1  # already corrected
    assert "already corrected" in capsys.readouterr().err
    out = tmp_path / "declaration.json"
    assert cli(["payroll", "declaration", "--period", PERIOD, "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    assert written["payslips"] == 3 and len(written["payload"]["workers"]) == 3
    assert cli(["payroll", "run", "--period", "2026-3"]) == 2
    assert "period" in capsys.readouterr().err
    assert len(made) == 3


def test_a_run_above_the_threshold_reserves_and_waits(crew: Crew, node: Node, toy: Payroll) -> None:
    node.settings = node.settings.replace(**{"payouts.second_approval_above": Decimal("500.00")})
    made = deferred(crew, 2, budget="1500.00")
    result = run.run_period(node, PERIOD, actor="test")
    assert (result.computed, result.failed) == (2, 0)
    activity_id, request = made[0]
    shown = crew.client.get(
        f"/api/v1/payroll/salary-requests/{request['id']}", headers=crew.staff
    ).json()
    assert shown["payslip"]["payout"]["status"] == "pending_approval"
    assert balance(node, f"activity:{activity_id}:budget") == -150000  # nothing posted
    assert available(node, activity_id) == 50000  # the employer cost is reserved
    other = crew.accounts.session_headers(crew.accounts.user("staff"))
    payout_id = shown["payslip"]["payout"]["id"]
    approved = crew.client.post(f"/api/v1/payouts/{payout_id}/approve", headers=other)
    assert approved.status_code == 200, approved.text
    assert balance(node, f"activity:{activity_id}:budget") == -50000
    assert balance(node, "payouts:pending") == -62640
    assert balance(node, SOCIAL) == -30400 and balance(node, TAX) == -6960
    with node.db.reading() as session:
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "payslip.compute")
        )
        assert audited == 2
    assert chain_problems(node) == []
