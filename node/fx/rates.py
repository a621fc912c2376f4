"""Exchange rates as values: a rate, its inverse, a cross rate through EUR, a conversion.

Pure: no database, no settings. A :class:`Rate` says how many units of ``quote`` one unit of
``base`` buys (``EUR/SEK 11.5340``: 1 EUR = 11.5340 SEK), on which day, and where it came from
(``configured`` in ``fx.rates`` or the ``ecb`` reference rates).

Why the rules are what they are:

* **Rates travel as decimal strings.** The lead node of a value chain picks a rate and sends it
  (:meth:`Rate.as_message`); the other node records exactly that rate (:meth:`Rate.from_message`),
  so both books hold the same figure. The string is kept digit for digit (``"11.5340"`` stays
  ``"11.5340"``), never through a float.
* **Derived rates are rounded to** :data:`DERIVED_DIGITS` **significant digits, half up.** The ECB
  publishes EUR-based rates only (5 to 7 significant digits, e.g. HUF 410.55, SEK 11.5340); an
  inverse (SEK/EUR) or a cross rate (SEK/HUF = EUR/HUF ÷ EUR/SEK) is a derived figure with an
  endless expansion. Ten significant digits keep the rounding far below the precision of the
  published rates, and the figure is computed once, by one node, then sent as a string.
* **Converted amounts are rounded half up (away from zero) to the target currency's minor unit**,
  the one :func:`node.money.minor_exponent` gives (CLDR data via babel). For HUF, older CLDR
  releases give 2 while payroll pays whole forints; the CLDR data installed with the node (babel
  2.19) gives 0. This module follows ``minor_exponent`` whatever it says, so amounts here are
  always valid money for the rest of the node (``node.money.to_minor``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from node.money import minor_exponent

SOURCES = ("configured", "ecb")
#: The currency ECB reference rates are quoted against, and the one cross rates go through.
ECB_BASE = "EUR"
#: Significant digits of a derived (inverse or cross) rate.
DERIVED_DIGITS = 10
#: Arithmetic for rates and conversions: exact far beyond any amount, half-up when told to round.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
MESSAGE_FIELDS = frozenset({"base", "quote", "rate", "date", "source"})

_CODE = re.compile(r"[A-Z]{3}")
_RATE_TEXT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,20})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RateError(ValueError):
    """A rate that cannot be: a bad code, a rate not positive, a conversion it does not cover."""


def _check_code(name: str, code: object) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise RateError(f"{name}: {code!r} is not a currency code (three capital letters)")
    return code


def significant(value: Decimal, digits: int = DERIVED_DIGITS) -> Decimal:
    """``value`` rounded half up to ``digits`` significant digits (``0.086700190740`` → 10)."""
    if not value:
        return value
    exponent = value.adjusted() - digits + 1
    return value.quantize(Decimal(1).scaleb(exponent, CONTEXT), context=CONTEXT)


def parse_rate_text(text: object) -> Decimal:
    """A rate as written in a message, file or setting: plain positive decimal, no exponent."""
    if not isinstance(text, str) or not _RATE_TEXT.fullmatch(text):
        raise RateError(f"{text!r} is not a rate (a positive decimal string such as '11.5340')")
    rate = Decimal(text)
    if rate <= 0:
        raise RateError(f"{text!r} is not a positive rate")
    return rate


@dataclass(frozen=True)
class Rate:
    """``rate`` units of ``quote`` per one ``base`` on ``day``, from ``source``."""

    base: str
    quote: str
    rate: Decimal
    day: date
    source: str

    def __post_init__(self) -> None:
        _check_code("base", self.base)
        _check_code("quote", self.quote)
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or self.rate <= 0:
            raise RateError(f"{self.pair}: the rate must be a positive Decimal, not {self.rate!r}")
        if self.base == self.quote and self.rate != 1:
            raise RateError(f"{self.pair}: a currency's rate to itself is 1")
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise RateError(f"{self.pair}: the day must be a date")
        if self.source not in SOURCES:
            raise RateError(f"{self.pair}: the source must be one of {', '.join(SOURCES)}")

    @property
    def pair(self) -> str:
        return f"{self.base}/{self.quote}"

    def as_message(self) -> dict[str, str]:
        """The ``rate`` object of the federation messages (decimal string, ISO date)."""
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": format(self.rate, "f"),
            "date": self.day.isoformat(),
            "source": self.source,
        }

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> Rate:
        """The rate a peer sent, exactly; :class:`RateError` naming the first defect."""
        if not isinstance(data, Mapping) or set(data) != MESSAGE_FIELDS:
            raise RateError(f"a rate has exactly the fields {', '.join(sorted(MESSAGE_FIELDS))}")
        day_text = data["date"]
        if not isinstance(day_text, str) or not _DATE_TEXT.fullmatch(day_text):
            raise RateError(f"date: {day_text!r} is not a date (YYYY-MM-DD)")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise RateError(f"date: {day_text!r} is not a date (YYYY-MM-DD)") from None
        source = data["source"]
        if source not in SOURCES:
            raise RateError(f"source: {source!r} is not one of {', '.join(SOURCES)}")
        return cls(
            _check_code("base", data["base"]),
            _check_code("quote", data["quote"]),
            parse_rate_text(data["rate"]),
            day,
            source,
        )

    def inverse(self) -> Rate:
        """``quote/base``: 1 ÷ rate, to :data:`DERIVED_DIGITS` significant digits."""
        if self.base == self.quote:
            return self
        inverted = significant(CONTEXT.divide(Decimal(1), self.rate))
        return Rate(self.quote, self.base, inverted, self.day, self.source)


def identity(currency: str, day: date) -> Rate:
    """A currency against itself: rate 1 (recorded as ``configured``: no source needed)."""
    return Rate(currency, currency, Decimal(1), day, "configured")


def cross(base_leg: Rate, quote_leg: Rate) -> Rate:
    """The cross rate of two rates with the same base: ``V/A`` and ``V/B`` give ``A/B``.

    With ECB rates ``V`` is EUR: SEK→HUF = (EUR/HUF) ÷ (EUR/SEK), rounded once to
    :data:`DERIVED_DIGITS` significant digits. Both legs must be of the same day and source.
    """
    if base_leg.base != quote_leg.base:
        raise RateError(f"{base_leg.pair} and {quote_leg.pair} do not share their base")
    if (base_leg.day, base_leg.source) != (quote_leg.day, quote_leg.source):
        raise RateError(f"{base_leg.pair} and {quote_leg.pair} are not of the same day and source")
    if base_leg.quote == quote_leg.quote:
        return identity(base_leg.quote, base_leg.day)
    value = significant(CONTEXT.divide(quote_leg.rate, base_leg.rate))
    return Rate(base_leg.quote, quote_leg.quote, value, base_leg.day, base_leg.source)


def resolve(
    table: Mapping[tuple[str, str], Rate], base: str, quote: str, via: str = ECB_BASE
) -> Rate | None:
    """``base/quote`` from ``table`` (keyed by ``(base, quote)``): as written, its inverse, or
    the cross rate of ``via/base`` and ``via/quote``; ``None`` when the table cannot give it."""
    direct = table.get((base, quote))
    if direct is not None:
        return direct
    reverse = table.get((quote, base))
    if reverse is not None:
        return reverse.inverse()
    base_leg, quote_leg = table.get((via, base)), table.get((via, quote))
    if base_leg is not None and quote_leg is not None:
        return cross(base_leg, quote_leg)
    return None


def convert_minor(amount_minor: int, rate: Rate, from_currency: str, to_currency: str) -> int:
    """``amount_minor`` (minor units of ``from_currency``) in minor units of ``to_currency``.

    The rate is used in either direction (× rate from base to quote, ÷ rate back), exactly, and
    the result rounded once, half up (away from zero), to the target's minor unit.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError(f"amount_minor must be an int, not {type(amount_minor).__name__}")
    amount = Decimal(amount_minor).scaleb(-minor_exponent(from_currency), CONTEXT)
    if (from_currency, to_currency) == (rate.base, rate.quote):
        converted = CONTEXT.multiply(amount, rate.rate)
    elif (from_currency, to_currency) == (rate.quote, rate.base):
        converted = CONTEXT.divide(amount, rate.rate)
    else:
        raise RateError(f"a {rate.pair} rate does not convert {from_currency} to {to_currency}")
    scaled = converted.scaleb(minor_exponent(to_currency), CONTEXT)
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP, context=CONTEXT))
