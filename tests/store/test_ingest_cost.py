"""Ingestion whose cost follows the batch, not the store (issue 14): what a small import may not
rewrite. Costs are shown in bench/ingest.py; these tests check what is done, never how long it takes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store import appends, folds
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter


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


def viewed(n: int, credential: str) -> dict[str, Any]:
    return {
        "id": f"v{n}",
        "type": "credential.viewed",
        "occurred_at": "2026-03-02T10:00:00Z",
        "credential_id": credential,
        "actor": "owner",
    }


def outcomes(store: Warehouse, batches: list[list[dict[str, Any]]]) -> list[tuple[int, int, list[str]]]:
    issuer = store.issuer("acme")
    assert issuer is not None
    seen = []
    for batch in batches:
        outcome = ingest_decoded(store, issuer, convert_rows(list(enumerate(batch))), fold=False)
        seen.append((outcome.accepted, outcome.duplicates, [r.reason for r in outcome.rejections]))
    return seen


@pytest.mark.parametrize("by_query", [0, 100])
def test_screening_by_a_query_finds_what_the_indexes_find(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_query: int
) -> None:
    """Batches screened by a query of the store (before the key indexes are loaded) and by the
    indexes keep and refuse the same events: duplicates within a batch, of stored events, and
    second issuances of stored credentials."""
    monkeypatch.setattr(appends, "SCREEN_BY_QUERY", by_query)
    store = Warehouse(tmp_path)
    store.create_issuer("acme", "Acme")
    batches = [
        [issued(1, 0), issued(2, 0), viewed(1, "c1")],
        [issued(1, 0), dict(issued(2, 0), id="other"), viewed(1, "c1"), viewed(2, "c2"), viewed(2, "c2")],
        [viewed(3, "c3"), issued(3, 0), dict(issued(3, 0), id="again")],
    ]
    assert outcomes(store, batches) == [
        (3, 0, []),
        (1, 3, ["credential 'c2' was already issued by event 'i2'"]),
        (2, 0, ["credential 'c3' was already issued by event 'i3'"]),
    ]
    assert (appends.SCREEN_BY_QUERY == 0) == (store._indexes.events != {})
    store.close()


def test_a_small_import_does_not_load_the_key_index(tmp_path: Path) -> None:
    """Loading the store's key hashes costs in proportion to the store (~1-3 s at 10M events); an
    import of a few batches is screened by a query of the store instead."""
    store = Warehouse(tmp_path)
    store.create_issuer("acme", "Acme")
    outcomes(store, [[issued(n, 0) for n in range(50)]])
    store.close()
    store = Warehouse(tmp_path)
    assert outcomes(store, [[viewed(1, "c1")], [issued(1, 0)]]) == [(1, 0, []), (0, 1, [])]
    assert store._indexes.events == {}
    assert store._indexes.issued == {}
    store.close()


def test_the_servers_writer_loads_the_key_indexes_as_it_starts(tmp_path: Path) -> None:
    """Not at a first request, which would wait for the load (~1-3 s at 10M events)."""
    store = Warehouse(tmp_path)
    issuer, _ = store.create_issuer("acme", "Acme")
    outcomes(store, [[issued(n, 0) for n in range(50)]])
    store.close()
    store = Warehouse(tmp_path)
    writer = GroupWriter(store)
    writer.wait_idle()
    assert len(store._indexes.events[issuer.issuer_id]) == 50
    assert len(store._indexes.issued[issuer.issuer_id]) == 50
    writer.close()
    store.close()


def test_a_fold_of_views_sets_only_the_columns_views_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB reads and rewrites every column an UPDATE sets (and checkpoints them after): a merge
    that set all 42 columns of `credentials` for a batch of views cost seconds at 10M events."""
    merges: list[str] = []
    real = folds.merge_sql

    def recorded(*args: Any) -> str:
        merges.append(real(*args))
        return merges[-1]

    monkeypatch.setattr(folds, "merge_sql", recorded)
    store = Warehouse(tmp_path)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest_decoded(store, issuer, convert_rows([(0, issued(1, 0))]))
    merges.clear()
    ingest_decoded(store, issuer, convert_rows([(0, viewed(1, "c1")), (1, viewed(2, "c1"))]))
    credentials = next(m for m in merges if m.startswith("UPDATE credentials"))
    assert "owner_views =" in credentials
    assert "issued_at =" not in credentials
    assert "expires_at =" not in credentials
    row = store.cursor().execute("SELECT owner_views, events, issued_at IS NOT NULL FROM credentials").fetchall()
    assert row == [(2, 3, True)]
    store.close()


class Scans:
    """The fold's connection, recording every scan of a derived table its statements run (DuckDB's
    own profile of each statement: the rows a scan emitted and the columns it read)."""

    def __init__(self, con: Any, tables: set[str]) -> None:
        self.con, self.tables, self.seen = con, tables, []  # type: list[tuple[str, list[str], int, str]]
        con.execute("PRAGMA enable_profiling='no_output'")
        con.execute("SET profiling_mode='standard'")

    def _record(self, sql: str) -> None:
        def walk(node: dict[str, Any]) -> None:
            info = node.get("extra_info", {})
            table = str(info.get("Table", "")).rpartition(".")[2]
            if node.get("type") == "TABLE_SCAN" and table in self.tables:
                projections = info.get("Projections", [])
                columns = [projections] if isinstance(projections, str) else list(projections)
                self.seen.append((table, columns, int(node["intermediate_rows"]), " ".join(sql.split())[:80]))
            for child in node.get("children", []):
                walk(child)

        for node in json.loads(self.con.get_profiling_information(format="json")).get("operator", []):
            walk(node)

    def execute(self, sql: str, params: Any = None) -> Any:
        result = self.con.execute(sql, params or [])
        self._record(sql)
        return result

    def sql(self, sql: str, params: Any = None) -> Any:
        scans = self

        class Relation:
            def to_arrow_table(self) -> Any:
                table = scans.con.sql(sql, params=params).to_arrow_table()
                scans._record(sql)
                return table

        return Relation()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def test_a_fold_reads_of_the_stored_rows_only_those_its_batch_changes(tmp_path: Path) -> None:
    """A fold of views of 60 of 3,000 stored credentials read every row of `credentials`: an UPDATE
    with RETURNING reads every column of every row, and the cohort counters read the changed rows
    back by a join that scans them all (their cost grew with the store, docs/performance.md). Now
    only a hash column may be read whole, to find the rows; every other scan of a derived table
    emits about the batch's rows (DuckDB filters the scan by the row ids it joins on)."""
    store = Warehouse(tmp_path)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest_decoded(store, issuer, convert_rows(list(enumerate(issued(n, n % 40) for n in range(3000)))))
    views = [
        dict(viewed(n, f"c{n * 97 % 3000}"), actor="owner" if n % 2 else "public", occurred_at=at)
        for n, at in ((n, f"2026-04-0{1 + n % 5}T10:00:00Z") for n in range(60))
    ]
    batch = views + [dict(issued(5000 + n, 3), recipient={"id": f"r{n}"}) for n in range(5)]  # of stored recipients
    ingest_decoded(store, issuer, convert_rows(list(enumerate(batch))), fold=False)
    con = store._db.con.cursor()
    scans = Scans(con, {"credentials", "recipients", "programs", "verifications"})
    assert folds.fold_pending(scans) == len(batch)
    con.close()
    assert any(table == "credentials" and "first_owner_view_at" in columns for table, columns, _, _ in scans.seen)
    hashes = {"cred_hash", "recipient_hash", "program_hash", "verification_hash"}
    wide = [scan for scan in scans.seen if scan[2] > 2 * len(batch) and not set(scan[1]) <= hashes]
    assert not wide, wide
    row = store.cursor().execute("SELECT sum(owner_views), sum(public_views), count(*) FROM credentials").fetchall()
    assert row == [(30, 30, 3005)]
    store.close()
