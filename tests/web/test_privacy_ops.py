"""Erasure called from inside the running server: writers wait, readers keep reading, the file is swapped."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.issuers import NewKeys
from credlens.store import connection
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from credlens.web.app import create_app
from credlens.web.routes import stats
from tests.factories import to_body
from tests.people import ANN_CREDENTIALS, ANN_EMAIL, ANN_EVENT_IDS, ann_events, ann_late_issuance, bob_events
from tests.privacy.test_ingest_privacy import file_bytes
from tests.web.conftest import BASE_URL


def test_erasure_while_serving_reads_and_writes(client: TestClient, keys: dict[str, NewKeys]) -> None:
    auth = {"Authorization": f"Bearer {keys['acme'].ingest}", "Content-Type": "application/json"}
    for batch in (ann_events(), bob_events(), ann_late_issuance()):
        assert client.post("/api/v1/events", content=to_body(batch), headers=auth).status_code == 200
    warehouse: Warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    writer: GroupWriter = client.app.state.writer  # type: ignore[attr-defined]
    writer.wait_idle()
    issuer = warehouse.issuer("acme")
    assert issuer is not None

    failures: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def read() -> None:  # a request's reads, over and over: its own cursor through Ibis
        while not stop.is_set():
            try:
                tables = warehouse.tables(issuer.issuer_id)
                counts.append(tables["credentials"].count().to_pyarrow().as_py())
                tables["daily"].events.sum().to_pyarrow()
                del tables  # the request ends
            except BaseException as exc:
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="user:admin@acme.example")
    finally:
        stop.set()
        for reader in readers:
            reader.join()

    assert failures == []
    assert counts
    assert set(counts) <= {4, 2}
    assert (report.credentials, report.events, report.purged) == (2, 11, True)
    stats = client.get("/api/v1/stats?period=all", headers={"Authorization": f"Bearer {keys['acme'].read}"})
    assert stats.json()["metrics"]["issued"] == {"value": 1}  # Bob's, read through the new file
    more = [
        {
            "id": "bob-evt-late",
            "type": "credential.viewed",
            "occurred_at": "2026-02-01T00:00:00Z",
            "credential_id": "bob-cred-gamma",
            "actor": "owner",
        }
    ]
    assert client.post("/api/v1/events", content=to_body(more), headers=auth).json() == {"accepted": 1, "duplicates": 0}
    writer.wait_idle()
    views = warehouse.cursor().execute("SELECT owner_views FROM credentials WHERE credential_id = 'bob-cred-gamma'")
    assert views.fetchall() == [(2,)]


def test_a_read_that_failed_with_500_keeps_no_reader_and_the_erasure_purges(
    settings: Settings, keys: dict[str, NewKeys], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14, item 2: the failed request's traceback (kept here by the log capture, as any log
    handler that keeps records would) held its cursor, and the erasure's rewrite gave up on it."""
    monkeypatch.setattr(connection, "DRAIN_TIMEOUT", 1.0)

    def failing_run(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("a metric failed")

    monkeypatch.setattr(stats, "run_for", failing_run)
    with TestClient(create_app(settings), base_url=BASE_URL, raise_server_exceptions=False) as client:
        warehouse: Warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
        warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")  # a byte search sees stored text
        auth = {"Authorization": f"Bearer {keys['acme'].ingest}", "Content-Type": "application/json"}
        for batch in (ann_events(), bob_events(), ann_late_issuance()):
            posted = client.post("/api/v1/events", content=to_body(batch), headers=auth)
            assert posted.status_code == 200
        client.app.state.writer.wait_idle()  # type: ignore[attr-defined]
        read = {"Authorization": f"Bearer {keys['acme'].read}"}
        assert client.get("/api/v1/stats?period=all", headers=read).status_code == 500
        assert any(record.exc_info for record in caplog.records)  # the traceback is still referenced
        issuer = warehouse.issuer("acme")
        assert issuer is not None

        report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="user:admin@acme.example")

        assert report.purged
        stored = file_bytes(warehouse.path.parent)
        for value in (*ANN_CREDENTIALS, *ANN_EVENT_IDS):
            assert value.encode() not in stored, value
        assert b"bob-cred-gamma" in stored  # positive control
