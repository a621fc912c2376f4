"""The plugin host: entry points, hook API versions, conflicts, and each registration hook."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import plugins
from node import __version__
from node.app import create_app
from node.cli.main import main
from node.config import Settings, starter_config
from node.errors import ConfigError, PluginError
from node.pluginhost import PluginHost, load_plugins
from node.runtime import bootstrap

COUNTRIES = {"AT", "BE", "DE", "ES", "FR", "HU", "IT", "NL", "SE"}


SettingsFactory = Callable[..., Settings]


def test_builtin_plugins_load_through_entry_points(settings_factory: SettingsFactory) -> None:
    host = load_plugins(settings_factory())
    names = {info.name: info for info in host.describe()}
    assert {"be", "fr", "de", "nl", "es", "it", "at", "se", "hu"} <= set(names)
    assert names["be"].version == __version__
    assert names["be"].module == "plugins.be"
    assert "coop_register_jurisdictions" in names["be"].hooks


def test_hook_coop_register_jurisdictions(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    jurisdictions = load_plugins(settings).jurisdictions(settings)
    assert set(jurisdictions) == COUNTRIES
    assert all(j.country == code for code, j in jurisdictions.items())


def test_disabled_plugins_are_not_loaded(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(**{"plugins.disabled": "hu,se"})
    assert set(load_plugins(settings).jurisdictions(settings)) == COUNTRIES - {"HU", "SE"}


def test_two_plugins_for_one_country_is_an_error_naming_both(
    settings_factory: SettingsFactory, toys: Path
) -> None:
    settings = settings_factory(**{"plugins.modules": "coop_toy_second_belgium"})
    with pytest.raises(
        PluginError, match="country BE is claimed by two plugins: be and coop_toy_second_belgium"
    ):
        bootstrap(settings)


def test_hook_api_mismatch_is_a_clear_error(toys: Path) -> None:
    with pytest.raises(
        PluginError,
        match=r"coop_toy_old_api supports hook API \[0\], but this "
        rf"node speaks {plugins.HOOK_API_VERSION}",
    ):
        PluginHost().load(modules=["coop_toy_old_api"], disabled=_all_builtin())
    with pytest.raises(PluginError, match="does not declare COOPNODE_HOOK_API"):
        PluginHost().load(modules=["coop_toy_no_version"], disabled=_all_builtin())


def test_misspelt_hook_fails_loudly(toys: Path) -> None:
    with pytest.raises(PluginError, match="coop_register_jurisdiction"):
        PluginHost().load(modules=["coop_toy_misspelt"], disabled=_all_builtin())


def test_unimportable_plugin_names_itself() -> None:
    with pytest.raises(PluginError, match="plugin no_such_plugin_module cannot be imported"):
        PluginHost().load(modules=["no_such_plugin_module"], disabled=_all_builtin())


def test_node_refuses_a_country_without_plugin(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(**{"plugins.disabled": "be"})
    with pytest.raises(ConfigError, match=r"node\.country: no plugin provides BE"):
        bootstrap(settings)


def test_node_checks_its_company_number_with_its_jurisdiction(
    settings_factory: SettingsFactory,
) -> None:
    bad = settings_factory(**{"node.legal_entity_number": "0403019262"})
    with pytest.raises(ConfigError, match=r"node\.legal_entity_number"):
        bootstrap(bad)
    good = settings_factory(**{"node.legal_entity_number": "0403019261"})
    bootstrap(good).close()


def test_node_currency_must_match_its_country(settings_factory: SettingsFactory) -> None:
    with pytest.raises(ConfigError, match=r"node\.currency"):
        bootstrap(settings_factory(**{"node.currency": "SEK"}))


def test_hook_coop_register_routes(settings_factory: SettingsFactory, toys: Path) -> None:
    settings = settings_factory(**{"plugins.modules": "coop_toy_routes"})
    with TestClient(create_app(bootstrap(settings))) as client:
        assert client.get("/api/v1/x/toy/hello").json() == {"hello": settings["node.name"]}
        assert "/api/v1/x/toy/hello" in client.get("/openapi.json").json()["paths"]


def _write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "coopnode.toml"
    path.write_text(starter_config())
    monkeypatch.setenv("COOPNODE_CONFIG", str(path))
    monkeypatch.setenv("COOPNODE_DATABASE_URL", f"sqlite:///{tmp_path / 'n.db'}")


def test_hook_coop_register_commands(
    tmp_path: Path, toys: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_config(tmp_path, monkeypatch)
    monkeypatch.setenv("COOPNODE_PLUGINS", "coop_toy_routes")
    assert main(["toy-hello", "Ann"]) == 0
    assert capsys.readouterr().out == "hello Ann\n"


def test_command_name_clash_names_both(
    tmp_path: Path, toys: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_config(tmp_path, monkeypatch)
    monkeypatch.setenv("COOPNODE_PLUGINS", "coop_toy_command_clash")
    assert main(["plugins"]) == 2
    assert "'migrate' is claimed twice: by coopnode and coop_toy_command_clash" in (
        capsys.readouterr().err
    )


def test_plugins_command_lists_plugins_versions_and_hooks(
    tmp_path: Path, toys: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_config(tmp_path, monkeypatch)
    monkeypatch.setenv("COOPNODE_PLUGINS", "coop_toy_routes")
    assert main(["plugins", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert listed["coop_toy_routes"]["version"] == "0.0.1"
    assert listed["coop_toy_routes"]["hooks"] == ["coop_register_commands", "coop_register_routes"]
    assert listed["fr"]["hooks"] == ["coop_register_jurisdictions"]
    assert main(["plugins"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["NAME", "VERSION", "HOOKS"]
    assert any(line.startswith("coop_toy_routes") for line in table)


def _all_builtin() -> list[str]:
    return ["be", "fr", "de", "nl", "es", "it", "at", "se", "hu"]
