"""Calendar windows of metrics.md: presets, comparison windows and trend buckets.

Windows are calendar dates, both ends inclusive, in the issuer's time zone; they become UTC instants
only at the edge (``utc_bounds``), so a metric filters stored UTC timestamps exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

EARLIEST_DAY = dt.date(2000, 1, 1)  # docs/ingestion.md: nothing occurs before this


class PeriodError(ValueError):
    """A window that cannot be: unknown preset, end before start, a comparison of `all`."""


class Preset(Enum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    LAST_90_DAYS = "90d"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    YEAR_TO_DATE = "ytd"
    LAST_12_MONTHS = "12mo"
    ALL = "all"


class Compare(Enum):
    PREVIOUS = "previous"
    YEAR = "year"


class Interval(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, order=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"the window ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as naive UTC datetimes: local midnight of the first day, of the day after the last."""
        return _utc_midnight(self.start, timezone), _utc_midnight(self.end + dt.timedelta(days=1), timezone)


def _utc_midnight(day: dt.date, timezone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def today_in(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """The issuer's current calendar day."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone)).date()


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_window(preset: Preset, today: dt.date) -> Window:
    """The window a preset names on ``today`` (the issuer's day). `Nd` is the N days ending today."""
    days = {Preset.LAST_7_DAYS: 7, Preset.LAST_30_DAYS: 30, Preset.LAST_90_DAYS: 90}
    if preset in days:
        return Window(today - dt.timedelta(days=days[preset] - 1), today)
    if preset is Preset.THIS_QUARTER:
        return Window(quarter_start(today), today)
    if preset is Preset.LAST_QUARTER:
        end = quarter_start(today) - dt.timedelta(days=1)
        return Window(quarter_start(end), end)
    if preset is Preset.YEAR_TO_DATE:
        return Window(dt.date(today.year, 1, 1), today)
    if preset is Preset.LAST_12_MONTHS:
        return Window(year_earlier(today) + dt.timedelta(days=1), today)
    return Window(EARLIEST_DAY, today)


def year_earlier(day: dt.date) -> dt.date:
    """The same date a year before; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def comparison_window(window: Window, compare: Compare, preset: Preset | None = None) -> Window:
    """`previous`: the same number of days immediately before, except for `last_quarter`, whose
    previous window is the calendar quarter before it (a quarter is compared with a quarter, not with
    the 90 or 92 days before it); `year`: the same dates a year earlier."""
    if window.start <= EARLIEST_DAY:
        raise PeriodError("a window that starts at the beginning of time (`all`) has nothing to compare with")
    if compare is Compare.PREVIOUS and preset is Preset.LAST_QUARTER:
        end = window.start - dt.timedelta(days=1)
        return Window(quarter_start(end), end)
    if compare is Compare.PREVIOUS:
        return Window(window.start - dt.timedelta(days=window.days), window.start - dt.timedelta(days=1))
    return Window(year_earlier(window.start), year_earlier(window.end))


def bucket_start(day: dt.date, interval: Interval) -> dt.date:
    if interval is Interval.WEEK:
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def buckets(window: Window, interval: Interval) -> list[Window]:
    """The interval buckets covering the window, the first and last clipped to it."""
    result: list[Window] = []
    start = window.start
    while start <= window.end:
        nxt = _next_bucket(bucket_start(start, interval), interval)
        end = min(nxt - dt.timedelta(days=1), window.end)
        result.append(Window(start, end))
        start = nxt
    return result


def bucket_count(window: Window, interval: Interval) -> int:
    """``len(buckets(window, interval))``, counted without listing them (a window may be refused for it)."""
    if interval is Interval.DAY:
        return window.days
    if interval is Interval.WEEK:
        return (bucket_start(window.end, interval) - bucket_start(window.start, interval)).days // 7 + 1
    return (window.end.year - window.start.year) * 12 + window.end.month - window.start.month + 1


def _next_bucket(start: dt.date, interval: Interval) -> dt.date:
    if interval is Interval.DAY:
        return start + dt.timedelta(days=1)
    if interval is Interval.WEEK:
        return start + dt.timedelta(days=7)
    return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
