"""A file mixing valid and invalid rows imports exactly as it did when msgspec judged every row:
the same stored rows, the same summary, the same rejects file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from credlens.cli.importer import _rejected_line
from credlens.ingest.columnar.split import judge_json, judge_rows
from credlens.ingest.decode import convert_rows, decode_raw
from credlens.ingest.pipeline import Outcome, import_file, ingest_decoded
from credlens.ingest.sources.files import nest
from credlens.store.warehouse import Warehouse
from tests.domain.test_events import INVALID
from tests.factories import DROP, EVENT_TYPES, make_event


def mixed_events() -> list[dict[str, Any]]:
    issued = make_event("credential.issued", id="iss-1", credential_id="cred-9")
    # NOTE: a run of valid rows first: a piece of the file that Arrow cannot read (a wrong JSON
    # type) is halved down to 64 rows, which then all go to msgspec.
    return [
        # the first issuance is judged by msgspec (it has properties), the second proven by columns:
        # the file's order, not the path's, decides which one is the re-issuance
        make_event("credential.issued", id="iss-3", credential_id="cred-8", properties={"cohort": "a"}),
        make_event("credential.issued", id="iss-4", credential_id="cred-8"),
        *[make_event(t) for t in EVENT_TYPES for _ in range(8)],
        *[p.values[0] for p in INVALID[::7] if isinstance(p.values[0], dict)],
        make_event("credential.viewed", properties={"utm_source": "newsletter"}),
        make_event("credential.downloaded", format="pdf", actor=None),
        issued,
        issued,  # a duplicate: acknowledged, not stored again
        make_event("credential.issued", id="iss-2", credential_id="cred-9"),  # re-issuance: refused
        make_event("credential.shared", channel="link", actor=DROP),
        make_event("credential.issued", recipient={"email": " Jane.Doe@Example.ORG "}),
    ]


def new_store(path: Path, secret: str | None = None) -> tuple[Warehouse, Any]:
    store = Warehouse(path)
    issuer, _ = store.create_issuer("acme", "Acme")
    if secret is not None:  # the same pseudonyms on both sides
        store.cursor().execute(
            "UPDATE issuers SET pseudonym_secret = ? WHERE issuer_id = ?", [secret, issuer.issuer_id]
        )
    return store, issuer


def snapshot(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    store.compact()
    cursor = store.cursor()
    return {
        "events": cursor.execute("SELECT * EXCLUDE (received_at) FROM events ORDER BY seq").fetchall(),
        "credentials": cursor.execute("SELECT * FROM credentials ORDER BY cred_hash").fetchall(),
        "recipients": cursor.execute("SELECT * FROM recipients ORDER BY recipient_key").fetchall(),
    }


def rejects(outcome: Outcome, originals: dict[int, Any]) -> list[dict[str, Any]]:
    ordered = sorted(outcome.rejections, key=lambda r: r.position)
    return [_rejected_line(r, originals.get(r.position)) for r in ordered]


def compare(tmp_path: Path, path: Path, reference: Any) -> None:
    store, issuer = new_store(tmp_path / "new")
    outcome, originals = import_file(store, issuer, path)
    secret = store.pseudonym_secret(issuer.issuer_id)
    old_store, old_issuer = new_store(tmp_path / "old", secret)
    old_outcome, old_originals = reference(old_store, old_issuer)
    assert (outcome.accepted, outcome.duplicates) == (old_outcome.accepted, old_outcome.duplicates)
    assert outcome.accepted > len(EVENT_TYPES)  # the valid rows were stored, the refused ones not
    assert rejects(outcome, originals) == rejects(old_outcome, old_originals)
    assert len(outcome.rejections) > 5
    assert snapshot(store) == snapshot(old_store)
    store.close()
    old_store.close()


def test_an_ndjson_file_imports_as_before(tmp_path: Path) -> None:
    lines = [msgspec.json.encode(e) for e in mixed_events()]
    lines.insert(3, b"   ")  # blank lines are skipped and not counted
    lines.insert(200, b'{"id": "half", "type": "credential.viewed",')
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")

    def reference(store: Warehouse, issuer: Any) -> tuple[Outcome, dict[int, Any]]:
        items = [(p, line) for p, line in enumerate((x for x in lines if x.strip()), start=1)]
        decoded = decode_raw(items)
        outcome = ingest_decoded(store, issuer, decoded)
        bad = {r.position for r in decoded.rejections}
        return outcome, {p: _json_or_text(raw) for p, raw in items if p in bad}

    compare(tmp_path, path, reference)
    items = list(enumerate((x for x in lines if x.strip()), start=1))
    assert len(judge_json(items).proven.positions) >= 64  # the columnar path did the work


def _json_or_text(raw: bytes) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return raw.decode("utf-8", "replace").strip()


def flat(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, dict) and key != "properties":
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = json.dumps(value) if isinstance(value, dict | list) else value
    return out


def test_a_parquet_file_imports_as_before(tmp_path: Path) -> None:
    rows = [flat(e) for e in mixed_events() if all(not isinstance(v, float) for v in flat(e).values())]
    columns = sorted({c for row in rows for c in row})
    table = pa.table({c: pa.array([row.get(c) for row in rows]) for c in columns if _uniform(rows, c)})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)

    def reference(store: Warehouse, issuer: Any) -> tuple[Outcome, dict[int, Any]]:
        items = [(p, nest(row)) for p, row in enumerate(pq.read_table(path).to_pylist(), start=1)]
        decoded = convert_rows(items, from_strings=True)
        bad = {r.position for r in decoded.rejections}
        return ingest_decoded(store, issuer, decoded), {p: row for p, row in items if p in bad}

    compare(tmp_path, path, reference)
    judged = judge_rows(pq.read_table(path), lambda _: [], 1)
    assert len(judged.proven.positions) >= 64  # the columnar path did the work


def _uniform(rows: list[dict[str, Any]], column: str) -> bool:
    """Parquet needs one type a column: cases giving a column two types are left out."""
    kinds = {type(row[column]) for row in rows if row.get(column) is not None}
    return len(kinds) <= 1
