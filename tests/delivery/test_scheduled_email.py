"""Scheduled reports end to end against a real SMTP server (aiosmtpd, STARTTLS and login): one message
per due period with the PDF attached, never twice after a restart, retried through an outage, and
only to staff (docs/reports.md, Scheduled e-mail). The scheduler's clock and cadence are injected."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from credlens.delivery.schedules import (
    Cadence,
    Outgoing,
    ReportScheduler,
    ScheduleError,
    add_schedule,
    as_json,
    message_id,
    status,
)
from credlens.domain.accounts import Role
from credlens.domain.schedules import DeliveryState, Every, last_ended
from credlens.store.warehouse import Warehouse
from tests.delivery.smtp import SmtpServer, smtp
from tests.web.world import World, build_world

__all__ = ["smtp"]

# A Tuesday: the last full week in Paris is 9-15 February, when alpha-zq issued its 137 credentials.
TUESDAY = dt.datetime(2026, 2, 17, 8, 0)
FAST = Cadence(poll=0.05, retry_first=60.0, retry_max=600.0)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def world_dir(tmp_path: Path) -> tuple[Path, World]:
    data_dir = tmp_path / "data"
    return data_dir, build_world(data_dir)


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY)


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def polls(scheduler: ReportScheduler, n: int = 3) -> None:
    """Let the scheduler look ``n`` more times."""
    target = scheduler.runs + n
    wait_for(lambda: scheduler.runs >= target)


class Server:
    """The warehouse and its scheduler as `credlens serve` holds them; stopped and started again at will."""

    def __init__(self, data_dir: Path, outgoing: Outgoing, clock: Clock) -> None:
        self.data_dir, self.outgoing, self.clock = data_dir, outgoing, clock
        self.warehouse: Warehouse | None = None
        self.scheduler: ReportScheduler | None = None

    def start(self) -> ReportScheduler:
        self.warehouse = Warehouse(self.data_dir)
        self.scheduler = ReportScheduler(self.warehouse, self.outgoing, clock=self.clock, cadence=FAST)
        return self.scheduler

    def shown(self, world: World, schedule_id: str) -> dict[str, Any]:
        """The schedule as `credlens schedule list` prints it, now."""
        assert self.warehouse is not None
        issuer = world.a.issuer
        schedule = self.warehouse.schedules.schedule(issuer.issuer_id, schedule_id)
        assert schedule is not None
        return as_json(issuer, status(self.warehouse, issuer, schedule, self.clock()))

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.close()
        if self.warehouse is not None:
            self.warehouse.close()
        self.scheduler = self.warehouse = None


@pytest.fixture
def server(world_dir: tuple[Path, World], smtp: SmtpServer, clock: Clock) -> Iterator[Server]:
    running = Server(world_dir[0], Outgoing.configure(smtp.url, "reports@alpha-zq.example"), clock)
    yield running
    running.stop()


def schedule_weekly(data_dir: Path, world: World, *to: Role) -> str:
    store = Warehouse(data_dir)
    try:
        schedule = add_schedule(
            store, world.a.issuer, Every.WEEKLY, [], [world.a.email(r) for r in to], actor="test", now=TUESDAY
        )
    finally:
        store.close()
    return schedule.schedule_id


def test_a_due_schedule_sends_one_message_with_the_pdf_and_a_restart_does_not_send_it_again(
    world_dir: tuple[Path, World], server: Server, smtp: SmtpServer
) -> None:
    data_dir, world = world_dir
    schedule_id = schedule_weekly(data_dir, world, Role.ADMIN, Role.EXECUTIVE)
    scheduler = server.start()
    wait_for(lambda: len(smtp.inbox.messages) == 1)
    polls(scheduler)
    [(msg, envelope)] = smtp.inbox.messages
    assert envelope == ["admin@alpha-zq.example", "executive@alpha-zq.example"]
    assert smtp.inbox.tls == [True]  # STARTTLS, then the login
    assert "Alpha-zq Academy" in msg["Subject"]
    assert "2026-02-09" in msg["Subject"]
    assert "2026-02-15" in msg["Subject"]
    assert msg["Message-ID"] == f"<report.{schedule_id}.20260209@alpha-zq.example>"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert re.search(r"\S+ of 137 opened; \S+ of those downloaded; ", text), text  # the guide's funnel sentence
    [attachment] = msg.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")

    server.stop()  # a restart: the period is recorded as sent, so nothing goes out again
    scheduler = server.start()
    polls(scheduler)
    assert len(smtp.inbox.messages) == 1
    shown = server.shown(world, schedule_id)
    assert shown["last_run"]["from"] == "2026-02-09"
    assert shown["failures"] == []
    assert shown["next_run"] == "2026-02-22T23:00:00"  # the end of the next week, midnight in Paris


def test_an_smtp_outage_is_retried_with_backoff_then_delivered_once(
    world_dir: tuple[Path, World], server: Server, smtp: SmtpServer, clock: Clock
) -> None:
    data_dir, world = world_dir
    schedule_id = schedule_weekly(data_dir, world, Role.ADMIN)
    smtp.stop()  # the outage
    scheduler = server.start()
    assert server.warehouse is not None
    deliveries = lambda: server.warehouse.schedules.deliveries(world.a.issuer.issuer_id, schedule_id)  # noqa: E731
    wait_for(lambda: [d.state for d in deliveries()] == [DeliveryState.FAILED])
    [failed] = deliveries()
    assert failed.attempts == 1
    assert "cannot send through smtp://reports@127.0.0.1" in str(failed.reason)
    assert failed.next_attempt_at == TUESDAY + dt.timedelta(seconds=60)
    polls(scheduler)
    assert deliveries()[0].attempts == 1  # not before its next attempt

    clock.now += dt.timedelta(seconds=60)  # still down: the wait doubles
    wait_for(lambda: deliveries()[0].attempts == 2 and deliveries()[0].state is DeliveryState.FAILED)
    assert deliveries()[0].next_attempt_at == clock.now + dt.timedelta(seconds=120)
    [failure] = server.shown(world, schedule_id)["failures"]
    assert failure["attempts"] == 2
    assert "cannot send" in failure["reason"]

    smtp.start()  # back
    clock.now += dt.timedelta(seconds=120)
    wait_for(lambda: deliveries()[0].state is DeliveryState.SENT)
    polls(scheduler)
    assert len(smtp.inbox.messages) == 1
    assert deliveries()[0].attempts == 3


def test_an_attempt_cut_short_by_a_stop_is_sent_again_with_the_same_message_id(
    world_dir: tuple[Path, World], server: Server, smtp: SmtpServer, clock: Clock
) -> None:
    data_dir, world = world_dir
    schedule_id = schedule_weekly(data_dir, world, Role.ADMIN)
    store = Warehouse(data_dir)  # what a server stopped between its claim and its mark leaves behind
    schedule = store.schedules.schedule(world.a.issuer.issuer_id, schedule_id)
    assert schedule is not None
    period = last_ended(Every.WEEKLY, TUESDAY.date())
    store.schedules.enqueue(schedule, period, message_id(schedule, period, server.outgoing), TUESDAY)
    assert store.schedules.claim(store.schedules.ready(TUESDAY)[0]) is not None
    store.close()
    server.start()
    wait_for(lambda: len(smtp.inbox.messages) == 1)
    assert smtp.inbox.messages[0][0]["Message-ID"] == f"<report.{schedule_id}.20260209@alpha-zq.example>"


def test_a_recipient_disabled_since_is_skipped_and_the_skip_shown(
    world_dir: tuple[Path, World], server: Server, smtp: SmtpServer
) -> None:
    data_dir, world = world_dir
    schedule_id = schedule_weekly(data_dir, world, Role.ADMIN, Role.EXECUTIVE)
    store = Warehouse(data_dir)
    store.accounts.disable(world.a.issuer.issuer_id, world.a.users[Role.EXECUTIVE].user_id, TUESDAY)
    store.close()
    scheduler = server.start()
    wait_for(lambda: len(smtp.inbox.messages) == 1)
    polls(scheduler)
    [(msg, envelope)] = smtp.inbox.messages
    assert envelope == ["admin@alpha-zq.example"]
    assert "executive" not in msg["To"]
    shown = server.shown(world, schedule_id)
    assert shown["last_run"]["skipped"] == ["executive@alpha-zq.example is disabled"]
    assert shown["skipped_now"] == [
        {"email": "executive@alpha-zq.example", "reason": "executive@alpha-zq.example is disabled"}
    ]


def test_only_staff_of_the_issuer_are_accepted_as_recipients(world_dir: tuple[Path, World]) -> None:
    data_dir, world = world_dir
    store = Warehouse(data_dir)
    try:
        for outsider in ("someone@gmail.example", world.b.email(Role.ADMIN)):  # nobody, and another issuer's admin
            with pytest.raises(ScheduleError, match="is not a staff user of Alpha-zq Academy"):
                add_schedule(store, world.a.issuer, Every.MONTHLY, [], [outsider], actor="test", now=TUESDAY)
        manager = world.a.email(Role.PROGRAM_MANAGER)  # of alpha-zq-p1 only
        with pytest.raises(ScheduleError, match="program manager"):
            add_schedule(store, world.a.issuer, Every.MONTHLY, [], [manager], actor="test", now=TUESDAY)
        mine = add_schedule(store, world.a.issuer, Every.MONTHLY, ["alpha-zq-p1"], [manager], actor="test", now=TUESDAY)
        assert mine.recipients == (manager,)
        assert store.schedules.schedules(world.a.issuer.issuer_id) == [mine]
    finally:
        store.close()
