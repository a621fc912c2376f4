"""``coopnode postings``: declare, list, show, the host profile; bad input is one line, exit 2,
and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.cli.main import main
from node.config import Settings
from node.db import Database
from node.federation.models import OutboxMessage
from node.postings.models import HostProfile, MemberPosting
from node.runtime import Node
from tests.node.member_helpers import Crew, state_counts
from tests.node.postings.posting_helpers import HOST, active_member, day, peer_in

TABLES = (MemberPosting, OutboxMessage, HostProfile)


@pytest.fixture
def cli(settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return main


def run(cli: Any, args: list[str]) -> int:
    """The exit code, whether the command returns it or argparse exits with it."""
    try:
        return int(cli(args))
    except SystemExit as exited:
        return int(exited.code or 0)


def declare_args(member_id: int, **changes: str) -> list[str]:
    given = {
        "member": str(member_id),
        "host": HOST,
        "a1": "BE-A1-1",
        "start": day(5),
        "end": day(60),
        "client-name": "Client",
        "client-country": "fr",
        "address": "1 rue de la Paix",
        "city": "Paris",
        "hours": "20",
        "hourly-gross": "25.00",
        **changes,
    }
    return ["postings", "declare", *(f"--{flag}={value}" for flag, value in given.items())]


def test_declare_list_and_show(
    cli: Any, crew: Crew, node: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    peer_in(node, HOST, "FR")
    member = crew.create_member(name="Ana Peeters")
    active_member(crew, member)
    assert cli(declare_args(member["id"])) == 0
    assert "declared; its notice to https://coop-fr.example is queued" in capsys.readouterr().out
    assert cli(["postings", "list"]) == 0
    line = capsys.readouterr().out
    assert "Ana Peeters" in line and "FR https://coop-fr.example" in line and "notified" in line
    assert cli(["postings", "show", "1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["client"] == {"name": "Client", "country": "FR"}
    assert shown["hourly_gross"] == {"amount": "25.00", "currency": "EUR"}
    assert cli(["postings", "show", "99"]) == 1
    assert "No such posting." in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--hours=many"],
        ["--start=2026-02-30"],
        ["--end=2020-01-01", "--start=2019-12-01"],
        ["--host=https://nowhere.example"],
        ["--a1= "],
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    cli: Any,
    crew: Crew,
    node: Node,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    peer_in(node, HOST, "FR")
    member = crew.create_member()
    active_member(crew, member)
    before = state_counts(node, *TABLES)
    changes = dict(arg.removeprefix("--").split("=", 1) for arg in args)
    assert run(cli, declare_args(member["id"], **changes)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith("coopnode: ") and "Traceback" not in "".join(err)
    assert state_counts(node, *TABLES) == before


def test_the_host_profile(cli: Any, node: Node, capsys: pytest.CaptureFixture[str]) -> None:
    before = state_counts(node, *TABLES)
    bad = ["postings", "host", "--contact-name=Desk", "--contact-email=nobody"]
    assert run(cli, bad) == 2
    assert "contact_email" in capsys.readouterr().err
    assert run(cli, [*bad[:3], "--contact-email=desk@coop.example", "--service=nocode"]) == 2
    assert state_counts(node, *TABLES) == before
    good = [*bad[:3], "--contact-email=desk@coop.example", "--service=coworking=A desk"]
    assert cli(good) == 0
    with node.db.reading() as session:
        row = session.get_one(HostProfile, 1)
        assert (row.contact_email, row.services) == (
            "desk@coop.example",
            [{"code": "coworking", "name": "A desk"}],
        )
