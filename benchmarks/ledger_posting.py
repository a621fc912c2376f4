"""Ledger benchmark: posting throughput against a raw insert baseline, latency, balance time.

Run: ``.venv/bin/python benchmarks/ledger_posting.py [--entries 20000]``; with
``COOPNODE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/coopnode_bench`` it
runs on PostgreSQL too (the database is emptied first). Both engines keep full durability:
SQLite ``synchronous=FULL`` in WAL mode, PostgreSQL ``synchronous_commit=on``.

What it prints, per engine:

* posting path: entries of 3 postings through ``node.ledger.service.post_batch`` (validation,
  idempotency lookup, hash chain, head lock), committed in batches of 1,000;
* baseline: the same rows (one entry row, three posting rows) inserted the fastest way the node
  has (``node.db.bulk.insert_rows``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite), in the
  same batches — no checks, no hashing;
* the ratio of the two (target: posting within 3x of the baseline);
* single-entry latency, one entry per transaction (p50 / p99);
* the balance of an account holding 100,000 postings (target: under 50 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from node.db import Database
from node.db import migrate as migrations
from node.db.bulk import insert_rows
from node.ledger import service
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import JournalEntry, Posting

BATCH = 1000
DAY = date(2026, 1, 2)
SPECS = (
    service.AccountSpec("bank", "Bank", AccountType.ASSET),
    service.AccountSpec("revenue", "Revenue", AccountType.REVENUE),
    service.AccountSpec("vat:payable", "VAT payable", AccountType.LIABILITY),
    service.AccountSpec("hot", "Busy account", AccountType.ASSET),
)


def fresh_database(url: str) -> Database:
    db = Database(url)
    if not db.is_sqlite:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(db)
    with db.transaction() as session:
        for spec in SPECS:
            service.ensure_account(session, spec, "EUR")
    return db


def sale(key: str, n: int) -> EntryDraft:
    gross, vat = 12100 + n % 97, 2100
    return EntryDraft(
        "sale",
        DAY,
        key,
        f"Sale {n}",
        (
            PostingLine("bank", "EUR", gross),
            PostingLine("revenue", "EUR", vat - gross),
            PostingLine("vat:payable", "EUR", -vat),
        ),
    )


def posting_path(db: Database, entries: int, prefix: str) -> float:
    started = time.perf_counter()
    for start in range(0, entries, BATCH):
        drafts = [sale(f"{prefix}-{n}", n) for n in range(start, min(start + BATCH, entries))]
        with db.transaction() as session:
            service.post_batch(session, drafts, actor="bench")
    return time.perf_counter() - started


def raw_insert(db: Database, entries: int, prefix: str) -> float:
    accounts = {key: n + 1 for n, key in enumerate(s.key for s in SPECS)}
    started = time.perf_counter()
    next_id = 10_000_000
    for start in range(0, entries, BATCH):
        rows, posting_rows = [], []
        for n in range(start, min(start + BATCH, entries)):
            next_id += 1
            rows.append(
                {
                    "id": next_id,
                    "sequence": next_id,
                    "kind": "sale",
                    "occurred_on": DAY,
                    "idempotency_key": f"{prefix}-{n}",
                    "content_digest": "0" * 64,
                    "description": f"Sale {n}",
                    "meta": {},
                    "actor": "bench",
                    "previous_hash": "0" * 64,
                    "hash": "0" * 64,
                }
            )
            for key, amount in (("bank", 12100), ("revenue", -10000), ("vat:payable", -2100)):
                posting_rows.append(
                    {
                        "entry_id": next_id,
                        "account_id": accounts[key],
                        "currency": "EUR",
                        "amount_minor": amount,
                    }
                )
        with db.transaction() as session:
            insert_rows(session, JournalEntry, rows)
            insert_rows(session, Posting, posting_rows)
    return time.perf_counter() - started


def latencies(db: Database, count: int) -> tuple[float, float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        with db.transaction() as session:
            service.post(session, sale(f"single-{n}", n), actor="bench")
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def balance_time(db: Database, postings: int) -> tuple[float, int]:
    for start in range(0, postings, BATCH):
        drafts = [
            EntryDraft(
                "move",
                DAY,
                f"hot-{n}",
                "to the busy account",
                (PostingLine("hot", "EUR", 1), PostingLine("bank", "EUR", -1)),
            )
            for n in range(start, min(start + BATCH, postings))
        ]
        with db.transaction() as session:
            service.post_batch(session, drafts, actor="bench")
    timings = []
    with db.reading() as session:
        account = service.find_account(session, "hot", "EUR")
        for _ in range(5):
            started = time.perf_counter()
            value = service.balance_minor(session, account)
            timings.append((time.perf_counter() - started) * 1000)
    return min(timings), value


def run(label: str, url: str, entries: int) -> None:
    print(f"\n== {label}")
    db = fresh_database(url)
    posted = posting_path(db, entries, "p")
    baseline = raw_insert(db, entries, "r")
    print(f"posting path : {entries / posted:10.0f} entries/s ({posted:.2f} s for {entries})")
    print(f"raw baseline : {entries / baseline:10.0f} entries/s ({baseline:.2f} s, same rows)")
    ratio = posted / baseline
    print(f"ratio        : {ratio:10.2f}x  (target <= 3x: {'met' if ratio <= 3 else 'NOT met'})")
    p50, p99 = latencies(db, 200)
    print(f"single entry : p50 {p50:.2f} ms, p99 {p99:.2f} ms (one entry per transaction)")
    took, value = balance_time(db, 100_000)
    verdict = "met" if took < 50 else "NOT met"
    print(
        f"balance      : {took:.1f} ms over 100,000 postings (= {value}; target < 50 ms: {verdict})"
    )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(
            "SQLite (WAL, synchronous=FULL)", f"sqlite:///{Path(folder) / 'bench.db'}", args.entries
        )
    url = os.environ.get("COOPNODE_BENCH_DATABASE_URL")
    if url:
        run("PostgreSQL (synchronous_commit=on)", url, args.entries)
    else:
        print("\n(PostgreSQL skipped: set COOPNODE_BENCH_DATABASE_URL to include it)")


if __name__ == "__main__":
    main()
