"""Two real nodes, Belgium and France (``coopnode serve`` on 127.0.0.1, each with its own database
and keys), peer through the CLI; France's admin sets its local contact and services; Belgium
declares a posting of its member to France, and France's answer comes back with the SIPSI
requirements.

The Belgian node runs on SQLite; the French one on the test's engine (on PostgreSQL, a database of
its own, made and dropped by the peering tests' fixture)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from node.db import Database
from node.db.types import utcnow
from node.members.models import Member
from node.postings.models import MemberPosting
from tests.node.federation.test_peering_nodes import peer_row
from tests.realnodes import RealNode, eventually, ok
from tests.test_server_process import COOPNODE

pytestmark = pytest.mark.process


@pytest.fixture
def belgium_and_france(
    tmp_path: Path,
    own_database: str | None,
) -> Iterator[tuple[RealNode, RealNode]]:
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    belgium, france = RealNode(tmp_path / "be"), RealNode(tmp_path / "fr")
    france.environ["COOPNODE_COUNTRY"] = "FR"
    france.environ["COOPNODE_NAME"] = "Coop France"
    if own_database is not None:
        france.environ["COOPNODE_DATABASE_URL"] = own_database
    try:
        belgium.start()
        france.start()
        yield belgium, france
    finally:
        belgium.stop()
        france.stop()


def peer(a: RealNode, b: RealNode, a_db: Database, b_db: Database) -> None:
    """A asks, B's admin approves with A's fingerprint checked "out of band"."""
    a_print, b_print = ok(a, "keys", "fingerprint").strip(), ok(b, "keys", "fingerprint").strip()
    ok(a, "peers", "add", b.url, f"--fingerprint={b_print}")
    eventually("B never saw A's request", lambda: peer_row(b_db, a.url, "pending"), a, b)
    ok(b, "peers", "approve", a.url, f"--fingerprint={a_print}")
    eventually("A never got B's accept", lambda: peer_row(a_db, b.url, "active"), a, b)


def new_member(db: Database) -> int:
    with db.transaction() as session:
        member = Member(
            name="Ana Peeters",
            email="ana@example.org",
            home_country="BE",
            language="fr",
            kind="worker",
            status="active",
        )
        session.add(member)
        session.flush()
        return member.id


def answer_of(db: Database) -> dict[str, Any] | None:
    with db.reading() as session:
        row = session.scalars(select(MemberPosting)).one()
        return row.answer


def test_a_posting_notice_goes_to_france_and_comes_back_with_sipsi(
    belgium_and_france: tuple[RealNode, RealNode],
) -> None:
    belgium, france = belgium_and_france
    be_db, fr_db = belgium.database(), france.database()
    try:
        peer(belgium, france, be_db, fr_db)
        ok(
            france,
            "postings",
            "host",
            "--contact-name=Accueil détachement",
            "--contact-email=accueil@coop-fr.example",
            "--contact-phone=+33 3 20 00 00 00",
            "--service=coworking=Desk in the Lille co-working space",
        )
        services = [{"code": "coworking", "name": "Desk in the Lille co-working space"}]
        assert france.descriptor()["services"] == services
        member_id = new_member(be_db)
        today = utcnow().date()
        declared = ok(
            belgium,
            "postings",
            "declare",
            f"--member={member_id}",
            f"--host={france.url}",
            "--a1=BE-A1-2026-000123",
            f"--start={today + timedelta(days=7)}",
            f"--end={today + timedelta(days=90)}",
            "--client-name=Théâtre du Nord",
            "--client-country=FR",
            "--address=4 place du Général de Gaulle",
            "--postal-code=59000",
            "--city=Lille",
            "--hours=35",
            "--hourly-gross=18.50",
            "--activity=Sound engineering",
        )
        assert "declared" in declared
        answer = eventually("no answer from France", lambda: answer_of(be_db), belgium, france)
        requirements = answer["requirements"]
        assert requirements["country"] == "FR"
        assert requirements["declaration"].startswith("SIPSI")
        assert "SIPSI" in requirements["authority"] and requirements["documents"]
        assert requirements["minimum_wage"]["hourly"]["currency"] == "EUR"
        assert answer["meets_minimum_wage"] is True
        assert answer["local_contact"] == {
            "name": "Accueil détachement",
            "email": "accueil@coop-fr.example",
            "phone": "+33 3 20 00 00 00",
        }
        assert answer["services"] == services
        shown = json.loads(ok(belgium, "postings", "show", "1"))
        assert shown["state"] == "answered" and shown["home_pay"]["country"] == "BE"
        assert "answered" in ok(belgium, "postings", "list")
        (notice,) = json.loads(ok(france, "postings", "notices"))
        assert notice["home_node"] == belgium.url and notice["answer"] == answer
        assert notice["member"]["name"] == "Ana Peeters"
    finally:
        be_db.dispose()
        fr_db.dispose()
    assert "Traceback" not in belgium.log.read_text() + france.log.read_text()
