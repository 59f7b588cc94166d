"""Breakdowns of events by an attribute of their own: downloads by format, public views by referrer
and by the viewer's country, profile adds by platform, failed deliveries by reason.

Activity metrics: the events that occurred in the window, of credentials in scope. Their attributes
live only on the events (no fold keeps them), so ONE statement groups the window's events of those
five types, each by its attribute, with the distinct recipients of each cell for suppression
(privacy.md: the viewer breakdowns are sensitive, runner.protect applies it). The cells are
counted in SQL; only they reach Python, where each breakdown keeps its 50 largest.
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
    """The window's events of the ``wanted`` breakdowns' types, for credentials in scope, counted per
    combination of their attributes and recipient, then each breakdown's cells (metric, key, value,
    recipients) in one union: only the cells reach Python (`attribute_rows`)."""
    e = tables["events"]
    types = sorted({BREAKDOWNS[m][0] for m in wanted})
    attributes = sorted({BREAKDOWNS[m][1] for m in wanted})
    e = e.filter(e.type.isin(types) & (e.occurred_at >= start) & (e.occurred_at < end))
    joined = e.join(scope.select("cred_hash", "recipient_hash"), "cred_hash")  # see verification.in_window
    counted = joined.group_by("type", "actor", "recipient_hash", *attributes).aggregate(n=joined.count())
    # NOTE: the per-recipient rows grow with the events (~10^5 a quarter at 10M): never fetched.
    parts = []
    for metric_id in sorted(wanted):
        kind, attribute, public = BREAKDOWNS[metric_id]
        rows = counted.filter(counted.type == kind)
        if public:
            rows = rows.filter(rows.actor == "public")
        key = rows[attribute].cast("string").fill_null(UNKNOWN)
        parts.append(
            rows.group_by(key=key).aggregate(
                metric=ibis.literal(metric_id), value=rows.n.sum(), recipients=rows.recipient_hash.nunique()
            )
        )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def attribute_rows(rows: Rows, wanted: frozenset[str]) -> dict[str, Rows]:
    """Each breakdown's rows (key, value = events, recipients = distinct recipients), largest first
    (ties by key), the 50 largest; every wanted breakdown has its list."""
    out: dict[str, Rows] = {metric_id: [] for metric_id in wanted}
    for r in rows:
        out[r["metric"]].append({"key": r["key"], "value": int(r["value"]), "recipients": int(r["recipients"])})
    return {metric_id: sorted(cells, key=lambda c: (-c["value"], c["key"]))[:TOP] for metric_id, cells in out.items()}
