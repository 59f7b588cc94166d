"""Read an import file in chunks of validated events: NDJSON, JSON array, CSV or Parquet.

Positions are 1-based record numbers in the file (an NDJSON line, an array element, a CSV or
Parquet data row), so a rejection points at the row to fix. Tabular formats spell nested fields
as dotted columns (``program.id``); an empty cell means the field is absent.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from credlens.ingest.columnar.split import Judged, Proven, judge_json, judge_rows
from credlens.ingest.decode import UNREADABLE, convert_rows, split_json_array

# NOTE: one DuckDB row group: an append of whole row groups is written straight to the database file
# rather than the WAL, which measured here cut the commits of a 500,000-event import from 1.1 s to 0.06 s.
CHUNK_ROWS = 122_880
FORMATS = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


class SourceError(ValueError):
    """The file as a whole cannot be read (missing, unknown format, not JSON)."""


def file_format(path: Path) -> str:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(f"{path}: unknown format {path.suffix!r}; use .ndjson, .jsonl, .json, .csv or .parquet")
    return fmt


def read_chunks(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[Judged, dict[int, Any]]]:
    """Yield (judged chunk, the original record of each rejected position)."""
    fmt = file_format(path)
    if fmt in ("ndjson", "json"):
        yield from _json_chunks(path, fmt, chunk_rows)
    elif fmt == "parquet":
        yield from _parquet_chunks(path, chunk_rows)
    else:
        yield from _row_chunks(_csv_rows(path), chunk_rows, from_strings=True)


def count_records(path: Path) -> int | None:
    """How many records the file holds, for the progress bar, when cheap to know."""
    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415 - only the Parquet path needs it

        return int(pq.ParquetFile(path).metadata.num_rows)
    if fmt in ("ndjson", "csv"):
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        return lines - (1 if fmt == "csv" else 0)
    return None


def _json_chunks(path: Path, fmt: str, chunk_rows: int) -> Iterator[tuple[Judged, dict[int, Any]]]:
    docs = iter(split_json_array(path.read_bytes())) if fmt == "json" else _lines(path)
    chunk: list[tuple[int, bytes]] = []
    for position, doc in enumerate(docs, start=1):
        chunk.append((position, doc))
        if len(chunk) >= chunk_rows:
            yield _decode_json_chunk(chunk)
            chunk = []
    if chunk:
        yield _decode_json_chunk(chunk)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from (line for line in handle if line.strip())


def _decode_json_chunk(chunk: list[tuple[int, bytes]]) -> tuple[Judged, dict[int, Any]]:
    judged = judge_json(chunk)
    bad = {r.position for r in judged.decoded.rejections}
    originals = {p: _original(raw) for p, raw in chunk if p in bad}
    return judged, originals


def _original(raw: bytes) -> Any:
    try:
        return msgspec.json.decode(raw)
    except UNREADABLE:
        return raw.decode("utf-8", "replace").strip()


def _row_chunks(
    rows: Iterator[dict[str, Any]], chunk_rows: int, *, from_strings: bool
) -> Iterator[tuple[Judged, dict[int, Any]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for position, row in enumerate(rows, start=1):
        chunk.append((position, nest(row)))
        if len(chunk) >= chunk_rows:
            yield _convert_chunk(chunk, from_strings)
            chunk = []
    if chunk:
        yield _convert_chunk(chunk, from_strings)


def _convert_chunk(chunk: list[tuple[int, dict[str, Any]]], from_strings: bool) -> tuple[Judged, dict[int, Any]]:
    decoded = convert_rows(chunk, from_strings=from_strings)
    bad = {r.position for r in decoded.rejections}
    return Judged(Proven(), decoded), {p: row for p, row in chunk if p in bad}


def nest(row: Mapping[str, Any]) -> dict[str, Any]:
    """``{"program.id": "p1", "actor": ""}`` → ``{"program": {"id": "p1"}}``: dotted keys nest, empties drop."""
    out: dict[str, Any] = {}
    for key, cell in row.items():
        value = nest(cell) if isinstance(cell, Mapping) else cell
        if value is None or (isinstance(value, str | dict) and not value):
            continue
        target = out
        *parents, leaf = str(key).split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return out


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[Judged, dict[int, Any]]]:
    import pyarrow.parquet as pq  # noqa: PLC0415 - only the Parquet path needs it

    first = 1
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        yield _judge_batch(batch, first)
        first += batch.num_rows


def _judge_batch(batch: Any, first: int) -> tuple[Judged, dict[int, Any]]:
    """A batch judged by columns; only the rows left unproven become Python rows (nested, as CSV's)."""
    nested: dict[int, dict[str, Any]] = {}

    def unproven(rest: list[int]) -> list[tuple[int, dict[str, Any]]]:
        rows = batch.take(rest).to_pylist() if rest else []
        nested.update((first + i, nest(row)) for i, row in zip(rest, rows, strict=True))
        return list(nested.items())

    judged = judge_rows(batch, unproven, first)
    return judged, {r.position: nested[r.position] for r in judged.decoded.rejections}
