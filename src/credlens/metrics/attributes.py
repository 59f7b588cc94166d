"""Breakdowns of events by an attribute of their own: downloads by format, public views by referrer
and by the viewer's country, profile adds by platform, failed deliveries by reason.

Activity metrics: the events that occurred in the window, of credentials in scope, with the distinct
recipients of each cell for suppression (privacy.md: the viewer breakdowns are sensitive,
runner.protect applies it). The fold keeps their counts per issuer-local day (store/breakdowns.py),
so no raw event is read and retention does not take them away:
- an unfiltered scope adds up `attribute_cells`, where each recipient counts on its first day of
  the window (the rows whose previous day in the cell is before it): no distinct count;
- a scope filtered by program, kind or department counts its distinct recipients from
  `attribute_days`, which carries the credential's program and kind (the department is the
  program's, as every filtered metric reads it).
ONE statement counts every wanted breakdown's cells; only they reach Python, where each breakdown
keeps its 50 largest.

NOTE: measured at 10M events, the unfiltered statement takes ~10 ms (`last_quarter`) and ~40-50 ms
(`all`); grouping the raw events took 0.9 s and 5.4 s (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from credlens.domain.query import Filters, Query
from credlens.metrics.issuance import program_filter
from credlens.store.breakdowns import BREAKDOWNS, UNKNOWN
from credlens.store.scope import IssuerTables

__all__ = ["BREAKDOWNS", "TOP", "UNKNOWN", "attribute_rows", "event_attributes"]

Rows = list[dict[str, Any]]
TOP = 50  # referrer domains are open-ended: the 50 largest cells


def event_attributes(
    query: Query, tables: IssuerTables, first: dt.date, last: dt.date, wanted: frozenset[str]
) -> ir.Table:
    """The ``wanted`` breakdowns' cells (metric, key, value = events, recipients = distinct
    recipients) over the issuer-local days ``first`` to ``last``, for credentials in the query's
    scope: only the cells reach Python (`attribute_rows`)."""
    names = sorted(wanted)
    if query.filters == Filters():
        c = tables["attribute_cells"]
        c = c.filter(c.breakdown.isin(names) & (c.day >= first) & (c.day <= last))
        new = c.prev_day.isnull() | (c.prev_day < first)  # the recipient's first day in the window
        return c.group_by(metric=c.breakdown, key=c.key).aggregate(
            value=c.events.sum(), recipients=c.recipients.sum(where=new).fill_null(0)
        )
    d = tables["attribute_days"]
    d = d.filter(d.breakdown.isin(names) & (d.day >= first) & (d.day <= last))
    if query.filters.kind is not None:
        d = d.filter(d.kind == query.filters.kind)
    d = d.filter(program_filter(query, tables, d.program_id, kind=False))
    return d.group_by(metric=d.breakdown, key=d.key).aggregate(
        value=d.events.sum(), recipients=d.recipient_hash.nunique()
    )


def attribute_rows(rows: Rows, wanted: frozenset[str]) -> dict[str, Rows]:
    """Each breakdown's rows (key, value = events, recipients = distinct recipients), largest first
    (ties by key), the 50 largest; every wanted breakdown has its list."""
    out: dict[str, Rows] = {metric_id: [] for metric_id in wanted}
    for r in rows:
        out[r["metric"]].append({"key": r["key"], "value": int(r["value"]), "recipients": int(r["recipients"])})
    return {metric_id: sorted(cells, key=lambda c: (-c["value"], c["key"]))[:TOP] for metric_id, cells in out.items()}
