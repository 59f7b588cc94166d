"""What the importers of other platforms' formats share (docs/importers.md): reading their records,
deterministic event ids and lenient timestamps.

A mapper turns one source record into credlens event dicts (the contract of domain/events.py), which
then go through the same pipeline as every event: validation, pseudonymization, dedupe. It raises
``Unmappable`` for a record it cannot read (the row goes to the rejects file with the reason) and
``Skipped`` for a well-formed record that carries nothing credlens counts (documented per format).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from credlens.ingest.decode import UNREADABLE
from credlens.ingest.sources.files import SourceError, file_format

# NOTE: fixed forever: every event id an import ever derived depends on it (importing again dedupes).
_NAMESPACE = uuid.UUID("8f0d2a4e-6c1b-5e3a-9d7f-3b2c1a0e4f5d")
# The keys under which an export or an API page holds its list of records.
_LISTS = ("analytics", "credentials", "data", "events")


class Unmappable(ValueError):
    """A source record this format's mapper cannot turn into events; ``field`` names the source field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Skipped(Exception):
    """A well-formed source record with no credlens event (docs/importers.md says which, and why)."""


def event_id(source: str, *parts: str) -> str:
    """The same source record always gives the same id, so importing an export twice stores nothing new."""
    return f"{source}-{uuid.uuid5(_NAMESPACE, '|'.join((source, *parts)))}"


@functools.lru_cache(maxsize=4096)
def normalize(name: str) -> str:
    """``"Earner Badge ID"`` → ``earner_badge_id``: export headers and API keys compared alike."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


# Deeper objects are no field of any format here; not walking them keeps a hostile body from
# exhausting the stack (msgspec decodes ~1,000 levels).
FLAT_DEPTH = 4


def flat(record: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects joined with ``_`` and keys normalized: ``{"recipient": {"email": e}}`` → ``recipient_email``."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = normalize(f"{prefix}_{key}" if prefix else str(key))
        if isinstance(value, dict):  # NOTE: what JSON decodes to; an ABC check costs 3x as much per value
            if depth < FLAT_DEPTH:
                out.update(flat(value, name, depth + 1))
        else:
            out[name] = value
    return out


def text(record: Mapping[str, Any], *names: str) -> str | None:
    """The first of these fields holding a value, as text (an empty cell is no value)."""
    for name in names:
        value = record.get(name)
        if type(value) is str:  # the common case, first
            if value := value.strip():
                return value
            continue
        if value is None or isinstance(value, bool | dict | list):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        if value:
            return value
    return None


def required(record: Mapping[str, Any], *names: str) -> str:
    value = text(record, *names)
    if value is None:
        raise Unmappable(names[0], "is required")
    return value


_OFFSET = re.compile(r"\s*(?:([+-]\d\d):?(\d\d)|UTC|GMT|Z)\Z", re.IGNORECASE)
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})\Z")


def timestamp(value: str, field: str, *, day_first: bool) -> str:
    """An RFC 3339 timestamp from what exports write: ISO 8601 with or without ``T``, an offset as
    ``Z``/``UTC``/``+0000``/``+00:00`` or none (read as UTC), a bare date (midnight UTC), or a
    slashed date, day first or month first as the platform documents."""
    raw = value.strip()
    slashed = _SLASHED.match(raw)
    try:
        if slashed:
            a, b, year = (int(g) for g in slashed.groups())
            day, month = (a, b) if day_first else (b, a)
            parsed = dt.datetime(year, month, day, tzinfo=dt.UTC)
        else:
            match = _OFFSET.search(raw)
            offset = "+00:00"
            if match:
                offset = f"{match[1]}:{match[2]}" if match[1] else "+00:00"
                raw = raw[: match.start()]
            parsed = dt.datetime.fromisoformat(raw.replace(" ", "T", 1))
            if parsed.tzinfo is None:
                parsed = dt.datetime.fromisoformat(parsed.isoformat() + offset)
    except ValueError:
        raise Unmappable(field, f"is not a date or timestamp: {value[:40]!r}") from None
    return parsed.isoformat().replace("+00:00", "Z")


def read_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(1-based position, record) of a JSON, NDJSON or CSV export; an unreadable NDJSON line is its text.

    A JSON file is an array of records, an object holding one (``{"analytics": [...]}``, an API page
    ``{"data": [...], "metadata": ...}``), or one record (a webhook payload saved as a file).
    """
    fmt = file_format(path)
    if fmt == "parquet":
        raise SourceError(f"{path}: Parquet is read in credlens's own format only; export as CSV or JSON")
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            try:
                yield from enumerate(csv.DictReader(handle), start=1)
            except UnicodeDecodeError as exc:
                raise SourceError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    elif fmt == "ndjson":
        with path.open("rb") as handle:
            lines = (line for line in handle if line.strip())
            for position, line in enumerate(lines, start=1):
                try:
                    yield position, msgspec.json.decode(line)
                except UNREADABLE:
                    yield position, line.decode("utf-8", "replace").strip()
    else:
        try:
            document = msgspec.json.decode(path.read_bytes())
        except UNREADABLE as exc:
            raise SourceError(f"not JSON ({exc})") from None
        yield from enumerate(_records(document), start=1)


def _records(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in _LISTS:
            if isinstance(document.get(key), list):
                return list(document[key])
        return [document]
    return [document]
