"""The query of metrics.md as one immutable value, parsed once from what a surface received.

Every surface (CLI, API, dashboards, reports) builds a Query with ``parse_query`` and hands it to
the metrics engine; the comparison window is a second Query derived from the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TypeVar

from credlens.domain.periods import (
    EARLIEST_DAY,
    Compare,
    Interval,
    PeriodError,
    Preset,
    Window,
    bucket_count,
    comparison_window,
    preset_window,
    today_in,
)

KINDS = ("certificate", "badge")
# Every query is bounded before anything runs (docs/deployment.md, "What is bounded"): its cost and
# its answer grow with its trend buckets, so a query asking more of them is refused, never coarsened.
# 400: a year and a month by day, 7 years by week, and by month every window the dates below allow.
MAX_BUCKETS = 400
LATEST_AHEAD = dt.timedelta(days=366)  # `to` is at most a year after the issuer's today


class QueryError(ValueError):
    """A query that cannot be run; ``field`` names the parameter to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TooManyBuckets(QueryError):
    """A trend of more than MAX_BUCKETS buckets; ``fits`` lists the intervals that fit, finest first
    (a page offers them instead of a bare refusal)."""

    def __init__(self, message: str, fits: tuple[Interval, ...]) -> None:
        super().__init__("interval", message)
        self.fits = fits


@dataclass(frozen=True)
class Filters:
    programs: tuple[str, ...] = ()
    kind: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Query:
    issuer: str
    timezone: str
    window: Window
    filters: Filters = Filters()
    compare: Compare | None = None
    interval: Interval = Interval.MONTH
    preset: Preset | None = None

    def comparison(self) -> Query | None:
        """The same query over the comparison window, or None without `compare`."""
        if self.compare is None:
            return None
        window = comparison_window(self.window, self.compare, self.preset)
        return replace(self, window=window, compare=None, preset=None)


def default_interval(window: Window) -> Interval:
    """Days up to a month, weeks up to half a year, months beyond: a trend of 5 to 60 points."""
    if window.days <= 31:
        return Interval.DAY
    return Interval.WEEK if window.days <= 184 else Interval.MONTH


def parse_query(
    issuer: str,
    timezone: str,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    period: str | None = None,
    programs: tuple[str, ...] = (),
    kind: str | None = None,
    department: str | None = None,
    compare: str | None = None,
    interval: str | None = None,
    today: dt.date | None = None,
) -> Query:
    """Validate every part and build the Query; errors name the parameter and say what to send."""
    preset, window = _window(date_from, date_to, period, today or today_in(timezone))
    if kind is not None and kind not in KINDS:
        raise QueryError("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    query = Query(
        issuer=issuer,
        timezone=timezone,
        window=window,
        filters=Filters(tuple(dict.fromkeys(programs)), kind, department or None),
        compare=_enum(Compare, compare, "compare"),
        interval=_enum(Interval, interval, "interval") or default_interval(window),
        preset=preset,
    )
    try:
        comparison = query.comparison()
    except PeriodError as exc:
        raise QueryError("compare", str(exc)) from exc
    for bounded in (query, comparison):  # a comparison window may straddle one more week
        if bounded is not None:
            _check_buckets(bounded)
    return query


def _check_buckets(query: Query) -> None:
    count = bucket_count(query.window, query.interval)
    if count <= MAX_BUCKETS:
        return
    fits = tuple(i for i in Interval if bucket_count(query.window, i) <= MAX_BUCKETS)
    instead = f"use interval={fits[0].value} or a shorter window" if fits else "use a shorter window"
    raise TooManyBuckets(
        f"{query.interval.value} over {query.window.start} to {query.window.end} makes {count} trend buckets, "
        f"more than the limit of {MAX_BUCKETS}; {instead}",
        fits,
    )


def _window(
    date_from: str | None, date_to: str | None, period: str | None, today: dt.date
) -> tuple[Preset | None, Window]:
    if period is not None:
        if date_from is not None or date_to is not None:
            raise QueryError("period", "give either a period or --from/--to dates, not both")
        preset = _enum(Preset, period, "period")
        assert preset is not None
        return preset, preset_window(preset, today)
    if date_from is None or date_to is None:
        raise QueryError("from" if date_from is None else "to", "give both --from and --to dates, or a period")
    start, end = _date("from", date_from), _date("to", date_to)
    latest = today + LATEST_AHEAD
    for field, day in (("from", start), ("to", end)):
        if not EARLIEST_DAY <= day <= latest:
            raise QueryError(field, f"{day} is out of range: give a day from {EARLIEST_DAY} to {latest}")
    try:
        return None, Window(start, end)
    except PeriodError as exc:
        raise QueryError("to", str(exc)) from exc


def _date(field: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(field, f"{value!r} is not a date; use YYYY-MM-DD") from None


E = TypeVar("E", Preset, Compare, Interval)


def _enum(cls: type[E], value: str | None, field: str) -> E | None:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise QueryError(field, f"must be one of {allowed}, not {value!r}") from None
