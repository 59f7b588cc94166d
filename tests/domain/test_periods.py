"""Windows, presets, comparisons and buckets of metrics.md, on dates where the answer is obvious."""

from __future__ import annotations

import datetime as dt

import pytest

from credlens.domain.periods import (
    Compare,
    Interval,
    PeriodError,
    Preset,
    Window,
    buckets,
    comparison_window,
    preset_window,
    today_in,
)

D = dt.date
TODAY = D(2026, 5, 15)  # a Friday in Q2


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        (Preset.LAST_7_DAYS, Window(D(2026, 5, 9), TODAY)),  # 9..15 May: 7 days ending today
        (Preset.LAST_30_DAYS, Window(D(2026, 4, 16), TODAY)),
        (Preset.LAST_90_DAYS, Window(D(2026, 2, 15), TODAY)),  # 14 (Feb) + 31 + 30 + 15 = 90
        (Preset.THIS_QUARTER, Window(D(2026, 4, 1), TODAY)),
        (Preset.LAST_QUARTER, Window(D(2026, 1, 1), D(2026, 3, 31))),  # previous complete quarter
        (Preset.YEAR_TO_DATE, Window(D(2026, 1, 1), TODAY)),
        (Preset.LAST_12_MONTHS, Window(D(2025, 5, 16), TODAY)),  # 365 days ending today
        (Preset.ALL, Window(D(2000, 1, 1), TODAY)),
    ],
)
def test_presets(preset: Preset, expected: Window) -> None:
    assert preset_window(preset, TODAY) == expected


def test_last_quarter_in_january_is_the_previous_years_q4() -> None:
    assert preset_window(Preset.LAST_QUARTER, D(2026, 1, 3)) == Window(D(2025, 10, 1), D(2025, 12, 31))


def test_comparison_windows() -> None:
    q1 = Window(D(2026, 1, 1), D(2026, 3, 31))  # 90 days
    assert comparison_window(q1, Compare.PREVIOUS) == Window(D(2025, 10, 3), D(2025, 12, 31))  # the 90 days before
    assert comparison_window(q1, Compare.YEAR) == Window(D(2025, 1, 1), D(2025, 3, 31))
    leap = Window(D(2024, 2, 29), D(2024, 2, 29))
    assert comparison_window(leap, Compare.YEAR) == Window(D(2023, 2, 28), D(2023, 2, 28))
    with pytest.raises(PeriodError, match="nothing to compare"):
        comparison_window(preset_window(Preset.ALL, TODAY), Compare.PREVIOUS)


def test_a_window_cannot_end_before_it_starts() -> None:
    with pytest.raises(PeriodError, match="ends"):
        Window(D(2026, 2, 1), D(2026, 1, 31))


def test_buckets_are_clipped_iso_weeks_and_calendar_months() -> None:
    window = Window(D(2026, 1, 28), D(2026, 3, 3))  # Wed 28 Jan .. Tue 3 Mar
    weeks = buckets(window, Interval.WEEK)
    assert weeks[0] == Window(D(2026, 1, 28), D(2026, 2, 1))  # clipped: Wed..Sun
    assert weeks[1].start == D(2026, 2, 2)  # a Monday
    assert weeks[1].start.weekday() == 0
    assert weeks[-1] == Window(D(2026, 3, 2), D(2026, 3, 3))
    assert buckets(window, Interval.MONTH) == [
        Window(D(2026, 1, 28), D(2026, 1, 31)),
        Window(D(2026, 2, 1), D(2026, 2, 28)),
        Window(D(2026, 3, 1), D(2026, 3, 3)),
    ]
    assert len(buckets(window, Interval.DAY)) == window.days == 35
    december = buckets(Window(D(2025, 12, 15), D(2026, 1, 10)), Interval.MONTH)
    assert [b.start for b in december] == [D(2025, 12, 15), D(2026, 1, 1)]


def test_utc_bounds_follow_the_issuers_midnights() -> None:
    january = Window(D(2026, 1, 1), D(2026, 1, 31))
    # New York is UTC-5 in winter: local midnight is 05:00 UTC
    assert january.utc_bounds("America/New_York") == (dt.datetime(2026, 1, 1, 5), dt.datetime(2026, 2, 1, 5))
    # across the spring DST change (8 March 2026 in New York): the end is at UTC-4
    march = Window(D(2026, 3, 1), D(2026, 3, 31))
    assert march.utc_bounds("America/New_York") == (dt.datetime(2026, 3, 1, 5), dt.datetime(2026, 4, 1, 4))
    assert january.utc_bounds("Asia/Kolkata")[0] == dt.datetime(2025, 12, 31, 18, 30)
    assert january.utc_bounds("UTC") == (dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1))


def test_today_is_the_issuers_day() -> None:
    now = dt.datetime(2026, 5, 15, 2, 0, tzinfo=dt.UTC)  # 22:00 on the 14th in New York
    assert today_in("America/New_York", now) == D(2026, 5, 14)
    assert today_in("Asia/Tokyo", now) == D(2026, 5, 15)
