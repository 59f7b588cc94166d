"""The attribute breakdowns from the fold's tables (store/breakdowns.py) equal the same breakdowns
grouped from raw events (how metrics/attributes.py computed them before), on the demo issuer, for
several windows (one crossing a DST change) and every kind of scope filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from credlens.demo.generator import generate_single_issuer
from credlens.domain.issuers import Issuer
from credlens.domain.query import Query, parse_query
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.metrics.attributes import BREAKDOWNS, UNKNOWN, attribute_rows
from credlens.metrics.cohort import DEFAULT_FUNNEL
from credlens.metrics.inputs import scope
from credlens.metrics.runner import compute, protect
from credlens.store.scope import IssuerTables
from credlens.store.warehouse import Warehouse

TODAY = dt.date(2026, 11, 30)
WANTED = frozenset(BREAKDOWNS)
WINDOWS: tuple[dict[str, str], ...] = (
    {"period": "last_quarter"},
    {"period": "all"},
    {"period": "30d"},
    {"date_from": "2025-03-01", "date_to": "2025-03-20"},  # New York moves to summer time on the 9th
    {"date_from": "2026-01-01", "date_to": "2026-01-01"},
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Issuer]]:
    store = Warehouse(Path(tmp_path_factory.mktemp("attributes")) / "data")
    issuer, _ = store.create_issuer("demo", "Demo Academy", timezone="America/New_York")
    for chunk in generate_single_issuer(12_000, today=TODAY, chunk_size=4_000):
        assert ingest_decoded(store, issuer, convert_rows(list(enumerate(chunk)))).rejections == []
    yield store, issuer
    store.close()


def from_raw_events(query: Query, tables: IssuerTables) -> ir.Table:
    """The breakdowns grouped from the window's raw events of credentials in scope (the former code)."""
    start, end = query.window.utc_bounds(query.timezone)
    e = tables["events"]
    types = sorted({kind for kind, _, _ in BREAKDOWNS.values()})
    attributes = sorted({attribute for _, attribute, _ in BREAKDOWNS.values()})
    e = e.filter(e.type.isin(types) & (e.occurred_at >= start) & (e.occurred_at < end))
    joined = e.join(scope(query, tables).select("cred_hash", "recipient_hash"), "cred_hash")
    counted = joined.group_by("type", "actor", "recipient_hash", *attributes).aggregate(n=joined.count())
    parts = []
    for metric_id in sorted(WANTED):
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
    return ibis.union(*parts)


def _filters(store: Warehouse, issuer: Issuer) -> list[dict[str, Any]]:
    programs = (
        store.cursor()
        .execute("SELECT program_id, department FROM programs WHERE issuer_id = ? ORDER BY 1", [issuer.issuer_id])
        .fetchall()
    )
    department = next(d for _, d in programs if d is not None)
    return [
        {},
        {"programs": (programs[0][0],)},
        {"programs": (programs[0][0], programs[-1][0])},
        {"kind": "badge"},
        {"department": department},
    ]


def test_the_fold_kept_breakdowns_equal_the_raw_event_ones(demo: tuple[Warehouse, Issuer]) -> None:
    store, issuer = demo
    tables = store.tables(issuer.issuer_id)
    checked = 0
    for filters in _filters(store, issuer):
        for window in WINDOWS:
            query = parse_query("demo", issuer.timezone, today=TODAY, **window, **filters)
            raw = attribute_rows(
                tables.rows(str(ibis.to_sql(from_raw_events(query, tables), dialect="duckdb"))), WANTED
            )
            kept = compute(query, tables, DEFAULT_FUNNEL, WANTED)
            assert {m: kept[m]["rows"] for m in WANTED} == raw, (window, filters)
            shown = protect({m: {"rows": [dict(r) for r in raw[m]]} for m in WANTED}, issuer.suppression_k)
            assert protect(kept, issuer.suppression_k) == shown  # the same cells hidden
            checked += sum(len(rows) for rows in raw.values())
    assert checked > 300  # the demo has cells in most of these windows
