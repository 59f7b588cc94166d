"""Import throughput of the platforms' formats (docs/importers.md) against credlens's own NDJSON.

Run on demand (`python bench/importers.py --credentials 20000 --events 200000`); prints figures, never
asserts. Builds an Accredible credentials export (CSV) and an analytics page (JSON) of synthetic
records, imports them as `credlens import --format accredible` does, then the same events mapped to
credlens's NDJSON through the own-format path, and the Accredible files a second time (all duplicates).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from credlens.ingest.pipeline import import_file, ingest_mapped
from credlens.ingest.sources import accredible
from credlens.ingest.sources.foreign import read_records
from credlens.store.warehouse import Warehouse

ACTIONS = list(accredible.ACTIONS)


def write_samples(folder: Path, credentials: int, events: int) -> tuple[Path, Path]:
    rng = random.Random(19)
    creds = folder / "credentials.csv"
    with creds.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "group_id", "group_name", "recipient_email", "issued_on", "expired_on"])
        for n in range(credentials):
            day = 1 + n % 28
            out.writerow(
                [10_000_000 + n, 500 + n % 20, f"Group {n % 20}", f"r{n}@example.com", f"{day:02d}/01/2026", ""]
            )
    analytics = folder / "analytics.json"
    rows = [
        {
            "id": 90_000_000 + n,
            "credential_id": 10_000_000 + rng.randrange(credentials),
            "event_type": rng.choice(ACTIONS),
            "created_at": f"2026-02-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
        }
        for n in range(events)
    ]
    analytics.write_text(json.dumps({"analytics": rows, "meta": {"next_page": None}}))
    return creds, analytics


def timed(label: str, rows: int, run: Callable[[], object]) -> None:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    print(f"{label:<40} {rows:>9,} records  {seconds:7.2f} s  {rows / seconds:>10,.0f} records/s  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--credentials", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        creds, analytics = write_samples(folder, args.credentials, args.events)
        store = Warehouse(folder / "data")
        issuer, _ = store.create_issuer("bench-import", "Bench")
        other, _ = store.create_issuer("bench-own", "Bench own")

        def mapped(path: Path) -> object:
            outcome = ingest_mapped(store, issuer, read_records(path), accredible.events).outcome
            return f"accepted {outcome.accepted}, duplicates {outcome.duplicates}, rejected {len(outcome.rejections)}"

        timed("accredible credentials (CSV)", args.credentials, lambda: mapped(creds))
        timed("accredible analytics (JSON)", args.events, lambda: mapped(analytics))
        own = folder / "own.ndjson"
        with own.open("w") as handle:
            for _, record in read_records(analytics):
                handle.write(json.dumps(accredible.events(record)[0]) + "\n")

        def own_import() -> object:
            outcome, _ = import_file(store, other, own)
            return f"accepted {outcome.accepted}"

        timed("the same events as credlens NDJSON", args.events, own_import)
        timed("accredible analytics again (duplicates)", args.events, lambda: mapped(analytics))
        store.close()


if __name__ == "__main__":
    main()
