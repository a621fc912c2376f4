"""``coopnode bank`` and ``coopnode activities``: bank files and statements from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from node.cli.main import main
from node.config import Settings
from node.payments.models import ClientPayment, UnmatchedCredit
from node.payouts.models import PaymentBatch
from node.runtime import Node
from tests.node.invoices.test_invoices import settings, setup  # noqa: F401 (fixtures)
from tests.node.member_helpers import Crew, state_counts
from tests.node.payments.test_payments import camt, issued, ntry
from tests.node.payouts.payout_helpers import DEBTOR_IBAN, ask, camt_debits, funded_activity


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:  # noqa: F811
    monkeypatch.setenv("COOPNODE_CONFIG", str(settings.path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    monkeypatch.setenv("COOPNODE_PAYOUT_DEBTOR_IBAN", DEBTOR_IBAN)
    return main


def test_bank_files_and_the_statement_from_the_command_line(
    crew: Crew,
    node: Node,
    setup: dict[str, Any],  # noqa: F811
    cli: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    invoice = issued(crew, setup)
    statement = tmp_path / "credits.xml"
    statement.write_bytes(
        camt([ntry("B-1", "810.65", invoice["payment_reference"]), ntry("B-2", "5.00", None)])
    )
    assert cli(["bank", "import-credits", str(statement)]) == 0
    assert "1 matched, 1 unmatched" in capsys.readouterr().out
    assert cli(["bank", "import-credits", str(statement)]) == 0  # the same file again
    assert "0 matched, 0 unmatched, 2 already recorded" in capsys.readouterr().out
    counts = state_counts(node, ClientPayment, UnmatchedCredit)
    assert (counts["client_payments"], counts["unmatched_credits"]) == (1, 1)

    salary = ask(crew, setup["activity_id"], "600.00").json()
    pain = tmp_path / "batch.xml"
    assert cli(["bank", "batch", "--execution-date", "2099-01-15", "--out", str(pain)]) == 0
    assert "1 payments, 600.00 EUR" in capsys.readouterr().out
    assert b"<CtrlSum>600.00</CtrlSum>" in pain.read_bytes()
    with node.db.reading() as session:
        batch_id = session.scalars(select(PaymentBatch.id)).one()
    crew.client.post(f"/api/v1/payment-batches/{batch_id}/sent", headers=crew.staff)
    debits = tmp_path / "debits.xml"
    payout = crew.client.get(f"/api/v1/payouts/{salary['id']}", headers=crew.staff).json()
    debits.write_bytes(camt_debits([(payout["end_to_end_id"], "600.00")]))
    assert cli(["bank", "import-debits", str(debits)]) == 0
    assert "1 matched, 0 already paid, 0 unmatched" in capsys.readouterr().out

    out = tmp_path / "statement.csv"
    assert cli(["activities", "statement", str(setup["activity_id"]), "--csv", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    budget = {r["description"]: r["amount"] for r in rows if r["kind"] == "budget"}
    assert budget["held"] == budget["available"] == "30.70"  # 630.70 − 600.00


def test_bad_files_are_one_line_errors_and_change_nothing(
    node: Node, cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', encoding="utf-8")
    before = state_counts(node, ClientPayment, UnmatchedCredit)
    assert cli(["bank", "import-credits", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coopnode: ") and err.count("\n") == 1
    assert cli(["bank", "import-debits", str(tmp_path / "missing.xml")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli(["activities", "statement", "4242"]) == 1
    assert capsys.readouterr().err.strip() == "coopnode: no activity 4242"
    assert state_counts(node, ClientPayment, UnmatchedCredit) == before


def test_a_batch_in_another_currency_from_the_command_line(
    crew: Crew, node: Node, cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    activity_id, _, _ = funded_activity(crew, "1000.00", "SEK")
    assert ask(crew, activity_id, "250.00").status_code == 201
    before = state_counts(node, PaymentBatch)
    pain = tmp_path / "sek.xml"
    for bad in ("KRONA", "ZZZ", ""):
        args = ["bank", "batch", "--execution-date", "2099-01-15", "--currency", bad]
        assert cli([*args, "--out", str(pain)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("coopnode: --currency: ") and err.count("\n") == 1
    assert state_counts(node, PaymentBatch) == before and not pain.exists()
    assert cli(["bank", "batch", "--execution-date", "2099-01-15", "--out", str(pain)]) == 1
    assert "No approved EUR payouts" in capsys.readouterr().err  # the node's currency
    args = ["bank", "batch", "--execution-date", "2099-01-15", "--currency", "sek"]
    assert cli([*args, "--out", str(pain)]) == 0  # as in coopnode fx: any case
    assert "1 payments, 250.00 SEK" in capsys.readouterr().out
    assert b'<InstdAmt Ccy="SEK">250.00</InstdAmt>' in pain.read_bytes()
    assert b"SvcLvl" not in pain.read_bytes()
