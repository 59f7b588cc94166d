"""The Parquet lake: the store's events per issuer and month, and the issuer settings the metrics need
(docs/scale-out.md), for an engine that outgrows one DuckDB file.

Layout under the lake's directory::

    _credlens/manifest.json                          what the exporter wrote: per issuer, the store's
                                                     last exported `events.seq` and each month's files
    issuers/<slug>.json                              time zone, suppression threshold, programs, ...
    events/issuer=<slug>/month=YYYY-MM/part-*.parquet  the events (columns of docs/api.md's event, as
                                                     stored: pseudonymous recipient keys, no e-mail)

An export is incremental: events appended since the last one (by `events.seq`) go to new files of
their months; a month that lost rows since (an erasure, retention) is rewritten whole. The manifest
is replaced last and lists every file a reader should read: a crash leaves the previous lake readable.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credlens.domain.issuers import Issuer
from credlens.store.schema import EVENT_COLUMNS

FORMAT = 1
MANIFEST = Path("_credlens") / "manifest.json"
# The events' month: the UTC calendar month of `occurred_at` (an issuer-local month may span two).
MONTH = "strftime(occurred_at, '%Y-%m')"
_COLUMNS = ", ".join(EVENT_COLUMNS)


@dataclass
class Exported:
    """What one issuer's export did: rows written, months appended to and months rewritten."""

    slug: str
    rows: int = 0
    appended: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    files: int = 0


def read_manifest(lake: Path) -> dict[str, Any]:
    path = lake / MANIFEST
    if not path.exists():
        return {"format": FORMAT, "issuers": {}}
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: lake format {manifest.get('format')!r}, this credlens reads {FORMAT}")
    return manifest


def event_files(lake: Path, slug: str) -> list[Path]:
    """The event files of an issuer a reader reads: those the manifest lists, or, in a lake written by
    another pipeline (no manifest entry), every Parquet file under its directory."""
    entry = read_manifest(lake)["issuers"].get(slug)
    if entry is not None:
        return [lake / name for month in sorted(entry["months"]) for name in entry["months"][month]["files"]]
    return sorted((lake / "events" / f"issuer={slug}").glob("month=*/*.parquet"))


def issuer_settings(lake: Path, slug: str) -> dict[str, Any]:
    path = lake / "issuers" / f"{slug}.json"
    if not path.exists():
        raise FileNotFoundError(f"no issuer {slug!r} in the lake {lake} (expected {path})")
    settings: dict[str, Any] = json.loads(path.read_text())
    return settings


def export(con: Any, lake: Path, issuers: list[Issuer]) -> list[Exported]:
    """Bring the lake up to date with these issuers' events in the store (``con``: a reader of it)."""
    manifest = read_manifest(lake)
    reports = []
    for issuer in issuers:
        entry = manifest["issuers"].setdefault(issuer.slug, {"seq": 0, "months": {}})
        report, obsolete = _export_issuer(con, lake, issuer, entry)
        _write_settings(con, lake, issuer)
        _write_json(lake / MANIFEST, manifest)  # every file it lists is written; the old ones go after
        for path in obsolete:
            path.unlink(missing_ok=True)
        reports.append(report)
    return reports


def _export_issuer(con: Any, lake: Path, issuer: Issuer, entry: dict[str, Any]) -> tuple[Exported, list[Path]]:
    report = Exported(issuer.slug)
    done = int(entry["seq"])
    months: dict[str, Any] = entry["months"]
    top = con.execute("SELECT max(seq) FROM events WHERE issuer_id = ?", [issuer.issuer_id]).fetchall()[0][0]
    top = done if top is None else max(int(top), done)
    # Months whose rows up to the last export are fewer than were written: rows were deleted since.
    kept = dict(
        con.execute(
            f"SELECT {MONTH}, count(*) FROM events WHERE issuer_id = ? AND seq <= ? GROUP BY ALL",
            [issuer.issuer_id, done],
        ).fetchall()
    )
    rewrite = sorted(m for m, info in months.items() if kept.get(m, 0) < info["rows"])
    obsolete = [lake / name for m in rewrite for name in months[m]["files"]]
    for month in rewrite:
        months[month] = {"rows": 0, "files": []}
    root = lake / "events" / f"issuer={issuer.slug}"
    # The rewritten months whole, then what was appended since the last export to the other months.
    where = "issuer_id = ? AND seq <= ? AND (seq > ? OR {month} IN ({months}))"
    params = [issuer.issuer_id, top, done]
    listed = ", ".join("?" for _ in rewrite) or "NULL"
    staging = lake / "_credlens" / f"staging-{uuid.uuid4().hex}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        con.execute(
            f"COPY (SELECT {_COLUMNS}, {MONTH} AS month FROM events WHERE {where.format(month=MONTH, months=listed)}"
            f" ORDER BY occurred_at, event_id) TO '{_quoted(staging)}'"
            " (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), WRITE_PARTITION_COLUMNS false)",
            [*params, *rewrite],
        )
        for directory in sorted(staging.glob("month=*")) if staging.exists() else []:
            month = directory.name.removeprefix("month=")
            info = months.setdefault(month, {"rows": 0, "files": []})
            target = root / directory.name
            target.mkdir(parents=True, exist_ok=True)
            for n, part in enumerate(sorted(directory.glob("*.parquet"))):
                name = target / f"part-{done + 1}-{top}-{uuid.uuid4().hex[:8]}-{n}.parquet"
                os.replace(part, name)
                info["files"].append(str(name.relative_to(lake)))
                report.files += 1
            if month not in rewrite:
                report.appended.append(month)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = con.execute(
        f"SELECT {MONTH}, count(*) FROM events WHERE issuer_id = ? AND seq <= ? GROUP BY ALL",
        [issuer.issuer_id, top],
    ).fetchall()
    current = dict(counts)
    report.rewritten = rewrite
    for month in [*report.appended, *rewrite]:
        report.rows += current.get(month, 0) - (0 if month in rewrite else months[month]["rows"])
        months[month]["rows"] = current.get(month, 0)
    for month in [m for m in rewrite if not current.get(m)]:  # emptied: nothing left to read there
        del months[month]
    entry["seq"] = top
    return report, obsolete


def _write_settings(con: Any, lake: Path, issuer: Issuer) -> None:
    """What the metrics read of the issuer besides its events; never its pseudonym secret."""
    programs = con.execute(
        "SELECT program_id, name, kind, department FROM programs WHERE issuer_id = ? ORDER BY program_id",
        [issuer.issuer_id],
    ).fetchall()
    settings = {
        "slug": issuer.slug,
        "name": issuer.name,
        "industry": issuer.industry,
        "timezone": issuer.timezone,
        "suppression_k": issuer.suppression_k,
        "raw_event_retention_days": issuer.raw_event_retention_days,
        "programs": [dict(zip(("program_id", "name", "kind", "department"), row, strict=True)) for row in programs],
    }
    _write_json(lake / "issuers" / f"{issuer.slug}.json", settings)


def _write_json(path: Path, value: Any) -> None:
    """Written whole or not at all (a rename), so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(value, indent=1, sort_keys=True))
    os.replace(partial, path)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
