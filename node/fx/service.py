"""The rates the node uses: importing ECB files, and the rate in force for a pair on a day.

**Import** (:func:`import_file`) is all or nothing and idempotent. A rate already stored with the
same value is left as it is (the XML says ``11.5340`` where the historical CSV says ``11.534``:
the same rate); a file that gives a *different* rate for a day and currency already stored is
refused whole — published reference rates never change, so one of the two files is not what it
claims to be, and an operator must look before anything moves.

**Lookup** (:func:`rate_on`), in order:

1. the same currency: rate 1;
2. a configured rate (``fx.rates``): the pair as written, its inverse, or the cross rate of two
   configured ``EUR/…`` rates — a configured rate always wins;
3. the ECB reference rates of the latest publication day on or before the day, at most
   ``fx.max_age_days`` before it, that has every rate needed (the pair directly, its inverse, or
   the cross rate through EUR);
4. otherwise :class:`FxRateMissing`, naming what to import or configure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node import audit
from node.config import Settings
from node.db.bulk import insert_rows
from node.db.types import utcnow
from node.errors import Conflict, ValidationProblem
from node.fx import ecb
from node.fx.models import FxRate
from node.fx.rates import ECB_BASE, Rate, identity, resolve

ECB = "ecb"
IMPORT_ENTITY = "fx_rates"
Table = Mapping[tuple[str, str], Rate]


class FxRateMissing(Conflict):
    """No rate for a pair on a day: neither configured nor imported recently enough."""

    title = "Exchange rate missing"


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: the file's layout and days, and how many rates were new."""

    layout: str
    first_day: date
    last_day: date
    days: int
    rates: int
    added: int

    @property
    def unchanged(self) -> int:
        return self.rates - self.added

    def as_dict(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "days": self.days,
            "rates": self.rates,
            "added": self.added,
            "unchanged": self.unchanged,
        }


def _read(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        with source.open("rb") as handle:
            return handle.read(ecb.MAX_BYTES + 1)
    except OSError as exc:
        raise ValidationProblem.single("file", f"Cannot read {source}: {exc.strerror}.") from None


def _stored(session: Session, days: list[date]) -> dict[tuple[date, str], str]:
    """The ECB rates already stored for the file's days, by (day, quote)."""
    query = select(FxRate.day, FxRate.quote, FxRate.rate).where(
        FxRate.source == ECB,
        FxRate.base == ECB_BASE,
        FxRate.day >= days[0],
        FxRate.day <= days[-1],
    )
    return {(day, quote): rate for day, quote, rate in session.execute(query)}


def _new_rows(stored: Mapping[tuple[date, str], str], rates: Iterable[Rate]) -> list[Rate]:
    """The file's rates not stored yet; :class:`Conflict` at the first one stored differently."""
    new: list[Rate] = []
    for rate in sorted(rates, key=lambda r: (r.day, r.quote)):
        known = stored.get((rate.day, rate.quote))
        if known is None:
            new.append(rate)
        elif Decimal(known) != rate.rate:
            raise Conflict(
                f"The file gives {rate.pair} {format(rate.rate, 'f')} on {rate.day}, but "
                f"{known} is stored for that day: nothing was imported."
            )
    return new


def import_file(
    session: Session,
    source: Path | bytes,
    *,
    actor: str = "system",
    request_id: str | None = None,
) -> ImportSummary:
    """Import an ECB reference-rate file (XML, CSV or ZIP); 422 if it is not one, 409 if it
    contradicts a stored rate — both changing nothing."""
    try:
        parsed = ecb.parse(_read(source))
    except ecb.EcbFileError as exc:
        raise ValidationProblem.single("file", f"{exc}.", "format") from None
    days = list(parsed.days)
    new = _new_rows(_stored(session, days), parsed.rates)
    now = utcnow()
    rows = [
        {
            "day": r.day,
            "base": r.base,
            "quote": r.quote,
            "rate": format(r.rate, "f"),
            "source": ECB,
            "imported_at": now,
        }
        for r in new
    ]
    insert_rows(session, FxRate, rows)
    summary = ImportSummary(
        parsed.layout, days[0], days[-1], len(days), len(parsed.rates), len(new)
    )
    if new:
        audit.record(
            session,
            actor=actor,
            action="fx.rates_imported",
            entity=IMPORT_ENTITY,
            entity_id=f"{days[0]}..{days[-1]}",
            changes={"layout": parsed.layout, "days": len(days), "added": len(new)},
            request_id=request_id,
        )
    return summary


def configured_table(settings: Settings, day: date) -> dict[tuple[str, str], Rate]:
    """The configured rates (``fx.rates``) as rates of ``day``."""
    table: dict[tuple[str, str], Rate] = {}
    for pair, value in settings["fx.rates"]:
        base, quote = pair.split("/")
        table[(base, quote)] = Rate(base, quote, value, day, "configured")
    return table


def _row_rate(row: FxRate) -> Rate:
    return Rate(row.base, row.quote, Decimal(row.rate), row.day, row.source)


def _ecb_rows(session: Session, quotes: set[str], since: date, until: date) -> list[FxRate]:
    query = (
        select(FxRate)
        .where(
            FxRate.source == ECB,
            FxRate.base == ECB_BASE,
            FxRate.quote.in_(sorted(quotes)),
            FxRate.day >= since,
            FxRate.day <= until,
        )
        .order_by(FxRate.day.desc())
    )
    return list(session.scalars(query))


def ecb_table(session: Session, quotes: set[str], since: date, until: date) -> Table | None:
    """The ECB rates of ``quotes`` from the latest day in ``since..until`` that has them all."""
    by_day: dict[date, dict[tuple[str, str], Rate]] = {}
    for row in _ecb_rows(session, quotes, since, until):
        by_day.setdefault(row.day, {})[(row.base, row.quote)] = _row_rate(row)
    for day in sorted(by_day, reverse=True):
        if len(by_day[day]) == len(quotes):
            return by_day[day]
    return None


def _missing(base: str, quote: str, day: date, since: date) -> FxRateMissing:
    needed = " and ".join(f"{ECB_BASE}/{c}" for c in sorted({base, quote} - {ECB_BASE}))
    return FxRateMissing(
        f"No {base}/{quote} rate for {day}: none configured (fx.rates) and no ECB reference "
        f"rate {needed} published from {since} to {day}. Import the ECB file that covers it "
        f"(coopnode fx import eurofxref-hist-90d.xml, from {ecb.PUBLISHED_AT}) or configure "
        f'fx.rates {{"{base}/{quote}" = "…"}}.',
        pair=f"{base}/{quote}",
        day=day.isoformat(),
    )


def rate_on(session: Session, settings: Settings, base: str, quote: str, day: date) -> Rate:
    """The rate that converts ``base`` into ``quote`` on ``day`` (module docstring's order)."""
    if base == quote:
        return identity(base, day)
    configured = resolve(configured_table(settings, day), base, quote)
    if configured is not None:
        return configured
    since = day - timedelta(days=settings["fx.max_age_days"])
    quotes = {base, quote} - {ECB_BASE}
    table = ecb_table(session, quotes, since, day)
    found = resolve(table, base, quote) if table is not None else None
    if found is None:
        raise _missing(base, quote, day, since)
    return found


def latest_ecb_day(session: Session, until: date) -> date | None:
    """The latest day on or before ``until`` with imported ECB rates."""
    query = select(func.max(FxRate.day)).where(FxRate.source == ECB, FxRate.day <= until)
    return session.scalar(query)


def _ecb_rates_of(session: Session, day: date) -> list[Rate]:
    query = (
        select(FxRate)
        .where(FxRate.source == ECB, FxRate.day == day)
        .order_by(FxRate.base, FxRate.quote)
    )
    return [_row_rate(row) for row in session.scalars(query)]


def rates_in_force(session: Session, settings: Settings, day: date) -> dict[str, Any]:
    """What :func:`rate_on` draws from on ``day``: the configured rates, and the ECB rates of
    the latest publication day (``ecb`` is ``None`` when it is older than the maximum age)."""
    max_age = settings["fx.max_age_days"]
    latest = latest_ecb_day(session, day)
    in_force = latest is not None and (day - latest).days <= max_age
    return {
        "on": day,
        "max_age_days": max_age,
        "configured": [rate.as_message() for rate in configured_table(settings, day).values()],
        "latest_ecb_day": latest,
        "ecb": (
            {"day": latest, "rates": [r.as_message() for r in _ecb_rates_of(session, latest)]}
            if in_force and latest is not None
            else None
        ),
    }
