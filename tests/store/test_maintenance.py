"""The server's retention thread: it runs on its own, through the write lock, and stops with the app."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.issuers import Issuer
from credlens.store.maintenance import RetentionJob
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.conftest import ingest
from tests.store.test_retention import issued, viewed
from tests.web.conftest import TEST_SECRET


def test_the_job_applies_retention_in_the_background(warehouse: Warehouse, issuer: Issuer) -> None:
    ingest(warehouse, issuer, [issued("i1", "c1", "2020-01-01"), viewed("v1", "c1", "2020-01-02T00:00:00Z")])
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    job = RetentionJob(warehouse, interval=3600, first_run_after=0)
    try:
        deadline = time.monotonic() + 30
        while not job.runs and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        job.close()
    assert job.runs == 1
    assert warehouse.cursor().execute("SELECT count(*) FROM events").fetchall() == [(0,)]
    assert next((e.actor, e.action) for e in warehouse.audit_entries(issuer.issuer_id)) == ("server", "retention")


def test_the_app_starts_and_stops_the_job(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", environment="test", secret_key=TEST_SECRET))
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        job = app.state.retention
        assert isinstance(job, RetentionJob)
        assert job.alive
    assert not job.alive
