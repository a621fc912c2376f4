"""``coopnode settle``: a statement line per currency; with nothing open it says so and exits 0
(a monthly run need not fail); a peer that is not active is one line, exit 2, nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from node.cli.main import main
from node.config import Settings
from node.db import Database
from node.runtime import Node
from node.settlement.models import Statement
from tests.node.settlement.conftest import FR
from tests.node.settlement.settle_helpers import Peer, book_item


@pytest.fixture
def cli(settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    return main


def run(cli: Any, args: list[str]) -> int:
    try:
        return int(cli(args))
    except SystemExit as exited:
        return int(exited.code or 0)


def statements(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(Statement)) or 0


def test_settle_sends_a_statement_then_finds_nothing_left(
    cli: Any, node: Node, fr: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    book_item(node, FR, "payable", 12_345)

    assert run(cli, ["settle", FR]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split("\t")[2:] == ["EUR", "net 123.45", "payer http://127.0.0.1:8000"]

    assert run(cli, ["settle", FR]) == 0
    assert capsys.readouterr().out.startswith(f"Nothing to settle with {FR} up to ")
    assert statements(node.db) == 1


def test_settle_with_a_node_that_is_not_a_peer_changes_nothing(
    cli: Any, node: Node, fr: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    book_item(node, FR, "payable", 100)

    assert run(cli, ["settle", "https://stranger.example"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "peer" in err
    assert statements(node.db) == 0
