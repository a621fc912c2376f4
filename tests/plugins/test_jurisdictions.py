"""Contract tests for the nine built-in country jurisdictions (pure: no database, no server)."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pluggy
import pytest

import plugins.hookspecs
from plugins import HOOK_API_VERSION, PROJECT_NAME
from plugins.jurisdiction import FactNotFound, Jurisdiction, Situation

COUNTRIES = ["be", "fr", "de", "nl", "es", "it", "at", "se", "hu"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "jurisdictions.md"

# Rates in force on 2026-01-01, asserted here independently of the data files.
RATES_2026 = {
    "be": {"standard": "21", "reduced": "12", "reduced_2": "6", "parking": "12", "zero": "0"},
    "fr": {"standard": "20", "reduced": "10", "reduced_2": "5.5", "super_reduced": "2.1"},
    "de": {"standard": "19", "reduced": "7", "zero": "0"},
    "nl": {"standard": "21", "reduced": "9"},
    "es": {"standard": "21", "reduced": "10", "super_reduced": "4"},
    "it": {"standard": "22", "reduced": "10", "reduced_2": "5", "super_reduced": "4"},
    "at": {"standard": "20", "reduced": "13", "reduced_2": "10", "parking": "13", "zero": "0"},
    "se": {"standard": "25", "reduced": "12", "reduced_2": "6"},
    "hu": {"standard": "27", "reduced": "18", "reduced_2": "5"},
}

IDENTITY = {
    "be": ("EUR", ("nl", "fr", "de")),
    "fr": ("EUR", ("fr",)),
    "de": ("EUR", ("de",)),
    "nl": ("EUR", ("nl",)),
    "es": ("EUR", ("es",)),
    "it": ("EUR", ("it",)),
    "at": ("EUR", ("de",)),
    "se": ("SEK", ("sv",)),
    "hu": ("HUF", ("hu",)),
}

REVERSE_CHARGE = {
    ("be", "fr"): "Autoliquidation",
    ("be", "nl"): "Verlegging van heffing",
    ("be", "de"): "Steuerschuldnerschaft des Leistungsempfängers",
    ("fr", "fr"): "Autoliquidation",
    ("de", "de"): "Steuerschuldnerschaft des Leistungsempfängers",
    ("nl", "nl"): "Btw verlegd",
    ("es", "es"): "Inversión del sujeto pasivo",
    ("it", "it"): "Inversione contabile",
    ("at", "de"): "Übergang der Steuerschuld auf den Leistungsempfänger",
    ("se", "sv"): "Omvänd betalningsskyldighet",
    ("hu", "hu"): "Fordított adózás",
}


def module(cc: str) -> ModuleType:
    return importlib.import_module(f"plugins.{cc}")


def jurisdiction(cc: str) -> Jurisdiction:
    registered: list[Jurisdiction] = module(cc).coop_register_jurisdictions()
    assert len(registered) == 1
    return registered[0]


@pytest.fixture(params=COUNTRIES)
def country(request: pytest.FixtureRequest) -> tuple[str, Jurisdiction]:
    return request.param, jurisdiction(request.param)


def test_identity(country: tuple[str, Jurisdiction]) -> None:
    cc, j = country
    assert j.country == cc.upper()
    assert (j.currency, j.languages) == IDENTITY[cc]
    assert j.name and j.name[0].isupper()


def test_rates_in_force_on_2026_01_01(country: tuple[str, Jurisdiction]) -> None:
    cc, j = country
    expected = {category: Decimal(rate) for category, rate in RATES_2026[cc].items()}
    assert j.vat_rates(date(2026, 1, 1)) == expected
    assert j.vat_rate("standard", date(2026, 1, 1)) == expected["standard"]


@pytest.mark.parametrize(
    ("cc", "on", "category", "rate"),
    [
        ("de", date(2020, 6, 30), "standard", "19"),
        ("de", date(2020, 9, 1), "standard", "16"),
        ("de", date(2020, 9, 1), "reduced", "5"),
        ("de", date(2021, 1, 1), "standard", "19"),
        ("de", date(2021, 1, 1), "reduced", "7"),
        ("nl", date(2018, 12, 31), "reduced", "6"),
        ("nl", date(2019, 1, 1), "reduced", "9"),
        ("nl", date(2012, 9, 30), "standard", "19"),
        ("fr", date(2013, 12, 31), "standard", "19.6"),
        ("fr", date(2013, 6, 1), "reduced", "7"),
        ("fr", date(2014, 1, 1), "reduced", "10"),
        ("es", date(2012, 8, 31), "standard", "18"),
        ("es", date(2012, 9, 1), "standard", "21"),
        ("it", date(2013, 9, 30), "standard", "21"),
        ("it", date(2013, 10, 1), "standard", "22"),
        ("hu", date(2011, 12, 31), "standard", "25"),
        ("hu", date(2012, 1, 1), "standard", "27"),
        ("at", date(2021, 6, 1), "super_reduced", "5"),
        ("at", date(2026, 7, 1), "super_reduced", "4.9"),
        ("at", date(2024, 6, 1), "zero", "0"),
    ],
)
def test_dated_history(cc: str, on: date, category: str, rate: str) -> None:
    assert jurisdiction(cc).vat_rate(category, on) == Decimal(rate)


@pytest.mark.parametrize(
    ("cc", "on", "category"),
    [
        ("at", date(2026, 1, 1), "super_reduced"),  # between the Covid-19 and the 4.9 % rates
        ("at", date(2025, 6, 1), "zero"),  # photovoltaic zero rate ended 2025-03-31
        ("de", date(2022, 12, 31), "zero"),
        ("fr", date(2011, 6, 1), "reduced"),
        ("nl", date(2026, 1, 1), "standart"),
    ],
)
def test_category_not_in_force(cc: str, on: date, category: str) -> None:
    with pytest.raises(FactNotFound, match=category):
        jurisdiction(cc).vat_rate(category, on)


def test_date_before_history_is_an_error(country: tuple[str, Jurisdiction]) -> None:
    cc, j = country
    with pytest.raises(FactNotFound, match=f"{cc.upper()}.*history starts"):
        j.vat_rates(date(1950, 1, 1))


def test_minor_unit(country: tuple[str, Jurisdiction]) -> None:
    cc, j = country
    assert j.minor_unit == (0 if cc == "hu" else 2)


@pytest.mark.parametrize(
    ("amount", "cents", "forints"),
    [
        ("2.345", "2.35", "2"),
        ("2.344", "2.34", "2"),
        ("-2.345", "-2.35", "-2"),
        ("1234.5", "1234.50", "1235"),
        ("1234.49", "1234.49", "1234"),
        ("0.005", "0.01", "0"),
    ],
)
def test_round_money_half_up(
    country: tuple[str, Jurisdiction], amount: str, cents: str, forints: str
) -> None:
    cc, j = country
    rounded = j.round_money(Decimal(amount))
    expected = Decimal(forints if cc == "hu" else cents)
    assert rounded == expected
    assert rounded.as_tuple().exponent == expected.as_tuple().exponent


@pytest.mark.parametrize("amount", [2.345, 2, "2.345", None])
def test_round_money_rejects_non_decimal(country: tuple[str, Jurisdiction], amount: object) -> None:
    _cc, j = country
    with pytest.raises(TypeError, match="Decimal"):
        j.round_money(amount)  # type: ignore[arg-type]


def test_round_money_rejects_nan(country: tuple[str, Jurisdiction]) -> None:
    with pytest.raises(ValueError, match="finite"):
        country[1].round_money(Decimal("NaN"))


@pytest.mark.parametrize(
    ("cc", "amount", "cash"),
    [
        ("hu", "1232", "1230"),
        ("hu", "1233", "1235"),
        ("hu", "1237", "1235"),
        ("hu", "1238", "1240"),
        ("hu", "-1238", "-1240"),
        ("se", "10.49", "10"),
        ("se", "10.50", "11"),
        ("be", "2.345", "2.35"),
    ],
)
def test_round_cash(cc: str, amount: str, cash: str) -> None:
    assert jurisdiction(cc).round_cash(Decimal(amount)) == Decimal(cash)


def test_mentions_per_situation(country: tuple[str, Jurisdiction]) -> None:
    _cc, j = country
    on = date(2026, 1, 1)
    for situation in Situation:
        mentions = j.invoice_mentions(on, situation, j.languages[0])
        if situation is not Situation.DOMESTIC:
            assert mentions, situation
        for mention in mentions:
            assert mention.text and mention.code and mention.source.startswith("https://")
            assert mention.language == j.languages[0]
    codes = [m.code for m in j.invoice_mentions(on, "intra_eu_reverse_charge", "en")]
    assert codes == ["reverse_charge"]
    export = j.invoice_mentions(on, "export_outside_eu", "en")
    assert [m.code for m in export] == ["export_exempt"]
    assert "export" in export[0].text


@pytest.mark.parametrize(("cc", "language"), list(REVERSE_CHARGE))
def test_reverse_charge_wording(cc: str, language: str) -> None:
    (mention,) = jurisdiction(cc).invoice_mentions(
        date(2026, 1, 1), "intra_eu_reverse_charge", language
    )
    assert mention.text == REVERSE_CHARGE[cc, language]
    assert mention.language == language
    assert "196" in mention.reference or "art. 51" in mention.reference


@pytest.mark.parametrize("language", ["en", "pl", "xx"])
def test_mentions_fall_back_to_english(country: tuple[str, Jurisdiction], language: str) -> None:
    (mention,) = country[1].invoice_mentions(date(2026, 1, 1), "intra_eu_reverse_charge", language)
    assert (mention.text, mention.language) == ("Reverse charge", "en")


def test_french_domestic_mentions() -> None:
    fr = jurisdiction("fr")
    (mention,) = fr.invoice_mentions(date(2026, 1, 1), "domestic", "fr")
    assert mention.code == "recovery_fee" and "40 €" in mention.text
    assert jurisdiction("de").invoice_mentions(date(2026, 1, 1), "domestic", "de") == []


def test_mentions_are_dated() -> None:
    de = jurisdiction("de")
    assert de.invoice_mentions(date(2013, 6, 29), "intra_eu_reverse_charge", "de") == []
    assert de.invoice_mentions(date(2013, 6, 30), "intra_eu_reverse_charge", "de")


def test_unknown_situation(country: tuple[str, Jurisdiction]) -> None:
    with pytest.raises(ValueError, match="moon_base"):
        country[1].invoice_mentions(date(2026, 1, 1), "moon_base", "en")


def test_every_fact_has_source_and_effective_date(country: tuple[str, Jurisdiction]) -> None:
    _cc, j = country
    facts = j.facts_source()
    assert facts
    for fact in facts:
        assert fact.key.split(".")[0] in {"vat", "money", "mentions"}
        assert isinstance(fact.effective, date)
        assert fact.source.startswith("https://")
        assert fact.until is None or fact.until >= fact.effective
    standard = [f for f in facts if f.key == "vat.standard" and f.applies_on(date(2026, 1, 1))]
    assert [f.value for f in standard] == [j.vat_rate("standard", date(2026, 1, 1))]


def test_plugins_register_through_pluggy() -> None:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(plugins.hookspecs)
    for cc in COUNTRIES:
        assert module(cc).COOPNODE_HOOK_API == HOOK_API_VERSION
        pm.register(module(cc))
    pm.check_pending()
    registered = [
        j for result in pm.hook.coop_register_jurisdictions(settings=None) for j in result
    ]
    assert sorted(j.country for j in registered) == sorted(cc.upper() for cc in COUNTRIES)
    assert all(isinstance(j, Jurisdiction) for j in registered)


def test_entry_points_name_the_country_packages() -> None:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(plugins.hookspecs)
    pm.load_setuptools_entrypoints(PROJECT_NAME)
    countries = {
        j.country for result in pm.hook.coop_register_jurisdictions(settings=None) for j in result
    }
    assert {cc.upper() for cc in COUNTRIES} <= countries


def test_docs_describe_every_country(country: tuple[str, Jurisdiction]) -> None:
    cc, j = country
    text = DOCS.read_text(encoding="utf-8")
    heading = f"## {j.name} ({j.country})"
    assert heading in text
    section = " ".join(text.split(heading, 1)[1].split("\n## ", 1)[0].split())
    rates = ", ".join(f"{category} {rate}" for category, rate in RATES_2026[cc].items())
    assert f"VAT on 2026-01-01: {rates}" in section
