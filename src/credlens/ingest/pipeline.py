"""Ingestion as an ordered list of steps, the same for the HTTP API, bulk import and the demo.

1. decode + validate     (decode.py: every rule of docs/ingestion.md, each fault named)
2. pseudonymize, drop non-consented verifier names, flatten   (steps.py)
3. dedupe on (issuer, id), refuse re-issuance, append, commit (store/appends.py);
   the derived tables are folded from the appended events later, in large groups (store/folds.py)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import AnyEvent
from credlens.domain.issuers import Issuer
from credlens.domain.rejections import Rejection
from credlens.ingest.columnar.split import Judged, Proven
from credlens.ingest.decode import Decoded
from credlens.ingest.sources.files import read_chunks
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
