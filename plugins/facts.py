"""Load a country's dated facts from its ``facts.toml`` and validate them.

Law is data here (as in OpenFisca's parameters): a new rate is a new entry in a file, not a code
change. Every legal value is a table with ``value``, ``effective`` (first day in force),
``source`` (URL of an official text) and optionally ``until`` (last day in force),
``reference`` (the legal citation), ``note`` and ``since_at_least`` (see
:class:`plugins.jurisdiction.Fact`). The file layout::

    [country]            code, name, currency, languages, holidays (optional country code)
    [identifiers.<kind>] name, and stdnum = ["be.ssn", ...] or unsupported = "why"
    [[vat.<category>]]   one entry per period
    [money.<key>]        optional overrides: minor_unit, cash_increment
    [[mentions.<situation>]]  code, text = {en = "...", <lang> = "..."} plus the dated fields
    [chart]              optional: name, title and the dated fields its accounts inherit
    [[chart.accounts]]   key (or pattern, ``*`` = one segment), value (the number), label,
                         optionally auxiliary (sub-ledger code prefix) and the dated fields

Loading is strict: a missing source or effective date, an unknown key, overlapping periods or a
mention without English text is a :class:`FactsFileError` naming the file and the key, raised at
start-up rather than on the day an invoice needs the value. :mod:`plugins.facts_jurisdiction`
builds the :class:`~plugins.jurisdiction.Jurisdiction` on top.
"""

from __future__ import annotations

import importlib
import itertools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType
from typing import Any

from babel import Locale
from babel.numbers import is_currency

from plugins.jurisdiction import Fact, IdentifierKind, Situation, VatCategory

FACTS_FILE = "facts.toml"
_FACT_FIELDS = {"value", "effective", "until", "source", "reference", "note", "since_at_least"}
_MENTION_FIELDS = (_FACT_FIELDS - {"value"}) | {"code", "text"}
_MONEY_KEYS = {"minor_unit", "cash_increment"}
_CHART_FIELDS = (_FACT_FIELDS - {"value"}) | {"name", "title", "accounts"}
_CHART_ACCOUNT_FIELDS = _FACT_FIELDS | {"key", "label", "auxiliary"}
_INHERITED = ("effective", "until", "source", "reference", "since_at_least")
_SEGMENT = r"(?:[a-z0-9_.-]+|\*\*?)"
_ACCOUNT_PATTERN = re.compile(rf"{_SEGMENT}(?::{_SEGMENT})*")
_CHART_NUMBER = re.compile(r"[1-9][0-9]{0,19}")


class FactsFileError(ValueError):
    """A facts file is malformed; the message names the file and the offending key."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key


@dataclass(frozen=True, slots=True)
class IdentifierScheme:
    """How one kind of identifier is validated: python-stdnum modules tried in order."""

    name: str
    modules: tuple[ModuleType, ...] = ()
    unsupported: str = ""
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A dated invoice mention: its fact (English text as value) and its translations."""

    code: str
    fact: Fact
    texts: dict[str, str]


@dataclass(frozen=True, slots=True)
class ChartMapping:
    """A dated mapping of one account key, or of a pattern of keys, to a national account.

    In ``pattern`` a ``*`` stands for exactly one ``:``-separated segment (``activity:*:budget``)
    and one ``**`` for one or more (a peer's node id, itself with colons, in
    ``clearing:**:payable``). ``fact.value`` is the national number. ``auxiliary``, when set,
    makes each matching account a sub-ledger account under that number, coded ``auxiliary`` +
    the wildcard segments.
    """

    pattern: str
    fact: Fact
    label: str
    auxiliary: str = ""

    @property
    def wildcards(self) -> int:
        return sum(part in ("*", "**") for part in self.pattern.split(":"))

    def match(self, key: str) -> tuple[str, ...] | None:
        """The segments ``*`` (or ``**``) stood for when ``key`` matches, else ``None``."""
        wanted, given = self.pattern.split(":"), key.split(":")
        if "**" in wanted:
            at = wanted.index("**")
            extra = len(given) - len(wanted)
            if extra < 0:
                return None
            given = [*given[:at], ":".join(given[at : at + extra + 1]), *given[at + extra + 1 :]]
            wanted = [*wanted[:at], "*", *wanted[at + 1 :]]
        if len(wanted) != len(given):
            return None
        caught = []
        for expected, segment in zip(wanted, given, strict=True):
            if expected == "*" and segment:
                caught.append(segment)
            elif expected != segment:
                return None
        return tuple(caught)


@dataclass(frozen=True, slots=True)
class Chart:
    """The country's chart of accounts as far as the node's accounts go.

    ``mappings`` are in the order they are tried: exact keys first, then patterns with fewer
    wildcards, then file order; the first one in force that matches wins.
    """

    name: str
    title: str
    mappings: tuple[ChartMapping, ...]


@dataclass(frozen=True, slots=True)
class CountryFacts:
    """Everything one facts file says, validated."""

    path: str
    country: str
    name: str
    currency: str
    languages: tuple[str, ...]
    holidays_code: str
    identifiers: dict[IdentifierKind, IdentifierScheme]
    vat: dict[str, tuple[Fact, ...]]
    money: dict[str, Fact]
    mentions: dict[Situation, tuple[Mention, ...]]
    chart: Chart | None = None

    def all_facts(self) -> list[Fact]:
        """Every dated value, grouped by key and in date order."""
        facts = [fact for series in self.vat.values() for fact in series]
        facts += self.money.values()
        facts += [m.fact for series in self.mentions.values() for m in series]
        return sorted(facts, key=lambda fact: (fact.key, fact.effective))

    def chart_facts(self) -> list[Fact]:
        """The chart mappings as dated facts (key ``chart.<pattern>``, value the number), kept
        apart from the legal values :meth:`all_facts` lists for audits."""
        facts = [mapping.fact for mapping in self.chart.mappings] if self.chart else []
        return sorted(facts, key=lambda fact: (fact.key, fact.effective))


def load_facts(path: Path | Traversable) -> CountryFacts:
    """Read and validate a facts file; :class:`FactsFileError` on any defect."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(name, "<file>", f"not valid TOML: {exc}") from exc
    return _Parser(name).country_facts(data)


class _Parser:
    """Turns the TOML document into :class:`CountryFacts`, naming the key on every error.

    Each accessor takes the containing table, the field name and ``at``, the dotted path of
    that table in the file, so messages read ``vat.standard[0].source: missing``.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> FactsFileError:
        return FactsFileError(self.path, key, problem)

    def table(self, parent: dict[str, Any], field: str, at: str, allowed: set[str]) -> Any:
        key = f"{at}.{field}" if at else field
        value = parent.get(field)
        if not isinstance(value, dict):
            raise self.fail(key, "missing table" if value is None else "must be a table")
        self.known(value, key, allowed)
        return value

    def known(self, table: dict[str, Any], at: str, allowed: set[str]) -> None:
        if unknown := set(table) - allowed:
            raise self.fail(at, f"unknown key(s) {', '.join(sorted(unknown))}")

    def text(self, parent: dict[str, Any], field: str, at: str, required: bool = True) -> str:
        value = parent.get(field)
        if value is None and not required:
            return ""
        if value is None:
            raise self.fail(f"{at}.{field}", "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{at}.{field}", "must be non-empty text")
        return value

    def day(self, parent: dict[str, Any], field: str, at: str) -> date | None:
        value = parent.get(field)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise self.fail(f"{at}.{field}", f"{value!r} is not an ISO date") from None
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise self.fail(f"{at}.{field}", "must be a date such as 2026-01-01")
        return value

    def number(self, parent: dict[str, Any], at: str) -> Decimal:
        value = parent.get("value")
        if value is None:
            raise self.fail(f"{at}.value", "missing")
        if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
            raise self.fail(f"{at}.value", "must be a number")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise self.fail(f"{at}.value", f"{value!r} is not a number") from None

    def entries(self, parent: dict[str, Any], field: str, at: str) -> list[dict[str, Any]]:
        entries = parent[field]
        if not isinstance(entries, list) or not entries:
            raise self.fail(f"{at}.{field}", "must be a non-empty array of tables [[...]]")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.fail(f"{at}.{field}[{index}]", "must be a table")
        return entries

    def fact(self, entry: dict[str, Any], at: str, key: str, value: Decimal | int | str) -> Fact:
        effective = self.day(entry, "effective", at)
        if effective is None:
            raise self.fail(f"{at}.effective", "missing")
        until = self.day(entry, "until", at)
        if until is not None and until < effective:
            raise self.fail(f"{at}.until", f"{until} is before effective {effective}")
        source = self.text(entry, "source", at)
        if not source.startswith("https://"):
            raise self.fail(f"{at}.source", f"{source!r} is not an https:// URL")
        since_at_least = entry.get("since_at_least", False)
        if not isinstance(since_at_least, bool):
            raise self.fail(f"{at}.since_at_least", "must be true or false")
        return Fact(
            key=key,
            value=value,
            effective=effective,
            source=source,
            until=until,
            reference=self.text(entry, "reference", at, required=False),
            note=self.text(entry, "note", at, required=False),
            since_at_least=since_at_least,
        )

    def series(self, key: str, facts: list[Fact]) -> tuple[Fact, ...]:
        facts = sorted(facts, key=lambda fact: fact.effective)
        for earlier, later in itertools.pairwise(facts):
            if earlier.until is None or earlier.until >= later.effective:
                raise self.fail(key, f"periods overlap: {earlier.effective} and {later.effective}")
        return tuple(facts)

    def country_facts(self, data: dict[str, Any]) -> CountryFacts:
        self.known(data, "<file>", {"country", "identifiers", "vat", "money", "mentions", "chart"})
        fields = {"code", "name", "currency", "languages", "holidays"}
        country = self.table(data, "country", "", fields)
        english = Locale("en")
        code = self.text(country, "code", "country")
        if len(code) != 2 or not code.isupper() or code not in english.territories:
            raise self.fail("country.code", f"{code!r} is not an ISO 3166-1 alpha-2 code")
        currency = self.text(country, "currency", "country")
        if not is_currency(currency):
            raise self.fail("country.currency", f"{currency!r} is not an ISO 4217 code")
        languages = country.get("languages")
        if not isinstance(languages, list) or not languages:
            raise self.fail("country.languages", "must be a non-empty list")
        for language in languages:
            if not isinstance(language, str) or language not in english.languages:
                raise self.fail("country.languages", f"{language!r} is not an ISO 639-1 code")
        return CountryFacts(
            path=self.path,
            country=code,
            name=self.text(country, "name", "country"),
            currency=currency,
            languages=tuple(languages),
            holidays_code=self.text(country, "holidays", "country", required=False) or code,
            identifiers=self.identifiers(data, code),
            vat=self.vat(data),
            money=self.money(data),
            mentions=self.mentions(data, tuple(languages)),
            chart=self.chart(data),
        )

    def vat(self, data: dict[str, Any]) -> dict[str, tuple[Fact, ...]]:
        vat = self.table(data, "vat", "", set(VatCategory))
        if VatCategory.STANDARD not in vat:
            raise self.fail("vat.standard", "missing: every country has a standard rate")
        result = {}
        for category in vat:
            facts = []
            for index, entry in enumerate(self.entries(vat, category, "vat")):
                at = f"vat.{category}[{index}]"
                self.known(entry, at, _FACT_FIELDS)
                rate = self.number(entry, at)
                if not Decimal(0) <= rate < Decimal(100):
                    raise self.fail(f"{at}.value", f"{rate} is not a percentage")
                facts.append(self.fact(entry, at, f"vat.{category}", rate))
            result[category] = self.series(f"vat.{category}", facts)
        return result

    def money(self, data: dict[str, Any]) -> dict[str, Fact]:
        if "money" not in data:
            return {}
        money = self.table(data, "money", "", _MONEY_KEYS)
        result = {}
        for name in money:
            at = f"money.{name}"
            entry = self.table(money, name, "money", _FACT_FIELDS)
            amount = self.number(entry, at)
            if name == "minor_unit" and amount not in range(5):
                raise self.fail(f"{at}.value", "must be a whole number of decimals, 0 to 4")
            if name == "cash_increment" and amount <= 0:
                raise self.fail(f"{at}.value", "must be positive")
            value = int(amount) if name == "minor_unit" else amount
            result[name] = self.fact(entry, at, at, value)
        return result

    def mentions(self, data: dict[str, Any], languages: tuple[str, ...]) -> dict[Situation, Any]:
        mentions = self.table(data, "mentions", "", set(Situation))
        result: dict[Situation, tuple[Mention, ...]] = {}
        for situation in Situation:
            found: list[Mention] = []
            raw = self.entries(mentions, situation, "mentions") if situation in mentions else []
            for index, entry in enumerate(raw):
                at = f"mentions.{situation}[{index}]"
                self.known(entry, at, _MENTION_FIELDS)
                code = self.text(entry, "code", at)
                texts = self.table(entry, "text", at, {"en", *languages})
                for language in ("en", *languages):
                    self.text(texts, language, f"{at}.text")
                key = f"mentions.{situation}.{code}"
                found.append(Mention(code, self.fact(entry, at, key, texts["en"]), texts))
            for code in {mention.code for mention in found}:
                key = f"mentions.{situation}.{code}"
                self.series(key, [m.fact for m in found if m.code == code])
            result[situation] = tuple(sorted(found, key=lambda m: (m.code, m.fact.effective)))
        return result

    def chart(self, data: dict[str, Any]) -> Chart | None:
        """The optional ``[chart]``: each account entry inherits the table's dated fields."""
        if "chart" not in data:
            return None
        chart = self.table(data, "chart", "", _CHART_FIELDS)
        defaults = {field: chart[field] for field in _INHERITED if field in chart}
        if "accounts" not in chart:
            raise self.fail("chart.accounts", "missing: map at least one account [[...]]")
        found: list[ChartMapping] = []
        for index, entry in enumerate(self.entries(chart, "accounts", "chart")):
            at = f"chart.accounts[{index}]"
            self.known(entry, at, _CHART_ACCOUNT_FIELDS)
            found.append(self.chart_mapping({**defaults, **entry}, at))
        for pattern in {mapping.pattern for mapping in found}:
            self.series(f"chart.{pattern}", [m.fact for m in found if m.pattern == pattern])
        order = sorted(range(len(found)), key=lambda i: (found[i].wildcards, i))
        return Chart(
            name=self.text(chart, "name", "chart"),
            title=self.text(chart, "title", "chart"),
            mappings=tuple(found[i] for i in order),
        )

    def chart_mapping(self, entry: dict[str, Any], at: str) -> ChartMapping:
        pattern = self.text(entry, "key", at)
        if not _ACCOUNT_PATTERN.fullmatch(pattern) or pattern.split(":").count("**") > 1:
            raise self.fail(f"{at}.key", f"{pattern!r} is not an account key or pattern")
        number = entry.get("value")
        if not isinstance(number, str) or not _CHART_NUMBER.fullmatch(number):
            raise self.fail(f"{at}.value", 'must be the account number as text, e.g. "512"')
        auxiliary = self.text(entry, "auxiliary", at, required=False)
        if auxiliary and "*" not in pattern.split(":"):
            raise self.fail(f"{at}.auxiliary", "only a pattern with * has sub-ledger accounts")
        return ChartMapping(
            pattern=pattern,
            fact=self.fact(entry, at, f"chart.{pattern}", number),
            label=self.text(entry, "label", at),
            auxiliary=auxiliary,
        )

    def identifiers(self, data: dict[str, Any], country: str) -> dict[IdentifierKind, Any]:
        section = self.table(data, "identifiers", "", set(IdentifierKind))
        result: dict[IdentifierKind, IdentifierScheme] = {}
        for kind in IdentifierKind:
            at = f"identifiers.{kind}"
            entry = self.table(section, kind, "identifiers", {"name", "stdnum", "unsupported"})
            unsupported = self.text(entry, "unsupported", at, required=False)
            names = entry.get("stdnum", [])
            if not isinstance(names, list) or bool(names) == bool(unsupported):
                raise self.fail(at, "give either a list 'stdnum' or an 'unsupported' reason")
            result[kind] = IdentifierScheme(
                name=self.text(entry, "name", at),
                modules=tuple(self.stdnum(f"{at}.stdnum", name) for name in names),
                unsupported=unsupported,
                prefix=country if kind is IdentifierKind.VAT_NUMBER else "",
            )
        return result

    def stdnum(self, key: str, name: object) -> ModuleType:
        if not isinstance(name, str) or not name.replace(".", "").replace("_", "").isalnum():
            raise self.fail(key, f"{name!r} is not a python-stdnum module name")
        try:
            module = importlib.import_module(f"stdnum.{name}")
        except ImportError:
            raise self.fail(key, f"python-stdnum has no module {name!r}") from None
        if not callable(getattr(module, "validate", None)):
            raise self.fail(key, f"stdnum.{name} has no validate()")
        return module
