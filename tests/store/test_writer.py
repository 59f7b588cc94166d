"""Group commit: concurrent requests share transactions, each gets its own answer, folds follow."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import prepare
from credlens.store import warehouse as warehouse_module
from credlens.store import writer as writer_module
from credlens.store.appends import WriteRequest
from credlens.store.folds import fold_pending
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GATHER_REQUESTS, GroupWriter


def request(warehouse: Warehouse, issuer: Issuer, events: list[dict[str, Any]]) -> WriteRequest:
    decoded = convert_rows(list(enumerate(events)))
    assert not decoded.rejections
    return prepare(warehouse, issuer, decoded.events, decoded.positions, all_or_nothing=True)


def issued(n: int) -> dict[str, Any]:
    at = (dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)).isoformat()
    return {
        "id": f"i{n}",
        "type": "credential.issued",
        "occurred_at": at,
        "credential_id": f"c{n}",
        "program": {"id": "p1"},
        "recipient": {"id": f"r{n}"},
    }


def test_concurrent_requests_each_get_their_answer_and_are_folded(warehouse: Warehouse, issuer: Issuer) -> None:
    writer = GroupWriter(warehouse)
    try:
        requests = [request(warehouse, issuer, [issued(10 * r + k) for k in range(10)]) for r in range(20)]
        duplicate = request(warehouse, issuer, [issued(0), issued(1000)])  # i0 is also in the first request
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(lambda q=q: writer.submit(q).result()) for q in [*requests, duplicate]]
            results = [f.result() for f in futures]
        writer.wait_idle()
    finally:
        writer.close()
    assert [r.accepted for r in results[:20]] == [10] * 20
    assert (results[20].accepted, results[20].duplicates) == (1, 1)
    counts = warehouse.cursor().execute("SELECT count(*) FROM events UNION ALL SELECT count(*) FROM credentials")
    assert [row[0] for row in counts.fetchall()] == [201, 201]
    assert warehouse.unfolded() == 0


def test_a_refused_request_does_not_block_the_others_of_its_group(warehouse: Warehouse, issuer: Issuer) -> None:
    writer = GroupWriter(warehouse)
    try:
        assert writer.submit(request(warehouse, issuer, [issued(1)])).result().accepted == 1
        reissue = {**issued(2), "credential_id": "c1"}
        futures = [
            writer.submit(request(warehouse, issuer, [issued(3)])),
            writer.submit(request(warehouse, issuer, [issued(4), reissue])),
            writer.submit(request(warehouse, issuer, [issued(5)])),
        ]
        results = [f.result() for f in futures]
    finally:
        writer.close()
    assert [(r.accepted, len(r.rejections)) for r in results] == [(1, 0), (0, 1), (1, 0)]
    stored = warehouse.cursor().execute("SELECT event_id FROM events ORDER BY event_id").fetchall()
    assert stored == [("i1",), ("i3",), ("i5",)]


def test_a_refused_request_does_not_reserve_its_credentials(warehouse: Warehouse, issuer: Issuer) -> None:
    assert warehouse.write([request(warehouse, issuer, [issued(1)])])[0].accepted == 1
    refused = [issued(7), {**issued(8), "credential_id": "c1"}]  # c7 would be issued, but c1 conflicts
    retry = [{**issued(9), "credential_id": "c7"}]  # c7 by another event: fine, the first request was refused
    results = warehouse.write([request(warehouse, issuer, refused), request(warehouse, issuer, retry)])  # one group
    assert [(r.accepted, len(r.rejections)) for r in results] == [(0, 1), (1, 0)]


def test_ids_repeated_across_the_requests_of_one_group_are_stored_once(warehouse: Warehouse, issuer: Issuer) -> None:
    other, _ = warehouse.create_issuer("writer-other", "Other")
    reissue = {**issued(8), "credential_id": "c1"}  # c1 is issued by the first request
    group = [
        request(warehouse, issuer, [issued(1), issued(2)]),
        request(warehouse, issuer, [issued(2), issued(3)]),  # i2 repeats the first request's
        request(warehouse, issuer, [issued(4), reissue]),  # refused: its i4 is not stored...
        request(warehouse, issuer, [issued(4), issued(3)]),  # ...so this i4 is new; i3 repeats
        request(warehouse, other, [issued(1)]),  # the same id for another issuer is another event
    ]
    results = warehouse.write(group)  # one transaction
    assert [(r.accepted, r.duplicates, len(r.rejections)) for r in results] == [
        (2, 0, 0),
        (1, 1, 0),
        (0, 0, 1),
        (1, 1, 0),
        (1, 0, 0),
    ]
    stored = warehouse.cursor().execute("SELECT issuer_id, event_id FROM events ORDER BY ALL").fetchall()
    ours, theirs = issuer.issuer_id, other.issuer_id
    assert stored == sorted([(ours, "i1"), (ours, "i2"), (ours, "i3"), (ours, "i4"), (theirs, "i1")])


def test_a_group_waits_for_requests_still_being_decoded(warehouse: Warehouse, issuer: Issuer) -> None:
    """While at least GATHER_WHILE_DECODING requests are being decoded, the writer waits for more (at
    most ``gather_for``) and appends them in one transaction; with fewer, it does not wait."""
    decoding = [0]
    groups: list[int] = []
    write = warehouse.write

    def counted(requests: list[WriteRequest]) -> Any:
        groups.append(len(requests))
        return write(requests)

    warehouse.write = counted  # type: ignore[method-assign]
    writer = GroupWriter(warehouse, decoding=lambda: decoding[0], gather_for=600)  # never reached
    try:
        assert writer.submit(request(warehouse, issuer, [issued(1)])).result().accepted == 1
        assert groups == [1]  # nothing being decoded: appended at once
        decoding[0] = 2  # and stays so: the group waits until it holds GATHER_REQUESTS
        futures = [writer.submit(request(warehouse, issuer, [issued(n)])) for n in range(2, 2 + GATHER_REQUESTS)]
        assert [f.result(timeout=60).accepted for f in futures] == [1] * GATHER_REQUESTS
        assert groups == [1, GATHER_REQUESTS]
    finally:
        writer.close()


def test_batches_are_acknowledged_while_a_fold_runs(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fold runs on its own connection and thread: the appends of a sustained load do not wait for it."""
    started, release = threading.Event(), threading.Event()

    def held_fold(con: Any) -> int:
        started.set()
        release.wait(30)
        return fold_pending(con)

    monkeypatch.setattr(warehouse_module, "fold_pending", held_fold)
    writer = GroupWriter(warehouse)
    try:
        assert writer.submit(request(warehouse, issuer, [issued(1)])).result().accepted == 1
        assert started.wait(10)  # the writer was idle, so the fold thread began folding c1 (and is held)
        later = writer.submit(request(warehouse, issuer, [issued(2), issued(3)])).result(timeout=10)
        assert later.accepted == 2  # durable while the fold is still held
        assert warehouse.unfolded() == 3
    finally:
        release.set()
        writer.close()
    counts = warehouse.cursor().execute("SELECT count(*) FROM credentials").fetchall()
    assert counts == [(3,)]
    assert warehouse.unfolded() == 0


def test_a_failed_fold_is_tried_again_without_new_batches(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = [RuntimeError("disk full")]

    def failing_once(con: Any) -> int:
        if failures:
            raise failures.pop()
        return fold_pending(con)

    monkeypatch.setattr(warehouse_module, "fold_pending", failing_once)
    monkeypatch.setattr(writer_module, "FOLD_RETRY_AFTER", 0.3)
    writer = GroupWriter(warehouse)
    try:
        assert writer.submit(request(warehouse, issuer, [issued(1), issued(2)])).result().accepted == 2
        deadline = time.monotonic() + 10
        while warehouse.unfolded() and time.monotonic() < deadline:  # nothing else is sent
            time.sleep(0.05)
        assert not failures  # the first fold failed ...
        assert warehouse.unfolded() == 0  # ... and the retry folded both
    finally:
        writer.close()


def test_no_append_waits_for_a_checkpoint_and_the_idle_writer_makes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB checkpointed inside the COMMIT of an append of 100,000 rows (and of any commit past a
    16 MiB WAL), and every acknowledgement waited for it: 2.4-3.9 s at the 10M store's p99
    (docs/performance.md). The server's commits now leave the WAL as it is; the fold thread
    checkpoints it once the writer is idle."""
    warehouse = Warehouse(tmp_path, defer_checkpoints=True)  # as the server opens it (web/app.py)
    issuer, _ = warehouse.create_issuer("acme", "Acme")
    views = [
        {"id": f"v{n}", "type": "credential.viewed", "occurred_at": "2026-03-02T10:00:00Z"}
        | {"credential_id": f"c{n % 500}", "actor": "owner"}
        for n in range(101_000)
    ]
    big = request(warehouse, issuer, views)
    after_append: list[int] = []
    write = warehouse.write

    def observed(requests: list[WriteRequest]) -> Any:
        results = write(requests)
        after_append.append(wal_size(warehouse))  # what the acknowledgement saw: its commit's checkpoint, if any
        return results

    monkeypatch.setattr(warehouse, "write", observed)
    writer = GroupWriter(warehouse)
    try:
        assert writer.submit(big).result().accepted == len(views)
        writer.wait_idle()
        deadline = time.monotonic() + 60
        while not getattr(warehouse, "checkpoints", 0) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writer.close()
    assert after_append[0] > 16 << 20  # the append's events are in the WAL: its commit did not checkpoint
    assert warehouse.checkpoints == 1
    assert wal_size(warehouse) < after_append[0]
    warehouse.close()


def wal_size(warehouse: Warehouse) -> int:
    wal = warehouse.path.with_name(warehouse.path.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0
