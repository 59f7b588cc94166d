"""Retention (privacy.md): raw events older than an issuer's `raw_event_retention_days` are deleted
once the derived tables hold them, leaving only what deduplication needs.

An event is retired when all of these hold:
- its issuer has a retention (NULL, the default, keeps every event);
- it occurred before now − that many days (UTC);
- it is folded (``seq <= meta.folded_seq``), so credentials, daily, … already count it;
- it is attributed: it names no credential (enrollments, consent changes) or its credential is issued.
  An event still waiting for its credential's issuance is kept, because the fold that meets the
  issuance reads it back from `events` to count it in `daily` (folds._daily).

What stays of a retired event is a tombstone: issuer, id hash, id, and the hashes of its credential
and recipient. A re-sent event is still acknowledged as a duplicate (appends.py confirms hash hits
against `events` and tombstones), and an erasure still finds the person's tombstones. A second
issuance of a credential is refused from `credentials.issue_event_id`, which outlives the raw event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credlens.store import purges
from credlens.store.appends import Con
from credlens.store.folds import folded_seq


@dataclass(frozen=True)
class RetentionReport:
    """One issuer's run: events retired, and older events kept because their credential is not issued yet."""

    issuer_id: int
    days: int
    horizon: dt.datetime
    deleted: int
    waiting: int


@dataclass(frozen=True)
class RetentionRun:
    """What a retention run did: one report per issuer with a retention, and whether the file was
    rewritten without the deleted events (False: nothing to rewrite, or postponed by busy readers)."""

    issuers: list[RetentionReport]
    purged: bool


_CANDIDATES = """
    CREATE OR REPLACE TEMP TABLE retire_candidates AS
    SELECT e.seq, e.issuer_id,
           e.credential_id IS NULL OR EXISTS (
               SELECT 1 FROM credentials c
               WHERE c.issuer_id = e.issuer_id AND c.cred_hash = e.cred_hash
                 AND c.credential_id = e.credential_id AND c.issued_at IS NOT NULL) AS attributed
    FROM events e JOIN issuers i USING (issuer_id)
    WHERE i.raw_event_retention_days IS NOT NULL AND ($issuer IS NULL OR e.issuer_id = $issuer)
      AND e.seq <= $folded AND e.occurred_at < $now - to_days(i.raw_event_retention_days)"""
_RETIRED = "SELECT seq FROM retire_candidates WHERE attributed"
_TOMBSTONES = f"""
    INSERT INTO event_tombstones
    SELECT issuer_id, id_hash, event_id, cred_hash,
           CASE WHEN recipient_key IS NOT NULL THEN md5_number_lower(recipient_key) END
    FROM events WHERE seq IN ({_RETIRED})
    ORDER BY issuer_id, cred_hash, event_id"""


def retire(con: Con, now: dt.datetime, issuer_id: int | None = None) -> list[RetentionReport]:
    """Retire every retirable event (of one issuer, or of all) in one transaction; the caller holds the
    write and fold locks."""
    retentions = _retentions(con, issuer_id)
    if not retentions:  # the default: nothing to scan
        return []
    con.execute("BEGIN TRANSACTION")
    try:
        params = {"issuer": issuer_id, "folded": folded_seq(con), "now": now}
        con.execute(_CANDIDATES, params)
        counts = {
            issuer: (int(deleted), int(waiting))
            for issuer, deleted, waiting in con.execute(
                "SELECT issuer_id, count(*) FILTER (attributed), count(*) FILTER (NOT attributed)"
                " FROM retire_candidates GROUP BY issuer_id"
            ).fetchall()
        }
        if any(deleted for deleted, _ in counts.values()):
            con.execute(_TOMBSTONES)
            con.execute(f"DELETE FROM events WHERE seq IN ({_RETIRED})")
            purges.queue(con, now)
        con.execute("DROP TABLE retire_candidates")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [
        RetentionReport(issuer, days, now - dt.timedelta(days=days), *counts.get(issuer, (0, 0)))
        for issuer, days in retentions
    ]


def _retentions(con: Con, issuer_id: int | None) -> list[tuple[int, int]]:
    return [
        (int(issuer), int(days))
        for issuer, days in con.execute(
            "SELECT issuer_id, raw_event_retention_days FROM issuers WHERE raw_event_retention_days IS NOT NULL"
            " AND (? IS NULL OR issuer_id = ?) ORDER BY issuer_id",
            [issuer_id, issuer_id],
        ).fetchall()
    ]
