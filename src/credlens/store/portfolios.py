"""Recipient rollups: what each recipient holds and started, kept current by the fold (docs/architecture.md).

`holdings` (one row per recipient and program), `portfolios` (one per recipient), `co_holdings`
(one per recipient and pair of programs A < B) and `recipient_days` (recipients per day of their
first and latest award, per demographic value) are a function of the issued rows of `credentials`;
`enrolled` (one row per recipient and program enrolled in, with whether they hold a credential of
it) of `enrollments` and `holdings`. When a fold issues credentials or stores enrollments, or an
erasure deletes some, the rows of the recipients concerned are deleted and recomputed from their
credentials and enrollments: no merge rule to get wrong, and the result is the same whatever order
events arrived in.

Every portfolio row carries its recipient's latest issuance (`recipient_last_at`/`last_at`): a
window that ends after it can read the row as it is; the metrics recount the few other recipients
from `credentials` (metrics/recipients.py). `enrolled` keeps the first and last enrollment of each
pair, which place most pairs in or out of a window without reading `enrollments`
(metrics/issuance.py).

# NOTE: measured at 10M events (1.4M credentials), computing the portfolio metrics from
# `credentials` per request cost ~0.9 s of CPU (a group-by per recipient and program, another per
# recipient, a self-join); reading these rollups ~0.1 s. Refreshing 2,000 recipients in a fold
# costs ~120 ms there; building all of them (the schema upgrade) ~5 s. Completions (2.2M enrollments)
# took ~750 ms of CPU per `all` query from `enrollments` and `credentials`.
"""

from __future__ import annotations

from typing import Any

from credlens.store.counters import Counters

ROLLUP_TABLES = ("holdings", "portfolios", "co_holdings", "enrolled")  # defined in schema.py

DEMOGRAPHICS = "country, gender, age_band, education_level, employment_status"  # of `recipients`, in order
# The hash alone first: DuckDB filters a table's scan by a one-column join's small side before it
# reads the other columns; the issuer is checked after (rollups.stored_sql).
_OF = (
    "{row}.recipient_hash IN (SELECT recipient_hash FROM {touched}) AND EXISTS (SELECT 1 FROM {touched} t"
    " WHERE t.issuer_id = {row}.issuer_id AND t.recipient_hash = {row}.recipient_hash)"
)


# Per issuer-local day and demographic attribute and value: the recipients whose first award fell on
# that day, and those whose latest did. A window of whole days holds the recipients first awarded up
# to its last day minus those last awarded before its first day, less those awarded before and after
# it and not in it (metrics/recipients.py). Kept by differences from `portfolios` (counters.py).
RECIPIENT_DAYS = Counters("recipient_days", ("issuer_id", "day", "attribute", "value"), ("first", "last"))
DAYS_DDL = """CREATE TABLE IF NOT EXISTS recipient_days (
    issuer_id INTEGER NOT NULL,
    day DATE NOT NULL,
    attribute VARCHAR NOT NULL,
    value VARCHAR,
    first BIGINT NOT NULL,
    last BIGINT NOT NULL)"""


def days_sql(rows: str, sign: int = 1) -> str:
    """What the `portfolios` rows of ``rows`` count in `recipient_days`, times ``sign``."""
    parts = []
    for attribute in DEMOGRAPHICS.split(", "):
        for at, first, last in (("first_at", "count(*)", "0"), ("last_at", "0", "count(*)")):
            parts.append(
                f"SELECT issuer_id, CAST(timezone(p.tz, p.{at} AT TIME ZONE 'UTC') AS DATE) AS day,"
                f" '{attribute}' AS attribute, {attribute} AS value,"
                f" ({sign} * {first})::BIGINT AS first, ({sign} * {last})::BIGINT AS last FROM p GROUP BY ALL"
            )
    union = "\n            UNION ALL ".join(parts)
    return f"""
        WITH p AS (SELECT p.*, i.timezone AS tz FROM {rows} p JOIN issuers i USING (issuer_id))
        SELECT issuer_id, day, attribute, value, sum(first)::BIGINT AS first, sum(last)::BIGINT AS last
        FROM ({union}) GROUP BY ALL"""


def refresh_sql(touched: str | None) -> tuple[str, ...]:
    """The statements that recompute the rollups of the recipients in ``touched`` (a relation of
    issuer_id, recipient_hash), or of everyone (None: a rebuild, whatever rows were there), in
    order: each insert reads the table the one before filled."""

    def of(row: str) -> str:
        return "TRUE" if touched is None else _OF.format(touched=touched, row=row)

    theirs = f"(SELECT * FROM portfolios x WHERE {of('x')})"
    if touched is None:
        before: tuple[str, ...] = ()
        after: tuple[str, ...] = ("DELETE FROM recipient_days", f"INSERT INTO recipient_days {days_sql('portfolios')}")
    else:  # what their portfolios counted is taken out, what they count now added back
        before = RECIPIENT_DAYS.record_sql(days_sql(theirs, -1))
        after = (*RECIPIENT_DAYS.record_sql(days_sql(theirs, 1)), *RECIPIENT_DAYS.apply_sql())
    return (
        *before,
        *(f"DELETE FROM {table} x WHERE {of('x')}" for table in ROLLUP_TABLES),
        f"""INSERT INTO holdings
        WITH h AS (
            SELECT issuer_id, recipient_hash, program_id, min(issued_at) AS first_at, count(*)::INTEGER AS n,
                   max(issued_at) AS last_at
            FROM credentials c
            WHERE issued_at IS NOT NULL AND recipient_hash IS NOT NULL AND {of("c")}
            GROUP BY ALL)
        SELECT issuer_id, recipient_hash, program_id, first_at, n,
               max(last_at) OVER (PARTITION BY issuer_id, recipient_hash)
        FROM h""",
        f"""INSERT INTO portfolios
        WITH p AS (
            SELECT issuer_id, recipient_hash, count(*)::INTEGER AS programs, sum(n)::INTEGER AS credentials,
                   min(first_at) AS first_at, max(recipient_last_at) AS last_at
            FROM holdings h WHERE {of("h")} GROUP BY ALL),
        r AS (
            SELECT issuer_id, recipient_hash, {DEMOGRAPHICS} FROM recipients r WHERE {of("r")}
            QUALIFY row_number() OVER (PARTITION BY issuer_id, recipient_hash ORDER BY recipient_key) = 1)
        SELECT p.*, {DEMOGRAPHICS} FROM p LEFT JOIN r USING (issuer_id, recipient_hash)""",
        f"""INSERT INTO co_holdings
        SELECT x.issuer_id, x.recipient_hash, x.program_id, y.program_id, x.first_at, y.first_at, x.recipient_last_at
        FROM holdings x JOIN holdings y
          ON x.issuer_id = y.issuer_id AND x.recipient_hash = y.recipient_hash AND x.program_id < y.program_id
        WHERE {of("x")} AND {of("y")}""",
        f"""INSERT INTO enrolled
        SELECT e.issuer_id, e.recipient_hash, e.program_id, min(e.enrolled_at), max(e.enrolled_at), count(*)::INTEGER,
               bool_or(h.program_id IS NOT NULL)
        FROM enrollments e LEFT JOIN holdings h
          ON h.issuer_id = e.issuer_id AND h.recipient_hash = e.recipient_hash AND h.program_id = e.program_id
        WHERE {of("e")} GROUP BY ALL""",
        *after,
    )


def refresh(con: Any, touched: str | None) -> None:
    """Recompute the rollups of the recipients in ``touched`` (None: everyone), in the caller's transaction."""
    for statement in refresh_sql(touched):
        con.execute(statement)
