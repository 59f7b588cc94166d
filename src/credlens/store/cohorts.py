"""Cohort counters per issue day, kept by the fold: what the cohort metrics count, added up in advance.

`cohort_days` has one row per issuer, program, kind and issuer-local day. Its counters say how many
credentials issued that day reached each milestone (opened, shared, shared on LinkedIn, ...), and
the sums the cohort metrics read (share events, public views, owner active days, ratings). `stopped`
counts the credentials that stopped being active that day (metrics/issuance.py, `ended_at`). A
window of whole issuer-local days then reads a few thousand rows instead of every credential it
issued (metrics/cohort.py).

The table is a function of the issued rows of `credentials`, kept by differences (counters.py): a
fold subtracts the counts of the credentials it is about to change, changes them, and adds their
counts back (`record`, `apply`); an erasure subtracts those it deletes. The result is the count over
the rows as they are, whatever order events arrived in. The local day is taken in the issuer's time
zone, as `daily`'s is: queries run in the issuer's time zone (metrics/runner.py, `run_for`).

What does not add up across days is not here: the median days to open and the distinct recipients
are counted from `credentials` (metrics/runner.py).

# NOTE: measured at 10M events (1.4M issued credentials), the cohort aggregate over `credentials`
# took ~210 ms of CPU at `all` and the programs' group-by ~50 ms (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from credlens.domain.events import CHANNELS
from credlens.store.counters import Counters

_OPENED = "c.first_owner_view_at IS NOT NULL"
_DAYS_TO_OPEN = "(epoch(c.first_owner_view_at) - epoch(c.issued_at)) / 86400"
# When the credential stopped being active, as metrics/issuance.py `ended_at` says (LEAST skips NULLs),
# and never before its issuance (as the active credentials of metrics/verification.py count it).
_ENDED = (
    "least(c.revoked_at, c.expires_at,"
    " CASE WHEN c.renewed_at IS NULL OR c.renewed_at < c.expired_at THEN c.expired_at END)"
)


def _reached(column: str) -> str:
    return f"count(c.{column})"


def _both(column: str) -> str:
    return f"count(*) FILTER (WHERE {_OPENED} AND c.{column} IS NOT NULL)"


# Each counter of a day's row: an aggregate over the credentials (``c``) issued that day. The names
# are those of the cohort reductions they stand for (metrics/cohort.py); tests compare the two.
COUNTERS: tuple[tuple[str, str], ...] = (
    ("issued", "count(*)"),
    ("delivered", _reached("delivered_at")),
    ("opened", _reached("first_owner_view_at")),
    ("downloaded", _reached("first_download_at")),
    ("shared", _reached("first_share_at")),
    *((f"shared_{ch}", _reached(f"first_share_{ch}_at")) for ch in CHANNELS),
    ("profile_added", _reached("first_profile_add_at")),
    ("referred", _reached("first_referral_at")),
    ("verified", _reached("first_verified_at")),
    ("opened_and_downloaded", _both("first_download_at")),
    ("opened_and_shared", _both("first_share_at")),
    ("opened_and_profile_added", _both("first_profile_add_at")),
    # The default funnel's last step (issued, opened, shared, verified: metrics/cohort.py).
    (
        "opened_shared_verified",
        f"count(*) FILTER (WHERE {_OPENED} AND c.first_share_at IS NOT NULL AND c.first_verified_at IS NOT NULL)",
    ),
    (
        "reengaged",
        f"count(*) FILTER (WHERE {_OPENED} AND date_diff('day', CAST(c.first_owner_view_at AS DATE),"
        " CAST(c.last_owner_activity_at AS DATE)) >= 30)",
    ),
    ("opened_within_7d_count", f"count(*) FILTER (WHERE {_OPENED} AND {_DAYS_TO_OPEN} <= 7)"),
    ("opened_within_30d_count", f"count(*) FILTER (WHERE {_OPENED} AND {_DAYS_TO_OPEN} <= 30)"),
    ("share_events", "sum(c.shares)"),
    ("public_views", "sum(c.public_views)"),
    ("owner_active_days_total", f"sum(len(c.owner_days)) FILTER (WHERE {_OPENED})"),
    ("rating_count", "sum(c.rating_count)"),
    ("rating_sum", "sum(c.rating_sum)"),
    ("verification_events", "sum(c.verifications)"),
)
COLUMNS = (*(name for name, _ in COUNTERS), "stopped")
# The columns of `credentials` that COUNTERS and `stopped` read (with the key's): a fold selects only these.
READ = (
    "issuer_id",
    "program_id",
    "kind",
    "issued_at",
    "delivered_at",
    "first_owner_view_at",
    "first_download_at",
    "first_share_at",
    *(f"first_share_{ch}_at" for ch in CHANNELS),
    "first_profile_add_at",
    "first_referral_at",
    "first_verified_at",
    "last_owner_activity_at",
    "owner_days",
    "shares",
    "public_views",
    "rating_count",
    "rating_sum",
    "verifications",
    "revoked_at",
    "expires_at",
    "expired_at",
    "renewed_at",
)
KEY = "issuer_id, program_id, kind, day"

DDL = (
    "CREATE TABLE IF NOT EXISTS cohort_days (\n    issuer_id INTEGER NOT NULL,\n    program_id VARCHAR,\n"
    "    kind VARCHAR,\n    day DATE NOT NULL,\n    "
    + ",\n    ".join(f"{name} BIGINT NOT NULL" for name in COLUMNS)
    + ")"
)
_LOCAL_DAY = "CAST(timezone(c.tz, {instant} AT TIME ZONE 'UTC') AS DATE)"
COHORT_DAYS = Counters("cohort_days", ("issuer_id", "program_id", "kind", "day"), COLUMNS)


def counts_sql(rows: str, sign: int = 1) -> str:
    """The `cohort_days` rows of the credential rows of ``rows`` (a relation with the columns of
    `credentials`), times ``sign``: what they add to the table, or take from it."""
    issued = ", ".join(f"coalesce({sql}, 0)::BIGINT AS {name}" for name, sql in COUNTERS)
    no_counts = ", ".join(f"0::BIGINT AS {name}" for name, _ in COUNTERS)
    signed = ", ".join(f"({sign} * sum({name}))::BIGINT AS {name}" for name in COLUMNS)
    return f"""
        WITH c AS (
            SELECT c.*, i.timezone AS tz FROM {rows} c JOIN issuers i USING (issuer_id)
            WHERE c.issued_at IS NOT NULL)
        SELECT {KEY}, {signed} FROM (
            SELECT c.issuer_id, c.program_id, c.kind, {_LOCAL_DAY.format(instant="c.issued_at")} AS day,
                   {issued}, 0::BIGINT AS stopped
            FROM c GROUP BY ALL
            UNION ALL
            SELECT c.issuer_id, c.program_id, c.kind,
                   {_LOCAL_DAY.format(instant=f"greatest(c.issued_at, {_ENDED})")} AS day, {no_counts},
                   count(*)::BIGINT AS stopped
            FROM c WHERE {_ENDED} IS NOT NULL GROUP BY ALL)
        GROUP BY ALL"""


def record(con: Any, rows: str, sign: int, params: list[Any] | None = None) -> None:
    """Note what the credential rows of ``rows`` count, times ``sign``, in this connection's pending
    change (`apply` writes it), in the caller's transaction."""
    COHORT_DAYS.record(con, counts_sql(rows, sign), params)


def apply(con: Any) -> None:
    """Add the pending change (`record`) to `cohort_days`."""
    COHORT_DAYS.apply(con)


def rebuild_sql() -> tuple[str, ...]:
    """Recount the whole table from `credentials` (the schema upgrade that brings it)."""
    return ("DELETE FROM cohort_days", f"INSERT INTO cohort_days {counts_sql('credentials')}")
