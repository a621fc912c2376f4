"""Time limits of a posting, per member and host country (pure: no database, no clock).

A member posted abroad stays under the home country's social security for at most 24 months, and
after 12 months (18 with a motivated notification) the host country's terms of employment apply
almost entirely. Both limits run over the member's stays in one host country, so the node tracks
them across missions and warns before they are reached (:func:`warnings`).

How time is counted (a design decision; the texts below give the limits, not the arithmetic):

* A stay is a range of calendar days, both ends included. Overlapping or adjacent stays in the
  same country are merged, so a day counts once. Stays in different countries never add up.
* Stays in one country separated by less than two months are one posting: a new stay starts a
  fresh period only if it starts after the two months beginning the day after the previous one
  ended (Decision A2, point 3(c)). So after a stay ending on 31 January, one starting on 31 March
  adds up and one starting on 1 April starts afresh. The same grouping is used for the host
  labour-law thresholds: the directive itself only sums the periods of workers replacing each
  other at the same task, which the node cannot see, so it counts the conservative way.
* Within such a period the days worked are summed; the days between stays do not count.
* A period of N months beginning on ``start`` ends on the day before the same date N months
  later, or on the last day of that month when it has no such date (:func:`months_end`):
  24 months from 2026-03-01 end on 2028-02-29, one month from 2026-01-31 ends on 2026-02-28. Its
  length in days is the limit for a period that begins on ``start``; ``reached_on`` is the day on
  which the summed days reach it (for a single stay: ``start`` + N months - 1 day). A limit is
  ``reached`` on that day and ``exceeded`` once a later day is worked.
* Future stays count as planned: a warning comes ``notice_days`` before the planned stays reach a
  limit. Once a period is over by two months it is history and raises no warning.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Code = Literal[
    "social_security_24_months", "host_labour_law_12_months", "host_labour_law_18_months"
]
State = Literal["approaching", "reached", "exceeded"]

_DAY = timedelta(days=1)
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Rule:
    """A duration limit with the text it comes from and the day it applies from."""

    code: Code
    months: int
    source: str
    effective: date


SOCIAL_SECURITY_24_MONTHS = Rule(
    "social_security_24_months",
    24,
    "Regulation (EC) No 883/2004, art. 12(1): a posted worker stays under the sending state's "
    "legislation if the anticipated duration does not exceed 24 months; applies from 2010-05-01 "
    "(art. 91). https://eur-lex.europa.eu/eli/reg/2004/883/oj",
    date(2010, 5, 1),
)
HOST_LABOUR_LAW_12_MONTHS = Rule(
    "host_labour_law_12_months",
    12,
    "Directive 96/71/EC, art. 3(1a) first subparagraph, inserted by Directive (EU) 2018/957 "
    "art. 1(2)(b): beyond 12 months of effective posting the host state's terms of employment "
    "apply; in force from 2020-07-30. https://eur-lex.europa.eu/eli/dir/2018/957/oj",
    date(2020, 7, 30),
)
HOST_LABOUR_LAW_18_MONTHS = Rule(
    "host_labour_law_18_months",
    18,
    "Directive 96/71/EC, art. 3(1a) second subparagraph, inserted by Directive (EU) 2018/957 "
    "art. 1(2)(b): a motivated notification extends the 12 months to 18; in force from "
    "2020-07-30. https://eur-lex.europa.eu/eli/dir/2018/957/oj",
    date(2020, 7, 30),
)
RULES = (SOCIAL_SECURITY_24_MONTHS, HOST_LABOUR_LAW_12_MONTHS, HOST_LABOUR_LAW_18_MONTHS)

AGGREGATION_GAP_MONTHS = 2
AGGREGATION_SOURCE = (
    "Administrative Commission Decision No A2 of 12 June 2009, point 3(c) (OJ C 106, 24.4.2010, "
    "p. 5): no fresh posting of the same worker to the same state until at least two months have "
    "elapsed since the previous posting ended. "
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32010D0424(02)"
)


@dataclass(frozen=True)
class Stay:
    """A mission of the member in ``host_country`` (ISO 3166 alpha-2), ``end`` included."""

    host_country: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.host_country):
            raise ValueError(f"{self.host_country!r} is not an ISO 3166 alpha-2 country code")
        if self.end < self.start:
            raise ValueError(f"stay ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class LimitWarning:
    """A limit the member's stays in ``host_country`` approach, reach or exceed.

    ``reached_on`` is the last day within the limit; ``days_left`` counts from today to it
    (0 once reached)."""

    code: Code
    host_country: str
    reached_on: date
    days_left: int
    state: State
    source: str


def months_end(start: date, months: int) -> date:
    """The last day of the period of ``months`` calendar months that begins on ``start``."""
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    if start.day > last_day:
        return date(year, month0 + 1, last_day)
    return date(year, month0 + 1, start.day) - _DAY


@dataclass(frozen=True)
class Period:
    """One posting in one country: stays that add up, merged into disjoint day ranges."""

    ranges: tuple[tuple[date, date], ...]

    @property
    def start(self) -> date:
        return self.ranges[0][0]

    @property
    def end(self) -> date:
        return self.ranges[-1][1]

    @property
    def open_until(self) -> date:
        """The last day a new stay may start and still add up to this period."""
        return months_end(self.end + _DAY, AGGREGATION_GAP_MONTHS)

    def counted(self, on: date) -> int:
        """Days of the period worked up to and including ``on``."""
        return sum((min(end, on) - start).days + 1 for start, end in self.ranges if start <= on)

    def limit_days(self, months: int) -> int:
        """``months`` calendar months from the period's first day, in days."""
        return (months_end(self.start, months) - self.start).days + 1

    def reached_on(self, months: int) -> date | None:
        """The day the summed stays reach ``months``; ``None`` if the planned stays stop short."""
        remaining = self.limit_days(months)
        for start, end in self.ranges:
            length = (end - start).days + 1
            if remaining <= length:
                return start + timedelta(days=remaining - 1)
            remaining -= length
        return None


def _merged(stays: Iterable[Stay]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for stay in sorted(stays, key=lambda s: (s.start, s.end)):
        if ranges and stay.start <= ranges[-1][1] + _DAY:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], stay.end))
        else:
            ranges.append((stay.start, stay.end))
    return ranges


def periods(stays: Iterable[Stay], host_country: str) -> list[Period]:
    """The member's postings to ``host_country`` in date order, stays grouped by the two-month
    rule (:data:`AGGREGATION_SOURCE`)."""
    groups: list[list[tuple[date, date]]] = []
    for start, end in _merged(s for s in stays if s.host_country == host_country):
        if groups and start <= Period(tuple(groups[-1])).open_until:
            groups[-1].append((start, end))
        else:
            groups.append([(start, end)])
    return [Period(tuple(group)) for group in groups]


def _current(stays: Iterable[Stay], host_country: str, on: date) -> Period | None:
    """The posting that ``on`` belongs to: begun, and not over by two months."""
    for period in periods(stays, host_country):
        if period.start <= on <= period.open_until:
            return period
    return None


def elapsed(stays: Sequence[Stay], host_country: str, on: date) -> int:
    """Days counted towards the limits in ``host_country`` on ``on`` (that day included); 0 when
    no posting there is running or a fresh one would start."""
    period = _current(stays, host_country, on)
    return period.counted(on) if period else 0


def _state(
    period: Period, rule: Rule, reached_on: date, today: date, notice_days: int
) -> State | None:
    if today < reached_on:
        return "approaching" if (reached_on - today).days <= notice_days else None
    if today > period.open_until:
        return None
    return "exceeded" if period.counted(today) > period.limit_days(rule.months) else "reached"


def warnings(stays: Sequence[Stay], *, today: date, notice_days: int = 60) -> list[LimitWarning]:
    """Every limit the member's stays approach (within ``notice_days``), reach or exceed, by
    ``reached_on`` then country then code."""
    if notice_days < 0:
        raise ValueError("notice_days must not be negative")
    found: list[LimitWarning] = []
    for country in sorted({stay.host_country for stay in stays}):
        for period in periods(stays, country):
            for rule in RULES:
                reached_on = period.reached_on(rule.months)
                if reached_on is None:
                    continue
                state = _state(period, rule, reached_on, today, notice_days)
                if state is not None:
                    days_left = max(0, (reached_on - today).days)
                    found.append(
                        LimitWarning(rule.code, country, reached_on, days_left, state, rule.source)
                    )
    return sorted(found, key=lambda w: (w.reached_on, w.host_country, w.code))
