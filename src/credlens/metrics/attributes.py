"""Breakdowns of events by an attribute of their own: downloads by format, public views by referrer
and by the viewer's country, profile adds by platform, failed deliveries by reason.

Activity metrics: the events that occurred in the window, of credentials in scope. Their attributes
live only on the events (no fold keeps them), so ONE statement groups the window's events of those
five types, each by its attribute, with the distinct recipients of each cell for suppression
(privacy.md: the viewer breakdowns are sensitive, runner.protect applies it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
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
    """The window's events of the ``wanted`` breakdowns, for credentials in scope: rows of
    (metric, key, value = events, recipients = distinct recipients)."""
    e = tables["events"]
    types = sorted({BREAKDOWNS[m][0] for m in wanted})
    e = e.filter(e.type.isin(types) & (e.occurred_at >= start) & (e.occurred_at < end))
    e = e.select("cred_hash", "type", "actor", *sorted({BREAKDOWNS[m][1] for m in wanted}))
    # Each breakdown's events as thin (cred_hash, metric, key) rows, joined to the scope ONCE.
    # NOTE: measured on the medium demo (1M events, 90 days), joining each breakdown's events to the
    # scope apart took ~60 ms; the window's events of these types are a few thousand rows.
    parts = []
    for metric_id in sorted(wanted):
        kind, attribute, public = BREAKDOWNS[metric_id]
        rows = e.filter(e.type == kind)
        if public:
            rows = rows.filter(rows.actor == "public")
        parts.append(
            rows.select(
                "cred_hash", metric=ibis.literal(metric_id), key=rows[attribute].cast("string").fill_null(UNKNOWN)
            )
        )
    thin = parts[0] if len(parts) == 1 else ibis.union(*parts)
    joined = thin.join(scope.select("cred_hash", "recipient_hash"), "cred_hash")  # see verification.in_window
    return joined.group_by("metric", "key").aggregate(value=joined.count(), recipients=joined.recipient_hash.nunique())


def attribute_rows(rows: Rows, wanted: frozenset[str]) -> dict[str, Rows]:
    """Each breakdown's rows, largest first (ties by key); every wanted breakdown has its list."""
    out: dict[str, Rows] = {metric_id: [] for metric_id in wanted}
    for r in rows:
        out[r["metric"]].append({"key": r["key"], "value": int(r["value"]), "recipients": int(r["recipients"])})
    return {metric_id: sorted(found, key=lambda r: (-r["value"], r["key"]))[:TOP] for metric_id, found in out.items()}
