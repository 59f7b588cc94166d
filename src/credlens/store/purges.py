"""The purge owed after an erasure or a retention run: when it is due, and how far it is.

An erasure deletes the recipient's rows at once (no read shows them from then on), but DuckDB keeps
deleted values in the file until the file is rewritten (connection.py), which costs time in
proportion to the whole store. So rewrites are batched: the first deletion since the last rewrite
sets ``meta.purge_pending`` to its time, the rewrite is due ``PURGE_WITHIN`` after it (sooner once
``PURGE_AT`` deletions wait), and the server's purge job (maintenance.py) runs it, again until it
succeeds (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from credlens.store.appends import Con

PURGE_WITHIN = dt.timedelta(hours=24)  # the promise: erased bytes are gone from the file within this
PURGE_AT = 20  # deletions waiting: purge now rather than at the deadline


@dataclass(frozen=True)
class PurgeStatus:
    """``queued``: erasures and retention runs whose deleted rows are still in the file; ``since``:
    the first of them; ``due``: when the rewrite must be done by; ``last``: the last rewrite."""

    queued: int
    since: dt.datetime | None
    due: dt.datetime | None
    last: dt.datetime | None

    @property
    def pending(self) -> bool:
        return self.since is not None

    def wanted(self, now: dt.datetime, lead: dt.timedelta) -> bool:
        """Whether a purge should start now: ``lead`` before its deadline, or once enough wait."""
        return self.due is not None and (now >= self.due - lead or self.queued >= PURGE_AT)

    def as_json(self) -> dict[str, Any]:
        return {
            "purge_pending": self.pending,
            "purge_queued": self.queued,
            "purge_due": _iso(self.due),
            "last_purged_at": _iso(self.last),
        }


def queue(con: Con, now: dt.datetime) -> None:
    """Record one more deletion that the next rewrite must purge (inside the deleting transaction)."""
    con.execute(
        "INSERT INTO meta SELECT 'purge_pending', ? WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'purge_pending')",
        [now.isoformat()],
    )
    con.execute(
        "INSERT OR REPLACE INTO meta SELECT 'purge_queued', (coalesce(("
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'purge_queued'), 0) + 1)::VARCHAR"
    )


def status(con: Con) -> PurgeStatus:
    keys = ("purge_pending", "purge_queued", "purged_at")
    values = dict(con.execute("SELECT key, value FROM meta WHERE key IN (?, ?, ?)", list(keys)).fetchall())
    since = _time(values.get("purge_pending"))
    last = _time(values.get("purged_at"))
    queued = int(values.get("purge_queued") or 0)
    if "purge_pending" in values and since is None:  # marked by an older version ('1'): owed since unknown
        since = dt.datetime.min
    due = None if since is None else (since + PURGE_WITHIN if since != dt.datetime.min else dt.datetime.min)
    return PurgeStatus(max(queued, 1) if since is not None else 0, since, due, last)


def _time(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value != dt.datetime.min else dt.datetime(1970, 1, 1)).isoformat(timespec="seconds") + "Z"
