"""``credlens import`` refuses what POST /api/v1/events refuses (issue 14, items 4, 5, 6, 10): each bad
record is one rejection naming its field, the good ones are stored, and no address reaches the file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from credlens.ingest.pipeline import import_file
from credlens.store.warehouse import Warehouse
from tests.domain.test_events import STORED_KEYS, STORED_VALUES
from tests.factories import make_event

GOOD = b'{"id":"v1","type":"credential.viewed","occurred_at":"2026-02-02T09:00:00Z","credential_id":"c1",'


def imported(tmp_path: Path, name: str, content: bytes) -> tuple[int, dict[int, str], bytes]:
    """(accepted, field of each rejected record by its 1-based row, the bytes of the database files)."""
    store = Warehouse(tmp_path / "db" / "credlens.duckdb")
    issuer, _ = store.create_issuer("acme", "Acme")
    source = tmp_path / name
    source.write_bytes(content)
    outcome, _ = import_file(store, issuer, source)
    store.close()
    files = b"".join(p.read_bytes() for p in (tmp_path / "db").rglob("*") if p.is_file())
    return outcome.accepted, {r.position: r.field for r in outcome.rejections}, files


def test_an_ndjson_file_with_every_bad_body_shape(tmp_path: Path) -> None:
    lines = [
        GOOD + b'"actor":"owner"}',
        GOOD.replace(b"v1", b"v2") + b'"actor":"owner","actor":"public"}',
        GOOD.replace(b"v1", b"v3").replace(b"09:00:00Z", b"09:00:00+0000") + b'"actor":"owner"}',
        GOOD.replace(b"v1", b"v4") + b'"actor":"own\xffer"}',
        GOOD.replace(b"v1", b"v5") + b'"actor":"owner","properties":' + b'{"a":' * 2000 + b"1" + b"}" * 2001,
        msgspec.json.encode(make_event("credential.issued", expires_at="9999-12-31T23:59:59-14:00")),
        *[msgspec.json.encode(make_event("credential.viewed", properties={k: "x"})) for k in STORED_KEYS],
        *[msgspec.json.encode(make_event("credential.viewed", properties={"n": v})) for v in STORED_VALUES],
        *[msgspec.json.encode(make_event("credential.revoked", reason=v)) for v in STORED_VALUES],
        msgspec.json.encode(make_event("credential.issued", program={"id": "p", "name": "Evil\u202egnp.exe"})),
    ]
    accepted, rejected, stored = imported(tmp_path, "events.ndjson", b"\n".join(lines) + b"\n")
    assert accepted == 1
    assert rejected[2] == "actor"
    assert rejected[3] == "occurred_at"
    assert rejected[4] == "event"
    assert rejected[5] == "properties"
    assert rejected[6] == "expires_at"
    assert rejected[len(lines)] == "program.name"
    assert len(rejected) == len(lines) - 1
    assert b"ann@example.org" not in stored
    assert b"203.0.113.7" not in stored


def _csv(tmp_path: Path, rows: list[dict[str, Any]]) -> bytes:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with (tmp_path / "rows.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return (tmp_path / "rows.csv").read_bytes()


def rows() -> list[dict[str, Any]]:
    issued = make_event("credential.issued")
    flat = {"id": issued["id"], "type": issued["type"], "occurred_at": issued["occurred_at"]}
    flat |= {"credential_id": issued["credential_id"], "program.id": "p-1", "recipient.email": "ada@example.com"}
    return [
        flat,
        flat | {"id": "plus0000", "credential_id": "c-2", "occurred_at": "2026-01-05T10:00:00+0000"},
        flat | {"id": "name", "credential_id": "c-3", "program.name": "Ann Smith <ann@example.org>"},
        flat | {"id": "dept", "credential_id": "c-4", "program.department": "[2001:db8::1]:443"},
        flat | {"id": "far", "credential_id": "c-5", "expires_at": "9999-12-31T23:59:59-14:00"},
        flat | {"id": "label", "credential_id": "c-6", "recipient.demographics.gender": "x 203.0.113.7:51234"},
    ]


def test_a_csv_file_is_screened_like_json(tmp_path: Path) -> None:
    accepted, rejected, stored = imported(tmp_path, "events.csv", _csv(tmp_path, rows()))
    assert accepted == 1
    assert rejected == {
        2: "occurred_at",
        3: "program.name",
        4: "program.department",
        5: "expires_at",
        6: "recipient.demographics.gender",
    }
    assert b"ann@example.org" not in stored
    assert b"203.0.113.7" not in stored


def test_a_parquet_file_is_screened_like_json(tmp_path: Path) -> None:
    columns = list(dict.fromkeys(c for row in rows() for c in row))
    table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows()])
    pq.write_table(table, tmp_path / "source.parquet")
    accepted, rejected, stored = imported(tmp_path, "events.parquet", (tmp_path / "source.parquet").read_bytes())
    assert accepted == 1
    assert set(rejected) == {2, 3, 4, 5, 6}
    assert b"ann@example.org" not in stored
    assert b"2001:db8::1" not in stored
