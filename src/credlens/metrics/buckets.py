"""Trend buckets: interval buckets of the query's window, in the issuer's time zone, joined by UTC bounds.

Buckets are computed here rather than trusting each backend's date truncation (architecture.md), and
every bucket is returned, empty ones included.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from credlens.domain.periods import buckets
from credlens.domain.query import Query

Rows = list[dict[str, Any]]


def bucket_table(query: Query) -> ir.Table:
    """The query's interval buckets with their UTC bounds (issuer's time zone), as a table to join."""
    edges = [(b.start.isoformat(), *b.utc_bounds(query.timezone)) for b in buckets(query.window, query.interval)]
    columns = {"key": [k for k, _, _ in edges], "lo": [lo for _, lo, _ in edges], "hi": [hi for _, _, hi in edges]}
    return ibis.memtable(pa.table(columns))  # NOTE: Arrow, not a dict: a dict goes through pandas


def per_bucket(query: Query, table: ir.Table, column: str) -> Rows:
    """Rows of ``table`` per bucket of their ``column`` timestamp, every bucket present."""
    edges = bucket_table(query)
    joined = edges.join(table, (table[column] >= edges.lo) & (table[column] < edges.hi), how="left")
    counts = joined.group_by("key").aggregate(value=joined[column].count()).to_pyarrow().to_pylist()
    found = {row["key"]: int(row["value"]) for row in counts}
    keys = edges.key.to_pyarrow().to_pylist()
    return [{"key": key, "value": found.get(key, 0)} for key in keys]
