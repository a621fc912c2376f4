"""The ``fx`` settings: configured rates as a TOML table or ``PAIR=RATE`` list, checked (ISO
codes, positive decimal strings, no pair twice), and the maximum age of ECB rates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from node.config import load_settings, starter_config
from node.errors import ConfigError


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "coopnode.toml"
    path.write_text(starter_config())
    return path


def test_defaults_and_the_starter_files_example(config_file: Path) -> None:
    settings = load_settings(config_file, environ={})
    assert settings["fx.rates"] == ()
    assert settings["fx.max_age_days"] == 5
    text = config_file.read_text()
    assert '# rates = {"EUR/SEK" = "11.0952", "EUR/HUF" = "395.12"}' in text
    config_file.write_text(text.replace("# rates = ", "rates = "))
    assert load_settings(config_file, environ={})["fx.rates"] == (
        ("EUR/HUF", Decimal("395.12")),
        ("EUR/SEK", Decimal("11.0952")),
    )


def test_the_variable_takes_pairs_separated_by_commas(config_file: Path) -> None:
    environ = {
        "COOPNODE_FX_RATES": " eur/sek = 11.0952 , SEK/HUF=35.6",
        "COOPNODE_FX_MAX_AGE_DAYS": "3",
    }
    settings = load_settings(config_file, environ=environ)
    assert settings["fx.rates"] == (("EUR/SEK", Decimal("11.0952")), ("SEK/HUF", Decimal("35.6")))
    assert settings["fx.max_age_days"] == 3


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('rates = {"EUR/SEK" = 11.0952}', "must be a decimal string"),
        ('rates = {"EUR/SEK" = "-1"}', "not a positive decimal rate"),
        ('rates = {"EUR/SEK" = "0"}', "not a positive decimal rate"),
        ('rates = {"EUR/SEK" = "1e3"}', "not a positive decimal rate"),
        ('rates = {"EUR/ABC" = "1"}', "'ABC' is not an ISO 4217"),
        ('rates = {"EURSEK" = "1"}', "not a currency pair"),
        ('rates = {"SEK/SEK" = "1"}', "must differ"),
        ('rates = {"EUR/SEK" = "11", "SEK/EUR" = "0.09"}', "given twice"),
        ("rates = 11", "must be a table"),
        ("max_age_days = -1", "between 0 and 366"),
    ],
)
def test_bad_values_name_the_key(config_file: Path, toml: str, fragment: str) -> None:
    before_fx = config_file.read_text().split("\n[fx]\n")[0]  # [fx] is the starter's last table
    config_file.write_text(f"{before_fx}\n[fx]\n{toml}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file, environ={})
    assert caught.value.key.startswith("fx.")
    assert fragment in str(caught.value)
