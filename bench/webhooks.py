"""What webhooks cost ingestion, and how fast the sender delivers (issue 19).

`python bench/webhooks.py [--events 200000] [--deliveries 2000]` builds two fresh stores with the same
events through the bulk ingestion path, one without and one with a subscription to every event type,
and prints the time of each import (the difference is the fold's outbox step), then drains
``--deliveries`` deliveries to a local receiver with one sender and prints deliveries per second.
Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' receiver

from tests.webhooks.receiver import Receiver

from credlens.domain.events import EVENT_TYPES
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store.warehouse import Warehouse
from credlens.webhooks.sender import Sender
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.subscriptions import subscribe

SECRET = b"bench-only-webhook-server-secret-0123456789"
SETTINGS = WebhookSettings(allow_private=True, poll=3600)


def events(count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in range(count // 2):
        rows.append(
            {
                "id": f"i{n}",
                "type": "credential.issued",
                "occurred_at": "2026-02-01T09:00:00Z",
                "credential_id": f"c{n}",
                "program": {"id": f"p{n % 20}"},
                "recipient": {"email": f"r{n}@example.org"},
            }
        )
        rows.append(
            {
                "id": f"v{n}",
                "type": "credential.viewed",
                "occurred_at": "2026-02-02T09:00:00Z",
                "credential_id": f"c{n}",
                "actor": "owner",
            }
        )
    return rows


def timed_import(data_dir: Path, rows: list[dict[str, Any]], url: str | None) -> tuple[Warehouse, float]:
    store = Warehouse(data_dir)
    issuer, _ = store.create_issuer("bench", "Bench")
    if url is not None:
        subscribe(store, SECRET, issuer.issuer_id, url, sorted(EVENT_TYPES), SETTINGS)
    decoded = convert_rows(list(enumerate(rows)))
    started = time.perf_counter()
    ingest_decoded(store, issuer, decoded)
    return store, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--deliveries", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    rows = events(args.events)
    receiver = Receiver().start()
    with tempfile.TemporaryDirectory() as tmp:
        times: dict[bool, list[float]] = {False: [], True: []}
        queued = 0
        for run in range(2 * args.runs):  # alternated, so that a warming or busy machine favours neither
            hooked = run % 2 == 1
            store, seconds = timed_import(Path(tmp) / f"run{run}", rows, receiver.url if hooked else None)
            times[hooked].append(seconds)
            queued = store.webhooks.pending() if hooked else queued
            store.close()
        without, with_hooks = min(times[False]), min(times[True])
        print(
            f"import of {len(rows):,} events (best of {args.runs}): {without:.2f} s without a subscription, "
            f"{with_hooks:.2f} s with one to every type ({queued:,} deliveries queued; {with_hooks - without:+.2f} s)"
        )
        small, _ = timed_import(Path(tmp) / "small", rows[: args.deliveries], receiver.url)
        sender = Sender(small, SECRET, SETTINGS)
        started = time.perf_counter()
        while small.webhooks.pending():
            sender.run_once()
        elapsed = time.perf_counter() - started
        sender.close()
        print(
            f"delivered {len(receiver.acknowledged()):,} to a local receiver in {elapsed:.2f} s:"
            f" {len(receiver.acknowledged()) / elapsed:,.0f} deliveries/s (one sender thread)"
        )
        small.close()
    receiver.stop()


if __name__ == "__main__":
    main()
