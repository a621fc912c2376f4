"""Configuration: file + environment, validation with one-line errors, secrets never shown."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from node.cli.main import main
from node.config import FIELDS, load_settings, starter_config
from node.errors import ConfigError


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "coopnode.toml"
    path.write_text(starter_config())
    return path


def test_starter_config_is_valid_commented_toml_with_every_field(config_file: Path) -> None:
    text = config_file.read_text()
    data = tomllib.loads(text)
    for field in FIELDS:
        assert f"({field.env})" in text, field.name
        if field.example is None:
            assert field.key in data[field.section], field.name
    settings = load_settings(config_file, environ={})
    assert settings["node.country"] == "BE"
    assert settings["shares.nominal_value"] == Decimal("30.00")


def test_starter_configs_get_fresh_secrets() -> None:
    first, second = tomllib.loads(starter_config()), tomllib.loads(starter_config())
    assert first["security"]["secret_key"] != second["security"]["secret_key"]
    assert first["security"]["encryption_key"] != second["security"]["encryption_key"]


def test_environment_overrides_file(config_file: Path) -> None:
    settings = load_settings(
        config_file,
        environ={"COOPNODE_PORT": "9000", "COOPNODE_COUNTRY": "fr", "COOPNODE_PLUGINS": "a, b"},
    )
    assert settings["server.port"] == 9000
    assert settings["node.country"] == "FR"
    assert settings["plugins.modules"] == ("a", "b")
    assert settings.sources["server.port"] == "COOPNODE_PORT"
    assert settings.sources["node.name"] == str(config_file)


@pytest.mark.parametrize(
    ("env", "value", "key", "fragment"),
    [
        ("COOPNODE_PORT", "http", "server.port", "must be an integer"),
        ("COOPNODE_PORT", "70000", "server.port", "between 1 and 65535"),
        ("COOPNODE_COUNTRY", "XX", "node.country", "not an ISO 3166-1"),
        ("COOPNODE_CURRENCY", "EURO", "node.currency", "not an ISO 4217"),
        ("COOPNODE_BASE_URL", "http://coop.example", "node.base_url", "must use https"),
        ("COOPNODE_BASE_URL", "ftp://127.0.0.1", "node.base_url", "absolute http(s) URL"),
        ("COOPNODE_VAT_NUMBER", "BE0403019262", "node.vat_number", "invalid VAT number"),
        ("COOPNODE_SECRET_KEY", "short", "security.secret_key", "at least 32"),
        ("COOPNODE_LANGUAGE", "xx", "node.language", "must be one of"),
        ("COOPNODE_SHARE_NOMINAL_VALUE", "-3", "shares.nominal_value", "positive"),
        ("COOPNODE_COOKIE_SECURE", "maybe", "security.cookie_secure", "true or false"),
        ("COOPNODE_PAYOUT_DEBTOR_IBAN", "BE68539007547035", "payouts.debtor_iban", "invalid IBAN"),
        ("COOPNODE_CONTRIBUTION_RATE", "101", "contribution.rate", "between 0 and 100"),
        ("COOPNODE_GUARANTEE_FUND_POINTS", "7", "contribution.guarantee_fund_points", "exceed"),
    ],
)
def test_invalid_values_name_the_key(
    config_file: Path, env: str, value: str, key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file, environ={env: value})
    assert caught.value.key == key
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"config: {key}: ")


def test_http_base_url_allowed_on_loopback(config_file: Path) -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:8001/", "http://[::1]:8000"):
        settings = load_settings(config_file, environ={"COOPNODE_BASE_URL": url})
        assert settings["node.base_url"] == url.rstrip("/")


def test_unknown_key_and_bad_toml_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[node]\nnmae = "typo"\n')
    with pytest.raises(ConfigError, match=r"node\.nmae: unknown setting"):
        load_settings(path, environ={})
    path.write_text("[node\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_float_money_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(starter_config().replace('nominal_value = "30.00"', "nominal_value = 30.5"))
    with pytest.raises(ConfigError, match="not a float"):
        load_settings(path, environ={})


def test_missing_secret_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"security\.secret_key: missing"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_secrets_are_masked_everywhere(config_file: Path) -> None:
    settings = load_settings(
        config_file,
        environ={"COOPNODE_DATABASE_URL": "postgresql+psycopg://coop:hunter2@db/coop"},
    )
    secret = settings["security.secret_key"]
    public = settings.public()
    assert public["security.secret_key"] == "********"
    assert public["database.url"] == "postgresql+psycopg://coop:***@db/coop"
    assert secret not in repr(settings)
    assert "hunter2" not in repr(settings)


def test_cli_reports_bad_config_in_one_line_with_exit_code_2(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOPNODE_CONFIG", str(config_file))
    monkeypatch.setenv("COOPNODE_PORT", "abc")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "coopnode: config: server.port: must be an integer"


def test_init_writes_private_file_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "var" / "coopnode.toml"
    monkeypatch.setenv("COOPNODE_CONFIG", str(path))
    assert main(["init"]) == 0
    assert path.stat().st_mode & 0o777 == 0o600
    original = path.read_text()
    assert main(["init"]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["init", "--if-missing"]) == 0
    assert path.read_text() == original
