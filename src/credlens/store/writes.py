"""The write path: one transaction folds a group of event batches into every table.

Steps, in order (each a function below):
  hashes → dedupe (within the batch, against the group, against the store) → issuance conflicts
  → fold derived rows (credentials, programs, recipients, verifications) → daily counts
  → append facts (events, enrollments, reported outcomes) → COMMIT → remember the new keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.rejections import Rejection
from credlens.store.keyindex import HashSet64
from credlens.store.rollups import CREDENTIALS, ROLLUPS, aggregate_sql, insert_sql, merge_sql
from credlens.store.schema import EVENT_COLUMNS

_STORED_COLUMNS = ", ".join(("issuer_id", "id_hash", "cred_hash", *EVENT_COLUMNS))
DAILY_DIMS = (
    "issuer_id, day, program_id, kind, type, actor, channel, rating, verifier_industry, verifier_size, verifier_country"
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


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class KeyIndexes:
    """Per-issuer hash sets of stored event ids and issued credential ids, loaded on first use."""

    events: dict[int, HashSet64] = field(default_factory=dict)
    issued: dict[int, HashSet64] = field(default_factory=dict)


Con = Any  # a DuckDB connection; typed loosely because duckdb ships no stubs here


def write_group(con: Con, indexes: KeyIndexes, requests: list[WriteRequest]) -> list[WriteResult]:
    """Apply every request that passes its checks in ONE transaction; durable on return."""
    results: list[WriteResult] = []
    kept: list[pa.Table] = []
    seen: set[tuple[int, str]] | None = set() if len(requests) > 1 else None
    issued_in_group: dict[tuple[int, str], str] = {}
    for request in requests:
        table = _with_hashes(con, request)
        result, table = _screen(con, indexes, request, table, seen, issued_in_group)
        results.append(result)
        if table is not None and table.num_rows:
            kept.append(table)
    if kept:
        batch = pa.concat_tables(kept)
        con.execute("BEGIN TRANSACTION")
        try:
            _apply(con, batch)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        _remember(con, indexes, batch)
    return results


def _with_hashes(con: Con, request: WriteRequest) -> pa.Table:
    events = request.events
    con.register("incoming", events)
    try:
        hashes = con.sql(
            "SELECT md5_number_lower(event_id) AS id_hash, md5_number_lower(credential_id) AS cred_hash FROM incoming"
        ).to_arrow_table()
    finally:
        con.unregister("incoming")
    issuer = pa.array(np.full(events.num_rows, request.issuer_id, dtype=np.int32))
    return (
        events.append_column("position", pa.array(request.positions, pa.int64()))
        .append_column("issuer_id", issuer)
        .append_column("id_hash", hashes.column("id_hash"))
        .append_column("cred_hash", hashes.column("cred_hash"))
    )


def _screen(
    con: Con,
    indexes: KeyIndexes,
    request: WriteRequest,
    table: pa.Table,
    seen: set[tuple[int, str]] | None,
    issued_in_group: dict[tuple[int, str], str],
) -> tuple[WriteResult, pa.Table | None]:
    """Drop duplicates (acknowledged, not stored) and find issuances of already-issued credentials."""
    issuer = request.issuer_id
    # first occurrence of each id in the batch, minus ids already stored (vectorized: no per-event Python)
    first = table.group_by("event_id", use_threads=False).aggregate([("position", "min")]).column("position_min")
    keep = pc.is_in(table.column("position"), first)
    stored = _stored_ids(con, indexes, issuer, table)
    if stored:
        keep = pc.and_(keep, pc.invert(pc.is_in(table.column("event_id"), pa.array(sorted(stored), pa.string()))))
    keep = np.asarray(keep, dtype=bool)
    ids = table.column("event_id").to_pylist() if seen is not None else []
    for i, event_id in enumerate(ids):  # only when several requests share one transaction
        if keep[i] and (issuer, event_id) in seen:
            keep[i] = False
        elif keep[i]:
            seen.add((issuer, event_id))  # type: ignore[union-attr]
    duplicates = int((~keep).sum())
    table = table.filter(pa.array(keep))
    rejections = _issuance_conflicts(con, indexes, issuer, table, issued_in_group)
    if rejections:
        if request.all_or_nothing:
            for event_id in ids:
                seen.discard((issuer, event_id))  # type: ignore[union-attr]
            return WriteResult(rejections=rejections), None
        bad = {r.position for r in rejections}
        table = table.filter(pc.invert(pc.is_in(table.column("position"), pa.array(sorted(bad), pa.int64()))))
    return WriteResult(accepted=table.num_rows, duplicates=duplicates, rejections=rejections), table


def _stored_ids(con: Con, indexes: KeyIndexes, issuer: int, table: pa.Table) -> set[str]:
    index = _index(con, indexes.events, issuer, "SELECT id_hash FROM events WHERE issuer_id = ?")
    hashes = table.column("id_hash").to_numpy()
    candidates = hashes[index.contains(hashes)]
    if not len(candidates):
        return set()
    rows = con.execute(
        "SELECT event_id FROM events WHERE issuer_id = ? AND id_hash IN (SELECT unnest(?::UBIGINT[]))",
        [issuer, candidates.tolist()],
    ).fetchall()
    return {row[0] for row in rows}


def _issuance_conflicts(
    con: Con, indexes: KeyIndexes, issuer: int, table: pa.Table, issued_in_group: dict[tuple[int, str], str]
) -> list[Rejection]:
    """events.md: a credential is issued once; another issuance with a new event id is refused."""
    is_issue = pc.equal(table.column("type"), "credential.issued")
    issues = table.filter(is_issue)
    if not issues.num_rows:
        return []
    index = _index(
        con,
        indexes.issued,
        issuer,
        "SELECT cred_hash FROM credentials WHERE issuer_id = ? AND issued_at IS NOT NULL",
    )
    hashes = issues.column("cred_hash").to_numpy()
    stored: dict[str, str] = {}
    candidates = hashes[index.contains(hashes)]
    if len(candidates):
        stored = dict(
            con.execute(
                "SELECT credential_id, issue_event_id FROM credentials WHERE issuer_id = ? AND issued_at IS NOT NULL"
                " AND cred_hash IN (SELECT unnest(?::UBIGINT[]))",
                [issuer, candidates.tolist()],
            ).fetchall()
        )
    rejections = []
    for position, event_id, credential_id in zip(
        issues.column("position").to_pylist(),
        issues.column("event_id").to_pylist(),
        issues.column("credential_id").to_pylist(),
        strict=True,
    ):
        previous = stored.get(credential_id) or issued_in_group.get((issuer, credential_id))
        if previous is not None and previous != event_id:
            rejections.append(
                Rejection(
                    position=position,
                    id=event_id,
                    field="credential_id",
                    reason=f"credential {credential_id!r} was already issued by event {previous!r}",
                )
            )
        else:
            issued_in_group[(issuer, credential_id)] = event_id
    return rejections


def _index(con: Con, cache: dict[int, HashSet64], issuer: int, sql: str) -> HashSet64:
    if issuer not in cache:
        column = con.execute(sql, [issuer]).fetchnumpy()
        cache[issuer] = HashSet64(next(iter(column.values())).astype(np.uint64))
    return cache[issuer]


def _apply(con: Con, batch: pa.Table) -> None:
    con.register("b", batch)
    try:
        _fold(con)
    finally:
        con.unregister("b")


def _fold(con: Con) -> None:
    """Fold the registered batch ``b`` into every table (inside the caller's transaction)."""
    merged_credentials = None
    for rollup in ROLLUPS:
        returning = "t.issuer_id, t." + rollup.key
        if rollup is CREDENTIALS:
            returning += ", t.cred_hash, t.program_id, t.kind, t.issued_at"
        con.execute(f"CREATE OR REPLACE TEMP TABLE d AS {aggregate_sql(rollup, 'b')}")
        merged = con.sql(merge_sql(rollup, "d", returning)).to_arrow_table()
        con.register("merged", merged)
        if rollup is CREDENTIALS:
            _daily(con)
        con.execute(insert_sql(rollup, "d", "merged"))
        con.unregister("merged")
        if rollup is CREDENTIALS:
            merged_credentials = merged
    assert merged_credentials is not None
    con.execute(
        f"INSERT INTO events BY NAME SELECT {_STORED_COLUMNS} FROM b ORDER BY issuer_id, CAST(occurred_at AS DATE), type"
    )
    con.execute(
        "INSERT INTO enrollments SELECT issuer_id, event_id, program_id, recipient_key, occurred_at "
        "FROM b WHERE type = 'program.enrolled'"
    )
    con.execute(
        "INSERT INTO reported_outcomes SELECT issuer_id, event_id, credential_id, cred_hash, occurred_at, outcome "
        "FROM b WHERE type = 'recipient.outcome_reported'"
    )


def _daily(con: Con) -> None:
    """Count events of issued credentials per issuer-local day; events that waited for their
    credential's issuance (already stored, never counted) are counted now, with it."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE issued_now AS
        SELECT m.issuer_id, m.credential_id, m.cred_hash, m.program_id, m.kind,
               d.issued_at IS NOT NULL AS late
        FROM merged m JOIN d USING (issuer_id, credential_id) WHERE m.issued_at IS NOT NULL
        UNION ALL
        SELECT d.issuer_id, d.credential_id, d.cred_hash, d.program_id, d.kind, false
        FROM d WHERE d.issued_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM merged m
                          WHERE m.issuer_id = d.issuer_id AND m.credential_id = d.credential_id)""")
    con.execute("""
        INSERT INTO daily
        WITH attributable AS (
            SELECT e.issuer_id, e.credential_id, e.occurred_at, e.type, e.actor, e.channel, e.rating,
                   e.verifier_industry, e.verifier_size, e.verifier_country FROM b e
            UNION ALL
            SELECT e.issuer_id, e.credential_id, e.occurred_at, e.type, e.actor, e.channel, e.rating,
                   e.verifier_industry, e.verifier_size, e.verifier_country
            FROM events e JOIN issued_now l
              ON l.late AND e.issuer_id = l.issuer_id
             AND e.cred_hash = l.cred_hash AND e.credential_id = l.credential_id
        )
        SELECT a.issuer_id,
               CAST(timezone(i.timezone, a.occurred_at AT TIME ZONE 'UTC') AS DATE) AS day,
               c.program_id, c.kind, a.type, a.actor, a.channel, a.rating,
               a.verifier_industry, a.verifier_size, a.verifier_country, count(*) AS events
        FROM attributable a
        JOIN issued_now c USING (issuer_id, credential_id)
        JOIN issuers i USING (issuer_id)
        GROUP BY ALL""")


def _remember(con: Con, indexes: KeyIndexes, batch: pa.Table) -> None:
    """After COMMIT only: a rolled-back batch must not look stored."""
    for issuer in pc.unique(batch.column("issuer_id")).to_pylist():
        rows = batch.filter(pc.equal(batch.column("issuer_id"), issuer))
        _index(con, indexes.events, issuer, "SELECT id_hash FROM events WHERE issuer_id = ?")
        indexes.events[issuer].add(rows.column("id_hash").to_numpy())
        issued = rows.filter(pc.equal(rows.column("type"), "credential.issued"))
        if issued.num_rows and issuer in indexes.issued:
            indexes.issued[issuer].add(issued.column("cred_hash").to_numpy())


def compact_daily(con: Con) -> None:
    """Re-aggregate the appended partial counts of ``daily`` into one row per key."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE daily_compact AS SELECT {DAILY_DIMS}, sum(events)::BIGINT AS events "
            f"FROM daily GROUP BY ALL"
        )
        con.execute("DELETE FROM daily")
        con.execute("INSERT INTO daily SELECT * FROM daily_compact")
        con.execute("DROP TABLE daily_compact")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


Compactor = Callable[[Con], None]
