"""Retention deletes old raw events once folded; metrics, deduplication and issuance checks do not notice."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credlens.demo.generator import generate_single_issuer
from credlens.domain.issuers import Issuer
from credlens.domain.periods import Preset
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import Outcome, ingest_decoded
from credlens.metrics.runner import run_for
from credlens.store.warehouse import StoreError, Warehouse
from tests.conftest import ingest
from tests.privacy.test_ingest_privacy import file_bytes
from tests.store.test_order_independence import SNAPSHOTS

DERIVED = {name: sql for name, sql in SNAPSHOTS.items() if name != "events"}
TODAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # a finished day: the stream is deterministic
RETENTION_DAYS = 365


def demo_stream() -> Iterator[list[dict[str, Any]]]:
    return generate_single_issuer(12_000, today=TODAY, chunk_size=4_000)


def ingest_stream(store: Warehouse, issuer: Issuer) -> Outcome:
    outcome = Outcome()
    for chunk in demo_stream():
        outcome.add(ingest_decoded(store, issuer, convert_rows(list(enumerate(chunk))), fold=False))
    store.fold()
    return outcome


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo issuer's store, built once; each test gets its own copy."""
    data_dir = tmp_path_factory.mktemp("retention") / "data"
    store = Warehouse(data_dir)
    issuer, _ = store.create_issuer("bench", "Benchmark Academy", timezone="America/New_York")
    assert ingest_stream(store, issuer).rejections == []
    store.close()
    return data_dir


@pytest.fixture
def demo(demo_files: Path, tmp_path: Path) -> Iterator[tuple[Warehouse, Issuer]]:
    shutil.copytree(demo_files, tmp_path / "data")
    store = Warehouse(tmp_path / "data")
    issuer = store.issuer("bench")
    assert issuer is not None
    yield store, issuer
    store.close()


def derived(store: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    return {name: store.cursor().execute(sql).fetchall() for name, sql in DERIVED.items()}


def every_metric(store: Warehouse, issuer: Issuer) -> dict[str, Any]:
    """`credlens query` for every preset with --compare previous (`all` has nothing to compare with),
    plus windows of days and weeks."""
    asks: list[dict[str, Any]] = [
        {"period": p.value, "compare": None if p is Preset.ALL else "previous"} for p in Preset
    ]
    asks += [
        {"period": "90d", "compare": "year", "interval": "week"},
        {"date_from": "2024-01-01", "date_to": "2024-03-31", "compare": "previous", "interval": "day"},
    ]
    results = {}
    tables = store.tables(issuer.issuer_id)
    for ask in asks:
        result = run_for(issuer, tables, **ask)
        result["query"].pop("generated_at")
        results[json.dumps(ask, sort_keys=True)] = result
    return results


def test_metrics_and_derived_tables_are_equal_after_retention(demo: tuple[Warehouse, Issuer]) -> None:
    store, issuer = demo
    before, tables_before = every_metric(store, issuer), derived(store)
    stored = store.cursor().execute("SELECT count(*) FROM events").fetchall()[0][0]

    store.set_retention(issuer.issuer_id, RETENTION_DAYS, actor="cli")
    run = store.apply_retention(actor="cli")

    (report,) = run.issuers
    left = store.cursor().execute("SELECT count(*), min(occurred_at) FROM events").fetchall()[0]
    assert report.deleted > stored // 3  # the stream spans about three years: most of it goes
    assert left[0] == stored - report.deleted
    assert left[1] >= report.horizon or report.waiting  # what is older is only what waits for its issuance
    assert run.purged
    assert derived(store) == tables_before
    assert every_metric(store, issuer) == before  # the attribute breakdowns too: the fold keeps them
    old_window = before[
        '{"compare": "previous", "date_from": "2024-01-01", "date_to": "2024-03-31", "interval": "day"}'
    ]
    metrics = old_window["metrics"]
    assert min(metrics["issued"]["value"], metrics["verifications"]["value"], metrics["shared"]["value"]) > 0


def test_old_events_sent_again_are_duplicates_and_reissuing_is_refused(demo: tuple[Warehouse, Issuer]) -> None:
    store, issuer = demo
    store.set_retention(issuer.issuer_id, RETENTION_DAYS, actor="cli")
    store.apply_retention(actor="cli")
    tombstones = store.cursor().execute("SELECT count(*) FROM event_tombstones").fetchall()[0][0]
    assert tombstones > 0
    tables_before = derived(store)

    again = ingest_stream(store, issuer)

    assert (again.accepted, again.rejections) == (0, [])
    assert again.duplicates > tombstones
    assert derived(store) == tables_before

    ((credential, first_issue),) = (
        store.cursor()
        .execute(
            "SELECT credential_id, issue_event_id FROM credentials c WHERE issue_event_id IN "
            "(SELECT event_id FROM event_tombstones) ORDER BY credential_id LIMIT 1"
        )
        .fetchall()
    )
    reissue = {
        "id": "a-new-issuance",
        "type": "credential.issued",
        "occurred_at": "2026-01-01T00:00:00Z",
        "credential_id": credential,
        "program": {"id": "p-other"},
        "recipient": {"id": "someone"},
    }
    (refused,) = ingest(store, issuer, [reissue]).rejections
    assert refused.reason == f"credential {credential!r} was already issued by event {first_issue!r}"


def test_dedupe_survives_a_restart_from_tombstones(tmp_path: Path) -> None:
    store = Warehouse(tmp_path / "data")
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest(store, issuer, [issued("i1", "c1", "2025-01-01T00:00:00Z"), issued("i2", "c2", "2026-01-01T00:00:00Z")])
    store.set_retention(issuer.issuer_id, 100, actor="cli")
    (report,) = store.apply_retention(now=dt.datetime(2026, 1, 2), actor="cli").issuers
    assert report.deleted == 1
    store.close()

    store = Warehouse(tmp_path / "data")  # the key index is loaded afresh: from events and tombstones
    try:
        outcome = ingest(store, issuer, [issued("i1", "c1", "2025-01-01T00:00:00Z"), issued("i3", "c1", "2025-01-02")])
        assert (outcome.accepted, outcome.duplicates) == (0, 1)
        assert [r.reason for r in outcome.rejections] == ["credential 'c1' was already issued by event 'i1'"]
    finally:
        store.close()


def issued(event_id: str, credential: str, at: str) -> dict[str, Any]:
    if len(at) == 10:
        at += "T00:00:00Z"
    return {
        "id": event_id,
        "type": "credential.issued",
        "occurred_at": at,
        "credential_id": credential,
        "program": {"id": "p1"},
        "recipient": {"id": f"r-{credential}"},
    }


def viewed(event_id: str, credential: str, at: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "credential.viewed",
        "occurred_at": at,
        "credential_id": credential,
        "actor": "public",
        **extra,
    }


def daily_views(store: Warehouse) -> int:
    sql = "SELECT coalesce(sum(events), 0) FROM daily WHERE type = 'credential.viewed'"
    return int(store.cursor().execute(sql).fetchall()[0][0])


def test_events_waiting_for_their_issuance_are_kept_until_it_arrives(warehouse: Warehouse, issuer: Issuer) -> None:
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    now = dt.datetime(2026, 3, 1)
    ingest(warehouse, issuer, [viewed("v1", "c1", "2026-01-05T00:00:00Z")])  # c1 not issued yet

    (report,) = warehouse.apply_retention(now=now, actor="cli").issuers
    assert (report.deleted, report.waiting) == (0, 1)

    ingest(warehouse, issuer, [issued("i1", "c1", "2026-01-01")])  # the late issuance counts the kept view
    assert daily_views(warehouse) == 1
    (report,) = warehouse.apply_retention(now=now, actor="cli").issuers
    assert (report.deleted, report.waiting) == (2, 0)
    assert daily_views(warehouse) == 1
    assert warehouse.cursor().execute("SELECT count(*) FROM events").fetchall() == [(0,)]


def test_events_not_folded_yet_are_folded_before_they_are_deleted(warehouse: Warehouse, issuer: Issuer) -> None:
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    events = [issued("i1", "c1", "2026-01-01"), viewed("v1", "c1", "2026-01-02T00:00:00Z")]
    ingest_decoded(warehouse, issuer, convert_rows(list(enumerate(events))), fold=False)
    assert warehouse.unfolded() == 2

    (report,) = warehouse.apply_retention(now=dt.datetime(2026, 3, 1), actor="cli").issuers

    assert report.deleted == 2
    assert daily_views(warehouse) == 1
    row = warehouse.cursor().execute("SELECT public_views, issued_at FROM credentials").fetchall()
    assert row == [(1, dt.datetime(2026, 1, 1))]


def test_new_events_after_everything_was_retired_are_still_folded(tmp_path: Path) -> None:
    # The greatest stored seq falls below the fold cursor; new events must still be numbered after it.
    store = Warehouse(tmp_path / "data")
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest(store, issuer, [issued("i1", "c1", "2025-01-01"), viewed("v1", "c1", "2025-01-02T00:00:00Z")])
    store.set_retention(issuer.issuer_id, 30, actor="cli")
    assert store.apply_retention(now=dt.datetime(2026, 1, 1), actor="cli").issuers[0].deleted == 2
    store.close()

    store = Warehouse(tmp_path / "data")
    try:
        ingest(store, issuer, [viewed("v2", "c1", "2025-12-31T00:00:00Z")])
        assert store.unfolded() == 0
        assert store.cursor().execute("SELECT public_views FROM credentials").fetchall() == [(2,)]
    finally:
        store.close()


def test_the_deleted_events_bytes_are_gone_from_the_file(warehouse: Warehouse, issuer: Issuer) -> None:
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    old = {"note": "retired-marker-old"}
    new = {"note": "kept-marker-new"}
    ingest(
        warehouse,
        issuer,
        [
            issued("i1", "c1", "2026-01-01"),
            viewed("old-view-id", "c1", "2026-01-02T00:00:00Z", properties=old, referrer_domain="old-ref.example"),
            viewed("new-view-id", "c1", "2026-02-20T00:00:00Z", properties=new, referrer_domain="new-ref.example"),
        ],
    )
    assert b"retired-marker-old" in file_bytes(warehouse.path.parent)
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")

    assert warehouse.apply_retention(now=dt.datetime(2026, 3, 1), actor="cli").purged

    content = file_bytes(warehouse.path.parent)
    assert b"retired-marker-old" not in content
    # its referrer domain stays as the fold counted it, per day (store/breakdowns.py): the breakdowns
    # outlive retention like every other metric
    assert b"old-ref.example" in content
    assert b"kept-marker-new" in content  # positive controls
    assert b"new-ref.example" in content
    assert b"old-view-id" in content  # by design: its tombstone keeps the id, for deduplication


def test_retention_is_set_per_issuer_and_audited(warehouse: Warehouse, issuer: Issuer) -> None:
    other, _ = warehouse.create_issuer("globex", "Globex")
    with pytest.raises(StoreError, match="at least 1 day"):
        warehouse.set_retention(issuer.issuer_id, 0, actor="cli")
    warehouse.set_retention(issuer.issuer_id, 90, actor="cli")
    assert warehouse.issuer("acme").raw_event_retention_days == 90  # type: ignore[union-attr]
    assert warehouse.issuer("globex").raw_event_retention_days is None  # type: ignore[union-attr]
    assert [r.issuer_id for r in warehouse.apply_retention(actor="cli").issuers] == [issuer.issuer_id]
    assert warehouse.apply_retention(other.issuer_id, actor="cli").issuers == []
    warehouse.set_retention(issuer.issuer_id, None, actor="user:admin@acme.example")
    assert warehouse.issuer("acme").raw_event_retention_days is None  # type: ignore[union-attr]
    entries = [(e.actor, e.action, e.detail) for e in warehouse.audit_entries(issuer.issuer_id)]
    assert entries[:2] == [("user:admin@acme.example", "retention.set", "keep"), ("cli", "retention.set", "90 days")]
