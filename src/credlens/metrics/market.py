"""Market demand (activity): who verifies, per interval bucket, and employer segments.

Read from the per-verification table like the verification metrics, so the totals of every view
agree with `verifications`. Builders return expressions; the runner executes them (statements.py).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from credlens.metrics.buckets import keyed
from credlens.metrics.verification import UNKNOWN

Rows = list[dict[str, Any]]
SEGMENTS = ("industry", "country")


def segment_trends(verified: ir.Table) -> ir.Table:
    """Verifications per bucket by industry and by country: ONE query (each row keyed by its slot, buckets.py)."""
    v = keyed(verified.select("verified_at", *SEGMENTS), "verified_at")
    parts = [
        v.group_by("key", segment=v[a].fill_null(UNKNOWN)).aggregate(value=v.count()).mutate(attribute=ibis.literal(a))
        for a in SEGMENTS
    ]
    return ibis.union(*parts)


def segment_trend(keys: list[str], rows: Rows, attribute: str) -> Rows:
    """One attribute's segments (largest first), each with every bucket of the window."""
    per: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["attribute"] == attribute:
            per.setdefault(r["segment"], {})[r["key"]] = int(r["value"])
    out = [
        {
            "key": segment,
            "value": sum(found.values()),
            "buckets": [{"key": key, "value": found.get(key, 0)} for key in keys],
        }
        for segment, found in per.items()
    ]
    return sorted(out, key=lambda r: (-r["value"], r["key"]))


def employer_segments(verified: ir.Table) -> ir.Table:
    """Verifications by industry × size (suppressed below 3 by the privacy layer)."""
    industry = verified.industry.fill_null(UNKNOWN).name("industry")
    size = verified["size"].fill_null(UNKNOWN).name("size")
    return verified.group_by(industry, size).aggregate(value=verified.count())


def segment_rows(rows: Rows) -> Rows:
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
