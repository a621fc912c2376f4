"""``coopnode new-country``: the rendered plugin is a package of its own whose tests (the payroll
conformance kit among them) pass as rendered, and the command refuses what it cannot render."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from node.cli.main import main
from node.cli.newcountry import country_spec, render_country

pytest_plugins = ["pytester"]


def test_the_rendered_plugin_passes_its_tests_and_the_kit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = pytester.path / "coopnode-pt"
    written = render_country(country_spec("pt", year=2026), target)
    assert {str(path.relative_to(target)) for path in written} == {
        "README.md",
        "pyproject.toml",
        "coopnode_pt/__init__.py",
        "coopnode_pt/facts.toml",
        "coopnode_pt/payroll.py",
        "coopnode_pt/law/2026.toml",
        "tests/test_payroll_conformance.py",
        "tests/test_plugin.py",
    }
    pyproject = (target / "pyproject.toml").read_text()
    assert '[project.entry-points.coopnode]\npt = "coopnode_pt"\n' in pyproject
    assert 'name = "coopnode-pt"' in pyproject
    assert "PLACEHOLDER" in (target / "coopnode_pt" / "law" / "2026.toml").read_text()
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", str(target))
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    for line in [
        "*test_plugin.py::test_coopnode_registers_pt PASSED*",
        "*::test_reference_case[[]PT-placeholder-2000[]] PASSED*",
        "*::test_law_is_sourced_and_dated[[]PT[]] PASSED*",
        "*::test_monotonic_in_gross[[]PT-2026-12-default[]] PASSED*",
    ]:
        result.stdout.fnmatch_lines([line])
    assert outcomes["passed"] >= 20


def test_defaults_come_from_cldr_and_python_stdnum(tmp_path: Path) -> None:
    spec = country_spec("lu")
    assert (spec.code, spec.name, spec.currency) == ("LU", "Luxembourg", "EUR")
    assert set(spec.languages) >= {"fr", "de"}
    assert spec.variables()["class_name"] == "Luxembourg"
    assert spec.variables()["vat_identifier"].endswith('stdnum = ["lu.tva"]')
    assert country_spec("CI").variables()["class_name"] == "CoteDIvoire"
    assert country_spec("BA").variables()["class_name"] == "BosniaHerzegovina"
    assert country_spec("HU").variables()["currency"] == "HUF"
    custom = country_spec("pt", name="Portuguese Republic", languages=("pt", "en"), year=2027)
    render_country(custom, tmp_path / "out")
    facts = (tmp_path / "out" / "coopnode_pt" / "facts.toml").read_text()
    assert 'name = "Portuguese Republic"' in facts and 'languages = ["pt", "en"]' in facts
    assert (tmp_path / "out" / "coopnode_pt" / "law" / "2027.toml").exists()


def test_the_command_renders_then_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.chdir(tmp_path)
    assert main(["new-country", "--code", "ie", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wrote the Ireland (IE) plugin into coopnode-ie:\n")
    assert "  coopnode_ie/payroll.py\n" in out
    assert (tmp_path / "coopnode-ie" / "coopnode_ie" / "law" / "2026.toml").is_file()
    assert main(["new-country", "--code", "IE"]) == 2
    assert capsys.readouterr().err == (
        "coopnode: new-country: coopnode-ie exists and is not an empty folder\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "XX"], "'XX' is not an ISO 3166-1 alpha-2 country code"),
        (["--code", "FRA"], "'FRA' is not an ISO 3166-1 alpha-2 country code"),
        (["--code", "PT", "--currency", "EURO"], "'EURO' is not an ISO 4217 currency code"),
        (["--code", "PT", "--languages", "pt,portuguese"], "'portuguese' is not an ISO 639-1"),
        (["--code", "PT", "--name", 'Say "hi"'], "cannot be a country name here"),
    ],
)
def test_the_command_refuses_unknown_codes(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COOPNODE_CONFIG", str(tmp_path / "absent.toml"))
    assert main(["new-country", *args, str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
