"""Loading and validating a ``facts.toml``: a malformed file names the file and the key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plugins.facts import FactsFileError, load_facts
from plugins.facts_jurisdiction import FactsJurisdiction

GOOD = """
[country]
code = "BE"
name = "Testland"
currency = "EUR"
languages = ["nl", "fr"]

[identifiers.national_id]
name = "INSZ"
stdnum = ["be.ssn"]

[identifiers.company_id]
name = "KBO"
unsupported = "not in this test"

[identifiers.vat_number]
name = "btw"
stdnum = ["be.vat"]

[[vat.standard]]
value = 20
effective = 2020-01-01
until = 2020-12-31
source = "https://example.org/old"

[[vat.standard]]
value = 21.5
effective = 2021-01-01
source = "https://example.org/new"
reference = "art. 1"

[money.minor_unit]
value = 0
effective = "2020-01-01"
source = "https://example.org/money"

[[mentions.intra_eu_reverse_charge]]
code = "reverse_charge"
effective = 2020-01-01
source = "https://example.org/rc"
text.en = "Reverse charge"
text.nl = "Verlegging van heffing"
text.fr = "Autoliquidation"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "facts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    facts = load_facts(write(tmp_path, GOOD))
    j = FactsJurisdiction(facts)
    assert j.country == "BE" and j.languages == ("nl", "fr")
    assert j.vat_rate("standard", date(2020, 6, 1)) == Decimal("20")
    assert j.vat_rate("standard", date(2026, 1, 1)) == Decimal("21.5")
    assert j.minor_unit == 0
    assert j.round_money(Decimal("2.5")) == Decimal("3")
    assert [f.key for f in j.facts_source()] == [
        "mentions.intra_eu_reverse_charge.reverse_charge",
        "money.minor_unit",
        "vat.standard",
        "vat.standard",
    ]
    assert j.facts_source()[-1].reference == "art. 1"
    assert j.invoice_mentions(date(2026, 1, 1), "export_outside_eu", "nl") == []


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('source = "https://example.org/old"\n', "", "vat.standard[0].source", "missing"),
        ("effective = 2021-01-01\n", "", "vat.standard[1].effective", "missing"),
        ("value = 21.5\n", "", "vat.standard[1].value", "missing"),
        ("value = 21.5", 'value = "lots"', "vat.standard[1].value", "not a number"),
        ("value = 21.5", "value = 121", "vat.standard[1].value", "not a percentage"),
        ("https://example.org/new", "http://example.org/new", "vat.standard[1].source", "https"),
        ("until = 2020-12-31", "until = 2021-01-01", "vat.standard", "overlap"),
        ("until = 2020-12-31\n", "", "vat.standard", "overlap"),
        ("until = 2020-12-31", "until = 2019-12-31", "vat.standard[0].until", "before"),
        ("effective = 2021-01-01", "effective = 2021-01-01T00:00:00", "effective", "date"),
        ("effective = 2021-01-01", 'effective = "1st of January"', "effective", "ISO date"),
        ("[[vat.standard]]\nvalue = 20", "[[vat.luxury]]\nvalue = 20", "vat", "luxury"),
        ("reference = ", "refrence = ", "vat.standard[1]", "refrence"),
        ('text.fr = "Autoliquidation"\n', "", "mentions.intra_eu_reverse_charge[0].text.fr", ""),
        ('text.en = "Reverse charge"\n', "", "mentions.intra_eu_reverse_charge[0].text.en", ""),
        ('text.fr = "Autoliquidation"', 'text.fr = "x"\ntext.de = "y"', "text", "de"),
        ("[[mentions.intra_eu", "[[mentions.moon_base", "mentions", "moon_base"),
        ('stdnum = ["be.ssn"]', 'stdnum = ["be.nope"]', "identifiers.national_id.stdnum", "nope"),
        ('stdnum = ["be.ssn"]', "", "identifiers.national_id", "either"),
        ('unsupported = "not in this test"', "", "identifiers.company_id", "either"),
        ('code = "BE"', 'code = "XY"', "country.code", "ISO 3166"),
        ('currency = "EUR"', 'currency = "EURO"', "country.currency", "ISO 4217"),
        ('languages = ["nl", "fr"]', "languages = []", "country.languages", "non-empty"),
        ("value = 0\n", "value = 0.5\n", "money.minor_unit.value", "decimals"),
        ("[money.minor_unit]", "[money.rounding]", "money", "rounding"),
        ("[country]", "[countryy]", "<file>", "countryy"),
        ("[[vat.standard]]\nvalue = 20", "[[vat.standard]]\nvalue = 20\n[[", "<file>", "TOML"),
    ],
)
def test_malformed_file_names_the_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(FactsFileError) as caught:
        load_facts(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert key in caught.value.key or key in message
    assert problem in message


def test_standard_rate_is_required(tmp_path: Path) -> None:
    text = GOOD.replace("[[vat.standard]]", "[[vat.reduced]]")
    with pytest.raises(FactsFileError, match=r"vat\.standard: missing"):
        load_facts(write(tmp_path, text))
