"""Webhook subscriptions, their durable outbox and the delivery log (docs/webhooks.md).

The outbox is filled by the fold (folds.py), in the transaction that moves `meta.folded_seq`: each
stored event is folded exactly once and only after deduplication, so each (subscription, event) gets
exactly one outbox row and one delivery id, whatever crashes or re-sends happen. A subscription
receives the events folded after it was added (``from_seq``, read under the fold lock).

Rows hold references, never a payload: the outbox names the event by its `seq`, the payload is
built from `events` at each attempt (so an erased or retired event is never sent), and the log
holds status and timing only.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Con = Any  # a DuckDB connection (duckdb ships no stubs)

TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    sub_id VARCHAR NOT NULL,
    issuer_id INTEGER NOT NULL,
    url VARCHAR NOT NULL,
    event_types VARCHAR[] NOT NULL,
    secret_sealed VARCHAR NOT NULL,
    from_seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    disabled_at TIMESTAMP,
    disabled_reason VARCHAR,
    failing_since TIMESTAMP)""",
    # One row per (subscription, event) still to deliver; deleted once delivered or given up.
    """CREATE TABLE IF NOT EXISTS webhook_outbox (
    delivery_id VARCHAR NOT NULL,
    sub_id VARCHAR NOT NULL,
    issuer_id INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL)""",
    # One row per attempt: status and timing, never the payload.
    """CREATE TABLE IF NOT EXISTS webhook_attempts (
    issuer_id INTEGER NOT NULL,
    sub_id VARCHAR NOT NULL,
    delivery_id VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status INTEGER,
    millis DOUBLE NOT NULL,
    outcome VARCHAR NOT NULL,
    error VARCHAR)""",
)

# Run by the fold on its batch ``b`` (folds.py); the delivery id is derived from the subscription and
# the event's seq, so the same pair can never get two ids.
ENQUEUE_SQL = """
    INSERT INTO webhook_outbox
    SELECT 'msg_' || s.sub_id || '_' || b.seq, s.sub_id, b.issuer_id, b.seq, ?, 0, ?
    FROM b JOIN webhook_subscriptions s
      ON s.issuer_id = b.issuer_id AND b.seq > s.from_seq AND list_contains(s.event_types, b.type)
    WHERE s.removed_at IS NULL AND s.disabled_at IS NULL"""

_SUB_COLUMNS = (
    "sub_id, issuer_id, url, event_types, secret_sealed, created_at, removed_at, disabled_at, disabled_reason,"
    " failing_since"
)
ATTEMPTS_KEPT = dt.timedelta(days=30)


@dataclass(frozen=True)
class Subscription:
    sub_id: str
    issuer_id: int
    url: str
    event_types: tuple[str, ...]
    secret_sealed: str
    created_at: dt.datetime
    removed_at: dt.datetime | None
    disabled_at: dt.datetime | None
    disabled_reason: str | None
    failing_since: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.removed_at is None and self.disabled_at is None


@dataclass(frozen=True)
class Due:
    """An outbox row whose time has come, with its subscription and the event row (None: gone)."""

    delivery_id: str
    subscription: Subscription
    seq: int
    created_at: dt.datetime
    attempts: int
    event: dict[str, Any] | None


@dataclass(frozen=True)
class Attempt:
    """What one attempt gave: an HTTP status (None: no answer), its duration, an outcome word
    (``delivered``, ``failed``, ``gave_up``, ``gone``, ``test``) and a short error without payload."""

    issuer_id: int
    sub_id: str
    delivery_id: str
    attempt: int
    at: dt.datetime
    status: int | None
    millis: float
    outcome: str
    error: str | None


def _subscription(row: Sequence[Any]) -> Subscription:
    values = list(row)
    values[3] = tuple(values[3])
    return Subscription(*values)


class Webhooks:
    def __init__(
        self,
        con: Callable[[], Any],
        cursor: Callable[[], Any],
        write_lock: threading.Lock,
        fold_lock: threading.Lock,
    ) -> None:
        # NOTE: providers, not a connection: a file rewrite replaces the warehouse's connection.
        self._connection = con
        self._cursor = cursor
        self._lock = write_lock
        self._fold_lock = fold_lock

    @property
    def _con(self) -> Any:
        return self._connection()

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cursor = self._cursor()
        try:
            rows: list[tuple[Any, ...]] = cursor.execute(sql, list(params)).fetchall()
        finally:
            cursor.close()
        return rows

    # -- subscriptions ----------------------------------------------------------------------

    def add(
        self, sub_id: str, issuer_id: int, url: str, event_types: Sequence[str], sealed: str, now: dt.datetime
    ) -> None:
        """Subscribe; it receives the events folded from now on. The fold lock keeps a fold from
        running between reading the cursor and the insert (that fold's events would be missed)."""
        with self._fold_lock, self._lock:
            rows = self._con.execute("SELECT value FROM meta WHERE key = 'folded_seq'").fetchall()
            from_seq = int(rows[0][0]) if rows else 0
            self._con.execute(
                "INSERT INTO webhook_subscriptions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
                [sub_id, issuer_id, url, list(event_types), sealed, from_seq, now],
            )

    def subscriptions(self, issuer_id: int) -> list[Subscription]:
        """The issuer's subscriptions not removed, oldest first (disabled ones included)."""
        rows = self._read(
            f"SELECT {_SUB_COLUMNS} FROM webhook_subscriptions WHERE issuer_id = ? AND removed_at IS NULL "
            "ORDER BY created_at, sub_id",
            [issuer_id],
        )
        return [_subscription(row) for row in rows]

    def subscription(self, sub_id: str) -> Subscription | None:
        rows = self._read(
            f"SELECT {_SUB_COLUMNS} FROM webhook_subscriptions WHERE sub_id = ? AND removed_at IS NULL", [sub_id]
        )
        return _subscription(rows[0]) if rows else None

    def remove(self, issuer_id: int, sub_id: str, now: dt.datetime) -> bool:
        """Unsubscribe (kept as removed for the log); its undelivered events are dropped."""
        with self._lock:
            rows = self._con.execute(
                "UPDATE webhook_subscriptions SET removed_at = ? WHERE issuer_id = ? AND sub_id = ? "
                "AND removed_at IS NULL RETURNING sub_id",
                [now, issuer_id, sub_id],
            ).fetchall()
            self._con.execute("DELETE FROM webhook_outbox WHERE sub_id = ?", [sub_id])
        return bool(rows)

    def enable(self, issuer_id: int, sub_id: str) -> bool:
        """Enable a disabled subscription again: it receives the events folded from now on."""
        with self._fold_lock, self._lock:
            rows = self._con.execute("SELECT value FROM meta WHERE key = 'folded_seq'").fetchall()
            changed = self._con.execute(
                "UPDATE webhook_subscriptions SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL, "
                "from_seq = ? WHERE issuer_id = ? AND sub_id = ? AND removed_at IS NULL AND disabled_at IS NOT NULL "
                "RETURNING sub_id",
                [int(rows[0][0]) if rows else 0, issuer_id, sub_id],
            ).fetchall()
        return bool(changed)

    # -- the outbox -------------------------------------------------------------------------

    def due(self, now: dt.datetime, limit: int, event_columns: Sequence[str], skip: Sequence[str] = ()) -> list[Due]:
        """Outbox rows of active subscriptions due at ``now``, oldest first, with their events; none of
        the subscriptions in ``skip`` (waiting for their backoff: they must not crowd out the others)."""
        sub_columns = ", ".join("s." + c for c in _SUB_COLUMNS.split(", "))
        rows = self._read(
            f"""SELECT o.delivery_id, o.seq, o.created_at, o.attempts, {sub_columns}
                FROM webhook_outbox o JOIN webhook_subscriptions s USING (sub_id)
                WHERE o.next_attempt_at <= ? AND s.removed_at IS NULL AND s.disabled_at IS NULL
                  AND NOT list_contains(?::VARCHAR[], o.sub_id)
                ORDER BY o.next_attempt_at, o.seq LIMIT ?""",
            [now, list(skip), limit],
        )
        if not rows:
            return []
        # NOTE: a second statement, bounded by the seqs wanted: events are stored in seq order, so the
        # range prunes the scan to a few row groups; joined in one statement with the outbox, an empty
        # poll cost 35-120 ms at 10M events, and every poll of a busy outbox scanned the table.
        seqs = [int(row[1]) for row in rows]
        columns = ", ".join(f"e.{name}" for name in event_columns)
        found_events = {
            int(row[0]): row
            for row in self._read(
                f"""SELECT e.seq, e.issuer_id, i.slug, {columns} FROM events e JOIN issuers i USING (issuer_id)
                    WHERE e.seq BETWEEN ? AND ? AND list_contains(?::BIGINT[], e.seq)""",
                [min(seqs), max(seqs), seqs],
            )
        }
        width = len(_SUB_COLUMNS.split(", "))
        found = []
        for row in rows:
            delivery_id, seq, created_at, attempts = row[:4]
            subscription = _subscription(row[4 : 4 + width])
            stored = found_events.get(int(seq))
            event: dict[str, Any] | None = None
            if stored is not None and stored[1] == subscription.issuer_id:  # seqs are unique: a guard
                event = dict(zip(event_columns, stored[3:], strict=True))
                event["issuer"] = stored[2]
            found.append(Due(delivery_id, subscription, int(seq), created_at, int(attempts), event))
        return found

    def pending(self, issuer_id: int | None = None) -> int:
        """Deliveries still in the outbox (of one issuer, or all)."""
        where, params = ("WHERE issuer_id = ?", [issuer_id]) if issuer_id is not None else ("", [])
        return int(self._read(f"SELECT count(*) FROM webhook_outbox {where}", params)[0][0])

    def pending_by_subscription(self, issuer_id: int) -> dict[str, int]:
        sql = "SELECT sub_id, count(*) FROM webhook_outbox WHERE issuer_id = ? GROUP BY sub_id"
        rows = self._read(sql, [issuer_id])
        return {str(sub_id): int(count) for sub_id, count in rows}

    def record(self, results: Sequence[tuple[Attempt, dt.datetime | None]]) -> None:
        """Record a round's attempts in one transaction: each with its next attempt's time if it is
        to be retried, None if it is done (delivered, gone, given up: it leaves the outbox). A
        subscription is failing from its first failed attempt after its last success. One transaction
        per round: a commit per delivery bounded the sender's pace (docs/performance.md)."""
        if not results:
            return
        failing: dict[str, dt.datetime | None] = {}
        for attempt, _ in results:
            if attempt.outcome == "delivered":
                failing[attempt.sub_id] = None
            elif attempt.outcome in ("failed", "gave_up") and failing.get(attempt.sub_id) is None:
                failing[attempt.sub_id] = attempt.at
        done = [attempt.delivery_id for attempt, retry in results if retry is None]
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                self._con.executemany(
                    "INSERT INTO webhook_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [_row(attempt) for attempt, _ in results],
                )
                if done:
                    self._con.execute(
                        "DELETE FROM webhook_outbox WHERE list_contains(?::VARCHAR[], delivery_id)", [done]
                    )
                for attempt, retry in results:
                    if retry is not None:
                        self._con.execute(
                            "UPDATE webhook_outbox SET attempts = ?, next_attempt_at = ? WHERE delivery_id = ?",
                            [attempt.attempt, retry, attempt.delivery_id],
                        )
                for sub_id, since in failing.items():
                    if since is None:
                        self._con.execute(
                            "UPDATE webhook_subscriptions SET failing_since = NULL "
                            "WHERE sub_id = ? AND failing_since IS NOT NULL",
                            [sub_id],
                        )
                    else:
                        self._con.execute(
                            "UPDATE webhook_subscriptions SET failing_since = ? "
                            "WHERE sub_id = ? AND failing_since IS NULL",
                            [since, sub_id],
                        )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

    def disable_failing(self, now: dt.datetime, failing_for: dt.timedelta) -> list[str]:
        """Disable every active subscription none of whose attempts succeeded for ``failing_for``;
        their undelivered events are dropped. Returns their ids."""
        with self._lock:
            rows = self._con.execute(
                "SELECT sub_id, failing_since FROM webhook_subscriptions "
                "WHERE removed_at IS NULL AND disabled_at IS NULL AND failing_since <= ?",
                [now - failing_for],
            ).fetchall()
            for sub_id, since in rows:
                reason = f"every delivery failed from {since:%Y-%m-%d %H:%M:%S} to {now:%Y-%m-%d %H:%M:%S} UTC"
                self._con.execute(
                    "UPDATE webhook_subscriptions SET disabled_at = ?, disabled_reason = ? WHERE sub_id = ?",
                    [now, reason, sub_id],
                )
                self._con.execute("DELETE FROM webhook_outbox WHERE sub_id = ?", [sub_id])
        return [str(row[0]) for row in rows]

    def log_test(self, attempt: Attempt) -> None:
        with self._lock:
            self._log(attempt)

    def attempts(self, issuer_id: int, limit: int = 50) -> list[Attempt]:
        """The issuer's latest attempts, newest first."""
        rows = self._read(
            "SELECT issuer_id, sub_id, delivery_id, attempt, attempted_at, status, millis, outcome, error "
            "FROM webhook_attempts WHERE issuer_id = ? ORDER BY attempted_at DESC, attempt DESC LIMIT ?",
            [issuer_id, limit],
        )
        return [Attempt(*row) for row in rows]

    def forget_attempts(self, now: dt.datetime) -> None:
        """The log keeps ATTEMPTS_KEPT of history."""
        with self._lock:
            self._con.execute("DELETE FROM webhook_attempts WHERE attempted_at < ?", [now - ATTEMPTS_KEPT])

    def _log(self, attempt: Attempt) -> None:
        self._con.execute("INSERT INTO webhook_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _row(attempt))


def _row(attempt: Attempt) -> list[object]:
    return [
        attempt.issuer_id,
        attempt.sub_id,
        attempt.delivery_id,
        attempt.attempt,
        attempt.at,
        attempt.status,
        attempt.millis,
        attempt.outcome,
        attempt.error,
    ]


def enqueue(con: Con, now: dt.datetime) -> None:
    """The fold's step (its batch registered as ``b``, in its transaction)."""
    con.execute(ENQUEUE_SQL, [now, now])
