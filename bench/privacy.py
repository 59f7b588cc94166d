"""What erasure and retention cost on one large issuer: time, file size, and what tombstones weigh.

`python bench/privacy.py --events 1000000` builds the issuer with the demo generator through the real
ingestion path (reused when the data directory already holds it), then works on throw-away copies:
an erasure of the recipient with the most credentials, a retention run that retires about half of
the events, and a re-send of retired events after a restart. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    bench_erasure(data_dir)
    bench_retention(data_dir)


if __name__ == "__main__":
    main()
