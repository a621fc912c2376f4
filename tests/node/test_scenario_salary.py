"""A member's salary under Belgian law, end to end: budget → payslip → ledger → pain.001 → bank.

No toy here: the node is Belgian and its jurisdiction's real 2026 payroll computes the payslip,
so this is the path a member's salary takes in production. Every figure is checked against the
payslip the same law computes directly, and the books to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from node.ledger import service as ledger
from node.ledger.models import Account
from node.runtime import Node
from plugins.payroll.model import Contract, ContractKind, PayBasis, Period
from tests.node.invoices.test_invoices import settings  # noqa: F401 (the Belgian node)
from tests.node.member_helpers import Crew
from tests.node.payouts.payout_helpers import camt_debits, use_debtor
from tests.node.payroll.payroll_helpers import ask_salary, contract, worker

SOCIAL, TAX = "payroll:social_contributions", "payroll:withholding_tax"


def balances(node: Node, *keys: str) -> dict[str, int]:
    with node.db.reading() as session:
        found = {}
        for key in keys:
            account = session.scalar(select(Account).where(Account.key == key))
            found[key] = 0 if account is None else ledger.balance_minor(session, account)
        return found


def test_a_salary_request_under_belgian_law_reaches_the_bank(crew: Crew, node: Node) -> None:
    assert node.jurisdiction.country == "BE"
    payroll = node.jurisdiction.payroll()
    assert payroll is not None
    use_debtor(node)
    activity_id, _member, headers = worker(crew, "6000.00")
    contract_id = contract(crew, activity_id, headers)  # 10 days, fixed-term, March 2026

    response = ask_salary(crew, contract_id, "2500.00", headers=headers)
    assert response.status_code == 201, response.text
    slip = response.json()["payslip"]
    cost = Decimal(slip["employer_cost"])
    assert Decimal("2499.00") < cost <= Decimal("2500.00")

    # The same law, asked directly for that gross, gives the same payslip.
    terms = Contract(
        kind=ContractKind.FIXED_TERM,
        basis=PayBasis.DAILY,
        start=date(2026, 3, 2),
        end=date(2026, 3, 13),
        days=10,
    )
    direct = payroll.payslip(Period(2026, 3), Decimal(slip["gross"]), {}, terms)
    for field in ("net_pay", "employee_contributions", "employer_contributions"):
        assert slip[field] == str(getattr(direct, field)), field
    assert slip["income_tax_withheld"] == str(direct.income_tax_withheld)

    cents = {k: int(Decimal(slip[k]) * 100) for k in ("net_pay", "employer_cost")}
    withheld = int(Decimal(slip["income_tax_withheld"]) * 100)
    social = cents["employer_cost"] - cents["net_pay"] - withheld
    books = balances(node, f"activity:{activity_id}:budget", "payouts:pending", SOCIAL, TAX)
    assert books == {
        f"activity:{activity_id}:budget": -(600000 - cents["employer_cost"]),
        "payouts:pending": -cents["net_pay"],
        SOCIAL: -social,
        TAX: -withheld,
    }

    payout = crew.client.get(f"/api/v1/payouts/{slip['payout']['id']}", headers=crew.staff).json()
    assert payout["budget_charge"] == slip["employer_cost"]
    batch = crew.client.post(
        "/api/v1/payment-batches", json={"execution_date": "2099-01-15"}, headers=crew.staff
    ).json()
    assert (batch["payment_count"], batch["total"]) == (1, slip["net_pay"])
    pain = crew.client.get(f"/api/v1/payment-batches/{batch['id']}/pain001", headers=crew.staff)
    assert f'<InstdAmt Ccy="EUR">{slip["net_pay"]}</InstdAmt>' in pain.text
    crew.client.post(f"/api/v1/payment-batches/{batch['id']}/sent", headers=crew.staff)
    matched = crew.client.post(
        "/api/v1/bank-statements/debits",
        content=camt_debits([(payout["end_to_end_id"], slip["net_pay"])]),
        headers={**crew.staff, "Content-Type": "application/xml"},
    ).json()["matched"]
    assert [m["payout_id"] for m in matched] == [payout["id"]]
    assert balances(node, "payouts:pending")["payouts:pending"] == 0
    document = crew.client.get(f"/api/v1/payroll/payslips/{slip['id']}/pdf", headers=headers)
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
