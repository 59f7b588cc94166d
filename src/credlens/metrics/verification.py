"""Verification metrics (activity): from the per-verification table, for credentials in scope.

One row per verification carries its verifier's attributes and its folded outcomes, so volume,
breakdowns, outcomes and trends are all computed from the same rows and agree with each other.
Verifications of credentials never issued count nowhere (the semi-join on the scope).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from credlens.domain.periods import buckets
from credlens.domain.query import Query
from credlens.metrics.issuance import active_at
from credlens.store.scope import IssuerTables

TOP_VERIFIERS = 10
UNKNOWN = "unknown"
Rows = list[dict[str, Any]]


def in_window(tables: IssuerTables, scope: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.Table:
    v = tables["verifications"]
    v = v.filter((v.verified_at >= start) & (v.verified_at < end))
    return v.semi_join(scope, v.credential_id == scope.credential_id)


def totals(v: ir.Table) -> dict[str, int]:
    row = (
        v.aggregate(
            verifications=v.count(),
            verified_credentials=v.credential_id.nunique(),
            outcomes_reported=(v.outcome_count > 0).ifelse(1, 0).sum(),
            hires=(v.hired_count > 0).ifelse(1, 0).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    return {k: int(value or 0) for k, value in row.items()}


def breakdown(v: ir.Table, column: str) -> Rows:
    """Verifications by one verifier attribute; a missing value is `unknown`; largest first."""
    key = v[column].fill_null(UNKNOWN).name("key")
    rows = v.group_by(key).aggregate(value=v.count()).to_pyarrow().to_pylist()
    return sorted(({"key": r["key"], "value": int(r["value"])} for r in rows), key=lambda r: (-r["value"], r["key"]))


def top_verifiers(v: ir.Table) -> Rows:
    """Organizations of consented verifications only; the others never appear (privacy.md)."""
    named = v.filter(v.consent & v.organization.notnull())
    return breakdown(named, "organization")[:TOP_VERIFIERS]


def per_1k_active(query: Query, scope: ir.Table, trend: Rows) -> Rows:
    """Per bucket: verifications / active credentials at the bucket's end × 1000 (null when none)."""
    ends = [b.utc_bounds(query.timezone)[1] for b in buckets(query.window, query.interval)]
    active = scope.aggregate(**{f"b{i}": active_at(scope, end).ifelse(1, 0).sum() for i, end in enumerate(ends)})
    counts = active.to_pyarrow().to_pylist()[0]
    rows = []
    for i, row in enumerate(trend):
        denominator = int(counts[f"b{i}"] or 0)
        value = round(row["value"] / denominator * 1000, 6) if denominator else None
        rows.append({"key": row["key"], "value": value, "numerator": row["value"], "denominator": denominator})
    return rows
