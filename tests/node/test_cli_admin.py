"""``coopnode create-admin``: the first admin, its one-time secrets, idempotence, exit codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from node.cli.main import main
from node.config import Settings
from node.db import Database
from node.identity.models import User


@pytest.fixture
def cli(settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "coopnode.toml"))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", settings["database.url"])
    monkeypatch.delenv("COOPNODE_ADMIN_PASSWORD", raising=False)
    return main


def admins(db: Database) -> list[tuple[str, str]]:
    with db.reading() as session:
        return [(u.email, u.role) for u in session.scalars(select(User).order_by(User.id))]


def test_create_admin_prints_the_secrets_once_and_they_work(
    cli: Any, capsys: pytest.CaptureFixture[str], client: TestClient, db: Database
) -> None:
    assert cli(["create-admin", "--email", "Root@Example.org", "--name", "Root"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"password \(shown once\): (\S+)", out).group(1)  # type: ignore[union-attr]
    uri = re.search(r"(otpauth://totp/\S+)", out).group(1)  # type: ignore[union-attr]
    secret = re.search(r"secret: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert f"secret={secret}" in uri
    assert admins(db) == [("root@example.org", "admin")]
    response = client.post(
        "/api/v1/auth/login",
        json={"email": "root@example.org", "password": password, "totp": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 200, response.text


def test_the_password_can_come_from_the_environment(
    cli: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    monkeypatch.setenv("COOPNODE_ADMIN_PASSWORD", "a long admin passphrase")
    assert cli(["create-admin", "--email", "root@example.org"]) == 0
    out = capsys.readouterr().out
    assert "a long admin passphrase" not in out and "password (shown once)" not in out
    assert "otpauth://" in out


def test_if_none_does_nothing_when_an_admin_exists(
    cli: Any, capsys: pytest.CaptureFixture[str], db: Database
) -> None:
    assert cli(["create-admin", "--email", "one@example.org", "--if-none"]) == 0
    assert cli(["create-admin", "--email", "two@example.org", "--if-none"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert admins(db) == [("one@example.org", "admin")]


def test_failures_and_usage_errors_have_their_exit_codes(
    cli: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    assert cli(["create-admin", "--email", "one@example.org"]) == 0
    assert cli(["create-admin", "--email", "one@example.org"]) == 1  # taken
    assert "already exists" in capsys.readouterr().err
    assert cli(["create-admin", "--email", "not an address"]) == 2
    with pytest.raises(SystemExit) as missing:
        cli(["create-admin"])
    assert missing.value.code == 2
    monkeypatch.setenv("COOPNODE_ADMIN_PASSWORD", "short")
    assert cli(["create-admin", "--email", "two@example.org"]) == 2
    err = capsys.readouterr().err
    assert "short" not in err.replace("password: Use at least", "")
    assert admins(db) == [("one@example.org", "admin")]
