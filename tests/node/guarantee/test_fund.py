"""The salary guarantee fund on a Belgian node: coverage, available budget, exposure, default
write-offs, recoveries and the fund report (API and CLI).

Every invoice is the invoice tests' standard one: 674.55 net + 136.10 VAT = 810.65 gross; the
6.5 % contribution is 43.85, of which 13.49 go to the fund, so the activity's share is 630.70.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from node.cli.main import main
from node.config import Settings
from node.db.types import utcnow
from node.guarantee.models import GuaranteeRecovery, GuaranteeWriteOff
from node.ledger.models import JournalEntry
from node.runtime import Node
from tests.node.invoices.test_invoices import INVOICES, chain_ok, credit, postings_of
from tests.node.member_helpers import Crew, state_counts
from tests.node.payments.test_payments import issued, pay
from tests.node.payouts.payout_helpers import ask

REPORT = "/api/v1/guarantee/report"
WRITE_OFFS = "/api/v1/guarantee/write-offs"
_keys = itertools.count(1)


def budget(crew: Crew, activity_id: int) -> dict[str, str]:
    response = crew.client.get(f"/api/v1/activities/{activity_id}/statement", headers=crew.staff)
    assert response.status_code == 200, response.text
    parts: dict[str, str] = response.json()["budget"]
    return parts


def fund(crew: Crew, **params: str) -> dict[str, Any]:
    response = crew.client.get(REPORT, headers=crew.staff, params=params)
    assert response.status_code == 200, response.text
    (eur,) = [f for f in response.json()["funds"] if f["currency"] == "EUR"]
    return dict(eur)


def write_off(crew: Crew, invoice_id: int, key: str | None = None, **extra: Any) -> Any:
    headers = extra.pop("headers", crew.admin)
    body = {
        "invoice_id": invoice_id,
        "reason": "Client declared bankrupt",
        "idempotency_key": key or f"write-off-{next(_keys)}",
        **extra,
    }
    return crew.client.post(WRITE_OFFS, json=body, headers=headers)


def counts(node: Node) -> dict[str, int]:
    return state_counts(node, GuaranteeWriteOff, GuaranteeRecovery, JournalEntry)


def days_ago(days: int) -> str:
    return (utcnow().date() - timedelta(days=days)).isoformat()


def test_a_covered_invoice_counts_from_issue_and_the_fund_carries_what_is_paid_out_early(
    crew: Crew, setup: dict[str, Any]
) -> None:
    activity_id = setup["activity_id"]
    invoice = issued(crew, setup)
    assert invoice["guarantee_covered"] is True
    assert budget(crew, activity_id) == {
        "currency": "EUR",
        "held": "630.70",
        "awaiting_client_payment": "0.00",
        "covered_unpaid": "630.70",
        "reserved_by_payouts": "0.00",
        "available": "630.70",
        "guarantee_exposure": "0.00",
    }
    assert ask(crew, activity_id, "630.70").status_code == 201
    after_payout = budget(crew, activity_id)
    assert (after_payout["available"], after_payout["guarantee_exposure"]) == ("0.00", "630.70")
    report = fund(crew)
    assert report["balance"] == "13.49"
    assert report["covered_receivables"] == "810.65"
    assert report["exposure"] == "630.70"
    assert report["exposure_by_activity"] == [
        {
            "activity_id": activity_id,
            "name": "Consulting",
            "covered_unpaid": "630.70",
            "exposure": "630.70",
        }
    ]

    assert pay(crew, invoice["id"], "400.00").status_code == 201
    # 630.70 × 410.65 / 810.65 = 319.49 of the activity's share is still unpaid.
    assert budget(crew, activity_id)["guarantee_exposure"] == "319.49"
    assert fund(crew)["exposure"] == "319.49"
    assert ask(crew, activity_id, "0.01").status_code == 409

    assert pay(crew, invoice["id"], "410.65").status_code == 201
    settled = fund(crew)
    assert (settled["exposure"], settled["covered_receivables"]) == ("0.00", "0.00")
    assert settled["exposure_by_activity"] == []


@pytest.mark.parametrize("settings", [{"guarantee.clients": "approved"}], indirect=True)
def test_an_uncovered_invoice_counts_from_payment(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    activity_id = setup["activity_id"]
    invoice = issued(crew, setup)
    assert invoice["guarantee_covered"] is False
    parts = budget(crew, activity_id)
    assert (parts["held"], parts["awaiting_client_payment"]) == ("630.70", "630.70")
    assert (parts["available"], parts["guarantee_exposure"]) == ("0.00", "0.00")
    before = counts(node)
    refused = ask(crew, activity_id, "0.01")
    assert refused.status_code == 409 and refused.json()["available"] == "0.00"
    assert counts(node) == before

    assert pay(crew, invoice["id"], "400.00").status_code == 201
    assert budget(crew, activity_id)["available"] == "311.21"  # 630.70 − 319.49
    assert ask(crew, activity_id, "311.22").status_code == 409
    assert ask(crew, activity_id, "311.21").status_code == 201
    assert pay(crew, invoice["id"], "410.65").status_code == 201
    assert budget(crew, activity_id)["available"] == "319.49"
    assert fund(crew)["exposure"] == "0.00"

    # Approving the client covers its next invoices, never the ones already issued.
    approved = crew.client.patch(
        f"/api/v1/clients/{setup['client_id']}", json={"guarantee": "approved"}, headers=crew.staff
    )
    assert approved.status_code == 200 and approved.json()["guarantee"] == "approved"
    assert issued(crew, setup)["guarantee_covered"] is True
    again = crew.client.get(f"{INVOICES}/{invoice['id']}", headers=crew.staff).json()
    assert again["guarantee_covered"] is False


@pytest.mark.parametrize("settings", [{"guarantee.max_invoice_gross": "800.00"}], indirect=True)
def test_invoices_above_the_cap_and_excluded_clients_are_not_covered(
    crew: Crew, setup: dict[str, Any]
) -> None:
    assert issued(crew, setup)["guarantee_covered"] is False  # 810.65 > 800.00


def test_an_excluded_client_is_not_covered(crew: Crew, setup: dict[str, Any]) -> None:
    crew.client.patch(
        f"/api/v1/clients/{setup['client_id']}", json={"guarantee": "excluded"}, headers=crew.staff
    )
    assert issued(crew, setup)["guarantee_covered"] is False
    bad = crew.client.patch(
        f"/api/v1/clients/{setup['client_id']}", json={"guarantee": "maybe"}, headers=crew.staff
    )
    assert bad.status_code == 422


def test_a_defaulted_invoice_is_written_off_against_the_fund_and_recoveries_return_to_it(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    activity_id = setup["activity_id"]
    old = issued(crew, setup, issue_date=days_ago(200))  # due 170 days ago: in default
    recent = issued(crew, setup)
    assert ask(crew, activity_id, "630.70").status_code == 201
    available_before = budget(crew, activity_id)["available"]
    report = fund(crew)
    assert [(d["number"], d["days_overdue"]) for d in report["in_default"]] == [
        (old["number"], 170)
    ]
    assert report["balance"] == "26.98"

    made = write_off(crew, old["id"], key="write-off-old")
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["amount"], row["recovered"], row["outstanding"]) == ("810.65", "0.00", "810.65")
    assert postings_of(node, row["journal_entry_id"]) == [
        ("fund:guarantee", 81065),
        ("receivables:clients", -81065),
    ]
    # The activity keeps its turnover: the fund, not the member, bears the default.
    assert budget(crew, activity_id)["available"] == available_before
    report = fund(crew)
    assert report["balance"] == "-783.67"  # 26.98 − 810.65
    assert report["movements"]["guarantee.write_off"] == "-810.65"
    assert (report["written_off"], report["in_default"]) == ("810.65", [])
    assert report["covered_receivables"] == "810.65"  # the recent invoice only
    assert report["exposure"] == "0.00"  # 630.70 held against the recent one, 630.70 paid out

    state = counts(node)
    replay = write_off(crew, old["id"], key="write-off-old")
    assert replay.status_code == 201 and replay.json()["id"] == row["id"]
    assert write_off(crew, recent["id"], key="write-off-old").status_code == 409
    not_due = write_off(crew, recent["id"])
    assert not_due.status_code == 409 and "in default after 90 days" in not_due.json()["detail"]
    assert write_off(crew, old["id"]).status_code == 409  # already written off
    assert write_off(crew, 999_999).status_code == 404
    assert write_off(crew, old["id"], headers=crew.staff).status_code == 403
    assert credit(crew, old["id"], full=True).status_code == 409
    assert counts(node) == state

    assert pay(crew, old["id"], "300.00").status_code == 201
    report = fund(crew)
    assert (report["recovered"], report["balance"]) == ("300.00", "-483.67")
    assert report["write_offs"][0]["outstanding"] == "510.65"
    assert report["movements"]["client_payment"] == "300.00"
    listed = crew.client.get(WRITE_OFFS, headers=crew.staff).json()
    assert [(w["invoice_id"], w["recovered"]) for w in listed] == [(old["id"], "300.00")]
    assert chain_ok(node)


@pytest.mark.parametrize("settings", [{"guarantee.clients": "none"}], indirect=True)
def test_an_uncovered_invoice_is_cancelled_not_written_off(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    old = issued(crew, setup, issue_date=days_ago(200))
    before = counts(node)
    refused = write_off(crew, old["id"])
    assert refused.status_code == 409 and "credit note" in refused.json()["detail"]
    assert counts(node) == before


def test_bad_write_off_requests_are_refused(crew: Crew, node: Node, setup: dict[str, Any]) -> None:
    old = issued(crew, setup, issue_date=days_ago(200))
    before = counts(node)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    for body in (
        {"invoice_id": old["id"], "reason": " ", "idempotency_key": "write-off-x1"},
        {"invoice_id": old["id"], "reason": "x", "idempotency_key": "short"},
        {
            "invoice_id": old["id"],
            "reason": "x",
            "idempotency_key": "write-off-x2",
            "as_of": tomorrow,
        },
        {"invoice_id": 0, "reason": "x", "idempotency_key": "write-off-x3"},
    ):
        response = crew.client.post(WRITE_OFFS, json=body, headers=crew.admin)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert counts(node) == before


def test_the_report_as_csv_and_the_policy(crew: Crew, setup: dict[str, Any]) -> None:
    issued(crew, setup)
    text = crew.client.get(REPORT, headers=crew.staff, params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    summary = {r["note"]: r["amount"] for r in rows if r["section"] == "summary"}
    assert summary["balance"] == "13.49" and summary["covered_receivables"] == "810.65"
    assert {r["note"] for r in rows if r["section"] == "movement"} == {"invoice"}
    policy = crew.client.get(
        "/api/v1/guarantee/policy", headers=crew.staff, params={"declared_on": "2026-12-24"}
    ).json()
    assert policy["salary_due_by"] == "2027-01-06" and policy["clients"] == "all"
    assert crew.client.get(REPORT, headers=setup["headers"]).status_code == 403


def test_cli_report_and_write_off(
    crew: Crew,
    node: Node,
    setup: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = issued(crew, setup, issue_date=days_ago(200))
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    out = tmp_path / "fund.csv"
    assert main(["guarantee", "report", "--csv", str(out)]) == 0
    assert "in_default" in out.read_text(encoding="utf-8")
    args = ["guarantee", "write-off", str(old["id"]), "--reason", "Bankrupt", "--key", "cli-wo-1"]
    assert main(args) == 0
    assert f"wrote off invoice {old['number']}: 810.65 EUR" in capsys.readouterr().out
    assert main(args) == 0
    assert "already wrote off" in capsys.readouterr().out
    assert main(["guarantee", "write-off", "424242", "--reason", "x", "--key", "cli-wo-2"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "coopnode: No such invoice."
    with node.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(GuaranteeWriteOff)) == 1
    assert date.fromisoformat(fund(crew)["write_offs"][0]["written_off_on"]) == utcnow().date()
