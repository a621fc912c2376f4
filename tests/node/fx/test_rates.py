"""Rates as values: the message form round-trips exactly, derived rates are rounded to ten
significant digits, conversions round half up to the target's minor unit."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from node.fx.rates import (
    DERIVED_DIGITS,
    Rate,
    RateError,
    convert_minor,
    cross,
    identity,
    resolve,
    significant,
)
from node.money import minor_exponent

DAY = date(2026, 11, 25)
EUR_SEK = Rate("EUR", "SEK", Decimal("11.5340"), DAY, "ecb")
EUR_HUF = Rate("EUR", "HUF", Decimal("410.55"), DAY, "ecb")


def test_a_rate_round_trips_through_json_digit_for_digit() -> None:
    message = EUR_SEK.as_message()
    assert message == {
        "base": "EUR",
        "quote": "SEK",
        "rate": "11.5340",
        "date": "2026-11-25",
        "source": "ecb",
    }
    back = Rate.from_message(json.loads(json.dumps(message)))
    assert back == EUR_SEK
    assert back.as_message() == message  # the trailing zero is kept
    assert Rate.from_message(cross(EUR_SEK, EUR_HUF).as_message()) == cross(EUR_SEK, EUR_HUF)


def test_a_large_rate_is_written_without_an_exponent() -> None:
    rate = Rate("EUR", "IDR", Decimal("1.6E+4"), DAY, "ecb")
    assert rate.as_message()["rate"] == "16000"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"rate": 11.534}, "not a rate"),
        ({"rate": "1.1e1"}, "not a rate"),
        ({"rate": "-11.5"}, "not a rate"),
        ({"rate": "0.000"}, "not a positive rate"),
        ({"rate": " 11.5"}, "not a rate"),
        ({"date": "20261125"}, "not a date"),
        ({"date": "2026-02-30"}, "not a date"),
        ({"source": "bank"}, "not one of"),
        ({"base": "eur"}, "not a currency code"),
        ({"quote": 752}, "not a currency code"),
        ({"extra": "x"}, "exactly the fields"),
    ],
)
def test_from_message_refuses_defects(change: dict[str, Any], fragment: str) -> None:
    message: dict[str, Any] = {**EUR_SEK.as_message(), **change}
    with pytest.raises(RateError, match=fragment):
        Rate.from_message(message)


def test_a_rate_checks_itself() -> None:
    with pytest.raises(RateError, match="positive"):
        Rate("EUR", "SEK", Decimal(0), DAY, "ecb")
    with pytest.raises(RateError, match="positive"):
        Rate("EUR", "SEK", 11.5, DAY, "ecb")  # type: ignore[arg-type]
    with pytest.raises(RateError, match="itself is 1"):
        Rate("EUR", "EUR", Decimal(2), DAY, "configured")
    with pytest.raises(RateError, match="must be a date"):
        Rate("EUR", "SEK", Decimal(1), datetime(2026, 11, 25), "ecb")
    assert identity("SEK", DAY).rate == 1


def test_significant_digits_round_half_up() -> None:
    assert significant(Decimal("0.08670019074041963")) == Decimal("0.08670019074")
    assert significant(Decimal("1.23456789015")) == Decimal("1.234567890")  # 5 rounds up
    assert significant(Decimal("123456789050"), 10) == Decimal("1.234567891E+11")
    assert significant(Decimal("123456789049"), 10) == Decimal("1.234567890E+11")
    assert significant(Decimal("2.5"), 1) == Decimal("3")


def test_inverse_and_cross_rates_through_eur() -> None:
    inverse = EUR_SEK.inverse()
    assert (inverse.base, inverse.quote, inverse.day, inverse.source) == ("SEK", "EUR", DAY, "ecb")
    assert inverse.rate == Decimal("0.08670019074")  # 1 / 11.5340 to 10 significant digits
    sek_huf = cross(EUR_SEK, EUR_HUF)  # HUF per SEK = 410.55 / 11.5340
    assert (sek_huf.base, sek_huf.quote) == ("SEK", "HUF")
    assert sek_huf.rate == Decimal("35.59476331")  # 35.594763308…
    assert len(sek_huf.rate.as_tuple().digits) == DERIVED_DIGITS
    assert cross(EUR_HUF, EUR_SEK).rate == Decimal("0.02809402022")


def test_cross_needs_legs_of_one_base_day_and_source() -> None:
    other_day = Rate("EUR", "HUF", Decimal("410.00"), date(2026, 11, 24), "ecb")
    with pytest.raises(RateError, match="same day"):
        cross(EUR_SEK, other_day)
    with pytest.raises(RateError, match="share their base"):
        cross(EUR_SEK, EUR_SEK.inverse())


def test_resolve_direct_inverse_and_cross() -> None:
    table = {("EUR", "SEK"): EUR_SEK, ("EUR", "HUF"): EUR_HUF}
    assert resolve(table, "EUR", "SEK") is EUR_SEK
    assert resolve(table, "SEK", "EUR") == EUR_SEK.inverse()
    assert resolve(table, "SEK", "HUF") == cross(EUR_SEK, EUR_HUF)
    assert resolve(table, "SEK", "USD") is None


def test_convert_minor_both_ways_half_up() -> None:
    # 1000.00 EUR × 11.5340 = 11534.00 SEK; back: 11534.00 / 11.5340 = 1000.00 EUR
    assert convert_minor(100_000, EUR_SEK, "EUR", "SEK") == 1_153_400
    assert convert_minor(1_153_400, EUR_SEK, "SEK", "EUR") == 100_000
    # 0.05 EUR × 11.5340 = 0.57670 SEK -> 0.58 (half up); 0.01 EUR -> 0.115340 -> 0.12
    assert convert_minor(5, EUR_SEK, "EUR", "SEK") == 58
    half = Rate("EUR", "SEK", Decimal("10.5"), DAY, "configured")
    assert convert_minor(1, half, "EUR", "SEK") == 11  # 0.105 SEK: exactly half -> up
    assert convert_minor(-1, half, "EUR", "SEK") == -11  # away from zero
    assert convert_minor(0, half, "EUR", "SEK") == 0


def test_convert_minor_follows_the_minor_unit_of_each_currency() -> None:
    eur_jpy = Rate("EUR", "JPY", Decimal("160.66"), DAY, "ecb")
    assert minor_exponent("JPY") == 0
    assert convert_minor(1_000, eur_jpy, "EUR", "JPY") == 1_607  # 10.00 EUR = 1606.6 -> 1607
    assert convert_minor(1_607, eur_jpy, "JPY", "EUR") == 1_000  # 1607 / 160.66 = 10.0025 -> 10.00
    # HUF: whatever node.money says (CLDR via babel), so the result is valid HUF money.
    huf = convert_minor(100_000, EUR_HUF, "EUR", "HUF")  # 1000.00 EUR = 410550 HUF
    assert huf == 410_550 * 10 ** minor_exponent("HUF")


def test_convert_minor_refuses_what_the_rate_does_not_cover() -> None:
    with pytest.raises(RateError, match="does not convert"):
        convert_minor(100, EUR_SEK, "EUR", "HUF")
    with pytest.raises(TypeError):
        convert_minor(Decimal("1.00"), EUR_SEK, "EUR", "SEK")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        convert_minor(True, EUR_SEK, "EUR", "SEK")
    assert convert_minor(123, identity("SEK", DAY), "SEK", "SEK") == 123
