"""``coopnode keys`` and the first key made by ``coopnode migrate``: output, errors, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from federation.descriptor import verify_descriptor
from federation.identity import parse_node_id
from federation.keys import new_kek
from node.cli.main import main
from node.config import Settings
from node.db import Database
from node.db.types import utcnow
from node.federation import keystore

KEK_VARIABLE = "COOPNODE_FEDERATION_KEY_ENCRYPTION_KEY"


@pytest.fixture
def cli(settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    monkeypatch.delenv(KEK_VARIABLE, raising=False)
    return main


def statuses(db: Database) -> list[tuple[str, str]]:
    with db.reading() as session:
        return [(row.kid, row.status) for row in keystore.rows(session)]


def run(cli: Any, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_migrate_makes_the_first_key_once(
    cli: Any, capsys: pytest.CaptureFixture[str], db: Database
) -> None:
    code, out, _ = run(cli, capsys, "migrate")
    assert code == 0
    ((kid, status),) = statuses(db)
    assert status == "active" and f"federation signing key {kid} created" in out
    code, out, _ = run(cli, capsys, "migrate")
    assert code == 0 and "created" not in out
    assert statuses(db) == [(kid, "active")]


def test_migrate_without_a_kek_says_so_and_still_succeeds(
    cli: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    monkeypatch.setenv(KEK_VARIABLE, "")
    code, _, err = run(cli, capsys, "migrate")
    assert code == 0
    assert "federation.key_encryption_key is not set" in err
    assert statuses(db) == []


def test_the_printed_fingerprint_verifies_the_descriptor(
    cli: Any, capsys: pytest.CaptureFixture[str], client: TestClient, settings: Settings
) -> None:
    code, out, _ = run(cli, capsys, "keys", "fingerprint")
    assert code == 0
    fingerprint = out.strip()
    token = client.get("/.well-known/coopnode").text
    node_id = parse_node_id(settings["node.base_url"])
    assert verify_descriptor(token, node_id, [fingerprint], utcnow()).kid == fingerprint


def test_list_rotate_and_revoke(cli: Any, capsys: pytest.CaptureFixture[str], db: Database) -> None:
    code, out, _ = run(cli, capsys, "keys", "list")  # makes the first key lazily
    ((old, _),) = statuses(db)
    assert code == 0 and out.startswith(f"{old}  active")
    code, out, _ = run(cli, capsys, "keys", "rotate", "--grace-hours", "6")
    ((_, _), (new, _)) = statuses(db)
    assert code == 0
    assert f"new key {new} active" in out and f"retired {old}" in out
    code, out, _ = run(cli, capsys, "keys", "list")
    assert [line.split()[:2] for line in out.splitlines()] == [[old, "retired"], [new, "active"]]
    code, out, _ = run(cli, capsys, "keys", "revoke", "--reason", "compromised", "--", old)
    assert code == 0 and f"revoked {old} (compromised)" in out
    assert statuses(db) == [(old, "revoked"), (new, "active")]
    code, out, _ = run(cli, capsys, "keys", "fingerprint")
    assert out.strip() == new


def test_the_only_active_key_needs_force(
    cli: Any, capsys: pytest.CaptureFixture[str], db: Database
) -> None:
    code, out, _ = run(cli, capsys, "keys", "fingerprint")
    kid = out.strip()
    code, _, err = run(cli, capsys, "keys", "revoke", "--reason", "compromised", "--", kid)
    assert code == 1 and "only active key" in err and len(err.splitlines()) == 1
    assert statuses(db) == [(kid, "active")]
    code, out, _ = run(
        cli, capsys, "keys", "revoke", "--reason", "compromised", "--force", "--", kid
    )
    assert code == 0 and "peers must re-peer" in out
    ((first, first_status), (second, second_status)) = statuses(db)
    assert (first, first_status, second_status) == (kid, "revoked", "active")
    code, out, _ = run(cli, capsys, "keys", "fingerprint")
    assert out.strip() == second


def test_bad_input_is_refused_and_changes_nothing(
    cli: Any, capsys: pytest.CaptureFixture[str], db: Database
) -> None:
    run(cli, capsys, "keys", "fingerprint")
    before = statuses(db)
    code, _, err = run(cli, capsys, "keys", "revoke", "--reason", "unused", "--", "no-such-key")
    assert code == 1 and "no federation key no-such-key" in err
    for argv in (
        ["keys", "rotate", "--grace-hours", "0"],
        ["keys", "rotate", "--grace-hours", "169"],
        ["keys", "revoke", "--reason", "bored", "--", before[0][0]],
        ["keys", "revoke", before[0][0]],
    ):
        with pytest.raises(SystemExit) as usage:
            cli(argv)
        assert usage.value.code == 2, argv
    assert statuses(db) == before


@pytest.mark.parametrize(
    "argv",
    [["list"], ["fingerprint"], ["rotate"], ["revoke", "--reason", "unused", "--", "some-kid"]],
)
def test_without_a_kek_every_key_command_fails_in_one_line(
    cli: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
    argv: list[str],
) -> None:
    monkeypatch.setenv(KEK_VARIABLE, "")
    code, _, err = run(cli, capsys, "keys", *argv)
    assert code == 2
    assert err.count("\n") == 1 and "federation.key_encryption_key: missing" in err
    assert statuses(db) == []


def test_a_changed_kek_is_reported_not_a_traceback(
    cli: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    run(cli, capsys, "keys", "fingerprint")
    before = statuses(db)
    monkeypatch.setenv(KEK_VARIABLE, new_kek())
    for argv in (["keys", "fingerprint"], ["keys", "rotate"]):
        code, _, err = run(cli, capsys, *argv)
        assert code == 1 and "does not open the node's keys" in err and err.count("\n") == 1
    assert statuses(db) == before


def test_after_a_kek_leak_a_forced_revocation_reseals_under_the_new_kek(
    cli: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    _, out, _ = run(cli, capsys, "keys", "fingerprint")
    old = out.strip()
    monkeypatch.setenv(KEK_VARIABLE, new_kek())
    code, _, _ = run(cli, capsys, "keys", "revoke", "--reason", "compromised", "--force", "--", old)
    assert code == 0
    code, out, _ = run(cli, capsys, "keys", "fingerprint")  # opens under the new KEK
    assert code == 0 and out.strip() not in ("", old)
