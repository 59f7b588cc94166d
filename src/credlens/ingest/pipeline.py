"""Ingestion as an ordered list of steps, the same for the HTTP API, bulk import and the demo.

1. decode + validate     (decode.py: every rule of events.md, each fault named)
2. pseudonymize, drop non-consented verifier names, flatten   (steps.py)
3. dedupe on (issuer, id), refuse re-issuance, fold, commit   (store/writes.py)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credlens.domain.events import AnyEvent
from credlens.domain.issuers import Issuer
from credlens.domain.rejections import Rejection
from credlens.ingest.decode import Decoded
from credlens.ingest.sources.files import read_chunks
from credlens.ingest.steps import to_table
from credlens.memory import collector_paused
from credlens.store.appends import WriteRequest, WriteResult
from credlens.store.warehouse import Warehouse


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
) -> WriteRequest:
    """Step 2: storable rows of one issuer's validated events."""
    table = to_table(warehouse.pseudonym_secret(issuer.issuer_id), events, dt.datetime.now(dt.UTC))
    return WriteRequest(issuer.issuer_id, table, list(positions), all_or_nothing=all_or_nothing)


def ingest_decoded(warehouse: Warehouse, issuer: Issuer, decoded: Decoded, *, fold: bool = True) -> Outcome:
    """Bulk path: store the valid events, report the rejected ones (import, demo).

    A long import passes ``fold=False`` and folds once at the end: one fold of many chunks
    costs far less than one per chunk.
    """
    outcome = Outcome(rejections=list(decoded.rejections))
    if decoded.events:
        request = prepare(warehouse, issuer, decoded.events, decoded.positions, all_or_nothing=False)
        outcome.add(warehouse.write([request])[0])
    if fold:
        warehouse.fold()
    return outcome


def import_file(
    warehouse: Warehouse, issuer: Issuer, path: Path, progress: Callable[[int], None] = lambda _: None
) -> tuple[Outcome, dict[int, Any]]:
    """Bulk import of one file: store every valid event, fold once at the end.

    Returns the outcome and the original record of every rejected position (for the rejects file).
    """
    outcome = Outcome()
    originals: dict[int, Any] = {}
    with collector_paused():
        for decoded, bad in read_chunks(path):
            outcome.add(ingest_decoded(warehouse, issuer, decoded, fold=False))
            originals.update(bad)
            progress(len(decoded.events) + len(decoded.rejections))
    warehouse.compact()
    return outcome, originals
