"""Money: a ``Decimal`` amount with its ISO 4217 currency, never a float.

The database stores amounts as integers of the currency's minor unit (cents), so sums are exact on
every engine; :func:`to_minor` and :func:`from_minor` convert at the edges. The minor unit comes
from CLDR (babel): 2 for EUR and SEK. Business rounding (half-up per line, or a country's own
rule) belongs to the jurisdiction; this module only refuses amounts finer than the minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision

from node.errors import ValidationProblem


class MoneyError(ValueError):
    """An amount that cannot be money: a float, too many decimals, not a number."""


class CurrencyMismatch(MoneyError):
    """Two amounts in different currencies were combined."""


@cache
def minor_exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (2 for EUR) from the CLDR data in babel."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("30.00")`` EUR -> ``3000``; refuses amounts finer than the currency's unit."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise MoneyError(f"{amount} is not a finite amount")
    scaled = amount.scaleb(minor_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """``3000`` EUR -> ``Decimal("30.00")`` (always with the currency's number of decimals)."""
    exponent = minor_exponent(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


#: The largest amount a request may name: the EPC SEPA rulebook's maximum (AT-04), far above any
#: invoice, payment or payout a co-op makes, so a typo of a few extra digits is caught.
MAX_AMOUNT = Decimal("999999999.99")


def positive_minor(amount: Decimal, currency: str, field: str = "amount") -> int:
    """A requested amount in minor units of ``currency``: 422 naming ``field`` when it is not
    positive, finer than the currency's unit, or above :data:`MAX_AMOUNT`."""
    try:
        minor = to_minor(amount, currency)
    except MoneyError as exc:
        raise ValidationProblem.single(field, f"{exc}.", "precision") from None
    if minor <= 0:
        raise ValidationProblem.single(field, "Must be positive.", "sign")
    if amount > MAX_AMOUNT:
        raise ValidationProblem.single(field, f"At most {MAX_AMOUNT}.", "too_large")
    return minor


def parse_amount(text: str, currency: str) -> Decimal:
    """Parse a decimal string as an amount of ``currency`` (exact; too many decimals refused)."""
    try:
        amount = Decimal(text)
    except (InvalidOperation, TypeError):
        raise MoneyError(f"{text!r} is not a decimal amount") from None
    return from_minor(to_minor(amount, currency), currency)


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        to_minor(self.amount, self.currency)  # validates type and precision

    @classmethod
    def of_minor(cls, minor: int, currency: str) -> Money:
        return cls(from_minor(minor, currency), currency)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money.of_minor(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money.of_minor(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money.of_minor(-self.minor, self.currency)

    def __str__(self) -> str:
        return f"{from_minor(self.minor, self.currency)} {self.currency}"
