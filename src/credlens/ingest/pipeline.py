"""Ingestion as an ordered list of steps, the same for the HTTP API, bulk import and the demo.

1. decode + validate     (decode.py: every rule of docs/ingestion.md, each fault named)
2. pseudonymize, drop non-consented verifier names, flatten   (steps.py)
3. dedupe on (issuer, id), refuse re-issuance, append, commit (store/appends.py);
   the derived tables are folded from the appended events later, in large groups (store/folds.py)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import AnyEvent
from credlens.domain.issuers import Issuer
from credlens.domain.rejections import Rejection
from credlens.ingest.columnar.split import Judged, Proven
from credlens.ingest.decode import Decoded, decode_raw
from credlens.ingest.sources.files import CHUNK_ROWS, read_chunks
from credlens.ingest.sources.foreign import Skipped, Unmappable
from credlens.ingest.steps import to_table
from credlens.memory import collector_paused
from credlens.store.appends import WriteRequest, WriteResult
from credlens.store.warehouse import Warehouse

_T = TypeVar("_T")


@dataclass
class Outcome:
    """What happened to a batch: counts, and every rejection with its position, id, field and reason."""

    accepted: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def add(self, other: Outcome | WriteResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejections.extend(other.rejections)


def prepare(
    warehouse: Warehouse,
    issuer: Issuer,
    events: Sequence[AnyEvent],
    positions: Sequence[int],
    *,
    all_or_nothing: bool,
    proven: Proven | None = None,
) -> WriteRequest:
    """Step 2: storable rows of one issuer's validated events (decoded ones, and proven rows)."""
    secret, now = warehouse.pseudonym_secret(issuer.issuer_id), dt.datetime.now(dt.UTC)
    if proven is None or proven.rows is None or not proven.positions:
        return WriteRequest(issuer.issuer_id, to_table(secret, events, now), list(positions), all_or_nothing)
    table, at = proven.to_events(secret, now), list(proven.positions)
    if events:
        table, at = pa.concat_tables([table, to_table(secret, events, now)]), at + list(positions)
    # NOTE: in batch order, as if all were decoded: the first of two issuances of a credential wins.
    order = pc.sort_indices(pa.array(at, pa.int64()))
    return WriteRequest(issuer.issuer_id, table.take(order), pc.take(pa.array(at), order).to_pylist(), all_or_nothing)


def ingest_decoded(warehouse: Warehouse, issuer: Issuer, decoded: Decoded | Judged, *, fold: bool = True) -> Outcome:
    """Bulk path: store the valid events, report the rejected ones (import, demo).

    A long import passes ``fold=False`` and folds once at the end: one fold of many chunks
    costs far less than one per chunk.
    """
    judged = decoded if isinstance(decoded, Judged) else Judged(Proven(), decoded)
    outcome = Outcome(rejections=list(judged.decoded.rejections))
    if judged.valid:
        events, positions = judged.decoded.events, judged.decoded.positions
        request = prepare(warehouse, issuer, events, positions, all_or_nothing=False, proven=judged.proven)
        outcome.add(warehouse.write([request])[0])
    if fold:
        warehouse.fold()
    return outcome


def prefetched(chunks: Iterator[_T]) -> Iterator[_T]:
    """The chunks, the next one read and judged in a thread while the caller stores this one.

    # NOTE: DuckDB's append and pyarrow's JSON reader release the GIL, so on two cores the reading
    # of chunk n+1 overlaps the append of chunk n.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="credlens-read") as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


def import_file(
    warehouse: Warehouse, issuer: Issuer, path: Path, progress: Callable[[int], None] = lambda _: None
) -> tuple[Outcome, dict[int, Any]]:
    """Bulk import of one file: store every valid event, fold once at the end.

    Returns the outcome and the original record of every rejected position (for the rejects file).
    """
    outcome = Outcome()
    originals: dict[int, Any] = {}
    with collector_paused():
        for decoded, bad in prefetched(read_chunks(path)):
            outcome.add(ingest_decoded(warehouse, issuer, decoded, fold=False))
            originals.update(bad)
            progress(decoded.valid + len(decoded.decoded.rejections))
    warehouse.compact()
    return outcome, originals


@dataclass
class Mapped:
    """What an import of another platform's file did: the outcome of its events (rejections at the
    file's record positions), the records skipped as carrying nothing credlens counts, and the
    original record of every rejected position."""

    outcome: Outcome = field(default_factory=Outcome)
    skipped: int = 0
    originals: dict[int, Any] = field(default_factory=dict)


def map_records(
    records: Iterable[tuple[int, Any]], mapper: Callable[[Any], list[dict[str, Any]]], mapped: Mapped
) -> tuple[list[tuple[int, bytes]], dict[int, int], dict[int, Any]]:
    """One chunk's events as JSON documents numbered 1..n, the record position of each, and the
    records themselves; unmappable records become rejections in ``mapped`` at once."""
    items: list[tuple[int, bytes]] = []
    where: dict[int, int] = {}
    kept: dict[int, Any] = {}
    for position, record in records:
        try:
            events = mapper(record)
        except Skipped:
            mapped.skipped += 1
            continue
        except Unmappable as exc:
            source_id = record.get("id") if isinstance(record, dict) else None
            rejection = Rejection(position, exc.field, exc.reason, str(source_id) if source_id is not None else None)
            mapped.outcome.rejections.append(rejection)
            mapped.originals[position] = record
            continue
        kept[position] = record
        for event in events:
            items.append((len(items) + 1, msgspec.json.encode(event)))
            where[len(items)] = position
    return items, where, kept


def ingest_mapped(
    warehouse: Warehouse,
    issuer: Issuer,
    records: Iterable[tuple[int, Any]],
    mapper: Callable[[Any], list[dict[str, Any]]],
) -> Mapped:
    """Bulk import of another platform's records through the one pipeline (decode, pseudonymize,
    dedupe), in chunks, folding once at the end; every rejection names the record it came from."""
    mapped = Mapped()
    iterator = iter(records)
    with collector_paused():
        while chunk := list(itertools.islice(iterator, CHUNK_ROWS)):
            items, where, kept = map_records(chunk, mapper, mapped)
            if not items:
                continue
            outcome = ingest_decoded(warehouse, issuer, decode_raw(items), fold=False)
            mapped.outcome.accepted += outcome.accepted
            mapped.outcome.duplicates += outcome.duplicates
            for rejection in outcome.rejections:
                position = where[rejection.position]
                mapped.outcome.rejections.append(msgspec.structs.replace(rejection, position=position))
                mapped.originals[position] = kept[position]
    warehouse.compact()
    return mapped
