"""Reading the ECB reference-rate files in the layouts the ECB publishes.

The files under ``data/`` are hand-made test data in those exact layouts (the figures are not
ECB rates); the ``.zip`` variants are built here from the CSV files.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from node.fx.ecb import EcbFile, EcbFileError, parse
from node.fx.rates import Rate

DATA = Path(__file__).parent / "data"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def xml(cubes: str) -> bytes:
    return f"{HEAD}<Cube>{cubes}</Cube></gesmes:Envelope>".encode()


def by_key(parsed: EcbFile) -> dict[tuple[date, str], Decimal]:
    return {(rate.day, rate.quote): rate.rate for rate in parsed.rates}


def test_daily_xml() -> None:
    parsed = parse(data("eurofxref-daily.xml"))
    assert parsed.layout == "xml"
    assert parsed.days == (date(2026, 11, 25),)
    assert parsed.rates[3] == Rate("EUR", "SEK", Decimal("11.5340"), date(2026, 11, 25), "ecb")
    assert str(parsed.rates[3].rate) == "11.5340"  # the published text, digit for digit
    assert [rate.quote for rate in parsed.rates] == ["USD", "JPY", "HUF", "SEK"]


def test_ninety_day_xml_holds_one_cube_per_day() -> None:
    parsed = parse(data("eurofxref-hist-90d.xml"))
    assert parsed.days == (
        date(2026, 11, 20),
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
    )
    assert len(parsed.rates) == 16
    assert by_key(parsed)[(date(2026, 11, 20), "HUF")] == Decimal("408.73")


def test_daily_csv_with_long_dates_and_a_trailing_comma() -> None:
    parsed = parse(data("eurofxref.csv"))
    assert parsed.layout == "csv"
    assert by_key(parsed) == by_key(parse(data("eurofxref-daily.xml")))


def test_historical_csv_skips_n_a_and_keeps_old_currencies() -> None:
    parsed = parse(data("eurofxref-hist.csv"))
    rates = by_key(parsed)
    assert len(parsed.days) == 5
    assert (date(2026, 11, 25), "CYP") not in rates  # N/A
    assert rates[(date(2007, 12, 31), "CYP")] == Decimal("0.585274")
    assert rates[(date(2026, 11, 25), "SEK")] == Decimal("11.5340")  # "11.534": same value
    assert len(parsed.rates) == 4 * 4 + 5


def test_crlf_line_ends_and_a_byte_order_mark_are_read() -> None:
    text = data("eurofxref-hist.csv").replace(b"\n", b"\r\n")
    assert by_key(parse(b"\xef\xbb\xbf" + text)) == by_key(parse(data("eurofxref-hist.csv")))


@pytest.mark.parametrize("name", ["eurofxref.csv", "eurofxref-hist.csv"])
def test_zip_holding_the_csv(name: str) -> None:
    parsed = parse(zipped((name, data(name))))
    assert parsed.layout == "zip/csv"
    assert parsed.rates == parse(data(name)).rates


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "not an ECB reference-rate file"),
        (b"%PDF-1.7 ...", "not an ECB reference-rate file"),
        (b"<html><body>Not found</body></html>", "root element is 'html'"),
        (b"<gesmes:Envelope", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "refused: the file declares a DTD",
        ),
        (
            b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'/>",
            "root element",
        ),
        (xml(""), "holds no rates"),
        (xml("<Cube><Cube currency='SEK' rate='1'/></Cube>"), "with a time attribute"),
        (xml("<Cube time='2026-11-31'><Cube currency='SEK' rate='1'/></Cube>"), "not a date"),
        (xml("<Cube time='2026-11-25'><Cube currency='SEK'/></Cube>"), "currency and rate"),
        (xml("<Cube time='2026-11-25'><Cube currency='SEK' rate='1,5'/></Cube>"), "not a rate"),
        (xml("<Cube time='2026-11-25'><Cube currency='SEK' rate='-1'/></Cube>"), "not a rate"),
        (xml("<Cube time='2026-11-25'><Cube currency='sek' rate='1'/></Cube>"), "not a currency"),
        (xml("<Cube time='2026-11-25'><Cube currency='EUR' rate='1'/></Cube>"), "not a currency"),
        (
            xml(
                "<Cube time='2026-11-25'><Cube currency='SEK' rate='1'/>"
                "<Cube currency='SEK' rate='2'/></Cube>"
            ),
            "appears twice",
        ),
        (
            xml(
                "<Cube time='2026-11-25'><Cube currency='SEK' rate='1'/></Cube>"
                "<Cube time='2026-11-25'><Cube currency='SEK' rate='1'/></Cube>"
            ),
            "appears twice",
        ),
        (b"Date,USD,\n", "holds no rates"),
        (b"Date,Dollar,\n2026-11-25,1.05,\n", "'Dollar' is not a currency"),
        (b"Date,USD,USD,\n2026-11-25,1.05,1.05,\n", "appears twice"),
        (b"Date,USD,\n2026-11-25,1.05,2.0,\n", "line 2: more cells"),
        (b"Date,USD,\n25/11/2026,1.05,\n", "line 2: '25/11/2026' is not a date"),
        (b"Date,USD,\n25 Novembre 2026,1.05,\n", "is not a date"),
        (b"Date,USD,\n2026-11-25,abc,\n", "line 2, USD: 'abc' is not a rate"),
        (b"Date,USD,\n2026-11-25,1.05,\n2026-11-25,1.06,\n", "line 3: 2026-11-25 appears twice"),
        (b"Date,USD,\n2026-11-25,N/A,\n", "holds no rates"),
        (b"Date,USD\n\xff\xfe", "not a readable CSV file"),
        (b"PK\x03\x04broken", "not a readable ZIP archive"),
    ],
)
def test_anything_else_is_refused_in_one_line(content: bytes, fragment: str) -> None:
    with pytest.raises(EcbFileError, match=fragment) as caught:
        parse(content)
    assert "\n" not in str(caught.value)


def test_archives_must_hold_exactly_one_csv() -> None:
    csv = data("eurofxref.csv")
    with pytest.raises(EcbFileError, match=r"one CSV file, it holds a\.csv, b\.csv"):
        parse(zipped(("a.csv", csv), ("b.csv", csv)))
    with pytest.raises(EcbFileError, match=r"one CSV file, it holds eurofxref\.xml"):
        parse(zipped(("eurofxref.xml", data("eurofxref-daily.xml"))))
    with pytest.raises(EcbFileError, match="one CSV file, it holds nothing"):
        parse(zipped())


def test_an_oversized_archive_member_is_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from node.fx import ecb

    monkeypatch.setattr(ecb, "MAX_BYTES", 40)
    with pytest.raises(EcbFileError, match="larger than"):
        parse(zipped(("eurofxref-hist.csv", data("eurofxref-hist.csv"))))
