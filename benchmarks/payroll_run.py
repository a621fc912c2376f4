"""Payroll run benchmark: a period's salaries for 60,000 members, persisted, against the pure
computation of the same payslips.

Run: ``.venv/bin/python benchmarks/payroll_run.py [--members 60000] [--chunk-size 1000]``; with
``COOPNODE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/coopnode_bench`` it
runs on PostgreSQL too (the database is emptied first). Both engines keep full durability:
SQLite ``synchronous=FULL`` in WAL mode, PostgreSQL ``synchronous_commit=on``.

Seeding (not timed, but its time is printed): a freshly migrated database with, per member, an
active member record with an IBAN, an activity they lead whose budget is credited through the
ledger (``post_batch`` of 1,000 entries), a payroll profile, a monthly employment contract and one
deferred salary request for 2026-03 — the records inserted with multi-row INSERTs.

What it prints, per engine:

* the run: :func:`node.payroll.run.run_period` with the real Belgian payroll (the node's
  country), in chunks of 1,000 requests per transaction — locks, available budgets, payslips,
  payouts, their commit entries in the ledger and the audit trail; payslips/s and the target
  (the whole period under 60 s);
* baseline: the same payslips computed in-process without persistence (the jurisdiction's
  ``gross_for_employer_cost`` for each request's amount, params and contract), so the
  difference is what persistence costs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from node.activities.models import Activity, ActivityMember
from node.config import Settings, load_settings, starter_config
from node.db import Database
from node.db import migrate as migrations
from node.db.types import utcnow
from node.ledger import service as ledger
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import Account
from node.members.identifiers import Vault
from node.members.models import Member
from node.payroll import run
from node.payroll.models import EmploymentContract, PayrollProfile, Payslip, SalaryRequest
from node.payroll.service import contract_terms
from node.runtime import Node, bootstrap
from plugins.payroll.contract import Payroll
from plugins.payroll.model import Period

PERIOD = "2026-03"
TARGET_MEMBERS = 60_000
TARGET_SECONDS = 60.0
BATCH = 1000
BUDGET_MINOR = 800_000  # 8,000.00 EUR in each activity's budget
BANK = ledger.AccountSpec("bank", "Bank", AccountType.ASSET)
#: A spread of Belgian situations, the n-th member taking the (n mod len)-th.
PROFILES: tuple[dict[str, Any], ...] = (
    {},
    {"category": "blue_collar"},
    {"marital_status": "married_one_income", "dependent_children": 2},
    {"dependent_children": 1, "single_parent": True},
    {"marital_status": "married_two_incomes"},
    {"arts_worker": True},
)
FRACTIONS = ("1", "1", "0.8", "0.5")


def fresh_database(url: str) -> Database:
    db = Database(url)
    if not db.is_sqlite:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(db)
    return db


def node_on(db: Database, folder: Path) -> Node:
    path = folder / "coopnode.toml"
    path.write_text(starter_config())
    settings: Settings = load_settings(path, environ={"COOPNODE_DATABASE_URL": db.url})
    settings = settings.replace(
        **{"node.country": "BE", "node.currency": "EUR", "node.legal_entity_number": "0403019261"}
    )
    return bootstrap(settings, db=db)


def amount_minor(n: int) -> int:
    """What member ``n`` asks for: 2,000.00 to 6,000.00 EUR of employer budget."""
    return 200_000 + (n * 7919) % 400_001


def _rows(n: int, now: Any, iban: str, national_id: str) -> dict[str, list[dict[str, Any]]]:
    params = PROFILES[n % len(PROFILES)]
    fraction = FRACTIONS[n % len(FRACTIONS)]
    minor = amount_minor(n)
    content = {
        "contract": n,
        "period": PERIOD,
        "amount": minor,
        "currency": "EUR",
        "days": None,
        "hours": None,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return {
        "members": [
            {
                "id": n,
                "name": f"Member{n} Bench",
                "email": f"member{n}@bench.example",
                "home_country": "BE",
                "language": ("fr", "nl", "de", "en")[n % 4],
                "kind": "worker",
                "status": "active",
                "national_id_encrypted": national_id,
                "iban_encrypted": iban,
                "joined_on": date(2025, 1, 1),
                "created_at": now,
                "updated_at": now,
            }
        ],
        "activities": [
            {
                "id": n,
                "name": f"Activity {n}",
                "currency": "EUR",
                "status": "open",
                "created_at": now,
                "created_by": "bench",
            }
        ],
        "activity_members": [{"id": n, "activity_id": n, "member_id": n, "lead": True}],
        "accounts": [
            {
                "key": f"activity:{n}:budget",
                "currency": "EUR",
                "name": f"Budget of activity #{n}",
                "type": AccountType.LIABILITY.value,
                "created_at": now,
            }
        ],
        "payroll_profiles": [
            {
                "id": n,
                "member_id": n,
                "birth_date": date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                "language": None,
                "params": params,
                "updated_at": now,
                "updated_by": "bench",
            }
        ],
        "employment_contracts": [
            {
                "id": n,
                "member_id": n,
                "activity_id": n,
                "kind": "open_ended",
                "basis": "monthly",
                "start_on": date(2026, 1, 1),
                "end_on": None,
                "work_fraction": fraction,
                "days": None,
                "hours": None,
                "place_of_work": "Bruxelles",
                "description": "Bench work",
                "params": {},
                "pre_hire": {"country": "BE", "name": "Dimona IN", "payload": {}},
                "declared_by": "bench",
                "declared_at": now,
            }
        ],
        "salary_requests": [
            {
                "id": n,
                "contract_id": n,
                "member_id": n,
                "activity_id": n,
                "period": PERIOD,
                "amount_minor": minor,
                "currency": "EUR",
                "days": None,
                "hours": None,
                "status": "requested",
                "problem": None,
                "idempotency_key": f"bench-salary-{n}",
                "request_digest": hashlib.sha256(canonical.encode()).hexdigest(),
                "requested_by": "bench",
                "requested_at": now,
            }
        ],
    }


TABLES = {
    "members": Member,
    "activities": Activity,
    "activity_members": ActivityMember,
    "accounts": Account,
    "payroll_profiles": PayrollProfile,
    "employment_contracts": EmploymentContract,
    "salary_requests": SalaryRequest,
}


def seed(node: Node, members: int) -> None:
    """``members`` workers, each with a funded activity, a profile, a contract and a deferred
    salary request for :data:`PERIOD`."""
    vault = Vault.from_settings(node.settings, node.cipher)
    iban = vault.seal("BE71096123456769")  # one ciphertext for all: the run never opens it
    national_id = vault.seal("85073003328")
    assert iban is not None and national_id is not None
    now = utcnow()
    with node.db.transaction() as session:
        ledger.ensure_account(session, BANK, "EUR")
    for start in range(1, members + 1, BATCH):
        numbers = range(start, min(start + BATCH, members + 1))
        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for n in numbers:
            for name, rows in _rows(n, now, iban, national_id).items():
                tables[name] += rows
        with node.db.transaction() as session:
            for name, model in TABLES.items():
                session.execute(insert(model), tables[name])
        drafts = [
            EntryDraft(
                "turnover",
                date(2026, 3, 1),
                f"bench-turnover-{n}",
                f"Turnover of activity #{n}",
                (
                    PostingLine(BANK.key, "EUR", BUDGET_MINOR),
                    PostingLine(f"activity:{n}:budget", "EUR", -BUDGET_MINOR),
                ),
            )
            for n in numbers
        ]
        with node.db.transaction() as session:
            ledger.post_batch(session, drafts, actor="bench")
    if not node.db.is_sqlite:  # ids were given explicitly: move the sequences past them
        with node.db.engine.begin() as connection:
            for name, model in TABLES.items():
                if name != "accounts":
                    table = model.__table__
                    sequence = func.pg_get_serial_sequence(name, "id")
                    last = select(func.max(table.c.id)).scalar_subquery()
                    connection.execute(select(func.setval(sequence, last)))


def baseline(node: Node, payroll: Payroll) -> tuple[float, int]:
    """The same payslips computed in memory, nothing read or written during the timing."""
    period = Period.parse(PERIOD)
    with node.db.reading() as session:
        requests = list(session.scalars(select(SalaryRequest).order_by(SalaryRequest.id)))
        contracts = {c.id: c for c in session.scalars(select(EmploymentContract))}
        profiles = {p.member_id: p for p in session.scalars(select(PayrollProfile))}
        work = [
            (
                Decimal(r.amount_minor).scaleb(-2),
                payroll.params({**profiles[r.member_id].params, **contracts[r.contract_id].params}),
                contract_terms(contracts[r.contract_id], days=r.days, hours=r.hours),
            )
            for r in requests
        ]
    started = time.perf_counter()
    for amount, params, terms in work:
        payroll.gross_for_employer_cost(period, amount, params, terms)
    return time.perf_counter() - started, len(work)


def check(node: Node, members: int) -> str:
    with node.db.reading() as session:
        payslips = len(session.scalars(select(Payslip.id)).all())
        problems = ledger.verify_chain(session) if members <= 5000 else None
    chain = (
        "not verified (above 5,000 members)" if problems is None else f"{len(problems)} problems"
    )
    return f"{payslips} payslips stored; ledger chain: {chain}"


def bench(label: str, url: str, members: int, chunk_size: int, folder: Path) -> None:
    print(f"\n== {label}")
    db = fresh_database(url)
    node = node_on(db, folder)
    payroll = node.jurisdiction.payroll()
    assert payroll is not None, "the BE jurisdiction has no payroll"
    started = time.perf_counter()
    seed(node, members)
    print(f"seeding      : {time.perf_counter() - started:.1f} s for {members} members (not timed)")
    computed, count = baseline(node, payroll)
    started, cpu = time.perf_counter(), time.process_time()
    result = run.run_period(node, PERIOD, actor="bench", chunk_size=chunk_size, payroll=payroll)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"payroll run  : {members} members, {took:.2f} s, {result.computed / took:8.0f} payslips/s"
        f" ({result.computed} computed, {result.failed} refused, {result.chunks} chunks;"
        f" {cpu:.1f} s CPU in this process)"
    )
    print(
        f"baseline     : {count} payslips computed in-process without persistence, "
        f"{computed:.2f} s, {count / computed:8.0f} payslips/s"
    )
    print(
        f"persistence  : {took - computed:.2f} s over the pure computation ({took / computed:.2f}x)"
    )
    if members == TARGET_MEMBERS:
        verdict = "met" if took < TARGET_SECONDS and result.failed == 0 else "NOT met"
        print(f"target       : {TARGET_MEMBERS:,} members under {TARGET_SECONDS:.0f} s: {verdict}")
    else:
        projected = took * TARGET_MEMBERS / members
        verdict = "on track" if projected < TARGET_SECONDS else "NOT on track"
        print(
            f"target       : {TARGET_MEMBERS:,} members under {TARGET_SECONDS:.0f} s "
            f"(--members {TARGET_MEMBERS}): {projected:.0f} s at this rate, {verdict}"
        )
    print(f"check        : {check(node, members)}")
    node.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=TARGET_MEMBERS)
    parser.add_argument("--chunk-size", type=int, default=run.CHUNK_SIZE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(
            "SQLite (WAL, synchronous=FULL)",
            f"sqlite:///{Path(folder) / 'bench.db'}",
            args.members,
            args.chunk_size,
            Path(folder),
        )
        url = os.environ.get("COOPNODE_BENCH_DATABASE_URL")
        if url:
            bench(
                "PostgreSQL (synchronous_commit=on)",
                url,
                args.members,
                args.chunk_size,
                Path(folder),
            )
        else:
            print("\n(PostgreSQL skipped: set COOPNODE_BENCH_DATABASE_URL to include it)")


if __name__ == "__main__":
    main()
