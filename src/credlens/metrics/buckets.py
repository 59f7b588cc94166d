"""Trend buckets: interval buckets of the query's window, in the issuer's time zone, joined by UTC bounds.

Buckets are computed in Python (plan.use_buckets) rather than trusting each backend's date
truncation (architecture.md), registered as a small view, and every bucket is returned, empty
ones included.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from credlens.metrics.plan import buckets_table

Rows = list[dict[str, Any]]


def per_bucket(table: ir.Table, column: str) -> ir.Table:
    """Rows of ``table`` per bucket of their ``column`` timestamp (buckets without rows are absent)."""
    edges = buckets_table()
    joined = table.join(edges, (table[column] >= edges.lo) & (table[column] < edges.hi))
    return joined.group_by("key").aggregate(value=joined.count())


def bucket_rows(keys: list[str], counts: list[dict[str, Any]]) -> Rows:
    """Every bucket, in order, with its count (0 when it had no rows)."""
    found = {row["key"]: int(row["value"]) for row in counts}
    return [{"key": key, "value": found.get(key, 0)} for key in keys]
