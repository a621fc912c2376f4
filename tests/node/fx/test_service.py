"""Importing ECB files (idempotent, all or nothing) and the rate in force for a pair on a day:
configured first, then the latest ECB day within ``fx.max_age_days``, else a clear error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.config import Settings
from node.db import Database
from node.errors import Conflict, ValidationProblem
from node.fx import service
from node.fx.models import FxRate
from node.fx.rates import Rate, cross
from node.fx.service import FxRateMissing, rate_on

Importer = Callable[[str | bytes], service.ImportSummary]
WEDNESDAY = date(2026, 11, 25)


def stored(db: Database) -> list[tuple[date, str, str]]:
    with db.reading() as session:
        rows = session.scalars(select(FxRate).order_by(FxRate.day, FxRate.quote))
        return [(row.day, row.quote, row.rate) for row in rows]


def audits(db: Database) -> int:
    with db.reading() as session:
        query = select(func.count()).where(AuditEntry.entity == service.IMPORT_ENTITY)
        return session.scalar(query) or 0


def lookup(db: Database, settings: Settings, base: str, quote: str, day: date) -> Rate:
    with db.reading() as session:
        return rate_on(session, settings, base, quote, day)


def test_import_stores_the_published_text_and_is_idempotent(
    db: Database, import_file: Importer
) -> None:
    summary = import_file("eurofxref-hist-90d.xml")
    assert summary.as_dict() == {
        "layout": "xml",
        "first_day": date(2026, 11, 20),
        "last_day": WEDNESDAY,
        "days": 4,
        "rates": 16,
        "added": 16,
        "unchanged": 0,
    }
    assert (WEDNESDAY, "SEK", "11.5340") in stored(db)
    assert audits(db) == 1
    again = import_file("eurofxref-hist-90d.xml")
    assert (again.added, again.unchanged) == (0, 16)
    # The historical CSV writes 11.534 where the XML wrote 11.5340: the same rate, kept as is.
    history = import_file("eurofxref-hist.csv")
    assert (history.added, history.unchanged) == (5, 16)  # 2007-12-31: USD JPY CYP HUF SEK
    assert (WEDNESDAY, "SEK", "11.5340") in stored(db)
    assert len(stored(db)) == 21
    assert audits(db) == 2  # an import that adds nothing writes nothing


def test_a_different_rate_for_a_stored_day_refuses_the_whole_file(
    db: Database, import_file: Importer
) -> None:
    import_file("eurofxref-daily.xml")
    before = stored(db)
    changed = (Path(__file__).parent / "data" / "eurofxref-hist-90d.xml").read_bytes()
    changed = changed.replace(b'"11.5340"', b'"11.5341"')
    with pytest.raises(Conflict, match=r"SEK 11\.5341 on 2026-11-25, but 11\.5340 is stored"):
        import_file(changed)
    assert stored(db) == before  # the three other days were not imported either
    assert audits(db) == 1


def test_a_file_that_is_not_an_ecb_file_is_a_validation_problem(
    db: Database, import_file: Importer, tmp_path: Path
) -> None:
    with pytest.raises(ValidationProblem) as caught:
        import_file(b"<html/>")
    assert caught.value.errors[0].field == "file"
    assert caught.value.errors[0].code == "format"
    with db.transaction() as session, pytest.raises(ValidationProblem, match="file"):
        service.import_file(session, tmp_path / "absent.xml")
    assert stored(db) == []


def test_same_currency_is_rate_one(db: Database, settings: Settings) -> None:
    rate = lookup(db, settings, "SEK", "SEK", WEDNESDAY)
    assert (rate.rate, rate.day) == (Decimal(1), WEDNESDAY)


def test_latest_ecb_day_on_or_before_within_the_maximum_age(
    db: Database, settings: Settings, import_file: Importer
) -> None:
    import_file("eurofxref-hist-90d.xml")
    assert lookup(db, settings, "EUR", "SEK", WEDNESDAY).rate == Decimal("11.5340")
    saturday = lookup(db, settings, "EUR", "HUF", date(2026, 11, 21))  # Friday's rate
    assert (saturday.rate, saturday.day, saturday.source) == (
        Decimal("408.73"),
        date(2026, 11, 20),
        "ecb",
    )
    five_days_on = lookup(db, settings, "EUR", "SEK", date(2026, 11, 30))
    assert five_days_on.day == WEDNESDAY
    with pytest.raises(FxRateMissing) as caught:
        lookup(db, settings, "EUR", "SEK", date(2026, 12, 1))  # six days: too old
    detail = str(caught.value)
    assert "EUR/SEK" in detail and "2026-11-26 to 2026-12-01" in detail
    assert "coopnode fx import" in detail and "fx.rates" in detail
    assert caught.value.extra == {"pair": "EUR/SEK", "day": "2026-12-01"}
    with pytest.raises(FxRateMissing):
        lookup(db, settings, "EUR", "SEK", date(2026, 11, 19))  # before the first day


def test_the_maximum_age_is_a_setting(
    db: Database, settings: Settings, import_file: Importer
) -> None:
    import_file("eurofxref-hist-90d.xml")
    strict = settings.replace(**{"fx.max_age_days": "0"})
    with pytest.raises(FxRateMissing, match="from 2026-11-21 to 2026-11-21"):
        lookup(db, strict, "EUR", "SEK", date(2026, 11, 21))
    assert lookup(db, strict, "EUR", "SEK", WEDNESDAY).day == WEDNESDAY


def test_inverse_and_cross_rates_come_from_one_ecb_day(
    db: Database, settings: Settings, import_file: Importer
) -> None:
    import_file("eurofxref-hist-90d.xml")
    eur_sek = lookup(db, settings, "EUR", "SEK", WEDNESDAY)
    eur_huf = lookup(db, settings, "EUR", "HUF", WEDNESDAY)
    assert lookup(db, settings, "SEK", "EUR", WEDNESDAY) == eur_sek.inverse()
    sek_huf = lookup(db, settings, "SEK", "HUF", WEDNESDAY)
    assert sek_huf == cross(eur_sek, eur_huf)
    assert (sek_huf.source, sek_huf.day) == ("ecb", WEDNESDAY)


def test_a_cross_rate_needs_both_legs_on_the_same_day(
    db: Database, settings: Settings, import_file: Importer
) -> None:
    import_file("eurofxref-hist-90d.xml")
    newer = (
        '<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope '
        'xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>'
        "<Cube time='2026-11-26'><Cube currency='SEK' rate='11.6000'/></Cube>"
        "</Cube></gesmes:Envelope>"
    )
    import_file(newer.encode())  # Thursday: SEK only
    thursday = date(2026, 11, 26)
    assert lookup(db, settings, "EUR", "SEK", thursday).rate == Decimal("11.6000")
    sek_huf = lookup(db, settings, "SEK", "HUF", thursday)
    assert sek_huf.day == WEDNESDAY  # the latest day with both EUR/SEK and EUR/HUF


def test_a_configured_rate_wins(db: Database, settings: Settings, import_file: Importer) -> None:
    import_file("eurofxref-hist-90d.xml")
    configured = settings.replace(**{"fx.rates": {"EUR/SEK": "11.0952", "EUR/HUF": "395.12"}})
    eur_sek = lookup(db, configured, "EUR", "SEK", WEDNESDAY)
    assert eur_sek == Rate("EUR", "SEK", Decimal("11.0952"), WEDNESDAY, "configured")
    assert lookup(db, configured, "SEK", "EUR", WEDNESDAY) == eur_sek.inverse()
    sek_huf = lookup(db, configured, "SEK", "HUF", WEDNESDAY)
    assert sek_huf.source == "configured" and sek_huf.rate == Decimal(
        "35.61179609"
    )  # 395.12 / 11.0952
    # A pair not configured still comes from the ECB rates.
    assert lookup(db, configured, "EUR", "USD", WEDNESDAY).source == "ecb"
    # Configured rates need no import and have no age.
    far = date(2030, 1, 1)
    assert lookup(db, configured, "HUF", "EUR", far).day == far


def test_rates_in_force(db: Database, settings: Settings, import_file: Importer) -> None:
    configured = settings.replace(**{"fx.rates": {"SEK/HUF": "35.6"}})
    with db.reading() as session:
        empty = service.rates_in_force(session, configured, WEDNESDAY)
    assert empty["ecb"] is None and empty["latest_ecb_day"] is None
    assert empty["configured"] == [
        {
            "base": "SEK",
            "quote": "HUF",
            "rate": "35.6",
            "date": "2026-11-25",
            "source": "configured",
        }
    ]
    import_file("eurofxref-hist-90d.xml")
    with db.reading() as session:
        view: dict[str, Any] = service.rates_in_force(session, configured, date(2026, 11, 22))
        stale = service.rates_in_force(session, configured, date(2027, 1, 5))
    assert view["ecb"]["day"] == date(2026, 11, 20)
    assert [r["quote"] for r in view["ecb"]["rates"]] == ["HUF", "JPY", "SEK", "USD"]
    assert stale["ecb"] is None and stale["latest_ecb_day"] == WEDNESDAY
