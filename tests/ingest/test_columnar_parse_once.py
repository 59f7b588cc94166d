"""Timestamps of the columnar path are parsed once: the proof's instants go with the proven rows
(through RawColumns.take and the joining of pieces) to the rows that are stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credlens.ingest.columnar import timestamps
from credlens.ingest.columnar.raw import RawColumns
from credlens.ingest.columnar.rows import to_events
from credlens.ingest.columnar.split import judge_json, judge_rows
from credlens.privacy.pseudonyms import new_secret
from tests.factories import EVENT_TYPES, make_event

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def events() -> list[dict[str, Any]]:
    valid = [make_event(t) for _ in range(12) for t in EVENT_TYPES]
    renewed = [make_event("credential.renewed", expires_at="2027-01-01T00:00:00+02:00") for _ in range(3)]
    wrong_type = make_event("recipient.feedback", rating="five")  # Arrow cannot read it: pieces are halved
    return [*valid[:100], wrong_type, *renewed, *valid[100:]]


def assert_parsed_once(rows: RawColumns | None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rows is not None
    for path in ("occurred_at", "expires_at"):
        parsed, leaf = rows.parsed(path), rows.leaf(path)
        assert parsed is not None
        assert leaf is not None
        fresh = timestamps.parse(leaf)
        assert (parsed[0].tolist(), parsed[1].to_pylist()) == (fresh[0].tolist(), fresh[1].to_pylist())
    calls: list[int] = []
    parse = timestamps.parse

    def counted(column: pa.Array) -> tuple[Any, pa.Array]:
        calls.append(len(column) - column.null_count)
        return parse(column)

    monkeypatch.setattr(timestamps, "parse", counted)
    to_events(rows.take(rows.present("occurred_at")), new_secret(), NOW)  # through a further take, too
    assert not [n for n in calls if n]  # no column holding a timestamp was parsed again


def test_json_rows_proven_in_several_pieces_keep_their_instants(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [(i, msgspec.json.encode(e)) for i, e in enumerate(events())]
    judged = judge_json(items, NOW)
    assert len(judged.proven.positions) > 100  # most rows proven, around the one Arrow cannot read
    assert_parsed_once(judged.proven.rows, monkeypatch)


def test_tabular_rows_keep_their_instants(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    rows = [e for e in events() if e.get("rating") != "five" and "properties" not in e]
    flat = [{k: v for k, v in e.items() if not isinstance(v, dict)} for e in rows]
    columns = sorted({c for row in flat for c in row})
    pq.write_table(pa.table({c: [row.get(c) for row in flat] for c in columns}), tmp_path / "e.parquet")
    judged = judge_rows(pq.read_table(tmp_path / "e.parquet"), lambda _: [], 1, NOW)
    assert len(judged.proven.positions) > 20
    assert_parsed_once(judged.proven.rows, monkeypatch)
