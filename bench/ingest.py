"""Ingestion throughput on this machine: HTTP (batches of 1,000, durable) and bulk import (NDJSON, Parquet).

Run on demand (`make bench` or `python bench/ingest.py --events 1000000`); prints figures, never asserts.
Events come from the demo generator's single large issuer, so their shape and mix are realistic.

`--big-store DIR` (a store built by `bench/metrics.py --events 10M`, issuer `bench`) adds what
ingestion costs as the store grows: the same imports into a new store and into a copy of DIR, and a
sustained HTTP run into the copy with its acknowledgement latencies. DIR itself is only read.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from credlens.demo.generator import generate_single_issuer
from credlens.ingest.pipeline import Outcome, import_file
from credlens.store.folds import ENROLLMENTS_FROM_BATCH, daily_counts_sql
from credlens.store.rollups import CREDENTIALS, PROGRAMS, RECIPIENTS, aggregate_sql, insert_sql
from credlens.store.warehouse import Warehouse

HTTP_TARGET = 50_000
BULK_TARGET = 300_000
GROWTH_TARGET = 1.5  # an import into the large store takes at most this many times as long as into a new one
LATENCY_TARGET = 1.0  # seconds: p99 of the acknowledgements of a sustained HTTP run into the large store


def events(n: int) -> list[dict[str, Any]]:
    return [e for chunk in generate_single_issuer(n, chunk_size=200_000) for e in chunk][:n]


def flat(event: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in event.items():
        if isinstance(value, dict) and key != "properties":
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", json.dumps(value) if key == "properties" else value


def write_files(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    ndjson = folder / "events.ndjson"
    ndjson.write_bytes(b"\n".join(msgspec.json.encode(e) for e in rows) + b"\n")
    flats = [dict(flat({k: v for k, v in e.items() if k != "properties"})) for e in rows]
    columns = sorted({c for row in flats for c in row})
    parquet = folder / "events.parquet"
    pq.write_table(pa.table({c: [row.get(c) for row in flats] for c in columns}), parquet)
    return ndjson, parquet


def bulk(path: Path, folder: Path) -> tuple[float, float, Outcome]:
    """Seconds for the whole import, of which the final fold and checkpoint, and the outcome."""
    store = Warehouse(folder / f"bulk-{path.suffix[1:]}")  # NOTE: duckdb_alone reads the Parquet run's store
    issuer, _ = store.create_issuer("bench", "Bench")
    compact, spent = store.compact, []

    def timed_compact() -> None:
        begun = time.perf_counter()
        compact()
        spent.append(time.perf_counter() - begun)

    store.compact = timed_compact  # type: ignore[method-assign]
    started = time.perf_counter()
    outcome, _ = import_file(store, issuer, path)  # exactly what `credlens import` runs
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed, sum(spent), outcome


def duckdb_alone(stored: Path, folder: Path, *, issue_tables_only: bool = False) -> tuple[int, float, float]:
    """DuckDB's own share of an import: the rows an import stored (read back from ``stored``, a data
    directory), appended to a fresh store and folded, with no reading, validating or pseudonymizing.
    Returns the rows and the seconds of the append and of the fold and checkpoint: a ceiling for
    any import on this machine, whatever the Python around it.

    ``issue_tables_only``: fold into only the tables issue 2 names (credentials, programs,
    recipients, daily, enrollments), each by one aggregate and one insert into the empty table:
    the cheapest fold there could be, without the rollups the metrics read (docs/architecture.md).
    """
    source = Warehouse(stored, read_only=True)
    rows = source.cursor().sql("SELECT * FROM events ORDER BY seq").to_arrow_table()
    source.close()
    store = Warehouse(folder / f"duckdb-alone{'-issue' if issue_tables_only else ''}")
    issuer, _ = store.create_issuer("bench", "Bench")
    rows = rows.set_column(0, "issuer_id", pa.array([issuer.issuer_id] * rows.num_rows, pa.int32()))
    con = store._con  # the bench measures the store's own statements
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    con.from_arrow(rows).insert_into("events")
    con.execute("COMMIT")
    appended = time.perf_counter()
    if issue_tables_only:
        _fold_issue_tables(con, rows)
    else:
        store.compact()
    folded = time.perf_counter()
    store.close()
    return rows.num_rows, appended - started, folded - appended


def _fold_issue_tables(con: Any, rows: pa.Table) -> None:
    con.execute("BEGIN TRANSACTION")
    con.register("b", rows)
    for rollup in (CREDENTIALS, PROGRAMS, RECIPIENTS):
        con.execute(f"CREATE OR REPLACE TEMP TABLE d AS {aggregate_sql(rollup, 'b')}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE none AS SELECT issuer_id, {rollup.key} FROM d LIMIT 0")
        con.execute(insert_sql(rollup, "d", "none"))
    con.execute(
        "INSERT INTO daily "
        + daily_counts_sql("b", "(SELECT issuer_id, credential_id, program_id, kind FROM credentials)")
    )
    con.execute(ENROLLMENTS_FROM_BATCH)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.unregister("b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (the server and its decoding helper)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick + sum(cpu_seconds(int(child)) for child in children)


@contextlib.contextmanager
def serving(data_dir: Path, *, reference: bool = False) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`credlens serve` on ``data_dir`` (or bench/minimal_endpoint.py), stopped on exit; yields its URL."""
    port = free_port()
    credlens = str(Path(sys.executable).with_name("credlens"))
    command = [credlens, "serve", "--port", str(port), "--data-dir", str(data_dir)]
    if reference:
        command = [sys.executable, str(Path(__file__).with_name("minimal_endpoint.py")), str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx2.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx2.TransportError:
                time.sleep(0.1)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def warm_up(base: str, headers: dict[str, str]) -> None:
    """One request before timing: a server's start (and its first look at the store) is not ingestion."""
    event = {"id": "bench-warm-up", "type": "credential.viewed", "credential_id": "bench-warm-up"}
    event |= {"occurred_at": "2026-01-01T00:00:00Z", "actor": "owner"}
    httpx2.post(f"{base}/api/v1/events", content=msgspec.json.encode([event]), headers=headers, timeout=120)


def wait_folded(base: str) -> None:
    while httpx2.get(f"{base}/api/v1/health", timeout=60).json()["unfolded_events"]:
        time.sleep(0.05)


def http(
    rows: list[dict[str, Any]], folder: Path, clients: int, *, reference: bool = False
) -> tuple[float, float, float, float]:
    """Seconds until the last batch was acknowledged (durable), until every event was folded, and
    the CPU seconds the client (this process) and the server spent until the last acknowledgement.
    ``reference``: the same against bench/minimal_endpoint.py instead of credlens."""
    data_dir = folder / f"http-{clients}{'-minimal' if reference else ''}"
    store = Warehouse(data_dir)
    _, keys = store.create_issuer("bench", "Bench")
    store.close()
    with serving(data_dir, reference=reference) as (base, server):
        bodies = [msgspec.json.encode(rows[i : i + 1000]) for i in range(0, len(rows), 1000)]
        headers = {"Authorization": f"Bearer {keys.ingest}", "Content-Type": "application/json"}

        def send(part: list[bytes]) -> int:
            with httpx2.Client(base_url=base, headers=headers, timeout=120) as client:
                for body in part:
                    response = client.post("/api/v1/events", content=body)
                    response.raise_for_status()
            return len(part)

        warm_up(base, headers)
        started = time.perf_counter()  # NOTE: after one warm-up request: a server's start is not ingestion
        client_cpu, server_cpu = time.process_time(), cpu_seconds(server.pid)
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, [bodies[i::clients] for i in range(clients)]))
        acknowledged = time.perf_counter() - started
        client_cpu, server_cpu = time.process_time() - client_cpu, cpu_seconds(server.pid) - server_cpu
        wait_folded(base)
        return acknowledged, time.perf_counter() - started, client_cpu, server_cpu


# -- as the store grows ---------------------------------------------------------------------------


def renamed(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The events under ids (of events, credentials, verifications) that a store built by the same
    generator does not hold: new events of new credentials, by the same recipients and programs."""
    out = []
    for original in rows:
        event = dict(original, id=prefix + original["id"])
        for key in ("credential_id", "verification_id"):
            if key in event:
                event[key] = prefix + event[key]
        out.append(event)
    return out


def growth_events(
    new: int, stored: list[tuple[str, str]], views: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """``new`` issuances of credentials no store holds; the issuances of the ``stored`` (credential
    id, program id) pairs, for the new store only; ``views`` views of the stored credentials."""
    now = int(time.time())

    def at(i: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 40 * 86_400 + i * 7))

    def issuance(name: str, i: int, credential: str, program: str) -> dict[str, Any]:
        return {
            "id": f"growth-{name}-{i}",
            "type": "credential.issued",
            "occurred_at": at(i),
            "credential_id": credential,
            "program": {"id": program, "name": f"Program {program}", "kind": "certificate"},
            "recipient": {"email": f"growth-{name}-{i}@example.org"},
        }

    fresh = [issuance("new", i, f"growth-cred-{i}", f"growth-prog-{i % 20}") for i in range(new)]
    primed = [issuance("stored", i, credential, program) for i, (credential, program) in enumerate(stored)]
    viewed = [
        {
            "id": f"growth-view-{j}",
            "type": "credential.viewed",
            "occurred_at": at(len(stored) + j),
            "credential_id": stored[j % len(stored)][0],
            "actor": "public" if j % 3 else "owner",
        }
        for j in range(views)
    ]
    return fresh, primed, viewed


def timed_import(data_dir: Path, path: Path) -> float:
    """Seconds for what `credlens import` does: open the store, import the file, close."""
    started = time.perf_counter()
    store = Warehouse(data_dir)
    issuer = store.issuer("bench")
    assert issuer is not None
    outcome, _ = import_file(store, issuer, path)
    store.close()
    assert not outcome.rejections, outcome.rejections[:3]
    assert not outcome.duplicates, outcome
    return time.perf_counter() - started


def growth(big: Path, folder: Path, views: int) -> Path:
    """The same imports into a new store and into a copy of ``big``; returns the copy's directory.

    The views are of credentials the large store holds, spread over it (in `cred_hash` order); the
    new store is given their issuances first, so that both hold the credentials the views update.
    """
    copy = folder / "big-store"
    started = time.perf_counter()
    shutil.copytree(big, copy)
    copied = time.perf_counter() - started
    reader = Warehouse(copy, read_only=True)
    cursor = reader.cursor()
    stored = int(cursor.execute("SELECT count(*) FROM events").fetchall()[0][0])
    credentials = [
        (str(c), str(p))
        for c, p in cursor.execute(
            "SELECT credential_id, program_id FROM credentials WHERE issued_at IS NOT NULL ORDER BY cred_hash LIMIT ?",
            [max(1, views // 5)],
        ).fetchall()
    ]
    reader.close()
    print(f"large store: {stored:,} events, copied from {big} in {copied:.0f} s")
    fresh, primed, viewed = growth_events(len(credentials), credentials, views)
    paths = {}
    for name, rows in (("new", fresh), ("primed", primed), ("views", viewed), ("one", [dict(viewed[0], id="one")])):
        paths[name] = folder / f"growth-{name}.ndjson"
        paths[name].write_bytes(b"\n".join(msgspec.json.encode(e) for e in rows) + b"\n")
    small = folder / "growth-small"
    store = Warehouse(small)
    store.create_issuer("bench", "Bench")
    store.close()
    timed_import(small, paths["primed"])
    for name, what in (
        ("new", f"{len(fresh):,} issuances of new credentials"),
        ("views", f"{len(viewed):,} views of {len(credentials):,} stored credentials"),
        ("one", "1 view"),
    ):
        new, large = timed_import(small, paths[name]), timed_import(copy, paths[name])
        print(
            f"import of {what}: new store {new:.2f} s, store of {stored:,} events {large:.2f} s "
            f"= {large / new:.2f}x (target <= {GROWTH_TARGET}x; each a fresh open, as `credlens import`)"
        )
    return copy


def sustained(data_dir: Path, rows: list[dict[str, Any]], clients: int) -> None:
    """HTTP batches of 1,000 from ``clients`` clients into the store in ``data_dir``: the rate and
    the latency of every acknowledgement, the folds running meanwhile."""
    store = Warehouse(data_dir)
    issuer = store.issuer("bench")
    assert issuer is not None
    keys = store.new_keys(issuer.issuer_id)
    store.close()
    latencies: list[float] = []
    with serving(data_dir) as (base, _):
        headers = {"Authorization": f"Bearer {keys.ingest}", "Content-Type": "application/json"}
        bodies = [msgspec.json.encode(rows[i : i + 1000]) for i in range(0, len(rows), 1000)]

        def send(part: list[bytes]) -> None:
            with httpx2.Client(base_url=base, headers=headers, timeout=300) as client:
                for body in part:
                    begun = time.perf_counter()
                    client.post("/api/v1/events", content=body).raise_for_status()
                    latencies.append(time.perf_counter() - begun)

        begun = time.perf_counter()
        warm_up(base, headers)
        first = time.perf_counter() - begun
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, [bodies[i::clients] for i in range(clients)]))
        acknowledged = time.perf_counter() - started
        wait_folded(base)
        folded = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"sustained http into the large store, {clients} clients: {len(rows) / acknowledged:,.0f} events/s "
        f"({len(rows):,} in batches of 1,000, all folded {folded:.1f} s after the start); acknowledgement "
        f"p50 {statistics.median(latencies):.3f} s, p99 {quantiles[98]:.3f} s (target <= {LATENCY_TARGET} s), "
        f"max {max(latencies):.3f} s; the warm-up request (first after the start) {first:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=500_000, help="events for the bulk runs")
    parser.add_argument("--http-events", type=int, default=100_000, help="events for the HTTP runs")
    parser.add_argument("--skip-bulk", action="store_true", help="only the HTTP runs")
    parser.add_argument("--clients", default="1,4,8", help="HTTP client counts, comma-separated ('' for none)")
    parser.add_argument(
        "--reference", action="store_true", help="before each HTTP run, the same against bench/minimal_endpoint.py"
    )
    parser.add_argument(
        "--big-store",
        type=Path,
        default=None,
        help="a large store (e.g. bench-data/10M, issuer `bench`): the same imports into a new store and into a "
        "copy of it, then a sustained HTTP run into the copy (DIR itself is only read)",
    )
    parser.add_argument("--growth-events", type=int, default=100_000, help="views imported by the --big-store runs")
    parser.add_argument(
        "--sustained-events", type=int, default=300_000, help="events of the sustained HTTP run (0: none)"
    )
    parser.add_argument("--sustained-clients", type=int, default=4, help="clients of the sustained HTTP run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="credlens-bench-") as tmp:
        folder = Path(tmp)
        rows = events(max(args.events, args.http_events))
        # NOTE: the client runs in this process; without this, its garbage collections over the
        # generated events slowed the HTTP client below the server's pace (one client: 16,000/s).
        gc.freeze()
        ndjson, parquet = write_files(rows[: args.events], folder)
        print(f"machine: {os.cpu_count()} cores; events: {args.events:,} bulk, {args.http_events:,} HTTP")
        print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        for path in () if args.skip_bulk else (ndjson, parquet):
            elapsed, folding, outcome = bulk(path, folder)
            rate = outcome.accepted / elapsed
            print(
                f"bulk {path.suffix[1:]:8} {rate:>10,.0f} events/s  ({outcome.accepted:,} in {elapsed:.1f} s; "
                f"{rate / BULK_TARGET:.2f}x the {BULK_TARGET:,}/s target; the final fold and checkpoint "
                f"{folding:.1f} s, appended (durable) at {outcome.accepted / (elapsed - folding):,.0f}/s)"
            )
        for issue_tables_only in () if args.skip_bulk else (True, False):
            parquet_store = folder / "bulk-parquet"
            stored, appending, folding = duckdb_alone(parquet_store, folder, issue_tables_only=issue_tables_only)
            rate = stored / (appending + folding)
            tables = "the tables issue 2 names" if issue_tables_only else "every derived table"
            print(
                f"duckdb alone {rate:>11,.0f} events/s  (the same {stored:,} stored rows, nothing read, validated or "
                f"pseudonymized: appended to a fresh store in {appending:.1f} s, folded into {tables} "
                f"in {folding:.1f} s; {rate / BULK_TARGET:.2f}x the target: a ceiling for any import here)"
            )
        for clients in [int(c) for c in args.clients.split(",") if c]:
            minimal = None
            if args.reference:
                minimal = args.http_events / http(rows[: args.http_events], folder, clients, reference=True)[0]
                print(f"minimal {clients} client(s) {minimal:>6,.0f} events/s  (bench/minimal_endpoint.py)")
            acknowledged, folded, client_cpu, server_cpu = http(rows[: args.http_events], folder, clients)
            rate = args.http_events / acknowledged
            versus = "" if minimal is None else f"{rate / minimal:.2f}x the minimal endpoint's, "
            print(
                f"http {clients} client(s) {rate:>9,.0f} events/s  (batches of 1,000, each 200 durable; {versus}"
                f"{rate / HTTP_TARGET:.2f}x the {HTTP_TARGET:,}/s target; all folded {folded:.1f} s after the start; "
                f"CPU: client {client_cpu:.1f} s, server {server_cpu:.1f} s; load {os.getloadavg()[0]:.2f})"
            )
        if args.big_store is not None:
            copy = growth(args.big_store, folder, args.growth_events)
            if args.sustained_events:
                sustained(copy, renamed(events(args.sustained_events), "sustained-"), args.sustained_clients)
        gc.unfreeze()


if __name__ == "__main__":
    main()
