"""Public holidays and working-day arithmetic of the built-in jurisdictions."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from plugins.jurisdiction import Jurisdiction

COUNTRIES = ["be", "fr", "de", "nl", "es", "it", "at", "se", "hu"]


def jurisdiction(cc: str) -> Jurisdiction:
    registered: list[Jurisdiction] = importlib.import_module(
        f"plugins.{cc}"
    ).coop_register_jurisdictions()
    return registered[0]


@pytest.mark.parametrize("cc", COUNTRIES)
def test_christmas_is_no_working_day(cc: str) -> None:
    j = jurisdiction(cc)
    assert not j.is_working_day(date(2026, 12, 25))
    assert date(2026, 12, 25) in j.public_holidays(2026)


@pytest.mark.parametrize("cc", COUNTRIES)
def test_labour_day(cc: str) -> None:
    # 1 May is a public holiday in all nine countries but the Netherlands.
    assert jurisdiction(cc).is_working_day(date(2026, 5, 1)) is (cc == "nl")


@pytest.mark.parametrize("cc", COUNTRIES)
def test_belgian_national_day(cc: str) -> None:
    assert jurisdiction(cc).is_working_day(date(2026, 7, 21)) is (cc != "be")


@pytest.mark.parametrize("cc", COUNTRIES)
def test_weekends(cc: str) -> None:
    j = jurisdiction(cc)
    assert not j.is_working_day(date(2026, 3, 7))  # Saturday
    assert not j.is_working_day(date(2026, 3, 8))  # Sunday
    assert j.is_working_day(date(2026, 3, 9))  # Monday


@pytest.mark.parametrize("cc", COUNTRIES)
def test_add_working_days_skips_weekend(cc: str) -> None:
    j = jurisdiction(cc)
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)
    assert j.add_working_days(friday, 1) == monday
    assert j.add_working_days(monday, -1) == friday
    assert j.add_working_days(friday, 0) == friday
    assert j.working_days_between(friday, monday) == 1
    assert j.working_days_between(monday, friday) == -1
    assert j.working_days_between(friday, friday) == 0


def test_add_working_days_skips_holidays() -> None:
    # Thursday 2026-12-24: Christmas Day (Friday) and the weekend are skipped in Germany,
    # and 26 December is a Saturday anyway.
    assert jurisdiction("de").add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    # Belgium: Friday 2026-07-17 plus two working days skips the weekend and 21 July.
    assert jurisdiction("be").add_working_days(date(2026, 7, 17), 2) == date(2026, 7, 22)


@pytest.mark.parametrize("cc", COUNTRIES)
@pytest.mark.parametrize("days", [-15, -1, 0, 1, 3, 10, 40])
def test_working_days_between_inverts_add(cc: str, days: int) -> None:
    j = jurisdiction(cc)
    start = date(2026, 12, 23)
    assert j.working_days_between(start, j.add_working_days(start, days)) == days


def test_working_days_in_a_month() -> None:
    # December 2026 in Germany: 23 weekdays less Christmas Day (Friday 25th).
    de = jurisdiction("de")
    assert de.working_days_between(date(2026, 11, 30), date(2026, 12, 31)) == 22


def test_subdivisions() -> None:
    de, es = jurisdiction("de"), jurisdiction("es")
    assert "BY" in de.subdivisions and "CT" in es.subdivisions
    assert de.is_working_day(date(2026, 1, 6))  # Epiphany is regional in Germany
    assert not de.is_working_day(date(2026, 1, 6), subdivision="BY")
    assert not es.is_working_day(date(2026, 9, 11), subdivision="CT")  # Diada de Catalunya
    assert es.is_working_day(date(2026, 9, 11))
    assert date(2026, 1, 6) in de.public_holidays(2026, subdivision="BY")
    assert de.add_working_days(date(2026, 1, 5), 1, subdivision="BY") == date(2026, 1, 7)


def test_unknown_subdivision() -> None:
    with pytest.raises(ValueError, match="XX"):
        jurisdiction("de").is_working_day(date(2026, 1, 6), subdivision="XX")


def test_hungarian_transferred_working_days() -> None:
    hu = jurisdiction("hu")
    assert not hu.is_working_day(date(2026, 1, 2))  # bridge day off (Friday)
    assert hu.is_working_day(date(2026, 1, 10))  # worked Saturday in its place


def test_holiday_names_follow_language() -> None:
    be = jurisdiction("be")
    assert be.public_holidays(2026, language="fr")[date(2026, 7, 21)] == "Fête nationale"
    assert be.public_holidays(2026, language="en")[date(2026, 7, 21)] == "National Day"
    # Unsupported languages fall back to English; "it" maps to the library's "it_IT".
    assert be.public_holidays(2026, language="xx") == be.public_holidays(2026, language="en")
    assert jurisdiction("it").public_holidays(2026, language="it")[date(2026, 12, 25)] == "Natale"
