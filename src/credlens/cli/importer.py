"""`credlens import FILE --issuer SLUG [--format accredible|credly|credlens]`: bulk import with a progress
bar, a summary, and a file of rejects (exit status 2 when there are any, or when the format is ambiguous)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credlens.cli.common import DataDir, err, fail, find_issuer, open_store, out
from credlens.domain.rejections import Rejection
from credlens.ingest.decode import BatchError
from credlens.ingest.pipeline import Outcome, ingest_mapped
from credlens.ingest.pipeline import import_file as import_events
from credlens.ingest.sources.files import SourceError, count_records, file_format
from credlens.ingest.sources.foreign import read_records
from credlens.ingest.sources.formats import FORMATS, MAPPERS, Ambiguous, detect


def rejected_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejected.ndjson")


def import_file(
    file: Annotated[
        Path, typer.Argument(help="NDJSON, JSON array, CSV (dotted columns) or Parquet; or a platform's export.")
    ],
    issuer: Annotated[str, typer.Option("--issuer", help="Slug of the issuer the events belong to.")],
    source: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="accredible, credly or credlens (docs/importers.md); detected from the file when it is unambiguous.",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import events per docs/ingestion.md, or another platform's export per docs/importers.md; valid rows
    are stored, rejected rows written beside the file."""
    if source is not None and source not in FORMATS:
        fail(f"unknown --format {source!r}; use one of {', '.join(FORMATS)}")
    try:
        file_format(file)
        source = source or detect(file)
        if source != "credlens":
            _import_mapped(file, issuer, source, data_dir)
            return
        total = count_records(file)
    except Ambiguous as exc:
        err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(code=REJECTED_EXIT) from None
    except SourceError as exc:
        fail(str(exc))
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns) as bar:
            task = bar.add_task("import", total=total)
            try:
                outcome, originals = import_events(warehouse, target, file, lambda n: bar.advance(task, n))
            except (SourceError, BatchError) as exc:
                fail(f"{file}: {exc}")
    _report(file, outcome, originals)


# The exit status of an import that stored the valid rows but rejected some (1 is an import that stored nothing),
# and of a file whose format must be named.
REJECTED_EXIT = 2


def _import_mapped(file: Path, issuer: str, source: str, data_dir: Path | None) -> None:
    """Another platform's export, mapped record by record (docs/importers.md), through the same pipeline."""
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        with Progress(TextColumn(f"importing ({source})"), TimeElapsedColumn()) as bar:
            bar.add_task("import", total=None)
            try:
                mapped = ingest_mapped(warehouse, target, read_records(file), MAPPERS[source])
            except (SourceError, BatchError) as exc:
                fail(f"{file}: {exc}")
    if mapped.skipped:
        out.print(f"skipped: {mapped.skipped} (records with no credlens event; see docs/importers.md)")
    _report(file, mapped.outcome, mapped.originals)


def _report(file: Path, outcome: Outcome, originals: dict[int, Any]) -> None:
    """The counts; with rejections, the rejects file, a few of them, and exit status REJECTED_EXIT: a script
    running the import must not take a partial import for a whole one."""
    rejected = len(outcome.rejections)
    out.print(f"accepted: {outcome.accepted}  duplicates: {outcome.duplicates}  rejected: {rejected}")
    if not outcome.rejections:
        return
    target = rejected_path(file)
    with target.open("wb") as handle:
        for rejection in sorted(outcome.rejections, key=lambda r: r.position):
            handle.write(msgspec.json.encode(_rejected_line(rejection, originals.get(rejection.position))) + b"\n")
    for rejection in outcome.rejections[:5]:
        out.print(f"  row {rejection.position}: {rejection.field}: {rejection.reason}")
    out.print(f"rejected rows and their reasons: {target}")
    rows = outcome.accepted + outcome.duplicates + rejected
    err.print(
        f"[bold red]error:[/] {rejected} of {rows} rows rejected (the others are stored); fix them in {target} "
        "and import that file again",
        soft_wrap=True,
    )
    raise typer.Exit(code=REJECTED_EXIT)


def _rejected_line(rejection: Rejection, original: Any) -> dict[str, Any]:
    return {
        "row": rejection.position,
        "id": rejection.id,
        "field": rejection.field,
        "reason": rejection.reason,
        "event": original,
    }
