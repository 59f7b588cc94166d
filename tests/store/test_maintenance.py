"""The server's retention thread: it runs on its own, through the write lock, and stops with the app."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.issuers import Issuer
from credlens.store import purges
from credlens.store.maintenance import PurgeJob, RetentionJob
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


def test_the_purge_job_purges_a_due_erasure_and_retries_until_it_succeeds(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(warehouse, issuer, [issued("i1", "c1", "2020-01-01")])
    report = warehouse.erase_person(issuer.issuer_id, earner_id="r-c1", actor="cli", purge=False)
    assert (report.credentials, report.purged) == (1, False)
    attempts: list[bool] = []
    purge = warehouse.purge

    def fails_once() -> bool:
        attempts.append(bool(attempts) and purge())  # the first attempt is postponed, as by a busy reader
        return attempts[-1]

    monkeypatch.setattr(warehouse, "purge", fails_once)
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + purges.PURGE_WITHIN  # the deadline has come
    job = PurgeJob(warehouse, check_every=3600, retry_after=0.05, clock=lambda: later)
    try:
        deadline = time.monotonic() + 30
        while warehouse.purge_status().pending and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        job.close()
    assert attempts == [False, True]
    assert job.failures == 1
    assert warehouse.purge_status().pending is False


def test_the_purge_job_waits_for_the_deadline_unless_asked(warehouse: Warehouse, issuer: Issuer) -> None:
    ingest(warehouse, issuer, [issued("i1", "c1", "2020-01-01")])
    warehouse.erase_person(issuer.issuer_id, earner_id="r-c1", actor="cli", purge=False)
    job = PurgeJob(warehouse, check_every=0.05)
    try:
        time.sleep(0.3)
        assert warehouse.purge_status().pending  # due in 24 hours: not yet
        job.request()
        deadline = time.monotonic() + 30
        while warehouse.purge_status().pending and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        job.close()
    assert warehouse.purge_status().pending is False
