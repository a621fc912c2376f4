"""Read the ECB euro foreign exchange reference-rate files exactly as the ECB publishes them.

The files (https://www.ecb.europa.eu/stats/eurofxref/, described on the ECB's "Euro foreign
exchange reference rates" page) hold EUR-based rates — units of a currency per 1 EUR — for each
publication day (TARGET working days, around 16:00 CET):

* ``eurofxref-daily.xml`` — ``gesmes:Envelope/Cube/Cube[@time]/Cube[@currency][@rate]``, one day;
* ``eurofxref-hist-90d.xml`` and ``eurofxref-hist.xml`` — the same layout, one ``Cube[@time]`` per
  day (the last 90 days, or every day since 1999);
* ``eurofxref.csv`` — a ``Date, USD, JPY, …,`` header and one row ``26 November 2024, 1.0479, …,``
  (cells separated by ``", "``, a trailing comma);
* ``eurofxref-hist.csv`` — ``Date,USD,…,`` then one row per day, newest first, ISO dates, ``N/A``
  where a currency had no rate that day (e.g. a currency that joined or left), a trailing comma;
* ``eurofxref.zip`` and ``eurofxref-hist.zip`` — one of those CSV files, zipped.

Pure: bytes in, :class:`EcbFile` out. Anything else — another XML document, a CSV with another
header, an archive with anything but one CSV, a rate that is not a positive decimal, a day twice —
is an :class:`EcbFileError` with a one-line message; nothing is guessed. XML is parsed with
:mod:`defusedxml` and a DTD is refused (no entity expansion, nothing fetched).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from node.fx.rates import ECB_BASE, Rate, RateError, parse_rate_text

PUBLISHED_AT = "https://www.ecb.europa.eu/stats/eurofxref/"
#: The largest file read (after unzipping): the whole history since 1999 is a few megabytes.
MAX_BYTES = 32 * 2**20
GESMES = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
ENVELOPE = f"{{{GESMES}}}Envelope"
CUBE = f"{{{EUROFXREF}}}Cube"
MISSING = ("N/A", "")
MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_LONG_DAY = re.compile(r"([0-9]{1,2}) ([A-Z][a-z]+) ([0-9]{4})")  # 26 November 2024
_CODE = re.compile(r"[A-Z]{3}")


class EcbFileError(ValueError):
    """The file is not an ECB reference-rate file, or one with a defect (one line)."""


@dataclass(frozen=True)
class EcbFile:
    """What a file holds: its layout (``xml``, ``csv``, ``zip/csv``) and its EUR-based rates."""

    layout: str
    rates: tuple[Rate, ...]

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({rate.day for rate in self.rates}))


def parse(data: bytes) -> EcbFile:
    """The rates of an ECB file (XML, CSV or the ZIP holding a CSV), recognised by content."""
    if len(data) > MAX_BYTES:
        raise EcbFileError(f"the file is larger than {MAX_BYTES // 2**20} MiB")
    if data.startswith(b"PK"):  # a ZIP archive (an empty one starts PK\x05\x06)
        return EcbFile("zip/csv", _csv_rates(_unzip(data)))
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<"):
        return EcbFile("xml", _xml_rates(data))
    if start[:4].lower() == b"date":
        return EcbFile("csv", _csv_rates(data))
    raise EcbFileError(
        "not an ECB reference-rate file: expected the XML, CSV or ZIP files published at "
        + PUBLISHED_AT
    )


def _checked(rates: Iterable[Rate]) -> tuple[Rate, ...]:
    found = tuple(rates)
    if not found:
        raise EcbFileError("the file holds no rates")
    return found


def _rate(day: date, currency: str, text: str, where: str) -> Rate:
    if not _CODE.fullmatch(currency) or currency == ECB_BASE:
        raise EcbFileError(f"{where}: {currency!r} is not a currency the ECB quotes against EUR")
    try:
        return Rate(ECB_BASE, currency, parse_rate_text(text), day, "ecb")
    except RateError as exc:
        raise EcbFileError(f"{where}: {exc}") from None


def _day(text: str, where: str) -> date:
    iso, long = _ISO_DAY.fullmatch(text), _LONG_DAY.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if long and long[2] in MONTHS:
            return date(int(long[3]), MONTHS[long[2]], int(long[1]))
    except ValueError:
        pass
    raise EcbFileError(f"{where}: {text!r} is not a date (2024-11-26 or 26 November 2024)")


# XML ------------------------------------------------------------------------------------------


def _parse_xml(data: bytes) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise EcbFileError(
            f"refused: the file declares a DTD or entities ({type(exc).__name__}); ECB files "
            "never do"
        ) from None
    except ParseError as exc:
        raise EcbFileError(f"not well-formed XML: {exc}") from None


def _xml_rates(data: bytes) -> tuple[Rate, ...]:
    root = _parse_xml(data)
    if root.tag != ENVELOPE:
        raise EcbFileError(
            f"not an ECB reference-rate XML file: the root element is {root.tag!r}, "
            f"expected {{{GESMES}}}Envelope"
        )
    outer = root.findall(CUBE)
    if len(outer) != 1:
        raise EcbFileError(f"expected one Cube element in the envelope, found {len(outer)}")
    return _checked(_xml_days(outer[0]))


def _xml_days(outer: Element) -> Iterator[Rate]:
    seen: set[date] = set()
    for day_cube in outer:
        if day_cube.tag != CUBE or "time" not in day_cube.attrib:
            raise EcbFileError("every Cube in the outer Cube must be a Cube with a time attribute")
        day = _day(day_cube.attrib["time"], "Cube time")
        if day in seen:
            raise EcbFileError(f"{day}: the day appears twice")
        seen.add(day)
        currencies: set[str] = set()
        for cube in day_cube:
            currency, text = cube.get("currency"), cube.get("rate")
            if cube.tag != CUBE or currency is None or text is None:
                raise EcbFileError(f"{day}: every rate must be a Cube with currency and rate")
            if currency in currencies:
                raise EcbFileError(f"{day} {currency}: the currency appears twice")
            currencies.add(currency)
            yield _rate(day, currency, text, f"{day} {currency}")


# CSV ------------------------------------------------------------------------------------------


def _unzip(data: bytes) -> bytes:
    """The one CSV file of an ECB archive, read no further than :data:`MAX_BYTES`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith(".csv"):
                names = ", ".join(info.filename for info in members) or "nothing"
                raise EcbFileError(f"the archive must hold one CSV file, it holds {names}")
            with archive.open(members[0]) as member:
                content = member.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise EcbFileError(f"not a readable ZIP archive: {exc}") from None
    if len(content) > MAX_BYTES:
        raise EcbFileError(f"the archive's CSV is larger than {MAX_BYTES // 2**20} MiB")
    return content


def _trimmed(row: list[str]) -> list[str]:
    """The cells of a row without spaces and without the empty cells the trailing comma makes."""
    cells = [cell.strip() for cell in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _csv_rates(data: bytes) -> tuple[Rate, ...]:
    try:
        text = data.decode("utf-8-sig")
        rows = [row for row in csv.reader(io.StringIO(text)) if _trimmed(row)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise EcbFileError(f"not a readable CSV file: {exc}") from None
    if not rows:
        raise EcbFileError("the file holds no rates")
    header = _trimmed(rows[0])
    if header[0] != "Date" or len(header) < 2:
        raise EcbFileError(
            "not an ECB reference-rate CSV file: the header must be Date, then codes"
        )
    currencies = header[1:]
    for currency in currencies:
        if not _CODE.fullmatch(currency) or currency == ECB_BASE:
            raise EcbFileError(f"header: {currency!r} is not a currency the ECB quotes against EUR")
    if len(set(currencies)) != len(currencies):
        raise EcbFileError("header: a currency appears twice")
    return _checked(_csv_days(rows[1:], currencies))


def _csv_days(rows: list[list[str]], currencies: list[str]) -> Iterator[Rate]:
    seen: set[date] = set()
    for line, row in enumerate(rows, start=2):
        cells = _trimmed(row)
        if len(cells) > len(currencies) + 1:
            raise EcbFileError(f"line {line}: more cells than the header has currencies")
        day = _day(cells[0], f"line {line}")
        if day in seen:
            raise EcbFileError(f"line {line}: {day} appears twice")
        seen.add(day)
        for currency, cell in zip(currencies, cells[1:], strict=False):
            if cell not in MISSING:
                yield _rate(day, currency, cell, f"line {line}, {currency}")
