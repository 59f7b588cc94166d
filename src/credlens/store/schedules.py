"""Report schedules and their outbox: the durable record of each (schedule, period) sent or to send.

A period becomes a row when it is due; the sender claims the row (``sending``) before it talks to
the SMTP server and marks it ``sent`` after, so a restart never sends a ``sent`` period again and
finds an interrupted attempt as a ``sending`` row (docs/reports.md, Scheduled e-mail). Every method
that reads or changes a schedule takes the issuer id, so an id of another issuer finds nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

from credlens.domain.periods import Window
from credlens.domain.schedules import Delivery, DeliveryState, Every, Schedule

DDL = (
    """CREATE TABLE IF NOT EXISTS report_schedules (
    schedule_id VARCHAR PRIMARY KEY,
    issuer_id INTEGER NOT NULL,
    every VARCHAR NOT NULL,
    programs VARCHAR[] NOT NULL,
    recipients VARCHAR[] NOT NULL,
    first_period DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL)""",
    # One row per (schedule, period) due: the outbox. `skipped` lists the recipients left out at the
    # last attempt and why (disabled since the schedule was made).
    """CREATE TABLE IF NOT EXISTS report_deliveries (
    schedule_id VARCHAR NOT NULL,
    issuer_id INTEGER NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    state VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    message_id VARCHAR NOT NULL,
    due_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    reason VARCHAR,
    next_attempt_at TIMESTAMP,
    skipped VARCHAR[] NOT NULL,
    PRIMARY KEY (schedule_id, period_start))""",
)

_SCHEDULE_COLUMNS = "schedule_id, issuer_id, every, programs, recipients, first_period, created_at, created_by"
_DELIVERY_COLUMNS = (
    "schedule_id, issuer_id, period_start, period_end, state, attempts, message_id, due_at, sent_at, failed_at, "
    "reason, next_attempt_at, skipped"
)
_KEY = "schedule_id = ? AND period_start = ?"


class Schedules:
    def __init__(self, con: Callable[[], Any], cursor: Callable[[], Any], write_lock: threading.Lock) -> None:
        # Providers, not a connection, as in accounts.py: a file rewrite replaces the connection.
        self._connection = con
        self._cursor = cursor
        self._lock = write_lock

    def _read(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._cursor().execute(sql, list(params)).fetchall()
        return rows

    def _write(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        with self._lock:
            rows: list[tuple[Any, ...]] = self._connection().execute(sql, list(params)).fetchall()
        return rows

    # -- schedules ----------------------------------------------------------------------------

    def add(
        self,
        issuer_id: int,
        every: Every,
        programs: Sequence[str],
        recipients: Sequence[str],
        first_period: dt.date,
        now: dt.datetime,
        created_by: str,
    ) -> Schedule:
        """Store a schedule whose recipients the caller has checked (delivery/schedules.py)."""
        schedule = Schedule(
            secrets.token_hex(6),
            issuer_id,
            every,
            tuple(sorted(set(programs))),
            tuple(dict.fromkeys(recipients)),
            first_period,
            now,
            created_by,
        )
        self._write(
            f"INSERT INTO report_schedules ({_SCHEDULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                schedule.schedule_id,
                issuer_id,
                every.value,
                list(schedule.programs),
                list(schedule.recipients),
                first_period,
                now,
                created_by,
            ],
        )
        return schedule

    def schedules(self, issuer_id: int | None = None) -> list[Schedule]:
        """The issuer's schedules (every issuer's, for the sender), oldest first."""
        where, params = ("WHERE issuer_id = ?", [issuer_id]) if issuer_id is not None else ("", [])
        rows = self._read(f"SELECT {_SCHEDULE_COLUMNS} FROM report_schedules {where} ORDER BY created_at", params)
        return [_schedule(row) for row in rows]

    def schedule(self, issuer_id: int, schedule_id: str) -> Schedule | None:
        rows = self._read(
            f"SELECT {_SCHEDULE_COLUMNS} FROM report_schedules WHERE issuer_id = ? AND schedule_id = ?",
            [issuer_id, schedule_id],
        )
        return _schedule(rows[0]) if rows else None

    def remove(self, issuer_id: int, schedule_id: str) -> bool:
        """Delete a schedule and its outbox rows (a removed schedule sends nothing more)."""
        with self._lock:
            con = self._connection()
            rows = con.execute(
                "DELETE FROM report_schedules WHERE issuer_id = ? AND schedule_id = ? RETURNING 1",
                [issuer_id, schedule_id],
            ).fetchall()
            con.execute(
                "DELETE FROM report_deliveries WHERE issuer_id = ? AND schedule_id = ?", [issuer_id, schedule_id]
            )
        return bool(rows)

    # -- the outbox ---------------------------------------------------------------------------

    def deliveries(self, issuer_id: int, schedule_id: str) -> list[Delivery]:
        """A schedule's periods in the outbox, newest first."""
        rows = self._read(
            f"SELECT {_DELIVERY_COLUMNS} FROM report_deliveries WHERE issuer_id = ? AND schedule_id = ? "
            "ORDER BY period_start DESC",
            [issuer_id, schedule_id],
        )
        return [_delivery(row) for row in rows]

    def latest_periods(self) -> dict[str, dt.date]:
        """The first day of each schedule's latest period in the outbox (periods are recorded in order)."""
        rows = self._read("SELECT schedule_id, max(period_start) FROM report_deliveries GROUP BY schedule_id", [])
        return {row[0]: row[1] for row in rows}

    def enqueue(self, schedule: Schedule, period: Window, message_id: str, now: dt.datetime) -> bool:
        """Record a due period once; False when it already was (whatever its state)."""
        rows = self._write(
            f"INSERT OR IGNORE INTO report_deliveries ({_DELIVERY_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, 0, ?, ?, NULL, NULL, NULL, NULL, []) RETURNING 1",
            [
                schedule.schedule_id,
                schedule.issuer_id,
                period.start,
                period.end,
                DeliveryState.PENDING.value,
                message_id,
                now,
            ],
        )
        return bool(rows)

    def ready(self, now: dt.datetime) -> list[Delivery]:
        """Periods to try now: pending, or failed with their next attempt reached; oldest first."""
        rows = self._read(
            f"SELECT {_DELIVERY_COLUMNS} FROM report_deliveries WHERE state = ? "
            "OR (state = ? AND next_attempt_at <= ?) ORDER BY period_start, schedule_id",
            [DeliveryState.PENDING.value, DeliveryState.FAILED.value, now],
        )
        return [_delivery(row) for row in rows]

    def claim(self, delivery: Delivery) -> Delivery | None:
        """Mark the period ``sending`` (one more attempt) unless something else changed it meanwhile."""
        rows = self._write(
            f"UPDATE report_deliveries SET state = ?, attempts = attempts + 1 WHERE {_KEY} AND state IN (?, ?) "
            f"RETURNING {_DELIVERY_COLUMNS}",
            [
                DeliveryState.SENDING.value,
                delivery.schedule_id,
                delivery.period.start,
                DeliveryState.PENDING.value,
                DeliveryState.FAILED.value,
            ],
        )
        return _delivery(rows[0]) if rows else None

    def mark_sent(self, delivery: Delivery, now: dt.datetime, skipped: Sequence[str]) -> None:
        self._write(
            f"UPDATE report_deliveries SET state = ?, sent_at = ?, next_attempt_at = NULL, skipped = ? WHERE {_KEY}",
            [DeliveryState.SENT.value, now, list(skipped), delivery.schedule_id, delivery.period.start],
        )

    def mark_failed(
        self, delivery: Delivery, now: dt.datetime, reason: str, next_attempt_at: dt.datetime, skipped: Sequence[str]
    ) -> None:
        self._write(
            "UPDATE report_deliveries SET state = ?, failed_at = ?, reason = ?, next_attempt_at = ?, skipped = ? "
            f"WHERE {_KEY}",
            [
                DeliveryState.FAILED.value,
                now,
                reason,
                next_attempt_at,
                list(skipped),
                delivery.schedule_id,
                delivery.period.start,
            ],
        )

    def recover_interrupted(self, now: dt.datetime) -> int:
        """Turn attempts left ``sending`` by a stopped server into failures to retry now (at start-up,
        before any attempt of this process: one process sends, so none is really under way)."""
        rows = self._write(
            "UPDATE report_deliveries SET state = ?, failed_at = ?, next_attempt_at = ?, "
            "reason = 'interrupted: the server stopped during the attempt; sent again with the same Message-ID' "
            "WHERE state = ? RETURNING 1",
            [DeliveryState.FAILED.value, now, now, DeliveryState.SENDING.value],
        )
        return len(rows)

    def retry_failed_now(self, now: dt.datetime) -> int:
        """Bring every failed period's next attempt forward to ``now`` (at start-up: a restart is how a
        corrected SMTP setting takes effect, and it should not wait out the backoff)."""
        rows = self._write(
            "UPDATE report_deliveries SET next_attempt_at = ? WHERE state = ? AND next_attempt_at > ? RETURNING 1",
            [now, DeliveryState.FAILED.value, now],
        )
        return len(rows)


def _schedule(row: tuple[Any, ...]) -> Schedule:
    return Schedule(row[0], row[1], Every(row[2]), tuple(row[3]), tuple(row[4]), row[5], row[6], row[7])


def _delivery(row: tuple[Any, ...]) -> Delivery:
    (schedule_id, issuer_id, start, end, state, attempts, message_id, due, sent, failed, reason, retry, skipped) = row
    return Delivery(
        schedule_id,
        issuer_id,
        Window(start, end),
        DeliveryState(state),
        attempts,
        message_id,
        due,
        sent,
        failed,
        reason,
        retry,
        tuple(skipped),
    )
