"""Erasure called from inside the running server: writers wait, readers keep reading, the file is swapped."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from credlens.domain.issuers import NewKeys
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from tests.factories import to_body
from tests.people import ANN_EMAIL, ann_events, ann_late_issuance, bob_events


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
