"""The attribute breakdowns' counts (downloads by format, public views by referrer and by country,
profile adds by platform, failed deliveries by reason), kept by the fold so that they need no raw
event: they survive retention (docs/privacy.md) and read a few thousand rows (metrics/attributes.py).

Two tables:
- `attribute_days`: per issuer-local day, program, kind, breakdown, attribute value (``key``) and
  recipient, the events of issued credentials. What a filtered scope (programs, kind, department)
  counts its distinct recipients from, and what the counters below are a function of. Holds a
  recipient's hash, so an erasure deletes their rows (`erase_sql`).
- `attribute_cells`: per breakdown, key and day, the events, and the recipients that had that cell
  that day, split by ``prev_day``: the recipient's previous day in the cell (NULL: none). The distinct
  recipients of a cell over the days [a, b] are exactly the rows of [a, b] whose ``prev_day`` is NULL
  or before a (each recipient counts on its first day in the window), so any window of whole days
  adds up rows, without a distinct count. It holds no recipient.

`attribute_cells` is kept by differences (counters.py): a fold takes out what the (breakdown, key,
recipient) pairs of its batch counted, adds the batch's rows to `attribute_days`, and puts back what
those pairs count now; whatever order events arrive in, each row is the count over `attribute_days`.
"""

from __future__ import annotations

from typing import Any

from credlens.store.counters import Counters

UNKNOWN = "unknown"  # the key of an event without the attribute

# breakdown (the metric's id) -> (event type, the attribute it is broken down by, public views only)
BREAKDOWNS: dict[str, tuple[str, str, bool]] = {
    "downloads_by_format": ("credential.downloaded", "format", False),
    "public_views_by_referrer": ("credential.viewed", "referrer_domain", True),
    "public_views_by_country": ("credential.viewed", "country", True),
    "profile_adds_by_platform": ("credential.profile_added", "platform", False),
    "delivery_failures_by_reason": ("credential.delivery_failed", "reason", False),
}
TYPES = tuple(sorted({kind for kind, _, _ in BREAKDOWNS.values()}))
# The columns of `events` the breakdowns read.
READ = ("issuer_id", "credential_id", "occurred_at", "type", "actor", *sorted({a for _, a, _ in BREAKDOWNS.values()}))

DDL = (
    """CREATE TABLE IF NOT EXISTS attribute_days (
    issuer_id INTEGER NOT NULL,
    day DATE NOT NULL,
    program_id VARCHAR,
    kind VARCHAR,
    breakdown VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    recipient_hash UBIGINT,
    events BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS attribute_cells (
    issuer_id INTEGER NOT NULL,
    breakdown VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    day DATE NOT NULL,
    prev_day DATE,
    recipients BIGINT NOT NULL,
    events BIGINT NOT NULL)""",
)
CELLS = Counters("attribute_cells", ("issuer_id", "breakdown", "key", "day", "prev_day"), ("recipients", "events"))
_TYPES = ", ".join(f"'{t}'" for t in TYPES)
_WHICH = " UNION ALL ".join(
    f"SELECT '{name}' AS breakdown, '{kind}' AS type, {str(public).lower()} AS public_only"
    for name, (kind, _, public) in BREAKDOWNS.items()
)
_KEY = "CASE x.breakdown " + " ".join(f"WHEN '{name}' THEN a.{a}" for name, (_, a, _) in BREAKDOWNS.items()) + " END"


def days_sql(events: str, credentials: str) -> str:
    """The `attribute_days` rows of the events of ``events`` (with the columns of READ) whose
    credential is issued in ``credentials`` (with the columns of `credentials`): what a fold adds."""
    return f"""
        SELECT a.issuer_id, CAST(timezone(i.timezone, a.occurred_at AT TIME ZONE 'UTC') AS DATE) AS day,
               c.program_id, c.kind, x.breakdown, coalesce(CAST({_KEY} AS VARCHAR), '{UNKNOWN}') AS key,
               c.recipient_hash, CAST(count(*) AS BIGINT) AS events
        FROM {events} a
        JOIN {credentials} c ON c.issuer_id = a.issuer_id AND c.credential_id = a.credential_id
        JOIN issuers i ON i.issuer_id = a.issuer_id
        JOIN ({_WHICH}) x ON x.type = a.type AND (NOT x.public_only OR a.actor = 'public')
        WHERE a.type IN ({_TYPES}) AND c.issued_at IS NOT NULL
        GROUP BY ALL"""


def cells_sql(rows: str, sign: int = 1) -> str:
    """The `attribute_cells` rows of the `attribute_days` rows of ``rows`` (all of each pair's rows:
    a recipient's previous day is among them), times ``sign``."""
    return f"""
        SELECT issuer_id, breakdown, key, day, prev_day,
               CAST({sign} * sum(CASE WHEN recipient_hash IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS recipients,
               CAST({sign} * sum(events) AS BIGINT) AS events
        FROM (
            SELECT issuer_id, breakdown, key, recipient_hash, day, events,
                   lag(day) OVER (PARTITION BY issuer_id, breakdown, key, recipient_hash ORDER BY day) AS prev_day
            FROM (SELECT issuer_id, breakdown, key, recipient_hash, day, sum(events) AS events
                  FROM {rows} r GROUP BY ALL) g) p
        GROUP BY ALL"""


# The stored rows of the pairs (breakdown, key, recipient) a change touches (``attribute_pairs``).
# The recipients are looked up first: the hash filter lets the scan skip most row groups (performance-history.md).
_OF_PAIRS = """SELECT a.* FROM (SELECT * FROM attribute_days
        WHERE recipient_hash IN (SELECT recipient_hash FROM attribute_pairs) OR recipient_hash IS NULL) a
    SEMI JOIN attribute_pairs p ON a.issuer_id = p.issuer_id AND a.breakdown = p.breakdown AND a.key = p.key
    AND a.recipient_hash IS NOT DISTINCT FROM p.recipient_hash"""


def fold(con: Any, start: int) -> None:
    """Add the registered batch ``b`` (events after seq ``start``) to both tables, in the fold's
    transaction; ``d`` (the batch per credential) and ``merged`` (the stored credentials it changed,
    as the fold left them) are there (folds.py).

    Events that waited for their credential's issuance (folded earlier, never counted) are counted
    now, with it, read back from `events` as `daily` reads them (retention keeps them meanwhile).
    """
    columns = ", ".join(f"e.{name}" for name in (*READ, "cred_hash"))
    late = """SELECT d.issuer_id, d.credential_id, d.cred_hash FROM d
        JOIN merged m ON m.issuer_id = d.issuer_id AND m.credential_id = d.credential_id
        WHERE d.issued_at IS NOT NULL"""
    events = f"SELECT {columns} FROM b e WHERE e.type IN ({_TYPES})"
    if con.execute(f"SELECT count(*) FROM ({late})").fetchall()[0][0]:
        # a join that scans `events`: most folds have no late issuance and skip it
        events += f""" UNION ALL SELECT {columns} FROM events e JOIN ({late}) l
            ON e.issuer_id = l.issuer_id AND e.cred_hash = l.cred_hash AND e.credential_id = l.credential_id
            WHERE e.seq <= {int(start)} AND e.type IN ({_TYPES})"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE attribute_events AS {events}")
    # The batch's credentials as the fold left them, without reading `credentials`: every event here
    # is of a credential of ``d``, stored before (``merged``) or new.
    names = "issuer_id, credential_id, program_id, kind, recipient_hash, issued_at"
    credentials = f"""(SELECT {names} FROM merged UNION ALL SELECT {names} FROM d WHERE NOT EXISTS
        (SELECT 1 FROM merged m WHERE m.issuer_id = d.issuer_id AND m.credential_id = d.credential_id))"""
    try:
        if not con.execute("SELECT count(*) FROM attribute_events").fetchall()[0][0]:
            return  # no event of a breakdown
        con.execute(f"CREATE OR REPLACE TEMP TABLE attribute_batch AS {days_sql('attribute_events', credentials)}")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE attribute_pairs AS "
            "SELECT DISTINCT issuer_id, breakdown, key, recipient_hash FROM attribute_batch"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE attribute_old AS {_OF_PAIRS}")  # one scan of the table
        CELLS.record(con, cells_sql("attribute_old", -1))
        CELLS.record(con, cells_sql("(SELECT * FROM attribute_old UNION ALL SELECT * FROM attribute_batch)", 1))
        con.execute("INSERT INTO attribute_days SELECT * FROM attribute_batch")
        CELLS.apply(con)
    finally:
        for table in ("attribute_events", "attribute_batch", "attribute_pairs", "attribute_old"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


# A recipient's rows, by the hash of their key; kept when that hash is also another recipient's (a
# collision: their rows cannot be told apart), as erasure.py keeps such tombstones.
_THEIRS = """issuer_id = $issuer AND recipient_hash = md5_number_lower($key)
    AND recipient_hash NOT IN (SELECT recipient_hash FROM credentials WHERE issuer_id = $issuer
                               AND recipient_key IS DISTINCT FROM $key AND recipient_hash IS NOT NULL)"""


def erase_sql() -> tuple[str, ...]:
    """Take an erased recipient's rows (parameters ``$issuer``, ``$key``) out of both tables: their
    pairs are theirs alone, so subtracting what their rows count leaves every other count as it was.
    Run by erasure.py before it deletes their credentials."""
    first, insert = CELLS.record_sql(cells_sql(f"(SELECT * FROM attribute_days WHERE {_THEIRS})", -1))
    return (first, insert, *CELLS.apply_sql(), f"DELETE FROM attribute_days WHERE {_THEIRS}")


def rebuild_sql() -> tuple[str, ...]:
    """Count both tables from `events` and `credentials` (the schema upgrade that brings them)."""
    columns = ", ".join(READ)
    return (
        "DELETE FROM attribute_days",
        f"INSERT INTO attribute_days {days_sql(f'(SELECT {columns} FROM events)', 'credentials')}",
        "DELETE FROM attribute_cells",
        f"INSERT INTO attribute_cells {cells_sql('attribute_days')}",
    )
