"""Market demand (activity): who verifies, per interval bucket, and employer segments.

Read from the per-verification table like the verification metrics, so the totals of every view
agree with `verifications`.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from credlens.domain.query import Query
from credlens.metrics.buckets import bucket_table

Rows = list[dict[str, Any]]
UNKNOWN = "unknown"


def segment_trend(query: Query, verified: ir.Table, attribute: str) -> Rows:
    """Verifications by ``attribute`` (largest first), each with every bucket of the window."""
    edges = bucket_table(query)
    v = verified.mutate(segment=verified[attribute].fill_null(UNKNOWN))
    joined = v.join(edges, (v.verified_at >= edges.lo) & (v.verified_at < edges.hi))
    counts = joined.group_by("segment", "key").aggregate(value=joined.count()).to_pyarrow().to_pylist()
    keys = edges.key.to_pyarrow().to_pylist()
    per: dict[str, dict[str, int]] = {}
    for r in counts:
        per.setdefault(r["segment"], {})[r["key"]] = int(r["value"])
    rows = [
        {
            "key": segment,
            "value": sum(found.values()),
            "buckets": [{"key": key, "value": found.get(key, 0)} for key in keys],
        }
        for segment, found in per.items()
    ]
    return sorted(rows, key=lambda r: (-r["value"], r["key"]))


def employer_segments(verified: ir.Table) -> Rows:
    """Verifications by industry × size (suppressed below 3 by the privacy layer)."""
    industry = verified.industry.fill_null(UNKNOWN).name("industry")
    size = verified["size"].fill_null(UNKNOWN).name("size")
    rows = verified.group_by(industry, size).aggregate(value=verified.count()).to_pyarrow().to_pylist()
    out = [
        {
            "key": f"{r['industry']} × {r['size']}",
            "industry": r["industry"],
            "size": r["size"],
            "value": int(r["value"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["value"], r["key"]))
