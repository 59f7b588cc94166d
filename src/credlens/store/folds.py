"""Folding appended events into the derived tables, exactly once, in large groups.

`events.seq` numbers events as they were appended; `meta.folded_seq` says how far the derived
tables (credentials, programs, recipients, verifications, enrollments, reported_outcomes, daily,
the recipient rollups of portfolios.py, the cohort counters of cohorts.py and the attribute
breakdowns of breakdowns.py) have folded. A fold
reads the events after it, folds them (rollups.py) and moves the cursor in the SAME transaction, so
a crash or an error at any point folds every event once and only once.

# NOTE: measured here, each statement of a fold costs 5-40 ms whatever its size, so folding the
# events of many requests together is what makes ingestion fast (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from credlens.store import breakdowns, cohorts, portfolios, webhooks
from credlens.store.appends import STORED_COLUMNS, Con
from credlens.store.rollups import (
    CREDENTIALS,
    ROLLUPS,
    aggregate_sql,
    changed_columns,
    insert_sql,
    merge_sql,
    merged_sql,
    stored_sql,
)

FOLD_MAX_EVENTS = 1_000_000
DAILY_COMPACT_GROWTH = 0.25  # compact `daily` once partial rows have added this share to it
# The stored credentials a batch changes (its per-credential aggregate ``d``) are read once, by row id
# (rollups.stored_sql), into `fold_stored`: what they count in `cohort_days` is taken out before the
# change (cohorts.py), and what they count after it is computed from them and ``d`` (`merged`), put
# back with the new ones. Neither reads `credentials` again. The columns: what the cohort counters
# read, what the latest group's merge compares, and what `daily` and the breakdowns attribute by.
_READ = ", ".join(cohorts.READ)
STORED = (
    *(name for name in cohorts.READ if name != "issuer_id"),
    "expires_set_at",
    "expires_set_src",
    "recipient_hash",
)
MERGED = (*(name for name in cohorts.READ if name != "issuer_id"), "recipient_hash")
CHANGED = f"(SELECT {_READ} FROM fold_stored)"
CHANGED_NOW = f"""(SELECT {_READ} FROM merged UNION ALL SELECT {_READ} FROM d
    WHERE NOT EXISTS (SELECT 1 FROM merged m WHERE m.issuer_id = d.issuer_id AND m.credential_id = d.credential_id))"""
# Whose rollups (portfolios.py) a batch changes: the recipients of the credentials it issued, and
# of its enrollments.
TOUCHED = """
    SELECT issuer_id, recipient_hash FROM d WHERE issued_at IS NOT NULL
    UNION SELECT issuer_id, md5_number_lower(recipient_key) FROM b WHERE type = 'program.enrolled'"""
# The enrollments of the batch ``b``, stored as they are (an enrollment is never merged).
ENROLLMENTS_FROM_BATCH = (
    "INSERT INTO enrollments SELECT issuer_id, event_id, program_id, recipient_key, occurred_at,"
    " md5_number_lower(recipient_key) FROM b WHERE type = 'program.enrolled'"
)
# The outcomes the recipients of the batch reported, stored as they are.
OUTCOMES_FROM_BATCH = (
    "INSERT INTO reported_outcomes SELECT issuer_id, event_id, credential_id, cred_hash, occurred_at, outcome "
    "FROM b WHERE type = 'recipient.outcome_reported'"
)
DAILY_DIMS = (
    "issuer_id, day, program_id, kind, type, actor, channel, rating, verifier_industry, verifier_size, verifier_country"
)


def folded_seq(con: Con) -> int:
    rows = con.execute("SELECT value FROM meta WHERE key = 'folded_seq'").fetchall()
    return int(rows[0][0]) if rows else 0


def unfolded(con: Con) -> int:
    """How many appended events the derived tables do not reflect yet."""
    return int(con.execute("SELECT count(*) FROM events WHERE seq > ?", [folded_seq(con)]).fetchall()[0][0])


def fold_pending(con: Con, max_events: int = FOLD_MAX_EVENTS) -> int:
    """Fold up to ``max_events`` appended events; returns how many were folded."""
    con.execute("BEGIN TRANSACTION")
    try:
        folded = fold_in_transaction(con, max_events)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return folded


def fold_in_transaction(con: Con, max_events: int = FOLD_MAX_EVENTS) -> int:
    """``fold_pending`` inside the caller's transaction (an erasure folds what its snapshot holds)."""
    start = folded_seq(con)
    batch = con.sql(
        f"SELECT {STORED_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", params=[start, max_events]
    ).to_arrow_table()
    if not batch.num_rows:
        return 0
    end = int(pa.compute.max(batch.column("seq")).as_py())
    con.register("b", batch)
    try:
        _fold(con, start)
        # each stored event reaches this line once, deduplicated: its webhook deliveries (docs/webhooks.md)
        webhooks.enqueue(con, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('folded_seq', ?)", [str(end)])
    finally:
        con.unregister("b")
    return int(batch.num_rows)


def _fold(con: Con, start: int) -> None:
    """Fold the registered batch ``b`` (events after ``start``) into every derived table."""
    for rollup in ROLLUPS:
        delta = con.sql(aggregate_sql(rollup, "b")).to_arrow_table()
        con.register("d", delta)
        changed = changed_columns(rollup, delta)
        for statement in stored_sql(rollup, "d", "fold_stored", STORED if rollup is CREDENTIALS else ()):
            con.execute(statement)
        if rollup is CREDENTIALS:
            cohorts.record(con, CHANGED, -1)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE merged AS {merged_sql(rollup, 'fold_stored', 'd', MERGED, changed)}"
            )
        if con.execute("SELECT count(*) FROM fold_stored").fetchall()[0][0]:  # none: new keys only
            con.execute(merge_sql(rollup, "d", changed, "fold_stored"))
        if rollup is CREDENTIALS:
            _daily(con, start)
        con.execute(insert_sql(rollup, "d", "fold_stored"))
        if rollup is CREDENTIALS:
            breakdowns.fold(con, start)
            cohorts.record(con, CHANGED_NOW, 1)
            cohorts.apply(con)
            con.execute(f"CREATE OR REPLACE TEMP TABLE fold_touched AS {TOUCHED}")
            con.execute("DROP TABLE merged")
        con.execute("DROP TABLE fold_stored")
        con.unregister("d")
    con.execute(ENROLLMENTS_FROM_BATCH)
    con.execute(OUTCOMES_FROM_BATCH)
    if con.execute("SELECT count(*) FROM fold_touched").fetchall()[0][0]:
        portfolios.refresh(con, "fold_touched")
    con.execute("DROP TABLE fold_touched")


def _daily(con: Con, start: int) -> None:
    """Count events of issued credentials per issuer-local day. Events that waited for their
    credential's issuance (folded earlier, never counted) are counted now, with it."""
    issued_now = con.sql("""
        SELECT m.issuer_id, m.credential_id, m.cred_hash, m.program_id, m.kind, d.issued_at IS NOT NULL AS late
        FROM merged m JOIN d USING (issuer_id, credential_id) WHERE m.issued_at IS NOT NULL
        UNION ALL
        SELECT d.issuer_id, d.credential_id, d.cred_hash, d.program_id, d.kind, false
        FROM d WHERE d.issued_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM merged m
                          WHERE m.issuer_id = d.issuer_id AND m.credential_id = d.credential_id)""").to_arrow_table()
    con.register("issued_now", issued_now)
    columns = "e.issuer_id, e.credential_id, e.occurred_at, e.type, e.actor, e.channel, e.rating, " + (
        "e.verifier_industry, e.verifier_size, e.verifier_country"
    )
    # The earlier events of late issuances are read back from `events`, a join that scans the whole
    # table; most folds have no late issuance and skip it.
    late = f"""
        UNION ALL
        SELECT {columns} FROM events e JOIN issued_now l
          ON l.late AND e.issuer_id = l.issuer_id AND e.cred_hash = l.cred_hash AND e.credential_id = l.credential_id
        WHERE e.seq <= ?"""
    any_late = bool(pc.any(issued_now.column("late")).as_py())
    try:
        con.execute(
            f"INSERT INTO daily WITH attributable AS (SELECT {columns} FROM b e {late if any_late else ''})"
            + daily_counts_sql("attributable", "issued_now"),
            [start] if any_late else [],
        )
    finally:
        con.unregister("issued_now")


def daily_counts_sql(events: str, credentials: str) -> str:
    """What `daily` counts of the rows of ``events`` (columns of `events`) whose credential is in
    ``credentials`` (issuer_id, credential_id, program_id, kind): added by a fold, subtracted by an erasure."""
    return f"""
        SELECT a.issuer_id,
               CAST(timezone(i.timezone, a.occurred_at AT TIME ZONE 'UTC') AS DATE) AS day,
               c.program_id, c.kind, a.type, a.actor, a.channel, a.rating,
               a.verifier_industry, a.verifier_size, a.verifier_country, count(*) AS events
        FROM {events} a
        JOIN {credentials} c USING (issuer_id, credential_id)
        JOIN issuers i USING (issuer_id)
        GROUP BY ALL"""


def compact_daily(con: Con, *, growth: float = DAILY_COMPACT_GROWTH) -> bool:
    """Re-aggregate the appended partial counts of ``daily`` into one row per key, once they have
    grown the table by ``growth`` (a share of its rows at the last compaction; 0: whatever they are).
    Returns whether it did.

    Readers sum the partial rows, so compacting only saves them reading a few more rows; rewriting
    the whole table at every import made even an import of one event cost in proportion to the
    store (docs/performance.md). Compacted when it has grown by a share, all the rewrites of a
    table that grows to n rows copy O(n) rows in total: a constant per row a fold appends.
    """
    rows = int(con.execute("SELECT count(*) FROM daily").fetchall()[0][0])
    marks = con.execute("SELECT value FROM meta WHERE key = 'daily_compacted_rows'").fetchall()
    if marks and rows <= int(marks[0][0]) * (1 + growth):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE daily_compact AS "
            f"SELECT {DAILY_DIMS}, sum(events)::BIGINT AS events FROM daily GROUP BY ALL"
        )
        con.execute("DELETE FROM daily")
        con.execute("INSERT INTO daily SELECT * FROM daily_compact")
        con.execute("DROP TABLE daily_compact")
        con.execute("INSERT OR REPLACE INTO meta SELECT 'daily_compacted_rows', CAST(count(*) AS VARCHAR) FROM daily")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True
