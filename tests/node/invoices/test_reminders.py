"""Reminders of overdue invoices: the schedule rule, runs that record each level once, the letters,
the API and ``coopnode invoices``.

The schedule is the default one, reminders 7, 21 and 45 days after the due date. Invoices are the
invoice tests' standard one (810.65 gross, 30 days to pay), issued on past dates, oldest first.
"""

from __future__ import annotations

import itertools
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_currency
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.cli.main import main
from node.config import Settings
from node.invoices import reminders
from node.invoices.models import Invoice
from node.invoices.reminder_models import InvoiceReminder
from node.runtime import Node
from tests.node.invoices.test_invoices import IBAN, INVOICES, credit, draft, settings, setup
from tests.node.invoices.test_overdue import issued_on, pay
from tests.node.member_helpers import Crew, count_rows

__all__ = ["settings", "setup"]  # fixtures of the invoice tests

RUN = f"{INVOICES}/reminders/run"
DUE = f"{INVOICES}/reminders/due"
SCHEDULE = (7, 21, 45)
TODAY = date.today()
_keys = itertools.count(1)


# -- the rule, without a database ---------------------------------------------------------------


def days(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("overdue", "last", "as_of", "level"),
    [
        (0, None, TODAY, None),
        (6, None, TODAY, None),
        (7, None, TODAY, 1),
        (60, None, TODAY, 1),  # one by one: the first letter first, never three at once
        (20, (1, days(13)), TODAY, None),  # not yet 21 days
        (21, (1, days(13)), TODAY, None),  # 21 days, but only 13 since the first letter
        (21, (1, days(14)), TODAY, 2),
        (44, (2, days(30)), TODAY, None),
        (45, (2, days(24)), TODAY, 3),
        (45, (2, days(23)), TODAY, None),
        (400, (3, days(300)), TODAY, None),  # the final one was sent
        (30, (1, TODAY), days(5), None),  # a day before the last letter
    ],
)
def test_next_level(overdue: int, last: tuple[int, date] | None, as_of: date, level: int) -> None:
    assert reminders.next_level(SCHEDULE, overdue, last, as_of) == level


def test_no_schedule_no_reminders() -> None:
    assert reminders.next_level((), 100, None, TODAY) is None
    assert reminders.next_level((30,), 30, None, TODAY) == 1
    assert reminders.next_level((30,), 300, (1, days(200)), TODAY) is None


# -- runs ----------------------------------------------------------------------------------------


def run(crew: Crew, as_of: date | None = None) -> Any:
    body = {} if as_of is None else {"as_of": as_of.isoformat()}
    return crew.client.post(RUN, json=body, headers=crew.staff)


def reminder_rows(node: Node) -> list[tuple[int, int, date]]:
    with node.db.reading() as session:
        rows = session.scalars(
            select(InvoiceReminder).order_by(InvoiceReminder.invoice_id, InvoiceReminder.level)
        )
        return [(r.invoice_id, r.level, r.sent_on) for r in rows]


def test_a_run_reminds_what_is_overdue_once_and_nothing_paid_or_cancelled(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    late = issued_on(crew, setup, 50)  # 20 days overdue
    paid = issued_on(crew, setup, 45)
    cancelled = issued_on(crew, setup, 44)
    partly = issued_on(crew, setup, 40)  # 10 days overdue
    barely = issued_on(crew, setup, 33)  # 3 days overdue: too early
    pay(crew, paid["id"], "810.65")
    pay(crew, partly["id"], "10.65")
    note = credit(crew, cancelled["id"], full=True)
    assert note.status_code == 201
    draft(crew, setup["activity_id"], setup["client_id"])

    preview = crew.client.get(DUE, headers=crew.staff)
    assert preview.status_code == 200
    assert [(d["number"], d["level"], d["final"]) for d in preview.json()["due"]] == [
        (late["number"], 1, False),
        (partly["number"], 1, False),
    ]
    assert reminder_rows(node) == []  # a preview records nothing

    first = run(crew)
    assert first.status_code == 200, first.text
    recorded = first.json()["recorded"]
    assert [(r["invoice_id"], r["level"]) for r in recorded] == [(late["id"], 1), (partly["id"], 1)]
    assert recorded[0]["days_overdue"] == 20 and recorded[0]["outstanding"] == "810.65"
    assert recorded[1]["outstanding"] == "800.00"
    assert recorded[0]["channel"] == "recorded" and recorded[0]["sent_on"] == TODAY.isoformat()
    rows = reminder_rows(node)
    audited = count_rows(node, AuditEntry)

    again = run(crew)
    assert again.status_code == 200 and again.json()["recorded"] == []
    assert reminder_rows(node) == rows  # idempotent: nothing new, nothing changed
    assert count_rows(node, AuditEntry) == audited
    assert not {paid["id"], cancelled["id"], barely["id"], note.json()["id"]} & {
        invoice_id for invoice_id, _, _ in rows
    }

    shown = crew.client.get(f"{INVOICES}/{late['id']}", headers=setup["headers"]).json()
    assert shown["last_reminder"] == {"level": 1, "sent_on": TODAY.isoformat(), "final": False}
    listing = crew.client.get(f"{INVOICES}/overdue", headers=crew.staff).json()
    levels = {row["invoice_id"]: row["reminder_level"] for row in listing["invoices"]}
    assert levels == {late["id"]: 1, partly["id"]: 1, barely["id"]: 0}

    with node.db.reading() as session:
        actions = session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "invoice.remind")
        ).all()
    assert sorted(actions) == sorted([str(late["id"]), str(partly["id"])])


def test_levels_follow_the_schedule_one_by_one(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued_on(crew, setup, 100)  # due 70 days ago

    def send(days_ago: int) -> list[int]:
        with node.db.transaction() as session:
            sent = reminders.send_reminders(
                session, days(days_ago), "test", schedule=SCHEDULE, language="en"
            )
            return [r.level for r in sent]

    assert send(64) == []  # 6 days overdue
    assert send(60) == [1]  # 10 days overdue
    assert send(60) == []
    assert send(49) == []  # 21 days overdue, but 11 days after the first letter
    assert send(46) == [2]  # 14 days after it
    assert send(30) == []
    assert send(0) == [3]  # 70 days overdue: the final reminder
    assert send(0) == []
    rows = reminder_rows(node)
    assert rows == [
        (invoice["id"], 1, days(60)),
        (invoice["id"], 2, days(46)),
        (invoice["id"], 3, TODAY),
    ]
    with node.db.reading() as session:
        final = session.scalar(select(InvoiceReminder).where(InvoiceReminder.level == 3))
        assert final is not None and final.final and final.days_overdue == 70
    shown = crew.client.get(f"{INVOICES}/{invoice['id']}/reminders", headers=crew.staff).json()
    assert [(r["level"], r["final"]) for r in shown] == [(1, False), (2, False), (3, True)]
    subjects = [r["letter"]["subject"] for r in shown]
    number = invoice["number"]
    assert subjects == [
        f"Reminder: invoice {number}",
        f"Reminder 2: invoice {number}",
        f"Final reminder: invoice {number}",
    ]
    assert "final reminder" in shown[2]["letter"]["text"]


def test_runs_at_the_same_time_record_each_reminder_once(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoices = [issued_on(crew, setup, 40)["id"] for _ in range(3)]
    start = threading.Barrier(4)
    failures: list[BaseException] = []
    counts: list[int] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            with node.db.transaction() as session:
                sent = reminders.send_reminders(
                    session, TODAY, "test", schedule=SCHEDULE, language="en"
                )
                counts.append(len(sent))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(counts) == 3
    assert reminder_rows(node) == [(invoice_id, 1, TODAY) for invoice_id in invoices]


def test_a_payment_after_a_reminder_stops_the_next_ones(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued_on(crew, setup, 100)
    with node.db.transaction() as session:
        reminders.send_reminders(session, days(60), "test", schedule=SCHEDULE, language="en")
    pay(crew, invoice["id"], "810.65")
    assert run(crew).json()["recorded"] == []
    assert len(reminder_rows(node)) == 1


def test_the_letter_has_what_the_client_needs_to_pay(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued_on(crew, setup, 40)
    run(crew)
    (shown,) = crew.client.get(f"{INVOICES}/{invoice['id']}/reminders", headers=crew.staff).json()
    letter = shown["letter"]
    assert letter["language"] == "en"
    for text in (letter["text"], letter["html"]):
        assert invoice["number"] in text
        assert invoice["payment_reference"] in text
        assert IBAN in text
        assert "€810.65" in text
        assert "Client SA" in text and "Coopérative Exemple SC" in text
        assert "If you have paid in the meantime" in text
    assert letter["html"].startswith("<!doctype html>") and '<html lang="en">' in letter["html"]


def test_letters_are_written_in_the_language_given(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    invoice = issued_on(crew, setup, 40)
    with node.db.transaction() as session:
        (sent,) = reminders.send_reminders(session, TODAY, "test", schedule=SCHEDULE, language="fr")
        letter = reminders.letter_of(sent, session.get(Invoice, sent.invoice_id))  # type: ignore[arg-type]
    assert letter.subject == f"Rappel : facture {invoice['number']}"
    assert letter.greeting == "Madame, Monsieur,"
    text = letter.text()
    assert format_currency(Decimal("810.65"), "EUR", locale="fr") in text  # "810,65 €"
    assert "Il reste" in text and invoice["payment_reference"] in text
    assert '<html lang="fr">' in letter.html()
    (shown,) = crew.client.get(f"{INVOICES}/{invoice['id']}/reminders", headers=crew.staff).json()
    assert shown["letter"]["language"] == "fr"  # the letter keeps the language it was sent in


def test_a_future_day_is_refused_and_records_nothing(
    crew: Crew, node: Node, setup: dict[str, Any]
) -> None:
    issued_on(crew, setup, 40)
    refused = run(crew, TODAY + timedelta(days=1))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "as_of"
    assert run(crew, days(1)).json()["recorded"][0]["days_overdue"] == 9  # a past day is fine
    assert [(level, on) for _, level, on in reminder_rows(node)] == [(1, days(1))]
    assert crew.client.post(RUN, json={"as_of": "soon"}, headers=crew.staff).status_code == 422


def test_members_see_their_invoices_reminders_and_run_nothing(
    crew: Crew, setup: dict[str, Any]
) -> None:
    invoice = issued_on(crew, setup, 40)
    assert crew.client.post(RUN, json={}, headers=setup["headers"]).status_code == 403
    assert crew.client.get(DUE, headers=setup["headers"]).status_code == 403
    run(crew)
    path = f"{INVOICES}/{invoice['id']}/reminders"
    own = crew.client.get(path, headers=setup["headers"])
    assert own.status_code == 200 and [r["level"] for r in own.json()] == [1]
    _other, other_headers = crew.member_login(status="active")
    hidden = crew.client.get(path, headers=other_headers)
    absent = crew.client.get(f"{INVOICES}/99999/reminders", headers=other_headers)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"] == absent.json()["detail"] == "No such invoice."


# -- coopnode invoices ---------------------------------------------------------------------------


@pytest.fixture
def cli(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return main


def test_cli_remind_records_once_and_writes_the_letters(
    cli: Any,
    crew: Crew,
    node: Node,
    setup: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    invoice = issued_on(crew, setup, 40)
    number = invoice["number"]
    assert cli(["invoices", "overdue"]) == 0
    out = capsys.readouterr().out
    assert number in out and f"overdue on {TODAY}: 1" in out

    assert cli(["invoices", "remind", "--dry-run"]) == 0
    assert "reminder 1 due" in capsys.readouterr().out
    assert reminder_rows(node) == []

    letters = tmp_path / "letters"
    letters.mkdir()
    assert cli(["invoices", "remind", "--letters", str(letters)]) == 0
    out = capsys.readouterr().out
    assert f"{number}: reminder 1 recorded" in out and f"reminders recorded on {TODAY}: 1" in out
    assert sorted(p.name for p in letters.iterdir()) == [
        f"{number}-reminder-1.html",
        f"{number}-reminder-1.txt",
    ]
    assert invoice["payment_reference"] in (letters / f"{number}-reminder-1.txt").read_text()

    assert cli(["invoices", "remind"]) == 0
    assert f"reminders recorded on {TODAY}: 0" in capsys.readouterr().out
    assert len(reminder_rows(node)) == 1
    with node.db.reading() as session:
        actor = session.scalar(select(InvoiceReminder.created_by))
        assert actor is not None and actor.startswith("cli")

    csv_file = tmp_path / "overdue.csv"
    assert cli(["invoices", "overdue", "--csv", str(csv_file)]) == 0
    assert number in csv_file.read_text()

    future = (TODAY + timedelta(days=1)).isoformat()
    assert cli(["invoices", "remind", "--as-of", future]) == 2
    assert "future" in capsys.readouterr().err
    assert cli(["invoices", "remind", "--letters", str(tmp_path / "nowhere")]) == 2
    with node.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(InvoiceReminder)) == 1
