"""Versioned payroll law parameters: every value dated and sourced, read from data files.

Next year's law is a data change: a country ships one TOML file per year (or per change) of::

    [meta]
    country = "FR"
    covers_from = 2026-01-01     # the periods this file's law computes
    covers_until = 2026-12-31

    [[param]]
    key = "pss.monthly"          # dotted name the country's code asks for
    value = "4005.00"            # decimal string, integer, boolean, text, or a table (see below)
    effective = 2026-01-01       # first day in force
    until = 2026-12-31           # optional: last day in force
    source = "https://…"         # URL of the official text (required)
    reference = "Arrêté du …"    # optional legal citation
    note = "…"                   # optional

A table is an array of rows of decimal strings (``[["0", "0"], ["1620", "0.5"]]``), for tax
grids and scales. Loading is strict: floats, a missing source or date, overlapping periods of
one key are refused with the file and key named. Questions are asked for a day
(:meth:`LawBook.at`) and answered with :class:`LawValue` objects that carry their source.
"""

from __future__ import annotations

import itertools
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from plugins.payroll.model import PeriodOutsideLaw

_FIELDS = {"key", "value", "effective", "until", "source", "reference", "note"}
Table = tuple[tuple[Decimal, ...], ...]


class LawFileError(ValueError):
    """A law file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class LawValue:
    """One dated, sourced parameter value."""

    key: str
    value: Decimal | int | bool | str | Table
    effective: date
    source: str
    until: date | None = None
    reference: str = ""
    note: str = ""

    def applies_on(self, on: date) -> bool:
        return self.effective <= on and (self.until is None or on <= self.until)


@dataclass(frozen=True)
class LawBook:
    """All the parameter values of one country's payroll law, over the periods it covers."""

    country: str
    covers_from: date
    covers_until: date
    values: tuple[LawValue, ...]

    @classmethod
    def load(cls, *paths: Path | Any) -> LawBook:
        """Read and merge law files (``Path`` or ``importlib.resources`` traversables)."""
        if not paths:
            raise LawFileError("no law file given")
        books = [_read(path) for path in paths]
        countries = {book.country for book in books}
        if len(countries) != 1:
            raise LawFileError(f"law files of several countries: {sorted(countries)}")
        values = tuple(v for book in books for v in book.values)
        _check_overlaps(values, ", ".join(str(p) for p in paths))
        return cls(
            countries.pop(),
            min(b.covers_from for b in books),
            max(b.covers_until for b in books),
            values,
        )

    def covers(self, on: date) -> bool:
        return self.covers_from <= on <= self.covers_until

    def at(self, on: date) -> LawAt:
        """The law in force on ``on``; :class:`PeriodOutsideLaw` outside the covered range."""
        if not self.covers(on):
            raise PeriodOutsideLaw(
                f"{self.country} payroll law is known from {self.covers_from} to "
                f"{self.covers_until}, not for {on}"
            )
        return LawAt(self, on)


@dataclass
class LawAt:
    """The law of one day: typed lookups that fail loudly when a value is missing."""

    book: LawBook
    on: date

    def value(self, key: str) -> LawValue:
        for candidate in self.book.values:
            if candidate.key == key and candidate.applies_on(self.on):
                return candidate
        raise PeriodOutsideLaw(f"{self.book.country} payroll law has no {key!r} on {self.on}")

    def decimal(self, key: str) -> Decimal:
        found = self.value(key).value
        if isinstance(found, bool) or not isinstance(found, Decimal | int):
            raise LawFileError(f"{key} is not a number")
        return Decimal(found)

    def integer(self, key: str) -> int:
        found = self.value(key).value
        if isinstance(found, bool) or not isinstance(found, int):
            raise LawFileError(f"{key} is not an integer")
        return found

    def flag(self, key: str) -> bool:
        found = self.value(key).value
        if not isinstance(found, bool):
            raise LawFileError(f"{key} is not a boolean")
        return found

    def text(self, key: str) -> str:
        found = self.value(key).value
        if not isinstance(found, str):
            raise LawFileError(f"{key} is not text")
        return found

    def table(self, key: str) -> Table:
        found = self.value(key).value
        if not isinstance(found, tuple):
            raise LawFileError(f"{key} is not a table")
        return found


def _read(path: Path | Any) -> LawBook:
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LawFileError(f"{name}: {exc}") from None
    meta = data.get("meta", {})
    for needed in ("country", "covers_from", "covers_until"):
        if needed not in meta:
            raise LawFileError(f"{name}: [meta] needs {needed}")
    if set(data) - {"meta", "param"}:
        raise LawFileError(f"{name}: unknown tables {sorted(set(data) - {'meta', 'param'})}")
    values = tuple(_value(name, raw) for raw in data.get("param", []))
    return LawBook(str(meta["country"]), meta["covers_from"], meta["covers_until"], values)


def _value(name: str, raw: dict[str, Any]) -> LawValue:
    key = raw.get("key", "?")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise LawFileError(f"{name}: {key}: unknown fields {sorted(unknown)}")
    for needed in ("key", "value", "effective", "source"):
        if needed not in raw:
            raise LawFileError(f"{name}: {key}: {needed} is required")
    if not str(raw["source"]).startswith("https://"):
        raise LawFileError(f"{name}: {key}: source must be an https URL of the official text")
    for day in ("effective", "until"):
        if day in raw and not isinstance(raw[day], date):
            raise LawFileError(f"{name}: {key}: {day} must be a date (YYYY-MM-DD)")
    return LawValue(
        key=str(key),
        value=_parse(name, key, raw["value"]),
        effective=raw["effective"],
        until=raw.get("until"),
        source=str(raw["source"]),
        reference=str(raw.get("reference", "")),
        note=str(raw.get("note", "")),
    )


def _parse(name: str, key: str, value: Any) -> Decimal | int | bool | str | Table:
    if isinstance(value, float):
        raise LawFileError(f"{name}: {key}: write numbers as decimal strings, never floats")
    if isinstance(value, bool | int):
        return value
    if isinstance(value, list):
        return tuple(tuple(_number(name, key, cell) for cell in row) for row in value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return number if number.is_finite() else value
    raise LawFileError(f"{name}: {key}: unsupported value {value!r}")


def _number(name: str, key: str, cell: Any) -> Decimal:
    if not isinstance(cell, str | int) or isinstance(cell, bool):
        raise LawFileError(f"{name}: {key}: table cells are decimal strings")
    try:
        return Decimal(cell)
    except InvalidOperation:
        raise LawFileError(f"{name}: {key}: {cell!r} is not a decimal") from None


def _check_overlaps(values: Iterable[LawValue], name: str) -> None:
    by_key: dict[str, list[LawValue]] = defaultdict(list)
    for value in values:
        by_key[value.key].append(value)
    for key, periods in by_key.items():
        periods.sort(key=lambda v: v.effective)
        for before, after in itertools.pairwise(periods):
            if before.until is None or before.until >= after.effective:
                raise LawFileError(f"{name}: {key}: periods overlap from {after.effective}")
