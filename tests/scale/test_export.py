"""`credlens export`: the lake holds the store's events per issuer and month, grows by new files only,
loses an erased recipient's rows, and never holds an e-mail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store import lake
from credlens.store.schema import EVENT_COLUMNS
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.people import ANN_EMAIL, ANN_EVENT_IDS, BOB_EVENT_IDS, ann_events, ann_late_issuance, bob_events

runner = CliRunner()


def export(data: Path, out: Path, *slugs: str) -> str:
    args = ["export", "--out", str(out), "--data-dir", str(data)]
    for slug in slugs:
        args += ["--issuer", slug]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def lake_rows(out: Path, slug: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in lake.event_files(out, slug):
        rows += pq.read_table(path).to_pylist()
    return rows


def parquet_files(out: Path) -> set[Path]:
    return set(out.rglob("*.parquet"))


def store_with_people(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = Warehouse(data)
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
        other, _ = store.create_issuer("other", "Other", timezone="UTC")
        ingest(store, issuer, ann_events() + bob_events())
        ingest(store, issuer, ann_late_issuance())
        ingest(store, other, bob_events())
    finally:
        store.close()
    return data


def test_export_writes_events_by_issuer_and_month_and_the_issuer_settings(tmp_path: Path) -> None:
    data, out = store_with_people(tmp_path), tmp_path / "lake"
    export(data, out, "acme")
    rows = lake_rows(out, "acme")
    assert {r["event_id"] for r in rows} == set(ANN_EVENT_IDS) | set(BOB_EVENT_IDS)
    assert set(rows[0]) == set(EVENT_COLUMNS)  # the event's columns, no store-internal ones
    assert {p.parent.name for p in parquet_files(out)} == {"month=2026-01"}
    assert {p.parent.parent.name for p in parquet_files(out)} == {"issuer=acme"}  # only the issuer asked
    settings = json.loads((out / "issuers" / "acme.json").read_text())
    assert settings["timezone"] == "America/New_York"
    assert settings["suppression_k"] == 10
    assert {p["program_id"] for p in settings["programs"]} == {"p1", "p2"}
    assert "pseudonym_secret" not in json.dumps(settings)
    export(data, out)  # every issuer
    assert {r["event_id"] for r in lake_rows(out, "other")} == set(BOB_EVENT_IDS)


def test_a_second_export_writes_only_new_files_for_new_events(tmp_path: Path) -> None:
    data, out = store_with_people(tmp_path), tmp_path / "lake"
    export(data, out, "acme")
    before = {p: p.read_bytes() for p in parquet_files(out)}
    assert "+0 events, 0 new file(s)" in export(data, out, "acme")  # nothing changed: nothing written
    assert {p: p.read_bytes() for p in parquet_files(out)} == before
    store = Warehouse(data)
    try:
        acme = store.issuer("acme")
        assert acme is not None
        later = {
            "id": "late-view",
            "type": "credential.viewed",
            "occurred_at": "2026-03-05T10:00:00Z",
            "credential_id": "bob-cred-gamma",
            "actor": "owner",
        }
        ingest(store, acme, [later])
    finally:
        store.close()
    assert "months appended: 2026-03; rewritten: none" in export(data, out, "acme")
    after = parquet_files(out)
    assert {p: p.read_bytes() for p in before} == before  # the old files are untouched
    (new,) = after - set(before)
    assert new.parent.name == "month=2026-03"
    assert [r["event_id"] for r in pq.read_table(new).to_pylist()] == ["late-view"]


def test_an_erased_recipients_rows_are_gone_from_the_lake_after_the_next_export(tmp_path: Path) -> None:
    data, out = store_with_people(tmp_path), tmp_path / "lake"
    export(data, out, "acme")
    assert set(ANN_EVENT_IDS) <= {r["event_id"] for r in lake_rows(out, "acme")}
    old = parquet_files(out)
    result = runner.invoke(app, ["erase", "--issuer", "acme", "--email", ANN_EMAIL, "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "rewritten: 2026-01" in export(data, out, "acme")
    assert {r["event_id"] for r in lake_rows(out, "acme")} == set(BOB_EVENT_IDS)
    assert not old & parquet_files(out)  # the month's old files are deleted, not only unlisted
    for path in parquet_files(out):
        assert b"ann-evt" not in path.read_bytes()
        assert "ann-evt" not in str(pq.read_table(path).to_pylist())


def test_the_lake_holds_no_email(tmp_path: Path) -> None:
    data, out = store_with_people(tmp_path), tmp_path / "lake"
    export(data, out)
    emails = [ANN_EMAIL, ANN_EMAIL.lower(), ANN_EMAIL.strip().lower().encode().hex()]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        raw = path.read_bytes()
        text = str(pq.read_table(path).to_pylist()) if path.suffix == ".parquet" else raw.decode()
        for email in emails:
            assert email.encode() not in raw.lower()
            assert email.lower() not in text.lower()
        assert "@" not in text  # no address of anyone (the bytes are compressed: the values are read back too)


def test_query_on_spark_needs_a_lake_and_a_known_engine(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "--engine", "spark", "--issuer", "acme", "--period", "30d"])
    assert result.exit_code == 1
    assert "--lake DIR" in result.output
    result = runner.invoke(app, ["query", "--engine", "oracle", "--issuer", "acme", "--period", "30d"])
    assert result.exit_code == 1
    assert "duckdb or spark" in result.output
    result = runner.invoke(app, ["rebuild", "--engine", "duckdb", "--lake", str(tmp_path)])
    assert result.exit_code == 1
    assert "only spark" in result.output
    result = runner.invoke(app, ["rebuild", "--engine", "spark", "--lake", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no issuer in the lake" in result.output
