"""Appending events: the durable half of ingestion, and all a `200` waits for.

Steps, in order (each a function below):
  hashes → dedupe (within the batch, against the group, against the store) → issuance conflicts
  → append to `events` with the next sequence numbers → COMMIT → remember the new keys.
Folding the appended events into the derived tables is folds.py's job, done later in large groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.rejections import Rejection
from credlens.store.keyindex import HashSet64, distinct_sorted, event_hashes
from credlens.store.schema import EVENT_COLUMNS

Con = Any  # a DuckDB connection; typed loosely because duckdb ships no stubs
BoolMask = np.ndarray[Any, np.dtype[np.bool_]]
_STORED = ("issuer_id", "seq", "id_hash", "cred_hash", *EVENT_COLUMNS)
STORED_COLUMNS = ", ".join(_STORED)
# NOTE: measured here, Python's md5 costs ~0.9 µs a key, one DuckDB statement 1-4 ms fixed plus its
# own per-row cost; bulk chunks (100,000s of events) are hashed in SQL, HTTP batches in Python.
HASH_IN_SQL_FROM = 20_000
# NOTE: retention (retention.py) deletes folded raw events; what dedupe needs of them stays behind:
# the event id in `event_tombstones`, the issuance in `credentials` (issue_event_id). Both queries
# take the issuer id twice.
_ISSUED_HASHES = (
    "SELECT cred_hash FROM events WHERE issuer_id = ? AND type = 'credential.issued' "
    "UNION ALL SELECT cred_hash FROM credentials WHERE issuer_id = ? AND issue_event_id IS NOT NULL"
)
_EVENT_HASHES = (
    "SELECT id_hash FROM events WHERE issuer_id = ? UNION ALL SELECT id_hash FROM event_tombstones WHERE issuer_id = ?"
)
# The candidate hashes are a registered Arrow column (`_stored`), not a list parameter, whose
# conversion costs more than the query (docs/performance.md, ingestion as the store grows).
_CANDIDATES = "IN (SELECT hash FROM screen_candidates)"
_STORED_IDS = (
    f"SELECT event_id FROM events WHERE issuer_id = ? AND id_hash {_CANDIDATES} "
    f"UNION ALL SELECT event_id FROM event_tombstones WHERE issuer_id = ? AND id_hash {_CANDIDATES}"
)
_STORED_ISSUES = (
    "SELECT credential_id, event_id FROM events WHERE issuer_id = ? AND type = 'credential.issued'"
    f" AND cred_hash {_CANDIDATES} "
    "UNION SELECT credential_id, issue_event_id FROM credentials WHERE issuer_id = ? AND issue_event_id IS NOT NULL"
    f" AND cred_hash {_CANDIDATES}"
)
# After retention or an erasure the greatest stored seq may be below the fold cursor: new events
# must still be numbered after it, or they would never be folded.
_NEXT_SEQ = (
    "SELECT greatest((SELECT coalesce(max(seq), 0) FROM events),"
    " (SELECT coalesce(max(CAST(value AS BIGINT)), 0) FROM meta WHERE key = 'folded_seq')) + 1"
)


@dataclass
class WriteRequest:
    """Validated, pseudonymized events of one issuer (rows of EVENT_ARROW_SCHEMA).

    ``positions`` maps each row to its position in the caller's batch, for rejections.
    ``all_or_nothing``: one rejected event refuses the whole request (HTTP); otherwise the
    valid rows are stored (bulk import).
    """

    issuer_id: int
    events: pa.Table
    positions: list[int]
    all_or_nothing: bool = True
    hashes: tuple[pa.Array, pa.Array] | None = None  # key_hashes of event_id, credential_id, if computed already


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class _Group:
    """What the requests screened so far in this transaction will store, per issuer: the id hashes
    (a set, so a later request's ids are screened in O(its size)) and the ids, to confirm a hit."""

    hashes: dict[int, set[int]] = field(default_factory=dict)
    ids: dict[int, list[pa.Array]] = field(default_factory=dict)
    issued: dict[tuple[int, str], str] = field(default_factory=dict)

    def add(self, issuer: int, table: pa.Table) -> None:
        self.hashes.setdefault(issuer, set()).update(table.column("id_hash").to_numpy().tolist())
        self.ids.setdefault(issuer, []).append(table.column("event_id").combine_chunks())

    def stored(self, issuer: int, table: pa.Table, keep: BoolMask) -> BoolMask:
        """Rows of ``table`` (screened by ``keep``) whose id an earlier request of the group stores."""
        earlier = self.hashes.get(issuer)
        if not earlier:
            return np.zeros(table.num_rows, dtype=bool)
        hashes = table.column("id_hash").to_numpy().tolist()
        hit = np.fromiter((h in earlier for h in hashes), dtype=bool, count=len(hashes)) & keep
        if hit.any():  # a hash hit is only a candidate: confirm against the ids
            where = np.flatnonzero(hit)
            ids = pa.chunked_array(self.ids[issuer]).combine_chunks()
            same = pc.is_in(table.column("event_id").take(pa.array(where)), ids).to_numpy(zero_copy_only=False)
            hit[:] = False
            hit[where[same]] = True
        return hit


# Batches of an issuer screened by a query of the store before its key indexes are loaded: a query
# scans the store's key column (0.2 s for 100,000 candidates at 10M events, loaded machine), a load
# reads and sorts it (3-5 s there), which pays only over many batches: a small import never loads it.
SCREEN_BY_QUERY = 2


@dataclass
class KeyIndexes:
    """Per-issuer hash sets of stored event ids and issued credential ids, loaded after the first
    SCREEN_BY_QUERY batches of the issuer (or at once: ``load``)."""

    events: dict[int, HashSet64] = field(default_factory=dict)
    issued: dict[int, HashSet64] = field(default_factory=dict)
    next_seq: int | None = None
    queried: dict[int, int] = field(default_factory=dict)  # batches screened by a query, per issuer

    def ready(self, con: Con, issuer: int) -> bool:
        """Whether the issuer's indexes screen this batch; False: a query of the store does."""
        if issuer in self.events:
            return True
        if self.queried.get(issuer, 0) < SCREEN_BY_QUERY:
            self.queried[issuer] = self.queried.get(issuer, 0) + 1
            return False
        self.load(con, issuer)
        return True

    def load(self, con: Con, issuer: int, *, issued: bool = False) -> None:
        """Load the issuer's event index (and its issued index, else loaded at its first issuance)."""
        _index(con, self.events, issuer, _EVENT_HASHES)
        if issued:
            _index(con, self.issued, issuer, _ISSUED_HASHES)


def append_group(con: Con, indexes: KeyIndexes, requests: list[WriteRequest]) -> list[WriteResult]:
    """Append every request that passes its checks in ONE transaction; durable on return."""
    results: list[WriteResult] = []
    kept: list[pa.Table] = []
    group = _Group()
    for i, request in enumerate(requests):
        if not request.events.num_rows:  # nothing to screen (e.g. the writer's wait_idle barrier)
            results.append(WriteResult())
            continue
        table = _with_hashes(con, request)
        result, table = _screen(con, indexes, request, table, group, last=i == len(requests) - 1)
        results.append(result)
        if table is not None and table.num_rows:
            kept.append(table)
    if kept:
        batch = pa.concat_tables(kept)
        first_seq = _next_seq(con, indexes)
        con.execute("BEGIN TRANSACTION")
        try:
            _insert(con, batch, first_seq)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        indexes.next_seq = first_seq + batch.num_rows
        _remember(indexes, batch)
    return results


def _next_seq(con: Con, indexes: KeyIndexes) -> int:
    if indexes.next_seq is None:
        indexes.next_seq = int(con.execute(_NEXT_SEQ).fetchall()[0][0])
    return indexes.next_seq


def _insert(con: Con, batch: pa.Table, first_seq: int) -> None:
    """Append in (issuer, day, type, event id) order, so zone maps prune the scans that metrics make.

    # NOTE: sorted and numbered in Arrow, appended in that order (DuckDB preserves insertion
    # order): measured here, ~2.5 ms less per 1,000 events than a window function in the INSERT.
    """
    keys = pa.table(
        {
            "issuer_id": batch.column("issuer_id"),
            "day": pc.cast(batch.column("occurred_at"), pa.date32()),
            "type": batch.column("type"),
            "event_id": batch.column("event_id"),
        }
    )
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names])
    rows = batch.take(order)
    rows = rows.append_column("seq", pa.array(np.arange(first_seq, first_seq + rows.num_rows, dtype=np.int64)))
    # NOTE: appended by position (the events table's columns are _STORED, in order: tested) from a
    # relation: measured here, registering the table as a view for an `INSERT … SELECT` and dropping
    # it again cost ~0.8 ms more per append.
    con.from_arrow(rows.select(_STORED)).insert_into("events")


def _with_hashes(con: Con, request: WriteRequest) -> pa.Table:
    events = request.events
    issuer = pa.array(np.full(events.num_rows, request.issuer_id, dtype=np.int32))
    if request.hashes is not None:  # the HTTP helper process computed them, off the writer's GIL
        id_hash, cred_hash = request.hashes
    elif events.num_rows >= HASH_IN_SQL_FROM:
        id_hash, cred_hash = _sql_hashes(con, events)
    else:
        id_hash, cred_hash = event_hashes(events)
    return (
        events.append_column("position", pa.array(request.positions, pa.int64()))
        .append_column("issuer_id", issuer)
        .append_column("id_hash", id_hash)
        .append_column("cred_hash", cred_hash)
    )


def _sql_hashes(con: Con, events: pa.Table) -> tuple[pa.Array, pa.Array]:
    """keyindex.key_hash of both key columns, by DuckDB itself: one statement for a large batch."""
    con.register("batch_keys", events.select(["event_id", "credential_id"]))
    try:
        hashes = con.sql(
            "SELECT md5_number_lower(event_id) AS id_hash, md5_number_lower(credential_id) AS cred_hash FROM batch_keys"
        ).to_arrow_table()
    finally:
        con.unregister("batch_keys")
    return hashes.column("id_hash").combine_chunks(), hashes.column("cred_hash").combine_chunks()


def _screen(
    con: Con, indexes: KeyIndexes, request: WriteRequest, table: pa.Table, group: _Group, *, last: bool
) -> tuple[WriteResult, pa.Table | None]:
    """Drop duplicates (acknowledged, not stored) and find issuances of already-issued credentials.

    ``group`` holds what the earlier requests of this transaction store (an id may repeat across
    them); it receives this request's rows if they are to be stored, unless ``last``.
    """
    issuer = request.issuer_id
    keep = _new_events(con, indexes, issuer, table)
    keep &= ~group.stored(issuer, table, keep)
    duplicates = int((~keep).sum())
    if duplicates:  # NOTE: most batches have none; filtering ~55 columns costs ~0.5 ms
        table = table.filter(pa.array(keep))
    issued_here: dict[tuple[int, str], str] = {}
    rejections = _issuance_conflicts(con, indexes, issuer, table, group.issued, issued_here)
    if rejections and request.all_or_nothing:
        return WriteResult(rejections=rejections), None
    group.issued.update(issued_here)
    if rejections:
        bad = pa.array(sorted({r.position for r in rejections}), pa.int64())
        table = table.filter(pc.invert(pc.is_in(table.column("position"), bad)))
    if not last:
        group.add(issuer, table)
    return WriteResult(accepted=table.num_rows, duplicates=duplicates, rejections=rejections), table


def _new_events(con: Con, indexes: KeyIndexes, issuer: int, table: pa.Table) -> BoolMask:
    """First occurrence of each id in the batch, minus ids already stored (vectorized)."""
    hashes = table.column("id_hash").to_numpy()
    if len(distinct_sorted(hashes)) == len(hashes):  # NOTE: distinct hashes, distinct ids: no group-by needed
        keep = np.ones(len(hashes), dtype=bool)
    else:
        first = table.group_by("event_id", use_threads=False).aggregate([("position", "min")]).column("position_min")
        keep = np.asarray(pc.is_in(table.column("position"), first), dtype=bool).copy()
    ready = indexes.ready(con, issuer)
    candidates = hashes[indexes.events[issuer].contains(hashes)] if ready else hashes
    if len(candidates):  # a hash hit is only a candidate: confirm against the stored strings
        rows = _stored(con, _STORED_IDS, issuer, candidates)
        if rows:
            stored = pa.array(sorted(row[0] for row in rows), pa.string())
            keep &= ~np.asarray(pc.is_in(table.column("event_id"), stored), dtype=bool)
    return keep


def _issuance_conflicts(
    con: Con,
    indexes: KeyIndexes,
    issuer: int,
    table: pa.Table,
    issued_in_group: dict[tuple[int, str], str],
    issued_here: dict[tuple[int, str], str],
) -> list[Rejection]:
    """docs/ingestion.md: a credential is issued once; another issuance with a new event id is refused.

    ``issued_here`` receives this request's accepted issuances; the caller adds them to the group's
    only if the request is stored, so a refused request cannot block a later one.
    """
    issues = table.select(["type", "cred_hash", "position", "event_id", "credential_id"])
    issues = issues.filter(pc.equal(issues.column("type"), "credential.issued"))
    if not issues.num_rows:
        return []
    hashes = issues.column("cred_hash").to_numpy()
    if issuer in indexes.events:  # the indexes are in use (KeyIndexes.ready): this one too
        candidates = hashes[_index(con, indexes.issued, issuer, _ISSUED_HASHES).contains(hashes)]
    else:
        candidates = hashes
    stored: dict[str, str] = {}
    if len(candidates):
        stored = dict(_stored(con, _STORED_ISSUES, issuer, candidates))
    rejections = []
    columns = [issues.column(c).to_pylist() for c in ("position", "event_id", "credential_id")]
    for position, event_id, credential_id in zip(*columns, strict=True):
        key = (issuer, credential_id)
        previous = stored.get(credential_id) or issued_in_group.get(key) or issued_here.get(key)
        if previous is not None and previous != event_id:
            reason = f"credential {credential_id!r} was already issued by event {previous!r}"
            rejections.append(Rejection(position=position, id=event_id, field="credential_id", reason=reason))
        else:
            issued_here[key] = event_id
    return rejections


def _stored(con: Con, sql: str, issuer: int, candidates: npt.NDArray[np.uint64]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (_STORED_IDS, _STORED_ISSUES) for the issuer's candidate hashes."""
    con.register("screen_candidates", pa.table({"hash": pa.array(candidates, pa.uint64())}))
    try:
        return list(con.execute(sql, [issuer, issuer]).fetchall())
    finally:
        con.unregister("screen_candidates")


def _index(con: Con, cache: dict[int, HashSet64], issuer: int, sql: str) -> HashSet64:
    if issuer not in cache:
        column = con.execute(sql, [issuer, issuer]).fetchnumpy()
        cache[issuer] = HashSet64(next(iter(column.values())))
    return cache[issuer]


def _remember(indexes: KeyIndexes, batch: pa.Table) -> None:
    """After COMMIT only: a rolled-back batch must not look stored. Indexes not loaded yet need
    nothing: they are loaded from the store, which holds the batch."""
    batch = batch.select(["issuer_id", "type", "id_hash", "cred_hash"])
    issuers = pc.unique(batch.column("issuer_id")).to_pylist()
    for issuer in issuers:
        if issuer not in indexes.events:
            continue
        rows = batch if len(issuers) == 1 else batch.filter(pc.equal(batch.column("issuer_id"), issuer))
        indexes.events[issuer].add(rows.column("id_hash").to_numpy())
        issued = rows.filter(pc.equal(rows.column("type"), "credential.issued"))
        if issued.num_rows and issuer in indexes.issued:
            indexes.issued[issuer].add(issued.column("cred_hash").to_numpy())
