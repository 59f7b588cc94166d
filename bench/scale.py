"""Where one machine stops: the full metric set on DuckDB and on Spark, side by side with a raw-event funnel.

`python bench/scale.py --events 10M [--master local[2]] [--work DIR]` (default 100K; 100M for the large run).
Events come from the demo generator's single-issuer stream (its rates), written straight to Parquet
files, then imported through the real bulk path (`credlens import`'s); then the lake is exported and
the same queries run on Spark. Prints import time, store size, memory peak, and per engine and window
the full metric set and the raw-event funnel query. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from credlens.demo.generator import generate_single_issuer
from credlens.ingest.pipeline import import_file
from credlens.metrics.runner import run_for
from credlens.store import lake
from credlens.store import spark as spark_lake
from credlens.store.warehouse import Warehouse

# The naive alternative on each engine: the cohort funnel straight from `events` (bench/metrics.py's).
RAW_FUNNEL = """
WITH issued AS (
    SELECT credential_id, min(occurred_at) AS issued_at FROM events
    WHERE issuer_id = {issuer} AND type = 'credential.issued' GROUP BY ALL
), cohort AS (SELECT * FROM issued WHERE issued_at >= TIMESTAMP '{start}' AND issued_at < TIMESTAMP '{end}'),
steps AS (
    SELECT e.credential_id,
           bool_or(e.type = 'credential.viewed' AND e.actor = 'owner') AS opened,
           bool_or(e.type = 'credential.shared') AS shared,
           bool_or(e.type = 'credential.verified') AS verified
    FROM events e JOIN cohort USING (credential_id) WHERE e.issuer_id = {issuer} GROUP BY ALL
)
SELECT count(*) AS issued, count(*) FILTER (WHERE opened) AS opened,
       count(*) FILTER (WHERE opened AND shared) AS shared,
       count(*) FILTER (WHERE opened AND shared AND verified) AS verified
FROM steps
"""
PERIODS = ("last_quarter", "all")


def count(text: str) -> int:
    multiplier = {"K": 1_000, "M": 1_000_000}.get(text[-1:].upper(), 1)
    try:
        return int(text[:-1] if multiplier > 1 else text) * multiplier
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an event count (e.g. 10M)") from None


def flat(event: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested fields as dotted columns (the importer's tabular form); properties are left out, as bench/ingest.py."""
    for key, value in event.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def write_parquet(n: int, folder: Path) -> list[Path]:
    """The generator's events straight to Parquet files, one per chunk."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, chunk in enumerate(generate_single_issuer(n, chunk_size=500_000)):
        rows = [dict(flat({k: v for k, v in e.items() if k != "properties"})) for e in chunk]
        columns = sorted({c for row in rows for c in row})
        path = folder / f"events-{i:04d}.parquet"
        pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in columns}), path)
        paths.append(path)
    return paths


def median_s(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=count, default=100_000, help="e.g. 100K, 10M or 100M")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: bench-data/scale-N)")
    parser.add_argument("--master", default="local[2]", help="Spark's master URL")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path("bench-data") / f"scale-{args.events}"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    files = write_parquet(args.events, work / "parquet")
    generated = time.perf_counter() - started
    parquet_mb = sum(p.stat().st_size for p in files) / 1e6

    store = Warehouse(work / "data")
    issuer, _ = store.create_issuer("bench", "Benchmark Academy", industry="online_courses", timezone="UTC")
    started = time.perf_counter()
    for path in files:
        import_file(store, issuer, path, lambda _n: None)
    imported = time.perf_counter() - started
    store_mb = sum(p.stat().st_size for p in (work / "data").glob("credlens.duckdb*")) / 1e6
    events = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0]
    print(
        f"{events:,} events: generated to Parquet in {generated:.0f} s ({parquet_mb:,.0f} MB); imported in "
        f"{imported:.0f} s ({events / imported:,.0f} events/s); store {store_mb:,.0f} MB; peak {peak_mb():,.0f} MB"
    )

    rows: list[tuple[str, str, float, float, str]] = []
    tables = store.tables(issuer.issuer_id)
    duck: dict[str, Any] = {}
    for period in PERIODS:
        duck[period] = run_for(issuer, tables, period=period)
        full = median_s(lambda p=period: run_for(issuer, tables, period=p), args.repeats)
        window = duck[period]["query"]
        sql = RAW_FUNNEL.format(issuer=issuer.issuer_id, start=window["from"], end=_day_after(window["to"]))
        funnel = median_s(lambda s=sql: store.cursor().execute(s).fetchall(), args.repeats)
        rows.append(("duckdb", period, full, funnel, ""))
    started = time.perf_counter()
    lake.export(store.cursor(), work / "lake", [issuer])
    exported = time.perf_counter() - started
    store.close()
    lake_mb = sum(p.stat().st_size for p in (work / "lake").rglob("*.parquet")) / 1e6
    print(f"exported to the lake in {exported:.0f} s ({lake_mb:,.0f} MB); peak {peak_mb():,.0f} MB")

    started = time.perf_counter()
    spark = spark_lake.session(args.master)
    session_s = time.perf_counter() - started
    started = time.perf_counter()
    spark_lake.rebuild(work / "lake", "bench", spark)
    rebuilt = time.perf_counter() - started
    found = spark_lake.open_lake(work / "lake", "bench", spark)
    on_spark = spark_lake.tables(found)
    print(f"Spark {args.master}: session {session_s:.0f} s; derived tables rebuilt from the lake in {rebuilt:.0f} s")
    for period in PERIODS:
        result = run_for(found.issuer, on_spark, period=period)
        same = _same(duck[period]["metrics"], result["metrics"])
        full = median_s(lambda p=period: run_for(found.issuer, on_spark, period=p), args.repeats)
        window = result["query"]
        sql = spark_lake.spark_sql(
            RAW_FUNNEL.format(issuer=spark_lake.ISSUER_ID, start=window["from"], end=_day_after(window["to"]))
        )
        funnel = median_s(lambda s=sql: spark.sql(s).collect(), args.repeats)
        rows.append(("spark", period, full, funnel, "equal to DuckDB" if same else "DIFFERS from DuckDB"))
    spark.stop()

    print(f"\n| engine | window | full metric set | raw-event funnel | ratio | |  ({events:,} events, 2 cores)")
    print("|---|---|---|---|---|---|")
    for engine, period, full, funnel, note in rows:
        print(f"| {engine} | {period} | {full:.2f} s | {funnel:.2f} s | {full / funnel:.1f}x | {note} |")
    print(f"\npeak memory of this process {peak_mb():,.0f} MB (Spark's JVM not included)")


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
