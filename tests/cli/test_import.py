"""`credlens import` and `credlens issuer create`: every format, the rejects file, one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    result = invoke("issuer", "create", "acme", "--name", "Acme", "--timezone", "Europe/Paris", "--data-dir", str(path))
    assert result.exit_code == 0, result.output
    assert "ingest key: cl_ingest_" in result.output
    assert "read key:   cl_read_" in result.output
    return path


GOOD = [
    {
        "id": "i1",
        "type": "credential.issued",
        "occurred_at": "2026-02-01T09:00:00Z",
        "credential_id": "c1",
        "program": {"id": "p1", "name": "Intro"},
        "recipient": {"email": "a@x.org"},
    },
    {
        "id": "v1",
        "type": "credential.viewed",
        "occurred_at": "2026-02-02T09:00:00Z",
        "credential_id": "c1",
        "actor": "owner",
    },
    {
        "id": "vf1",
        "type": "credential.verified",
        "occurred_at": "2026-02-03T09:00:00Z",
        "credential_id": "c1",
        "verifier": {"consent": True, "organization": "Globex", "size": "11-50"},
    },
]
BAD = {
    "id": "bad1",
    "type": "credential.viewed",
    "occurred_at": "2026-02-02T09:00:00Z",
    "credential_id": "c1",
    "actor": "robot",
}


def stored(data_dir: Path) -> list[tuple[Any, ...]]:
    store = Warehouse(data_dir)
    try:
        return store.cursor().execute("SELECT event_id FROM events ORDER BY event_id").fetchall()
    finally:
        store.close()


def flat(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def write_ndjson(path: Path, events: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))


def write_json(path: Path, events: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(events))


def write_csv(path: Path, events: list[dict[str, Any]]) -> None:
    rows = [flat(e) for e in events]
    columns = sorted({c for row in rows for c in row})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def write_parquet(path: Path, events: list[dict[str, Any]]) -> None:
    rows = [flat(e) for e in events]
    columns = sorted({c for row in rows for c in row})
    pq.write_table(pa.table({c: [r.get(c) for r in rows] for c in columns}), path)


WRITERS = {"ndjson": write_ndjson, "json": write_json, "csv": write_csv, "parquet": write_parquet}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_import_stores_valid_rows_and_writes_rejects_beside_the_file(tmp_path: Path, data_dir: Path, fmt: str) -> None:
    source = tmp_path / f"events.{fmt}"
    WRITERS[fmt](source, [*GOOD, BAD])
    result = invoke("import", str(source), "--issuer", "acme", "--data-dir", str(data_dir))
    assert result.exit_code == 2, result.output  # issue 15: it was 0, as if every row had been stored
    assert "accepted: 3  duplicates: 0  rejected: 1" in result.output
    rejects_file = tmp_path / f"events.{fmt}.rejected.ndjson"
    assert f"1 of 4 rows rejected (the others are stored); fix them in {rejects_file}" in result.output
    assert stored(data_dir) == [("i1",), ("v1",), ("vf1",)]
    rejects = [json.loads(line) for line in (tmp_path / f"events.{fmt}.rejected.ndjson").read_text().splitlines()]
    assert [(r["row"], r["id"], r["field"]) for r in rejects] == [(4, "bad1", "actor")]
    assert rejects[0]["event"]["actor"] == "robot"  # the original row, to fix and re-import
    again = invoke("import", str(source), "--issuer", "acme", "--data-dir", str(data_dir))
    assert "accepted: 0  duplicates: 3  rejected: 1" in again.output
    assert again.exit_code == 2
    good = tmp_path / "good.ndjson"
    write_ndjson(good, GOOD)
    assert invoke("import", str(good), "--issuer", "acme", "--data-dir", str(data_dir)).exit_code == 0


def test_user_errors_are_one_line_and_non_zero(tmp_path: Path, data_dir: Path) -> None:
    source = tmp_path / "events.ndjson"
    write_ndjson(source, GOOD)
    cases = {
        ("import", str(tmp_path / "missing.ndjson"), "--issuer", "acme"): "no such file",
        ("import", str(tmp_path / "events.txt"), "--issuer", "acme"): "no such file",
        ("import", str(source), "--issuer", "nobody"): "unknown issuer 'nobody'",
        ("issuer", "create", "acme", "--name", "Again"): "already exists",
        ("issuer", "create", "Bad Slug", "--name", "X"): "lower-case",
        ("issuer", "create", "tz", "--name", "X", "--timezone", "Mars/Olympus"): "unknown time zone",
    }
    for args, expected in cases.items():
        result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
        assert result.exit_code == 1, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_a_held_database_is_reported_plainly(tmp_path: Path, data_dir: Path) -> None:
    source = tmp_path / "events.ndjson"
    write_ndjson(source, GOOD)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(data_dir / 'credlens.duckdb')!r}); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"ready"
        time.sleep(0.2)
        result = runner.invoke(app, ["import", str(source), "--issuer", "acme", "--data-dir", str(data_dir)])
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()
    assert result.exit_code == 1
    assert "held by another process" in result.output
    assert "Traceback" not in result.output
