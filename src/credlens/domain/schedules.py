"""Scheduled reports as plain values: how often, which period a run covers, who may receive it.

docs/reports.md (Scheduled e-mail) states the rules these functions keep: a weekly run covers the
previous full Monday-Sunday week in the issuer's time zone, a monthly one the previous calendar
month; a period is due once it has ended, and the first period of a schedule is the last one that
had ended when it was created (so a new schedule sends its first report at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from credlens.domain.accounts import Role, User
from credlens.domain.periods import Window


class Every(Enum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class DeliveryState(Enum):
    """Where one (schedule, period) stands in the outbox (store/schedules.py)."""

    PENDING = "pending"  # due, not tried yet
    SENDING = "sending"  # claimed: an attempt is under way (found at start-up: it was interrupted)
    FAILED = "failed"  # the last attempt failed; tried again at next_attempt_at
    SENT = "sent"  # the SMTP server accepted it


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    issuer_id: int
    every: Every
    programs: tuple[str, ...]  # empty: every program of the issuer
    recipients: tuple[str, ...]  # normalized e-mails of staff users
    first_period: dt.date  # start of the first period this schedule sends
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class Delivery:
    """One period of one schedule in the outbox: created when due, claimed before the send, marked
    after it; its Message-ID is derived from (schedule, period) so a receiving system can dedupe."""

    schedule_id: str
    issuer_id: int
    period: Window
    state: DeliveryState
    attempts: int
    message_id: str
    due_at: dt.datetime
    sent_at: dt.datetime | None
    failed_at: dt.datetime | None
    reason: str | None  # of the last failure
    next_attempt_at: dt.datetime | None
    skipped: tuple[str, ...]  # recipients left out at send time, with why ("a@x: disabled")


def period_of(every: Every, day: dt.date) -> Window:
    """The period of ``every`` holding ``day``: its Monday-Sunday week, or its calendar month."""
    if every is Every.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return Window(start, start + dt.timedelta(days=6))
    start = day.replace(day=1)
    return Window(start, next_start(every, start) - dt.timedelta(days=1))


def next_start(every: Every, start: dt.date) -> dt.date:
    """The first day of the period after the one starting on ``start``."""
    if every is Every.WEEKLY:
        return start + dt.timedelta(days=7)
    return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


def last_ended(every: Every, today: dt.date) -> Window:
    """The latest period that has ended on the issuer's ``today``: the previous week or month."""
    return period_of(every, period_of(every, today).start - dt.timedelta(days=1))


def ended_since(every: Every, first: dt.date, today: dt.date) -> Iterator[Window]:
    """Every period from the one starting on ``first`` that has ended by ``today``, oldest first."""
    start = first
    while (window := period_of(every, start)).end < today:
        yield window
        start = next_start(every, start)


def recipient_problem(user: User | None, email: str, programs: tuple[str, ...], issuer_name: str) -> str | None:
    """Why ``email`` may not receive a report of ``programs`` (empty: all), or None when it may.

    Only staff of the issuer receive its reports, invited or active but not disabled; a program
    manager only of a report limited to their own programs (what they may see on screen)."""
    if user is None:
        return f"{email} is not a staff user of {issuer_name}; invite them on the admin page first"
    if user.disabled:
        return f"{email} is disabled"
    if user.role is Role.PROGRAM_MANAGER and (not programs or not set(programs) <= set(user.programs)):
        mine = ", ".join(user.programs) or "no programs"
        return f"{email} is a program manager of {mine}: they receive only reports limited to those programs"
    return None
