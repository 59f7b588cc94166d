"""Which trend buckets the window covers only in part: the first when the window starts after the
bucket does, the last when the window ends before the bucket does (e.g. a month still running).
A partial bucket is marked on the page, never drawn as if its count had collapsed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

Json = dict[str, Any]


def bucket_end(start: dt.date, interval: str) -> dt.date:
    """The first day after the whole bucket that starts on ``start``."""
    if interval == "day":
        return start + dt.timedelta(days=1)
    if interval == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def partial_keys(query: Json, rows: Sequence[Json]) -> set[str]:
    """The keys (bucket starts, YYYY-MM-DD) of ``rows`` that the query's window covers only in part."""
    if not rows or not query.get("from") or not query.get("to"):
        return set()
    first, last = dt.date.fromisoformat(query["from"]), dt.date.fromisoformat(query["to"])
    interval = query.get("interval") or "month"
    out = set()
    for row in (rows[0], rows[-1]):
        start = dt.date.fromisoformat(str(row["key"])[:10])
        whole = aligned(start, interval)  # the first bucket's key is the window's start when it is clipped
        if start < first or whole != start or bucket_end(whole, interval) - dt.timedelta(days=1) > last:
            out.add(str(row["key"]))
    return out


def aligned(day: dt.date, interval: str) -> dt.date:
    """The start of the whole bucket holding ``day``: itself, its ISO week's Monday, its month's 1st."""
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day
