"""Posting limits: 24 months of home social security, 12/18 months before host labour law."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.postings.limits import (
    AGGREGATION_SOURCE,
    RULES,
    LimitWarning,
    Stay,
    elapsed,
    months_end,
    periods,
    warnings,
)

PROPERTY = settings(database=None, max_examples=200, deadline=None)


def codes(found: list[LimitWarning]) -> list[tuple[str, str, str]]:
    return [(w.code, w.host_country, w.state) for w in found]


# -- counting months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 15), 12, date(2027, 1, 14)),
        (date(2026, 1, 1), 1, date(2026, 1, 31)),
        (date(2026, 3, 1), 24, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: last day of the month
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
        (date(2028, 1, 29), 1, date(2028, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 30), 18, date(2028, 5, 29)),
    ],
)
def test_a_period_of_months_ends_the_day_before_the_same_date(
    start: date, months: int, end: date
) -> None:
    assert months_end(start, months) == end


# -- one stay ------------------------------------------------------------------------------------

LONG = [Stay("FR", date(2026, 1, 15), date(2028, 6, 30))]


def test_no_warning_far_from_any_limit() -> None:
    assert warnings(LONG, today=date(2026, 6, 1)) == []


def test_twelve_months_approaching_with_days_left() -> None:
    (warning,) = warnings(LONG, today=date(2026, 12, 1))
    assert warning.code == "host_labour_law_12_months"
    assert warning.reached_on == date(2027, 1, 14)
    assert warning.days_left == 44
    assert warning.state == "approaching"
    assert "2018/957" in warning.source


def test_notice_window_edges() -> None:
    assert warnings(LONG, today=date(2026, 11, 15))[0].days_left == 60
    assert warnings(LONG, today=date(2026, 11, 14)) == []
    assert warnings(LONG, today=date(2026, 11, 14), notice_days=61)[0].days_left == 61


def test_reached_on_the_last_day_then_exceeded() -> None:
    assert codes(warnings(LONG, today=date(2027, 1, 14))) == [
        ("host_labour_law_12_months", "FR", "reached")
    ]
    (warning,) = warnings(LONG, today=date(2027, 1, 15))
    assert (warning.state, warning.days_left) == ("exceeded", 0)


def test_all_three_limits_after_two_years() -> None:
    found = warnings(LONG, today=date(2028, 1, 20))
    assert [(w.code, w.reached_on, w.state) for w in found] == [
        ("host_labour_law_12_months", date(2027, 1, 14), "exceeded"),
        ("host_labour_law_18_months", date(2027, 7, 14), "exceeded"),
        ("social_security_24_months", date(2028, 1, 14), "exceeded"),
    ]
    assert "883/2004" in found[2].source


def test_a_stay_ending_exactly_at_the_limit_reaches_it_without_exceeding() -> None:
    stays = [Stay("BE", date(2026, 1, 1), date(2026, 12, 31))]
    (warning,) = warnings(stays, today=date(2027, 1, 10))
    assert (warning.reached_on, warning.state) == (date(2026, 12, 31), "reached")
    # two months after the end the period is history: a new posting would start afresh
    assert warnings(stays, today=date(2027, 2, 28)) != []
    assert warnings(stays, today=date(2027, 3, 1)) == []
    assert elapsed(stays, "BE", date(2027, 3, 1)) == 0


def test_a_stay_one_day_short_never_warns() -> None:
    stays = [Stay("DE", date(2026, 1, 1), date(2026, 12, 30))]
    assert warnings(stays, today=date(2026, 12, 30)) == []
    assert elapsed(stays, "DE", date(2026, 12, 30)) == 364


# -- several stays -------------------------------------------------------------------------------

FIRST = Stay("FR", date(2026, 1, 1), date(2026, 6, 30))  # 181 days


def test_a_gap_just_under_two_months_adds_the_periods_up() -> None:
    second = Stay("FR", date(2026, 8, 31), date(2027, 3, 31))
    (period,) = periods([FIRST, second], "FR")
    assert period.start == date(2026, 1, 1)
    # the gap does not count: 365 days are reached 184 days into the second stay
    assert period.reached_on(12) == date(2027, 3, 2)
    assert elapsed([FIRST, second], "FR", date(2026, 7, 15)) == 181
    assert elapsed([FIRST, second], "FR", date(2026, 9, 1)) == 183
    (warning,) = warnings([FIRST, second], today=date(2027, 1, 1))
    assert (warning.code, warning.reached_on, warning.days_left) == (
        "host_labour_law_12_months",
        date(2027, 3, 2),
        60,
    )


def test_a_gap_of_two_months_starts_a_fresh_period() -> None:
    second = Stay("FR", date(2026, 9, 1), date(2027, 9, 30))
    first_period, fresh = periods([FIRST, second], "FR")
    assert first_period.end == date(2026, 6, 30)
    assert fresh.start == date(2026, 9, 1)
    assert elapsed([FIRST, second], "FR", date(2026, 9, 1)) == 1
    # until then a stay would still add up to the first period, so its days still count
    assert elapsed([FIRST, second], "FR", date(2026, 8, 31)) == 181
    (warning,) = warnings([FIRST, second], today=date(2027, 8, 1))
    assert warning.reached_on == date(2027, 8, 31)


def test_the_gap_rule_in_months_not_days() -> None:
    """After a stay ending on 31 January, 31 March still adds up, 1 April does not."""
    january = Stay("IT", date(2025, 6, 1), date(2026, 1, 31))
    assert len(periods([january, Stay("IT", date(2026, 3, 31), date(2026, 4, 5))], "IT")) == 1
    assert len(periods([january, Stay("IT", date(2026, 4, 1), date(2026, 4, 5))], "IT")) == 2
    assert "A2" in AGGREGATION_SOURCE


def test_overlapping_and_unsorted_stays_count_each_day_once() -> None:
    stays = [
        Stay("FR", date(2026, 3, 1), date(2026, 9, 30)),
        Stay("FR", date(2026, 1, 1), date(2026, 6, 30)),
        Stay("FR", date(2026, 10, 1), date(2026, 10, 31)),  # adjacent: one range
    ]
    (period,) = periods(stays, "FR")
    assert period.ranges == ((date(2026, 1, 1), date(2026, 10, 31)),)
    assert elapsed(stays, "FR", date(2026, 10, 31)) == 304


def test_stays_in_different_countries_do_not_add_up() -> None:
    stays = [
        Stay("FR", date(2026, 1, 1), date(2026, 6, 30)),
        Stay("BE", date(2026, 7, 1), date(2027, 6, 30)),
    ]
    found = warnings(stays, today=date(2027, 6, 1))
    assert codes(found) == [("host_labour_law_12_months", "BE", "approaching")]
    assert found[0].reached_on == date(2027, 6, 30)
    assert elapsed(stays, "FR", date(2026, 6, 30)) == 181
    assert elapsed(stays, "NL", date(2026, 6, 30)) == 0


def test_future_stays_warn_as_planned() -> None:
    stays = [Stay("ES", date(2026, 2, 1), date(2027, 6, 30))]
    today = date(2026, 1, 1)
    assert elapsed(stays, "ES", today) == 0
    assert warnings(stays, today=today) == []
    (warning,) = warnings(stays, today=today, notice_days=400)
    assert (warning.reached_on, warning.days_left, warning.state) == (
        date(2027, 1, 31),
        395,
        "approaching",
    )


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Stay("FR", date(2026, 2, 1), date(2026, 1, 31))
    with pytest.raises(ValueError, match="country code"):
        Stay("fr", date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(ValueError, match="notice_days"):
        warnings([], today=date(2026, 1, 1), notice_days=-1)


def test_every_rule_names_its_source_and_effective_date() -> None:
    assert {rule.code: rule.months for rule in RULES} == {
        "social_security_24_months": 24,
        "host_labour_law_12_months": 12,
        "host_labour_law_18_months": 18,
    }
    for rule in RULES:
        assert "https://eur-lex.europa.eu/" in rule.source
        assert rule.effective <= date(2020, 7, 30)


# -- properties ----------------------------------------------------------------------------------

ORIGIN = date(2025, 1, 1)
countries = st.sampled_from(["FR", "BE", "DE"])


@st.composite
def stays(draw: st.DrawFn) -> Stay:
    start = ORIGIN + timedelta(days=draw(st.integers(0, 1500)))
    return Stay(draw(countries), start, start + timedelta(days=draw(st.integers(0, 900))))


stay_lists = st.lists(stays(), max_size=6)
days = st.integers(0, 2800).map(lambda n: ORIGIN + timedelta(days=n))


@PROPERTY
@given(stay_lists, days, st.randoms(use_true_random=False))
def test_order_does_not_matter(found: list[Stay], today: date, rnd: random.Random) -> None:
    shuffled = list(found)
    rnd.shuffle(shuffled)
    assert warnings(shuffled, today=today) == warnings(found, today=today)
    for country in ("FR", "BE", "DE"):
        assert elapsed(shuffled, country, today) == elapsed(found, country, today)


@PROPERTY
@given(stays(), st.integers(0, 900), days)
def test_splitting_a_stay_changes_nothing(stay: Stay, cut: int, today: date) -> None:
    cut_day = min(stay.start + timedelta(days=cut), stay.end)
    if cut_day == stay.end:
        split = [stay]
    else:
        split = [
            Stay(stay.host_country, stay.start, cut_day),
            Stay(stay.host_country, cut_day + timedelta(days=1), stay.end),
        ]
    assert warnings(split, today=today) == warnings([stay], today=today)
    assert elapsed(split, stay.host_country, today) == elapsed([stay], stay.host_country, today)


@PROPERTY
@given(stays(), days)
def test_a_single_stay_reaches_each_limit_on_start_plus_months(stay: Stay, today: date) -> None:
    (period,) = periods([stay], stay.host_country)
    for rule in RULES:
        limit_day = months_end(stay.start, rule.months)
        expected = limit_day if limit_day <= stay.end else None
        assert period.reached_on(rule.months) == expected
    counted = elapsed([stay], stay.host_country, today)
    assert 0 <= counted <= (stay.end - stay.start).days + 1
    if stay.start <= today <= stay.end:
        assert counted == (today - stay.start).days + 1


@PROPERTY
@given(stay_lists, days, st.integers(0, 120))
def test_states_agree_with_days_left_and_elapsed(
    found: list[Stay], today: date, notice: int
) -> None:
    for warning in warnings(found, today=today, notice_days=notice):
        if warning.state == "approaching":
            assert 0 < warning.days_left <= notice
            assert warning.days_left == (warning.reached_on - today).days
        else:
            assert warning.days_left == 0
            assert warning.reached_on <= today
            (period,) = [
                p for p in periods(found, warning.host_country) if p.start <= today <= p.open_until
            ]
            months = next(r.months for r in RULES if r.code == warning.code)
            counted = elapsed(found, warning.host_country, today)
            if warning.state == "reached":
                assert counted == period.limit_days(months)
            else:
                assert counted > period.limit_days(months)
