"""The one :class:`~plugins.jurisdiction.Jurisdiction` that serves every data-driven country.

A country package holds a ``facts.toml`` (see :mod:`plugins.facts`) and registers
``FactsJurisdiction.for_package(__name__)``; nothing else is written per country. Libraries do
the parts that are not law-as-data:

* identifiers — python-stdnum's country modules named in the file (no hand-written checksums);
* rounding — the currency's minor unit and cash rounding from Unicode CLDR via babel, unless
  the file overrides them (Hungary);
* calendar — the ``holidays`` library, including regional holidays and Hungary's transferred
  working Saturdays.

The chart of accounts is data too (``[chart]``). A country whose tax authority wants the journal
in a format of its own subclasses this class and overrides
:meth:`~plugins.jurisdiction.Jurisdiction.journal_export` (France: the FEC in :mod:`plugins.fr`).
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from importlib.resources import files
from types import ModuleType

import holidays
from babel.core import get_global
from babel.numbers import get_currency_precision
from holidays import HolidayBase
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from plugins.facts import FACTS_FILE, CountryFacts, FactsFileError, load_facts
from plugins.jurisdiction import (
    ChartAccount,
    Fact,
    FactNotFound,
    IdentifierError,
    IdentifierKind,
    InvalidIdentifier,
    Jurisdiction,
    LegalMention,
    Situation,
    VatCategory,
)

# Most specific first: when several stdnum modules reject a value (Spain's DNI and NIE), the
# error from the module that got furthest is the one worth reporting.
_ERROR_CODES: tuple[tuple[type[ValidationError], IdentifierError], ...] = (
    (InvalidChecksum, IdentifierError.INVALID_CHECKSUM),
    (InvalidComponent, IdentifierError.INVALID_COMPONENT),
    (InvalidLength, IdentifierError.INVALID_LENGTH),
    (InvalidFormat, IdentifierError.INVALID_FORMAT),
)


def _error_code(error: ValidationError) -> IdentifierError:
    for error_type, code in _ERROR_CODES:
        if isinstance(error, error_type):
            return code
    return IdentifierError.INVALID_FORMAT


@functools.lru_cache(maxsize=512)
def _calendar(
    country: str, subdivision: str | None, year: int, language: str | None
) -> HolidayBase:
    """One year of holidays; cached because working-day arithmetic asks day after day."""
    try:
        return holidays.country_holidays(
            country, subdiv=subdivision, years=year, language=language, expand=False
        )
    except NotImplementedError as exc:
        raise ValueError(f"unknown subdivision {subdivision!r} for {country}: {exc}") from None


class FactsJurisdiction(Jurisdiction):
    """A jurisdiction whose facts come from a validated :class:`~plugins.facts.CountryFacts`."""

    def __init__(self, facts: CountryFacts) -> None:
        self._facts = facts

    @classmethod
    def for_package(cls, package: str) -> FactsJurisdiction:
        """The jurisdiction of a country package, from the ``facts.toml`` beside it (an instance
        of ``cls``, so a subclass adds behaviour to the same data)."""
        return _for_package(cls, package)

    # -- identity -------------------------------------------------------------------------

    @property
    def country(self) -> str:
        return self._facts.country

    @property
    def name(self) -> str:
        return self._facts.name

    @property
    def currency(self) -> str:
        return self._facts.currency

    @property
    def languages(self) -> tuple[str, ...]:
        return self._facts.languages

    # -- money ----------------------------------------------------------------------------

    @property
    def minor_unit(self) -> int:
        """From the file's ``money.minor_unit`` if given, else CLDR's digits for the currency."""
        fact = self._facts.money.get("minor_unit")
        return int(fact.value) if fact else int(get_currency_precision(self.currency))

    @property
    def cash_increment(self) -> Decimal:
        """From ``money.cash_increment`` if given, else CLDR's cash digits and cash rounding."""
        fact = self._facts.money.get("cash_increment")
        if fact:
            return Decimal(fact.value)
        fractions = get_global("currency_fractions")
        _digits, _rounding, cash_digits, cash_rounding = fractions.get(
            self.currency, fractions["DEFAULT"]
        )
        return Decimal(cash_rounding or 1).scaleb(-cash_digits)

    # -- VAT ------------------------------------------------------------------------------

    def vat_rates(self, on: date) -> dict[str, Decimal]:
        rates = {
            category: Decimal(fact.value)
            for category, series in self._facts.vat.items()
            for fact in series
            if fact.applies_on(on)
        }
        if VatCategory.STANDARD not in rates:
            first = self._facts.vat[VatCategory.STANDARD][0].effective
            raise FactNotFound(
                f"no VAT rates recorded for {self.country} on {on} (history starts {first})"
            )
        order = list(VatCategory)
        return dict(sorted(rates.items(), key=lambda item: order.index(VatCategory(item[0]))))

    # -- invoices -------------------------------------------------------------------------

    def invoice_mentions(self, on: date, situation: str, language: str) -> list[LegalMention]:
        mentions = self._facts.mentions[Situation(situation)]
        result = []
        for mention in mentions:
            if not mention.fact.applies_on(on):
                continue
            used = language if language in mention.texts else "en"
            result.append(
                LegalMention(
                    code=mention.code,
                    text=mention.texts[used],
                    source=mention.fact.source,
                    language=used,
                    reference=mention.fact.reference,
                )
            )
        return result

    # -- identifiers ----------------------------------------------------------------------

    def identifier_schemes(self) -> dict[str, str]:
        schemes = self._facts.identifiers
        return {str(kind): scheme.name for kind, scheme in schemes.items() if scheme.modules}

    def _validate(self, kind: str, value: str) -> tuple[ModuleType, str]:
        scheme = self._facts.identifiers[IdentifierKind(kind)]
        if not isinstance(value, str):
            raise TypeError(f"identifiers are text, not {type(value).__name__}")
        if not scheme.modules:
            reason = f"{self.country} {kind} ({scheme.name}) cannot be validated: "
            raise InvalidIdentifier(IdentifierError.NOT_SUPPORTED, reason + scheme.unsupported)
        errors: list[ValidationError] = []
        for module in scheme.modules:
            try:
                return module, str(module.validate(value))
            except ValidationError as exc:
                errors.append(exc)
        rank = [code for _error_type, code in _ERROR_CODES]
        best = min(errors, key=lambda error: rank.index(_error_code(error)))
        reason = f"not a valid {self.country} {scheme.name}: {best}"
        raise InvalidIdentifier(_error_code(best), reason) from best

    def validate_identifier(self, kind: str, value: str) -> str:
        _module, compact = self._validate(kind, value)
        return self._facts.identifiers[IdentifierKind(kind)].prefix + compact

    def format_identifier(self, kind: str, value: str) -> str:
        module, compact = self._validate(kind, value)
        formatter = getattr(module, "format", None)
        shown = str(formatter(compact)) if callable(formatter) else compact
        return self._facts.identifiers[IdentifierKind(kind)].prefix + shown

    # -- calendar -------------------------------------------------------------------------

    @property
    def subdivisions(self) -> tuple[str, ...]:
        return tuple(holidays.country_holidays(self._facts.holidays_code).subdivisions)

    def public_holidays(
        self, year: int, subdivision: str | None = None, language: str | None = None
    ) -> dict[date, str]:
        """Holidays of ``year``; names in ``language`` if ``holidays`` has it, else English."""
        code = self._facts.holidays_code
        if language is not None:
            supported = _calendar(code, None, year, None).supported_languages
            matches = [tag for tag in supported if tag.split("_")[0] == language.split("_")[0]]
            language = language if language in supported else (matches or ["en_US"])[0]
        calendar = _calendar(code, subdivision, year, language)
        return dict(sorted(calendar.items()))

    def is_working_day(self, day: date, subdivision: str | None = None) -> bool:
        calendar = _calendar(self._facts.holidays_code, subdivision, day.year, None)
        return bool(calendar.is_working_day(day))

    # -- books ----------------------------------------------------------------------------

    @property
    def chart_name(self) -> str | None:
        return self._facts.chart.name if self._facts.chart else None

    def chart_account(self, key: str, on: date | None = None) -> ChartAccount | None:
        """The first mapping in force on ``on`` that matches ``key`` (exact keys before
        patterns, see :class:`plugins.facts.Chart`)."""
        chart = self._facts.chart
        if chart is None:
            return None
        day = on or date.today()
        for mapping in chart.mappings:
            segments = mapping.match(key) if mapping.fact.applies_on(day) else None
            if segments is None:
                continue
            return ChartAccount(
                chart=chart.name,
                number=str(mapping.fact.value),
                label=mapping.label,
                source=mapping.fact.source,
                reference=mapping.fact.reference,
                auxiliary=mapping.auxiliary + "-".join(segments) if mapping.auxiliary else "",
            )
        return None

    # -- audit ----------------------------------------------------------------------------

    def facts_source(self) -> list[Fact]:
        return self._facts.all_facts()


@functools.cache
def _for_package(cls: type[FactsJurisdiction], package: str) -> FactsJurisdiction:
    facts = load_facts(files(package).joinpath(FACTS_FILE))
    expected = package.rsplit(".", 1)[-1].upper()
    if facts.country != expected:
        raise FactsFileError(facts.path, "country.code", f"{facts.country!r} in {package}")
    return cls(facts)
