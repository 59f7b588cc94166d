"""parse_query: one immutable Query, or an error naming the parameter to fix."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from credlens.domain.periods import Compare, Interval, Preset, Window
from credlens.domain.query import Filters, QueryError, TooManyBuckets, parse_query

D = dt.date
TODAY = D(2026, 5, 15)


def test_dates_filters_and_comparison() -> None:
    query = parse_query(
        "acme",
        "Europe/Paris",
        date_from="2026-01-01",
        date_to="2026-03-31",
        programs=("p1", "p2", "p1"),
        kind="badge",
        compare="previous",
        today=TODAY,
    )
    assert query.window == Window(D(2026, 1, 1), D(2026, 3, 31))
    assert query.filters == Filters(("p1", "p2"), "badge", None)  # repeated programs once
    assert query.interval is Interval.WEEK  # 90 days: weekly trend by default
    comparison = query.comparison()
    assert comparison is not None
    assert comparison.window == Window(D(2025, 10, 3), D(2025, 12, 31))
    assert (comparison.compare, comparison.filters, comparison.issuer) == (None, query.filters, "acme")


def test_a_preset_names_its_window_and_default_interval() -> None:
    query = parse_query("acme", "UTC", period="30d", today=TODAY)
    assert (query.preset, query.window.days, query.interval) == (Preset.LAST_30_DAYS, 30, Interval.DAY)
    assert parse_query("acme", "UTC", period="all", today=TODAY).interval is Interval.MONTH
    assert parse_query("acme", "UTC", period="ytd", compare="year", today=TODAY).compare is Compare.YEAR


@pytest.mark.parametrize(
    ("kwargs", "field", "says"),
    [
        ({"date_from": "2026-13-01", "date_to": "2026-12-31"}, "from", "not a date"),
        ({"date_from": "2026-01-01", "date_to": "yesterday"}, "to", "YYYY-MM-DD"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "to", "before it starts"),
        ({"date_from": "2026-01-01"}, "to", "both"),
        ({}, "from", "or a period"),
        ({"period": "30d", "date_from": "2026-01-01"}, "period", "not both"),
        ({"period": "last_week"}, "period", "7d, 30d, 90d"),
        ({"period": "30d", "compare": "lastyear"}, "compare", "previous, year"),
        ({"period": "30d", "interval": "hour"}, "interval", "day, week, month"),
        ({"period": "30d", "kind": "diploma"}, "kind", "certificate, badge"),
        ({"period": "all", "compare": "previous"}, "compare", "nothing to compare"),
    ],
)
def test_bad_queries_name_the_parameter(kwargs: dict[str, str], field: str, says: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("acme", "UTC", today=TODAY, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("kwargs", "field", "says"),
    [  # issue 14: a window of centuries by day made one request take 8 GB and 90 s
        ({"date_from": "2000-01-01", "date_to": "2026-12-31", "interval": "day"}, "interval", "use interval=month"),
        ({"date_from": "2025-01-01", "date_to": "2026-03-01", "interval": "day"}, "interval", "use interval=week"),
        ({"period": "all", "interval": "week"}, "interval", "limit of 400"),
        ({"date_from": "2000-01-01", "date_to": "9999-12-31"}, "to", "out of range"),  # was an OverflowError
        ({"date_from": "2026-01-01", "date_to": "2027-05-17"}, "to", "to 2027-05-16"),
        ({"date_from": "1999-12-31", "date_to": "2026-01-01"}, "from", "from 2000-01-01"),
        ({"date_from": "0001-01-01", "date_to": "0001-01-02"}, "from", "out of range"),
        ({"date_from": "9999-12-30", "date_to": "9999-12-31"}, "from", "out of range"),
    ],
)
def test_queries_are_bounded(kwargs: dict[str, str], field: str, says: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("acme", "UTC", today=TODAY, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert says in caught.value.message


def test_the_widest_windows_within_the_bounds_run() -> None:
    latest = TODAY + dt.timedelta(days=366)
    widest = parse_query("acme", "UTC", date_from="2000-01-01", date_to=latest.isoformat(), today=TODAY)
    assert widest.interval is Interval.MONTH  # the default interval always fits
    by_day = parse_query("acme", "UTC", date_from="2025-04-12", date_to="2026-05-15", interval="day", today=TODAY)
    assert by_day.window.days == 399
    assert parse_query("acme", "UTC", date_from="2026-05-15", date_to=latest.isoformat(), today=TODAY)


@pytest.mark.parametrize(
    ("today", "window", "previous"),
    [
        (TODAY, Window(D(2026, 1, 1), D(2026, 3, 31)), Window(D(2025, 10, 1), D(2025, 12, 31))),  # 90 days vs 92
        (D(2026, 8, 2), Window(D(2026, 4, 1), D(2026, 6, 30)), Window(D(2026, 1, 1), D(2026, 3, 31))),  # 91 vs 90
        (D(2026, 1, 3), Window(D(2025, 10, 1), D(2025, 12, 31)), Window(D(2025, 7, 1), D(2025, 9, 30))),
    ],
)
def test_last_quarter_against_previous_is_the_calendar_quarter_before(
    today: dt.date, window: Window, previous: Window
) -> None:
    """Issue 15: `last_quarter` with `previous` was the same number of days before (Q1 2026 against
    3 Oct..31 Dec 2025); a quarter is compared with the quarter before it."""
    query = parse_query("acme", "UTC", period="last_quarter", compare="previous", today=today)
    comparison = query.comparison()
    assert (query.window, comparison.window if comparison else None) == (window, previous)
    # the same dates typed by hand keep the days-before rule: it is the preset that names a quarter
    typed = parse_query("acme", "UTC", date_from="2026-01-01", date_to="2026-03-31", compare="previous", today=TODAY)
    assert typed.comparison() == replace(typed, window=Window(D(2025, 10, 3), D(2025, 12, 31)), compare=None)


def test_too_many_buckets_names_the_intervals_that_fit() -> None:
    with pytest.raises(TooManyBuckets) as refused:
        parse_query("acme", "UTC", period="all", interval="day", today=TODAY)
    assert (refused.value.field, refused.value.fits) == ("interval", (Interval.MONTH,))
    assert isinstance(refused.value, QueryError)
