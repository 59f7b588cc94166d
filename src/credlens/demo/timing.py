"""When credentials are issued: an issuer's daily calendar over the demo period and award times.

The calendar combines month and weekday seasonality, year-over-year growth and bulk-award days
(graduations, cohort ends, exam results), in the issuer's own time zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from credlens.demo.model import DemoIssuer, Seasonality
from credlens.demo.sampling import DAY, HOUR, BoolArray, FloatArray, IntArray, pick

HISTORY_DAYS = 3 * 365 + 1
BATCH_HOUR = 10  # local time bulk awards start
BATCH_RATE = 2  # awards per second of a bulk run
# ASSUMPTION: local hour of awards made one by one (LMS triggers, staff working hours).
AWARD_HOURS = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    3.0,
    3.2,
    3.0,
    2.6,
    3.0,
    3.0,
    2.8,
    2.4,
    1.8,
    1.2,
    1.0,
    0.9,
    0.8,
    0.6,
    0.4,
)


@dataclass(frozen=True)
class Calendar:
    """An issuer's expected awards per day of the demo period (day 0 = ``first_day``)."""

    first_day: int  # days since 1970-01-01
    intensity: FloatArray  # relative expected awards per day
    batch_fraction: FloatArray  # share of a day's awards made in one bulk run
    utc_offset: IntArray  # the issuer's UTC offset per day, seconds


def build_calendar(issuer: DemoIssuer, today: dt.date) -> Calendar:
    """The issuer's calendar for the ``HISTORY_DAYS`` days ending on ``today``."""
    first = (today - dt.date(1970, 1, 1)).days - HISTORY_DAYS + 1
    days = np.arange(first, first + HISTORY_DAYS, dtype=np.int64)
    season = issuer.seasonality
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weekdays = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    growth = season.growth ** (np.arange(HISTORY_DAYS) / 365.0)
    steady = np.asarray(season.months)[months] * np.asarray(season.weekdays)[weekdays] * growth
    steady *= (1.0 - season.batch_share) / steady.sum()
    bulk = np.where(_batch_days(season, days, weekdays), growth, 0.0)
    if bulk.sum() > 0:
        bulk *= season.batch_share / bulk.sum()
    intensity = steady + bulk
    return Calendar(first, intensity, bulk / intensity, _utc_offsets(issuer.timezone, days))


def _batch_days(season: Seasonality, days: IntArray, weekdays: IntArray) -> BoolArray:
    """Days with a bulk award run: cohort Fridays and yearly dates (moved off weekends)."""
    marked = np.zeros(len(days), dtype=np.bool_)
    if season.batch_every_weeks:
        fridays = np.flatnonzero(weekdays == 4)
        marked[fridays[:: season.batch_every_weeks]] = True
    epoch = dt.date(1970, 1, 1)
    first, last = epoch + dt.timedelta(days=int(days[0])), epoch + dt.timedelta(days=int(days[-1]))
    for year in range(first.year, last.year + 1):
        for month, day in season.batch_dates:
            date = dt.date(year, month, day)
            date -= dt.timedelta(days=max(0, date.weekday() - 4))
            index = (date - first).days
            if 0 <= index < len(days):
                marked[index] = True
    return marked


def _utc_offsets(timezone: str, days: IntArray) -> IntArray:
    """The zone's UTC offset at local noon of each day (UTC if the zone database lacks it)."""
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(timezone)
    except zoneinfo.ZoneInfoNotFoundError:
        zone = dt.UTC
    epoch = dt.datetime(1970, 1, 1, 12)
    offsets = [zone.utcoffset(epoch + dt.timedelta(days=int(d))) or dt.timedelta() for d in days]
    return np.array([int(o.total_seconds()) for o in offsets], dtype=np.int64)


def daily_counts(calendar: Calendar, n: int, rng: np.random.Generator) -> IntArray:
    """How many of ``n`` credentials are awarded on each day of the calendar."""
    p = calendar.intensity / calendar.intensity.sum()
    return rng.multinomial(n, p).astype(np.int64)


def day_blocks(per_day: IntArray, block_size: int) -> Iterator[tuple[int, int]]:
    """Consecutive day ranges [start, stop) holding about ``block_size`` awards each."""
    start, total = 0, 0
    for day, count in enumerate(per_day.tolist()):
        total += count
        if total >= block_size:
            yield start, day + 1
            start, total = day + 1, 0
    if start < len(per_day):
        yield start, len(per_day)


def award_times(calendar: Calendar, per_day: IntArray, start: int, stop: int, rng: np.random.Generator) -> IntArray:
    """Sorted award times (UTC epoch seconds) of the credentials of days [start, stop)."""
    day = np.repeat(np.arange(start, stop, dtype=np.int64), per_day[start:stop])
    n = len(day)
    bulk = rng.random(n) < calendar.batch_fraction[day]
    first_of_day = np.searchsorted(day, day)
    in_bulk: IntArray = np.cumsum(bulk) - bulk
    rank: IntArray = in_bulk - in_bulk[first_of_day]
    steady = pick(rng, AWARD_HOURS, n) * HOUR + rng.integers(0, HOUR, n)
    local = np.where(bulk, BATCH_HOUR * HOUR + rank // BATCH_RATE, steady)
    at = (calendar.first_day + day) * DAY + local - calendar.utc_offset[day]
    return np.sort(at)
