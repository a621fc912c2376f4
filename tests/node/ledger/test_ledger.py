"""The ledger in the database: idempotent, append-only (triggers), chained, exact balances."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from node.db import Database
from node.errors import Conflict, ValidationProblem
from node.ledger import service
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import JournalEntry, Posting

DAY = date(2026, 3, 2)
BANK = service.AccountSpec("bank", "Bank", AccountType.ASSET)
REVENUE = service.AccountSpec("revenue", "Revenue", AccountType.REVENUE)
VAT = service.AccountSpec("vat:payable", "VAT payable", AccountType.LIABILITY)


@pytest.fixture
def books(db: Database) -> Database:
    with db.transaction() as session:
        for spec in (BANK, REVENUE, VAT):
            service.ensure_account(session, spec, "EUR")
    return db


def sale(key: str, gross: int = 12100, vat: int = 2100) -> EntryDraft:
    return EntryDraft(
        "sale",
        DAY,
        key,
        "A sale",
        (
            PostingLine("bank", "EUR", gross),
            PostingLine("revenue", "EUR", vat - gross),
            PostingLine("vat:payable", "EUR", -vat),
        ),
    )


def _post(db: Database, draft: EntryDraft) -> int:
    with db.transaction() as session:
        return service.post(session, draft, actor="test").id


def _balance(db: Database, key: str) -> int:
    with db.reading() as session:
        return service.balance_minor(session, service.find_account(session, key, "EUR"))


def test_posting_and_balances(books: Database) -> None:
    _post(books, sale("s1"))
    _post(books, sale("s2", 1210, 210))
    assert _balance(books, "bank") == 13310
    assert _balance(books, "revenue") == -11000
    assert _balance(books, "vat:payable") == -2310


def test_same_key_same_content_posts_once(books: Database) -> None:
    first = _post(books, sale("s1"))
    assert _post(books, sale("s1")) == first
    assert _balance(books, "bank") == 12100


def test_same_key_other_content_is_a_conflict_and_posts_nothing(books: Database) -> None:
    _post(books, sale("s1"))
    with pytest.raises(Conflict):
        _post(books, sale("s1", 100, 10))
    assert _balance(books, "bank") == 12100


def test_unknown_account_and_unbalanced_entries_post_nothing(books: Database) -> None:
    with pytest.raises(ValidationProblem) as caught:
        _post(
            books,
            EntryDraft(
                "manual",
                DAY,
                "u1",
                "x",
                (PostingLine("bank", "EUR", 5), PostingLine("nope", "EUR", -5)),
            ),
        )
    assert caught.value.errors[0].code == "unknown_account"
    with pytest.raises(ValidationProblem):
        _post(
            books,
            EntryDraft(
                "manual",
                DAY,
                "u2",
                "x",
                (PostingLine("bank", "EUR", 5), PostingLine("revenue", "EUR", -4)),
            ),
        )
    with books.reading() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0


@pytest.mark.parametrize("table", ["journal_entries", "postings"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_database_refuses_changes_to_posted_rows(
    books: Database, table: str, statement: str
) -> None:
    _post(books, sale("s1"))
    with pytest.raises(DBAPIError, match="immutable"), books.engine.begin() as connection:
        connection.execute(text(statement.format(t=table)))
    assert _balance(books, "bank") == 12100


def test_reversal_cancels_and_cannot_repeat(books: Database) -> None:
    entry_id = _post(books, sale("s1"))
    with books.transaction() as session:
        service.reverse(session, entry_id, on=DAY, idempotency_key="r1", actor="test")
    assert _balance(books, "bank") == 0
    with pytest.raises(Conflict), books.transaction() as session:
        service.reverse(session, entry_id, on=DAY, idempotency_key="r2", actor="test")
    with books.transaction() as session:  # the same request again is harmless
        service.reverse(session, entry_id, on=DAY, idempotency_key="r1", actor="test")
    assert _balance(books, "bank") == 0


def test_chain_verifies_and_detects_tampering(books: Database, engine: str) -> None:
    for n in range(5):
        _post(books, sale(f"s{n}"))
    with books.reading() as session:
        assert service.verify_chain(session) == []
    _tamper(books, engine, "UPDATE postings SET amount_minor = amount_minor + 1 WHERE id = 4")
    with books.reading() as session:
        problems = service.verify_chain(session)
    assert {p.sequence for p in problems} == {2}
    assert {"content digest does not match", "postings do not balance"} <= {
        p.problem for p in problems
    }


def _tamper(db: Database, engine: str, statement: str) -> None:
    """Bypass the triggers the way an attacker with database access would."""
    with db.engine.begin() as connection:
        if engine == "sqlite":
            connection.execute(text("DROP TRIGGER postings_no_update"))
            connection.execute(text(statement))
        else:
            connection.execute(text("ALTER TABLE postings DISABLE TRIGGER postings_immutable"))
            connection.execute(text(statement))
            connection.execute(text("ALTER TABLE postings ENABLE TRIGGER postings_immutable"))


def test_parallel_posting_keeps_sequences_gapless(books: Database) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                _post(books, sale(f"w{n}-{i}", 100, 10))
                _post(books, sale(f"w{n}-{i}", 100, 10))  # a retry: applied once
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with books.reading() as session:
        sequences = sorted(session.scalars(select(JournalEntry.sequence)))
        assert sequences == list(range(1, 21))
        assert service.verify_chain(session) == []
        total = session.scalar(select(func.sum(Posting.amount_minor)))
    assert total == 0


def test_batch_posting_is_one_chain_with_replays_inside(books: Database) -> None:
    drafts = [sale(f"b{n}", 100, 10) for n in range(50)] + [sale("b3", 100, 10)]
    with books.transaction() as session:
        ids = service.post_batch(session, drafts, actor="test")
    assert len(set(ids)) == 50 and ids[-1] == ids[3]
    with books.transaction() as session:  # the whole batch again: nothing new
        assert service.post_batch(session, drafts, actor="test") == ids
    with books.reading() as session:
        assert service.verify_chain(session) == []
    assert _balance(books, "bank") == 5000


def test_batch_is_all_or_nothing(books: Database) -> None:
    bad = EntryDraft(
        "manual", DAY, "bad", "x", (PostingLine("bank", "EUR", 5), PostingLine("nope", "EUR", -5))
    )
    with pytest.raises(ValidationProblem) as caught, books.transaction() as session:
        service.post_batch(session, [sale("ok-1"), bad], actor="test")
    assert caught.value.errors[0].field == "entries.1.postings.1.account"
    with pytest.raises(Conflict), books.transaction() as session:
        service.post_batch(session, [sale("ok-1"), sale("ok-1", 5, 1)], actor="test")
    with books.reading() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0
