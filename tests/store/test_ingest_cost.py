"""Ingestion whose cost follows the batch, not the store (issue 14): what a small import may not
rewrite. Costs are shown in bench/ingest.py; these tests check what is done, never how long it takes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store.warehouse import Warehouse


def issued(n: int, day: int) -> dict[str, Any]:
    at = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC) + dt.timedelta(days=day, seconds=n)
    return {
        "id": f"i{n}",
        "type": "credential.issued",
        "occurred_at": at.isoformat(),
        "credential_id": f"c{n}",
        "program": {"id": f"p{n % 3}"},
        "recipient": {"id": f"r{n}"},
    }


def daily(store: Warehouse) -> tuple[int, int]:
    """The rows of `daily` and the events they count."""
    rows = store.cursor().execute("SELECT count(*), sum(events) FROM daily").fetchall()[0]
    return int(rows[0]), int(rows[1])


def test_a_small_import_does_not_rewrite_the_daily_counts(tmp_path: Path) -> None:
    """Every import's compaction re-aggregated all of `daily`: an import of one event cost in
    proportion to the store. Now a few partial rows stay until they add a quarter to the table;
    every reader sums them, so the counts are the same."""
    store = Warehouse(tmp_path)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest_decoded(store, issuer, convert_rows(list(enumerate(issued(n, n % 40) for n in range(400)))), fold=False)
    store.compact()
    compacted, events = daily(store)
    assert events == 400
    # one event of a day and program already counted: a partial row, left as it is
    ingest_decoded(store, issuer, convert_rows([(0, issued(1000, 0))]), fold=False)
    store.compact()
    assert daily(store) == (compacted + 1, 401)
    # partial rows that add more than a quarter to the table are compacted, into rows of keys already there
    more = [issued(n, n % 40) for n in range(2000, 2000 + 40 * 12)]
    for start in range(0, len(more), 40):
        ingest_decoded(store, issuer, convert_rows(list(enumerate(more[start : start + 40]))))
    store.compact()
    assert daily(store) == (compacted, 401 + 480)
    store.close()
