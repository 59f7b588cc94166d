"""What erasure and retention cost on one large issuer: time, file size, and what tombstones weigh.

`python bench/privacy.py --events 1000000` builds the issuer with the demo generator through the real
ingestion path (reused when the data directory already holds it), then works on throw-away copies:
an erasure in a running server while clients keep sending events over HTTP (how long until the
person is hidden from every read, until their bytes are gone, and the longest acknowledgement
meanwhile), an erasure of the recipient with the most credentials, a retention run that retires
about half of the events, and a re-send of retired events after a restart. Figures, never assertions.
`--only server` runs the first alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx2
import msgspec
import uvicorn

from credlens.cli.common import settings
from credlens.cli.demo import build_single_issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store.warehouse import DB_FILE, Warehouse

MB = 1024 * 1024


@contextmanager
def copy_of(data_dir: Path) -> Iterator[Warehouse]:
    with tempfile.TemporaryDirectory(dir=data_dir.parent) as scratch:
        shutil.copytree(data_dir, Path(scratch) / "data")
        store = Warehouse(Path(scratch) / "data")
        try:
            yield store
        finally:
            store.close()


def size_mb(store: Warehouse) -> float:
    return sum(p.stat().st_size for p in store.path.parent.glob(DB_FILE + "*")) / MB


def table_mb(store: Warehouse, table: str) -> float:
    """The table alone, copied into a fresh file: what it weighs stored."""
    with tempfile.TemporaryDirectory(dir=store.path.parent.parent) as scratch:
        target = Path(scratch) / "one.duckdb"
        cursor = store.cursor()
        cursor.execute(f"ATTACH '{target}' AS one")
        cursor.execute(f"CREATE TABLE one.t AS SELECT * FROM {table}")
        cursor.execute("DETACH one")
        return target.stat().st_size / MB


def timed(action: object) -> tuple[object, float]:
    started = time.perf_counter()
    result = action()  # type: ignore[operator]
    return result, time.perf_counter() - started


def bench_erasure(data_dir: Path) -> None:
    with copy_of(data_dir) as store:
        key, credentials = (
            store.cursor()
            .execute(
                "SELECT recipient_key, count(*) FROM credentials WHERE recipient_key IS NOT NULL "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
            .fetchall()[0]
        )
        before = size_mb(store)
        issuer_id = store.issuers()[0].issuer_id
        report, seconds = timed(lambda: store.erase_recipient(issuer_id, key, actor="bench"))
        print(f"erasure of a recipient with {credentials} credentials: {seconds:.1f} s in all; {report}")
        print(f"  file {before:.0f} MB before, {size_mb(store):.0f} MB after the rewrite")
    with copy_of(data_dir) as store:
        _, seconds = timed(store._db.rewrite)
        print(f"  of which the file rewrite alone (COPY FROM DATABASE + swap): {seconds:.1f} s")


BATCH = 100  # events per HTTP request of the clients that keep sending during the erasure
CLIENTS = 2
BASELINE = 20.0  # seconds of sending before the erasure starts


def bench_server_erasure(data_dir: Path) -> None:
    """An erasure inside a running server (the same calls as POST /api/v1/erasures, then the queued
    purge) while CLIENTS clients keep sending BATCH-event requests over HTTP."""
    with tempfile.TemporaryDirectory(dir=data_dir.parent) as scratch:
        copy = Path(scratch) / "data"
        shutil.copytree(data_dir, copy)
        store = Warehouse(copy)
        issuer = store.issuer("bench") or store.issuers()[0]
        key, credentials = (
            store.cursor()
            .execute(
                "SELECT recipient_key, count(*) FROM credentials WHERE recipient_key IS NOT NULL "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
            .fetchall()[0]
        )
        ingest_key = store.new_keys(issuer.issuer_id).ingest
        store.close()
        port = _free_port()
        spawn = multiprocessing.get_context("spawn")
        go, results = spawn.Event(), spawn.Queue()
        server = spawn.Process(target=_serve_and_erase, args=(copy, port, issuer.slug, key, go, results))
        server.start()
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base)
            acks: list[tuple[float, float]] = []  # (sent at, seconds until acknowledged)
            warm_up = time.perf_counter()  # the first append loads the store's key index: not a stall of the erasure
            stop = threading.Event()
            stop.set()
            _send(base, ingest_key, CLIENTS, stop, [], once=True)
            first = time.perf_counter() - warm_up
            print(f"  (the server's first acknowledgement, which loads the key index: {first:.1f} s)")
            stop = threading.Event()
            senders = [threading.Thread(target=_send, args=(base, ingest_key, n, stop, acks)) for n in range(CLIENTS)]
            for sender in senders:
                sender.start()
            time.sleep(BASELINE)  # acknowledgements without an erasure, to compare with
            go.set()
            started, hidden, gone, purged, report = results.get(timeout=1800)
            time.sleep(5)
            stop.set()
            for sender in senders:
                sender.join()
        finally:
            server.terminate()
            server.join(timeout=60)
    before = sorted(s for at, s in acks if at + s < started)
    during = sorted(s for at, s in acks if at + s >= started and at <= started + gone)
    print(
        f"erasure in a running server of a recipient with {credentials} credentials ({report}), "
        f"{CLIENTS} clients sending {BATCH}-event requests meanwhile:"
    )
    print(f"  hidden from every read after {hidden:.2f} s; bytes gone (file rewritten: {purged}) after {gone:.1f} s")
    print(
        f"  acknowledgements before it: {len(before)}, p99 {_p(before, 0.99):.2f} s, longest {_p(before, 1):.2f} s; "
        f"during erasure + purge: {len(during)}, p99 {_p(during, 0.99):.2f} s, longest {_p(during, 1):.2f} s"
    )
    # Which phase held them: compare with the server's timed log lines above.
    slowest = sorted(((s, at) for at, s in acks if at + s >= started and at <= started + gone), reverse=True)[:5]
    print("  longest acknowledgements, sent at: " + ", ".join(f"{s:.2f} s at {_clock(at)}" for s, at in slowest))


def _clock(at: float) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:-3]


def _serve_and_erase(data_dir: Path, port: int, slug: str, key: str, go: Event, results: Any) -> None:
    """The server process: `credlens serve`'s app, and a thread that erases once told to."""
    from credlens.web.app import create_app  # noqa: PLC0415 - in the spawned process only

    app = create_app(settings(data_dir, host="127.0.0.1", port=port))
    logging.basicConfig(format="  server %(asctime)s.%(msecs)03d: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("credlens.store").setLevel(logging.INFO)  # the erasure's and the rewrite's own timings

    def erase() -> None:
        go.wait()
        warehouse: Warehouse = app.state.warehouse
        issuer = warehouse.issuer(slug)
        assert issuer is not None
        started, clock = time.time(), time.perf_counter()
        logging.getLogger("credlens.store").info("erasure started")
        report = warehouse.erase_recipient(issuer.issuer_id, key, actor="bench", purge=False)
        hidden = time.perf_counter() - clock
        logging.getLogger("credlens.store").info("erased (hidden); the purge starts")
        purged = warehouse.purge()
        gone = time.perf_counter() - clock
        results.put((started, hidden, gone, purged, f"{report.credentials} credentials, {report.events} events"))

    threading.Thread(target=erase, daemon=True).start()
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")).run()


def _send(
    base: str,
    ingest_key: str,
    client: int,
    stop: threading.Event,
    acks: list[tuple[float, float]],
    *,
    once: bool = False,
) -> None:
    headers = {"Authorization": f"Bearer {ingest_key}", "Content-Type": "application/json"}
    with httpx2.Client(base_url=base, headers=headers, timeout=600) as http:
        n = 0
        while once or not stop.is_set():
            once = False
            batch = [
                {
                    "id": f"bench-erasure-{client}-{n}-{i}",
                    "type": "credential.viewed",
                    "occurred_at": "2026-01-01T00:00:00Z",
                    "credential_id": f"bench-erasure-cred-{client}-{i}",
                    "actor": "owner",
                }
                for i in range(BATCH)
            ]
            at, clock = time.time(), time.perf_counter()
            http.post("/api/v1/events", content=msgspec.json.encode(batch)).raise_for_status()
            acks.append((at, time.perf_counter() - clock))
            n += 1


def _wait_for(base: str) -> None:
    for _ in range(1200):
        try:
            httpx2.get(f"{base}/api/v1/health", timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _p(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def bench_retention(data_dir: Path) -> None:
    with copy_of(data_dir) as store:
        issuer = store.issuers()[0]
        oldest, newest = store.cursor().execute("SELECT min(occurred_at), max(occurred_at) FROM events").fetchall()[0]
        days = max(1, (newest - oldest).days // 2)
        events_mb, before = table_mb(store, "events"), size_mb(store)
        store.set_retention(issuer.issuer_id, days, actor="bench")
        run, seconds = timed(lambda: store.apply_retention(now=newest, actor="bench"))
        (report,) = run.issuers  # type: ignore[attr-defined]
        print(
            f"retention of {days} days: {report.deleted:,} events retired, {report.waiting:,} kept waiting, "
            f"{seconds:.1f} s in all (file rewritten: {run.purged})"  # type: ignore[attr-defined]
        )
        tombstones = store.cursor().execute("SELECT count(*) FROM event_tombstones").fetchall()[0][0]
        total = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0] + report.deleted
        tombstones_mb = table_mb(store, "event_tombstones")
        print(
            f"  file {before:.0f} MB -> {size_mb(store):.0f} MB; `events` alone {events_mb:.0f} MB -> "
            f"{table_mb(store, 'events'):.0f} MB"
        )
        print(
            f"  {tombstones:,} tombstones weigh {tombstones_mb:.1f} MB: {tombstones_mb * MB / max(tombstones, 1):.1f} "
            f"bytes each, against {events_mb * MB / total:.1f} bytes an event"
        )
        retired = [
            row[0] for row in store.cursor().execute("SELECT event_id FROM event_tombstones LIMIT 1000").fetchall()
        ]
    resend(data_dir, retired, days, newest, "retired events (deduplicated by their tombstones)")
    reader = Warehouse(data_dir, read_only=True)
    kept = [row[0] for row in reader.cursor().execute("SELECT event_id FROM events ORDER BY seq LIMIT 1000").fetchall()]
    reader.close()
    resend(data_dir, kept, None, newest, "stored events, no retention (the same check against `events`)")


def resend(data_dir: Path, event_ids: list[str], days: int | None, now: dt.datetime, what: str) -> None:
    """After a restart (the key index is loaded on first use), send 1,000 old events again."""
    with tempfile.TemporaryDirectory(dir=data_dir.parent) as scratch:
        path = Path(scratch) / "data"
        shutil.copytree(data_dir, path)
        store = Warehouse(path)
        issuer = store.issuers()[0]
        if days is not None:
            store.set_retention(issuer.issuer_id, days, actor="bench")
            store.apply_retention(now=now, actor="bench")
        store.close()
        store = Warehouse(path)
        try:
            sent = [
                {
                    "id": i,
                    "type": "credential.referral_clicked",
                    "occurred_at": "2026-01-01T00:00:00Z",
                    "credential_id": "x",
                }
                for i in event_ids
            ]
            outcome, seconds = timed(
                lambda: ingest_decoded(store, issuer, convert_rows(list(enumerate(sent))), fold=False)
            )
            duplicates = outcome.duplicates  # type: ignore[attr-defined]
            print(f"  1,000 {what} sent again after a restart: {duplicates} duplicates in {seconds * 1000:.0f} ms")
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a built store (default: bench-data/N)")
    parser.add_argument("--only", choices=["server"], default=None, help="run only the erasure in a running server")
    args = parser.parse_args()
    data_dir = args.data_dir or Path("bench-data") / str(args.events)
    store = Warehouse(data_dir)
    if store.issuer("bench") is None:
        started = time.perf_counter()
        build_single_issuer(store, "bench", args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.0f} s")
    events = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0]
    print(f"issuer 'bench': {events:,} events, file {size_mb(store):.0f} MB; {dt.date.today()}, 2 cores")
    store.close()
    bench_server_erasure(data_dir)
    if args.only is None:
        bench_erasure(data_dir)
        bench_retention(data_dir)


if __name__ == "__main__":
    main()
