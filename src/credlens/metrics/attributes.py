"""Breakdowns of events by an attribute of their own: downloads by format, public views by referrer
and by the viewer's country, profile adds by platform, failed deliveries by reason.

Activity metrics: the events that occurred in the window, of credentials in scope. Their attributes
live only on the events (no fold keeps them), so ONE statement groups the window's events of those
five types, each by its attribute, with the distinct recipients of each cell for suppression
(privacy.md: the viewer breakdowns are sensitive, runner.protect applies it). The events are
counted per recipient and attributes in SQL and added up per breakdown here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from credlens.store.scope import IssuerTables

Rows = list[dict[str, Any]]
UNKNOWN = "unknown"
TOP = 50  # referrer domains are open-ended: the 50 largest cells

# metric id -> (event type, the attribute it is broken down by, public views only)
BREAKDOWNS: dict[str, tuple[str, str, bool]] = {
    "downloads_by_format": ("credential.downloaded", "format", False),
    "public_views_by_referrer": ("credential.viewed", "referrer_domain", True),
    "public_views_by_country": ("credential.viewed", "country", True),
    "profile_adds_by_platform": ("credential.profile_added", "platform", False),
    "delivery_failures_by_reason": ("credential.delivery_failed", "reason", False),
}


def event_attributes(
    tables: IssuerTables, scope: ir.Table, start: dt.datetime, end: dt.datetime, wanted: frozenset[str]
) -> ir.Table:
    """The window's events of the ``wanted`` breakdowns' types, for credentials in scope, counted per
    combination of their attributes and recipient: `attribute_rows` adds them up per breakdown.

    NOTE: measured on the medium demo (1M events, 90 days, compared with the window before), the
    Programs page's run took ~45 ms this way against ~80-140 ms with a group-by per breakdown
    (~28 ms without these breakdowns); the window's events of these types are a few thousand rows.
    """
    e = tables["events"]
    types = sorted({BREAKDOWNS[m][0] for m in wanted})
    attributes = sorted({BREAKDOWNS[m][1] for m in wanted})
    e = e.filter(e.type.isin(types) & (e.occurred_at >= start) & (e.occurred_at < end))
    joined = e.join(scope.select("cred_hash", "recipient_hash"), "cred_hash")  # see verification.in_window
    return joined.group_by("type", "actor", "recipient_hash", *attributes).aggregate(n=joined.count())


def attribute_rows(rows: Rows, wanted: frozenset[str]) -> dict[str, Rows]:
    """Each breakdown's rows (key, value = events, recipients = distinct recipients), largest first
    (ties by key), the 50 largest; every wanted breakdown has its list."""
    out: dict[str, Rows] = {}
    for metric_id in wanted:
        kind, attribute, public = BREAKDOWNS[metric_id]
        events: dict[str, int] = {}
        people: dict[str, set[Any]] = {}
        for r in rows:
            if r["type"] != kind or (public and r["actor"] != "public"):
                continue
            key = UNKNOWN if r[attribute] is None else str(r[attribute])
            events[key] = events.get(key, 0) + int(r["n"])
            people.setdefault(key, set()).add(r["recipient_hash"])
        ranked = sorted(events.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
        out[metric_id] = [{"key": key, "value": n, "recipients": len(people[key])} for key, n in ranked]
    return out
