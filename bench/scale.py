"""Where one machine stops: the full metric set on DuckDB and on Spark, side by side with a raw-event funnel.

`python bench/scale.py --events 10M [--master local[2]] [--work DIR]` (default 100K; 100M for the large run).
Events come from the demo generator's single-issuer stream (its rates), written straight to Parquet
files, then imported through the real bulk path (`credlens import`'s); then the lake is exported and
the same queries run on Spark. Prints import time, store size, memory peak, and per engine and window
the full metric set and the raw-event funnel query. Figures, never assertions.

The large run takes hours on two cores, so its phases can run apart on the same ``--work`` folder
(``--phases generate,import`` today, ``--phases duckdb,export,rebuild,spark`` later): each phase reads what the
earlier ones left there.
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
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
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
PHASES = ("generate", "import", "duckdb", "export", "rebuild", "spark")


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


def write_parquet(n: int, folder: Path, file_events: int) -> list[Path]:
    """The generator's events straight to Parquet files of about ``file_events`` each (an import
    folds once per file, so the 100M run takes larger files than the 500,000 of a chunk)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    parts: list[Path] = []

    def bundle() -> None:
        path = folder / f"events-{len(paths):04d}.parquet"
        if len(parts) == 1:
            parts[0].rename(path)
        else:  # chunks may lack a column the others have: DuckDB unions them by name
            files = ", ".join(f"'{p}'" for p in parts)
            duckdb.sql(f"COPY (SELECT * FROM read_parquet([{files}], union_by_name = true)) TO '{path}'")
            for part in parts:
                part.unlink()
        paths.append(path)
        parts.clear()

    for i, chunk in enumerate(generate_single_issuer(n, chunk_size=500_000)):
        rows = [dict(flat({k: v for k, v in e.items() if k != "properties"})) for e in chunk]
        columns = sorted({c for row in rows for c in row})
        part = folder / f"part-{i:05d}.parquet"
        pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in columns}), part)
        parts.append(part)
        if len(parts) * 500_000 >= file_events:
            bundle()
    if parts:
        bundle()
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
    parser.add_argument("--phases", default=",".join(PHASES), help=f"a comma-separated subset of {','.join(PHASES)}")
    parser.add_argument("--file-events", type=count, default=500_000, help="events per imported file (e.g. 5M)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB's memory limit for the store (e.g. 4GB)")
    parser.add_argument("--spark-memory", default=None, help="spark.driver.memory (local mode: the whole heap)")
    parser.add_argument(
        "--spark-conf", action="append", default=[], metavar="KEY=VALUE", help="any other Spark setting (repeatable)"
    )
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    if unknown := phases - set(PHASES):
        parser.error(f"unknown phases {sorted(unknown)}; choose from {','.join(PHASES)}")
    work = args.work or Path("bench-data") / f"scale-{args.events}"
    rows: list[tuple[str, str, float, float, str]] = []
    if "generate" in phases:
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        files = write_parquet(args.events, work / "parquet", args.file_events)
        generated = time.perf_counter() - started
        parquet_mb = sum(p.stat().st_size for p in files) / 1e6
        print(
            f"generated to Parquet in {generated:.0f} s ({parquet_mb:,.0f} MB, {len(files)} files); "
            f"peak {peak_mb():,.0f} MB"
        )
    if phases & {"import", "duckdb", "export"}:
        rows += on_duckdb(work, phases, args)
    if phases & {"rebuild", "spark"}:
        rows += on_spark(work, phases, args)
    if rows:
        print(f"\n| engine | window | full metric set | raw-event funnel | ratio | |  ({work}, 2 cores)")
        print("|---|---|---|---|---|---|")
        for engine, period, full, funnel, note in rows:
            print(f"| {engine} | {period} | {full:.2f} s | {funnel:.2f} s | {full / funnel:.1f}x | {note} |")
    print(f"\npeak memory of this process {peak_mb():,.0f} MB (Spark's JVM not included)")


def on_duckdb(work: Path, phases: set[str], args: argparse.Namespace) -> list[tuple[str, str, float, float, str]]:
    """Import (into a new store), the DuckDB runs, and the lake's export, as asked."""
    rows: list[tuple[str, str, float, float, str]] = []
    if "import" in phases:
        shutil.rmtree(work / "data", ignore_errors=True)
    store = Warehouse(work / "data", memory_limit=args.memory_limit)
    if "import" in phases:
        created, _ = store.create_issuer("bench", "Benchmark Academy", industry="online_courses", timezone="UTC")
        started = time.perf_counter()
        for path in sorted((work / "parquet").glob("events-*.parquet")):
            import_file(store, created, path, lambda _n: None)
        imported = time.perf_counter() - started
        events = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0]
        store_mb = sum(p.stat().st_size for p in (work / "data").glob("credlens.duckdb*")) / 1e6
        print(
            f"{events:,} events imported in {imported:.0f} s ({events / imported:,.0f} events/s); "
            f"store {store_mb:,.0f} MB; peak {peak_mb():,.0f} MB (DuckDB memory limit {args.memory_limit or 'default'})"
        )
    found = store.issuer("bench")
    if found is None:
        raise SystemExit(f"no store with the issuer `bench` in {work / 'data'}: run the import phase first")
    issuer = found
    if "duckdb" in phases:
        tables = store.tables(issuer.issuer_id)
        results = {}
        for period in PERIODS:
            results[period] = run_for(issuer, tables, period=period)
            full = median_s(partial(run_for, issuer, tables, period=period), args.repeats)
            window = results[period]["query"]
            sql = RAW_FUNNEL.format(issuer=issuer.issuer_id, start=window["from"], end=_day_after(window["to"]))
            funnel = median_s(partial(_fetch, store, sql), args.repeats)
            rows.append(("duckdb", period, full, funnel, ""))
            print(
                f"duckdb {period}: full metric set {full:.2f} s, raw-event funnel {funnel:.2f} s; "
                f"peak {peak_mb():,.0f} MB"
            )
        (work / "duckdb-results.json").write_text(
            json.dumps({p: r["metrics"] for p, r in results.items()}, default=str)
        )
    if "export" in phases:
        started = time.perf_counter()
        lake.export(store.cursor(), work / "lake", [issuer])
        exported = time.perf_counter() - started
        lake_mb = sum(p.stat().st_size for p in (work / "lake").rglob("*.parquet")) / 1e6
        print(f"exported to the lake in {exported:.0f} s ({lake_mb:,.0f} MB); peak {peak_mb():,.0f} MB")
    store.close()
    return rows


def on_spark(work: Path, phases: set[str], args: argparse.Namespace) -> list[tuple[str, str, float, float, str]]:
    """The derived tables rebuilt from the lake (``rebuild``), then the same runs, each checked against
    DuckDB's (``spark``: on the tables an earlier ``rebuild`` phase wrote, when it ran apart)."""
    rows: list[tuple[str, str, float, float, str]] = []
    saved = work / "duckdb-results.json"
    duck = json.loads(saved.read_text()) if saved.exists() else {}
    started = time.perf_counter()
    conf = dict(setting.split("=", 1) for setting in args.spark_conf)
    if args.spark_memory:
        conf["spark.driver.memory"] = args.spark_memory
    spark = spark_lake.session(args.master, **conf)
    session_s = time.perf_counter() - started
    print(f"Spark {args.master}: session {session_s:.0f} s", flush=True)
    if "rebuild" in phases:
        started = time.perf_counter()
        spark_lake.rebuild(work / "lake", "bench", spark)
        print(f"derived tables rebuilt from the lake in {time.perf_counter() - started:.0f} s", flush=True)
    if "spark" not in phases:
        spark.stop()
        return rows
    found = spark_lake.open_lake(work / "lake", "bench", spark)
    on_spark = spark_lake.tables(found)
    for period in PERIODS:
        result = run_for(found.issuer, on_spark, period=period)
        note = (
            "no DuckDB result to compare"
            if period not in duck
            else ("equal to DuckDB" if _same(duck[period], result["metrics"]) else "DIFFERS from DuckDB")
        )
        full = median_s(partial(run_for, found.issuer, on_spark, period=period), args.repeats)
        window = result["query"]
        sql = spark_lake.spark_sql(
            RAW_FUNNEL.format(issuer=spark_lake.ISSUER_ID, start=window["from"], end=_day_after(window["to"]))
        )
        funnel = median_s(partial(_collect, spark, sql), args.repeats)
        rows.append(("spark", period, full, funnel, note))
        print(f"spark {period}: full metric set {full:.2f} s, raw-event funnel {funnel:.2f} s ({note})", flush=True)
    spark.stop()
    return rows


def _fetch(store: Warehouse, sql: str) -> object:
    return store.cursor().execute(sql).fetchall()


def _collect(spark: Any, sql: str) -> object:
    return spark.sql(sql).collect()


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal as JSON (DuckDB's side may have been read back from the file an earlier phase saved)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(
        json.loads(json.dumps(b, default=str)), sort_keys=True
    )


if __name__ == "__main__":
    main()
