"""A member's payroll data in their export, and what erasing them keeps by law."""

from __future__ import annotations

from sqlalchemy import select

from node.payroll.models import PayrollProfile, Payslip
from node.runtime import Node
from plugins.payroll.contract import Payroll
from tests.node.member_helpers import Crew
from tests.node.payroll.payroll_helpers import ask_salary, contract, worker


def test_the_export_holds_the_payroll_and_erasure_keeps_only_what_the_law_requires(
    crew: Crew, node: Node, toy: Payroll
) -> None:
    activity_id, member, headers = worker(crew, "5000.00")
    contract_id = contract(crew, activity_id, headers)
    slip = ask_salary(crew, contract_id, "1000.00", headers=headers).json()["payslip"]

    export = crew.client.get(f"/api/v1/members/{member['id']}/export", headers=headers)
    assert export.status_code == 200, export.text
    payroll = export.json()["payroll"]
    assert payroll["profile"]["birth_date"] == "1990-05-17"
    assert [c["id"] for c in payroll["contracts"]] == [contract_id]
    assert payroll["contracts"][0]["pre_hire_declaration"]
    assert [p["id"] for p in payroll["payslips"]] == [slip["id"]]
    assert payroll["payslips"][0]["computation"]["net_pay"] == slip["net_pay"]

    # Erasure needs the shares redeemed first; the worker holds none.
    erased = crew.client.post(f"/api/v1/members/{member['id']}/erase", headers=crew.admin)
    assert erased.status_code == 200, erased.text
    with node.db.reading() as session:
        profile = session.scalar(
            select(PayrollProfile).where(PayrollProfile.member_id == member["id"])
        )
        assert profile is not None and profile.birth_date is None and profile.params == {}
        kept = session.scalars(select(Payslip).where(Payslip.member_id == member["id"])).all()
        assert [p.id for p in kept] == [slip["id"]]
