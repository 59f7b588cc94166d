"""Latency of the full metric set on one large issuer, against the same cohort numbers from raw events.

`python bench/metrics.py --events 10M` (default 1M; `--events 100M` for the large run).
Builds the issuer with the demo generator through the real ingestion path (reused when the data
directory already holds it), then prints median latencies and the ratio. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import ibis

from credlens.cli.demo import build_single_issuer
from credlens.domain.query import Query, parse_query
from credlens.metrics.cohort import DEFAULT_FUNNEL, reductions
from credlens.metrics.registry import REGISTRY, Input, Time
from credlens.metrics.runner import compute, run
from credlens.store.rollups import CREDENTIALS, aggregate_sql
from credlens.store.scope import IssuerTables
from credlens.store.warehouse import Warehouse

# The naive alternative: the cohort funnel and rates straight from `events`, one pass per query.
RAW_FUNNEL = """
WITH issued AS (
    SELECT credential_id, min(occurred_at) AS issued_at FROM events
    WHERE issuer_id = $issuer AND type = 'credential.issued' GROUP BY ALL
), cohort AS (SELECT * FROM issued WHERE issued_at >= $start AND issued_at < $end),
steps AS (
    SELECT e.credential_id,
           bool_or(e.type = 'credential.viewed' AND e.actor = 'owner') AS opened,
           bool_or(e.type = 'credential.shared') AS shared,
           bool_or(e.type = 'credential.verified') AS verified,
           bool_or(e.type = 'credential.downloaded') AS downloaded,
           bool_or(e.type = 'credential.profile_added') AS profile_added
    FROM events e JOIN cohort USING (credential_id) WHERE e.issuer_id = $issuer GROUP BY ALL
)
SELECT count(*), count(*) FILTER (opened), count(*) FILTER (opened AND shared),
       count(*) FILTER (opened AND shared AND verified), count(*) FILTER (downloaded), count(*) FILTER (profile_added)
FROM steps
"""


# The cohort metrics: what the raw-event query below also computes.
COHORT_METRICS = frozenset(m.id for m in REGISTRY.values() if m.time is Time.COHORT and m.inputs == (Input.COHORT,))


def compute_cohort(query: Query, tables: IssuerTables) -> object:
    """The cohort metrics alone, as the engine computes them: the fold's counters per issue day
    (`cohort_days`) for the counts, `credentials` for the median days to open, the rollups for the
    distinct recipients."""
    return compute(query, tables, DEFAULT_FUNNEL, COHORT_METRICS)


def compute_cohort_from_events(query: Query, store: Warehouse, issuer_id: int) -> object:
    """The naive way: fold the raw events into per-credential rows at query time, then the same reductions."""
    cursor = store.cursor()
    source = f"(SELECT * FROM events WHERE issuer_id = {issuer_id})"
    cursor.execute(f"CREATE OR REPLACE TEMP VIEW folded AS {aggregate_sql(CREDENTIALS, source)}")
    folded = ibis.duckdb.from_connection(cursor).table("folded")  # NOTE: backend.sql() breaks on DuckDB 2.0
    start, end = query.window.utc_bounds(query.timezone)
    cohort = folded.filter((folded.issued_at >= start) & (folded.issued_at < end))
    return cohort.aggregate(**reductions(cohort, DEFAULT_FUNNEL)).to_pyarrow()


def median_ms(action: object, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def count(text: str) -> int:
    """An event count as written on the command line: 10000000, 10M or 100M."""
    multiplier = {"K": 1_000, "M": 1_000_000}.get(text[-1:].upper(), 1)
    try:
        return int(text[:-1] if multiplier > 1 else text) * multiplier
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an event count (e.g. 10M)") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=count, default=1_000_000, help="e.g. 1000000, 10M or 100M")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a built store (default: bench-data/N)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    data_dir = args.data_dir or Path("bench-data") / str(args.events)
    store = Warehouse(data_dir)
    issuer = store.issuer("bench")
    if issuer is None:
        started = time.perf_counter()
        issuer = build_single_issuer(store, "bench", args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.0f} s")
    tables = store.tables(issuer.issuer_id)
    credentials = store.cursor().execute("SELECT count(*) FROM credentials").fetchall()[0][0]
    events = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0]
    print(f"issuer 'bench': {events:,} events, {credentials:,} credentials; 2 cores")
    today = dt.date.today()
    for period in ("last_quarter", "all"):
        query = parse_query("bench", issuer.timezone, period=period, today=today)
        full = median_ms(lambda q=query: run(q, tables), args.repeats)
        cohort = median_ms(lambda q=query: compute_cohort(q, tables), args.repeats)
        start, end = query.window.utc_bounds(issuer.timezone)
        params = {"issuer": issuer.issuer_id, "start": start, "end": end}
        cursor = store.cursor()
        funnel = median_ms(lambda p=params, c=cursor: c.execute(RAW_FUNNEL, p).fetchall(), args.repeats)
        naive = median_ms(lambda q=query: compute_cohort_from_events(q, store, issuer.issuer_id), args.repeats)
        print(f"{period:13} full metric set {full:6.0f} ms (target <= 300)")
        print(
            f"{'':13} cohort metrics (engine) {cohort:6.0f} ms | the same from raw `events` {naive:6.0f} ms "
            f"= {naive / cohort:5.2f}x (target >= 10x) | a raw-event funnel alone {funnel:6.0f} ms"
        )
    store.close()


if __name__ == "__main__":
    main()
