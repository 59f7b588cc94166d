"""Which format an import file is in (docs/importers.md, "Detection"), from its first record."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from credlens.domain.events import EVENT_TYPES
from credlens.ingest.sources import accredible, credly
from credlens.ingest.sources.files import SourceError, file_format
from credlens.ingest.sources.foreign import flat, read_records, text

FORMATS = ("accredible", "credly", "credlens")
MAPPERS = {"accredible": accredible.events, "credly": credly.events}


class Ambiguous(SourceError):
    """The file could be more than one format: the caller must say which."""


def signatures(record: Any) -> set[str]:
    """The formats one record looks like."""
    if not isinstance(record, Mapping):
        return set()
    keys = flat(record)
    found = set()
    kind = text(keys, "type")
    named = text(keys, *accredible.EVENT_FIELDS)
    if kind in EVENT_TYPES or ("type" in keys and kind not in accredible.NAMES):
        found.add("credlens")
    if str(keys.get("event_type") or "").startswith("badge.") or "earner_badge_id" in keys:
        found.add("credly")
    action = named if named is not None and not named.startswith("badge.") else None
    if "credential_id" in keys and (action is not None or kind in accredible.NAMES):
        found.add("accredible")
    if ("group_id" in keys or "group_name" in keys) and ("issued_on" in keys or "recipient_email" in keys):
        found.add("accredible")
    return found


def detect(path: Path) -> str:
    """The format of an import file, from its first record (a CSV's first row, or its header when empty).

    A record looking like no platform's is credlens's own (whose validation then names each fault,
    as before formats existed); one looking like two is ``Ambiguous``.
    """
    fmt = file_format(path)
    if fmt == "parquet":
        return "credlens"
    first: Any = None
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                first = next(reader, None) or dict.fromkeys(reader.fieldnames or (), "")
            except UnicodeDecodeError:
                return "credlens"  # NOTE: its reader names the fault, as before formats existed
    else:
        try:
            first = next(read_records(path), (0, None))[1]
        except SourceError:
            return "credlens"
    found = signatures(first)
    if len(found) > 1:
        raise Ambiguous(f"{path}: could be {' or '.join(sorted(found))}; say which with --format")
    return found.pop() if found else "credlens"
