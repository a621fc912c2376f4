"""Property test over random sequences of postings, retries and conflicting retries."""

from __future__ import annotations

import uuid
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from node.db import Database
from node.errors import Conflict
from node.ledger import service
from node.ledger.entries import AccountType, EntryDraft, PostingLine
from node.ledger.models import JournalEntry, Posting

ACCOUNTS = ("cash", "sales", "costs")
amounts = st.integers(min_value=1, max_value=10**9)
lines = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(["EUR", "SEK"]), amounts),
    min_size=1,
    max_size=4,
)
events = st.lists(st.tuples(st.integers(0, 6), lines), min_size=1, max_size=12)


def _draft(key: str, raw: list[tuple[str, str, int]]) -> EntryDraft:
    postings = [PostingLine(a, c, n) for a, c, n in raw]
    for currency in sorted({c for _a, c, _n in raw}):  # close each currency on "cash"
        total = sum(n for _a, c, n in raw if c == currency)
        postings.append(PostingLine("cash" if raw[0][0] != "cash" else "costs", currency, -total))
    return EntryDraft("test", date(2026, 1, 5), key, "generated", tuple(postings))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=events)
def test_random_event_sequences_keep_the_invariants(db: Database, events: list) -> None:
    prefix = uuid.uuid4().hex[:8]
    with db.transaction() as session:
        for key in ACCOUNTS:
            for currency in ("EUR", "SEK"):
                service.ensure_account(
                    session, service.AccountSpec(key, key, AccountType.ASSET), currency
                )
    first_content: dict[str, str] = {}
    for index, raw in events:
        draft = _draft(f"{prefix}-{index}", raw)
        try:
            with db.transaction() as session:
                service.post(session, draft, actor="test")
            first_content.setdefault(draft.idempotency_key, draft.digest())
        except Conflict:
            assert first_content[draft.idempotency_key] != draft.digest()
    with db.reading() as session:
        count = session.scalar(select(func.count()).select_from(JournalEntry))
        assert service.verify_chain(session) == []
        totals = dict(
            session.execute(
                select(Posting.currency, func.sum(Posting.amount_minor)).group_by(Posting.currency)
            ).all()
        )
        assert all(total == 0 for total in totals.values())
    for index, raw in events:  # replaying every event changes nothing
        draft = _draft(f"{prefix}-{index}", raw)
        if first_content.get(draft.idempotency_key) == draft.digest():
            with db.transaction() as session:
                service.post(session, draft, actor="test")
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == count
