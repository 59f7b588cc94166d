"""Scheduled reports: adding them (staff recipients only), finding the periods due, and sending them.

The server runs one ``ReportScheduler`` thread: each poll it records every period that has become due
(store/schedules.py, the outbox), then claims and sends what is ready, oldest first. A failure is
recorded with its reason and tried again after an exponential backoff; an attempt cut short by a
stop is found at the next start and sent again with the same Message-ID (docs/reports.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from credlens.delivery.mail import Mail, MailError, SmtpServer, message, send, sender_domain
from credlens.delivery.report import ReportRequest, build_report, render
from credlens.domain.accounts import normalize_email
from credlens.domain.issuers import Issuer
from credlens.domain.periods import Window, today_in
from credlens.domain.schedules import (
    Delivery,
    DeliveryState,
    Every,
    Schedule,
    ended_since,
    last_ended,
    next_start,
    period_of,
    recipient_problem,
)
from credlens.store import deadlines
from credlens.store.catalog import programs as issuer_programs
from credlens.store.warehouse import Warehouse

log = logging.getLogger("credlens.schedules")
Clock = Callable[[], dt.datetime]  # naive UTC, as the store keeps time


class ScheduleError(Exception):
    """A schedule or a send that cannot be: not a staff recipient, unknown program, no SMTP server."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Cadence:
    """How often the scheduler looks for due reports, and how long it waits after a failed attempt:
    ``retry_first`` seconds after the first, doubling each time, at most ``retry_max``."""

    poll: float = 60.0
    retry_first: float = 60.0
    retry_max: float = 6 * 3600.0

    def retry_after(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.retry_first * 2 ** max(attempts - 1, 0), self.retry_max))


@dataclass(frozen=True)
class Outgoing:
    """The SMTP server and sender address from the settings, or why reports cannot be sent."""

    server: SmtpServer | None
    sender: str
    problem: str | None = None

    @classmethod
    def configure(cls, url: str | None, sender: str | None) -> Outgoing:
        fallback = sender or "credlens@localhost"
        if not url:
            return cls(None, fallback, "no SMTP server is configured (set CREDLENS_SMTP_URL)")
        try:
            server = SmtpServer.parse(url)
        except MailError as exc:
            return cls(None, fallback, str(exc))
        return cls(server, sender or f"credlens@{server.host}")

    def deliver(self, mail: Mail, recipients: list[str], message_id: str | None = None) -> dict[str, str]:
        """Send ``mail``; the recipients the server refused. Raises MailError when nothing was sent."""
        if self.server is None:
            raise MailError(self.problem or "no SMTP server")
        return send(self.server, message(mail, self.sender, recipients, message_id))


# -- schedules ----------------------------------------------------------------------------------


def check_recipients(warehouse: Warehouse, issuer: Issuer, emails: Sequence[str], programs: Sequence[str]) -> None:
    """Raise ScheduleError naming every address that may not receive this issuer's report of ``programs``."""
    if not emails:
        raise ScheduleError("name at least one recipient (a staff user of the issuer)")
    problems = _problems(warehouse, issuer, [normalize_email(e) for e in emails], tuple(programs))
    if problems:
        raise ScheduleError("; ".join(problems.values()))


def check_programs(warehouse: Warehouse, issuer: Issuer, programs: Sequence[str]) -> None:
    known = {p.program_id for p in issuer_programs(warehouse.tables(issuer.issuer_id))}
    unknown = sorted(set(programs) - known)
    if unknown:
        raise ScheduleError(
            f"unknown program(s) {', '.join(unknown)} of {issuer.slug}; known: {', '.join(sorted(known)) or 'none yet'}"
        )


def _problems(warehouse: Warehouse, issuer: Issuer, emails: Sequence[str], programs: tuple[str, ...]) -> dict[str, str]:
    users = {u.email: u for u in warehouse.accounts.users(issuer.issuer_id)}
    problems = {}
    for email in emails:
        problem = recipient_problem(users.get(email), email, programs, issuer.name)
        if problem is not None:
            problems[email] = problem
    return problems


def add_schedule(
    warehouse: Warehouse,
    issuer: Issuer,
    every: Every,
    programs: Sequence[str],
    recipients: Sequence[str],
    *,
    actor: str,
    now: dt.datetime,
) -> Schedule:
    """Check and store a schedule (audited). Its first period is the last one ended now: due at once."""
    check_programs(warehouse, issuer, programs)
    check_recipients(warehouse, issuer, recipients, programs)
    first = last_ended(every, _today(issuer, now)).start
    emails = [normalize_email(e) for e in recipients]
    schedule = warehouse.schedules.add(issuer.issuer_id, every, programs, emails, first, now, actor)
    scope = ", ".join(schedule.programs) or "all programs"
    detail = f"{schedule.schedule_id}: {every.value}, {scope}, to {', '.join(schedule.recipients)}"
    warehouse.audit(issuer.issuer_id, actor, "schedule.created", detail)
    return schedule


def remove_schedule(warehouse: Warehouse, issuer: Issuer, schedule_id: str, *, actor: str) -> bool:
    removed = warehouse.schedules.remove(issuer.issuer_id, schedule_id)
    if removed:
        warehouse.audit(issuer.issuer_id, actor, "schedule.removed", schedule_id)
    return removed


def _today(issuer: Issuer, now: dt.datetime) -> dt.date:
    return today_in(issuer.timezone, now.replace(tzinfo=dt.UTC))


def _local_midnight_utc(day: dt.date, timezone: str) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Status:
    """What the admin page and `credlens schedule list` show of a schedule."""

    schedule: Schedule
    last_sent: Delivery | None
    next_run: dt.datetime  # UTC: the next attempt waiting, or the end of the next period
    failures: tuple[Delivery, ...]  # periods whose last attempt failed (retried at next_attempt_at)
    waiting: tuple[Delivery, ...]  # due, not sent yet (pending or failed)
    recipients: tuple[tuple[str, str | None], ...]  # each address and why it would be skipped now


def status(warehouse: Warehouse, issuer: Issuer, schedule: Schedule, now: dt.datetime) -> Status:
    deliveries = warehouse.schedules.deliveries(issuer.issuer_id, schedule.schedule_id)
    sent = [d for d in deliveries if d.state is DeliveryState.SENT]
    waiting = tuple(d for d in reversed(deliveries) if d.state is not DeliveryState.SENT)
    if waiting:
        next_run = min(d.next_attempt_at or now for d in waiting)
    else:
        start = next_start(schedule.every, deliveries[0].period.start) if deliveries else schedule.first_period
        next_run = _local_midnight_utc(period_of(schedule.every, start).end + dt.timedelta(days=1), issuer.timezone)
    problems = _problems(warehouse, issuer, schedule.recipients, schedule.programs)
    return Status(
        schedule,
        sent[0] if sent else None,
        max(next_run, now),  # a period ended but not recorded yet is due at the next poll
        tuple(d for d in waiting if d.state is DeliveryState.FAILED),
        waiting,
        tuple((e, problems.get(e)) for e in schedule.recipients),
    )


# -- sending ------------------------------------------------------------------------------------


def compose(warehouse: Warehouse, issuer: Issuer, request: ReportRequest) -> Mail:
    """The report as an e-mail: subject with the issuer and period, Markdown body, the PDF attached."""
    with warehouse.reading():
        report = build_report(issuer, warehouse.tables(issuer.issuer_id), request, warehouse=warehouse)
        body = render(report, "md").decode()
        pdf = render(report, "pdf")
    return Mail(f"{report.title} — {report.period_label}", body, pdf, report.filename("pdf"))


def send_now(
    warehouse: Warehouse, issuer: Issuer, outgoing: Outgoing, request: ReportRequest, to: Sequence[str], *, actor: str
) -> dict[str, str]:
    """`credlens report --send-to`: the same staff rule, sent at once (audited as an export)."""
    check_programs(warehouse, issuer, request.programs)
    check_recipients(warehouse, issuer, to, request.programs)
    if outgoing.server is None:
        raise ScheduleError(outgoing.problem or "no SMTP server")
    emails = [normalize_email(e) for e in to]
    mail = compose(warehouse, issuer, request)
    try:
        refused = outgoing.deliver(mail, emails)
    except MailError as exc:
        raise ScheduleError(str(exc)) from exc
    accepted = [e for e in emails if e not in refused]
    warehouse.audit(issuer.issuer_id, actor, "report.sent", f"{mail.filename} to {', '.join(accepted)}")
    return refused


def _span(period: Window) -> str:
    return f"{period.start}..{period.end}"


def message_id(schedule: Schedule, period: Window, outgoing: Outgoing) -> str:
    """Derived from (schedule, period) alone: every attempt of a period carries the same one."""
    return f"<report.{schedule.schedule_id}.{period.start:%Y%m%d}@{sender_domain(outgoing.sender)}>"


class ReportScheduler:
    """The server's thread sending due reports; ``clock`` and ``cadence`` are injectable for tests."""

    def __init__(
        self,
        warehouse: Warehouse,
        outgoing: Outgoing,
        *,
        clock: Clock = utcnow,
        cadence: Cadence | None = None,
        query_timeout: float | None = None,
    ) -> None:
        self._warehouse = warehouse
        self._query_timeout = query_timeout  # of each report's reads, as a request's (CREDLENS_QUERY_TIMEOUT)
        self._outgoing = outgoing
        self._clock = clock
        self._cadence = cadence or Cadence()
        self._wake = threading.Event()
        self._stopping = False
        self.runs = 0
        recovered = warehouse.schedules.recover_interrupted(clock())
        if recovered:
            log.warning("%d report send(s) interrupted by the last stop are sent again", recovered)
        warehouse.schedules.retry_failed_now(clock())
        self._thread = threading.Thread(target=self._run, name="credlens-schedules", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look now (a schedule was just added)."""
        self._wake.set()

    def close(self) -> None:
        """Stop; an attempt under way finishes first (SMTP commands time out)."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping:
            try:
                self.run_once()
            except Exception:
                log.exception("the report scheduler failed; it looks again at the next poll")
            self.runs += 1
            self._wake.wait(self._cadence.poll)
            self._wake.clear()

    def run_once(self) -> None:
        """Record the periods due, then try every one ready, oldest first."""
        self.enqueue_due()
        for delivery in self._warehouse.schedules.ready(self._clock()):
            if self._stopping:
                return
            self.attempt(delivery)

    def enqueue_due(self) -> int:
        """Record every period ended since the latest one recorded (or the schedule's first): a few
        queries per poll, whatever the number of schedules."""
        now = self._clock()
        issuers = {issuer.issuer_id: issuer for issuer in self._warehouse.issuers()}
        latest = self._warehouse.schedules.latest_periods()
        added = 0
        for schedule in self._warehouse.schedules.schedules():
            issuer = issuers.get(schedule.issuer_id)
            if issuer is None:
                continue
            last = latest.get(schedule.schedule_id)
            first = next_start(schedule.every, last) if last is not None else schedule.first_period
            for period in ended_since(schedule.every, first, _today(issuer, now)):
                mid = message_id(schedule, period, self._outgoing)
                added += self._warehouse.schedules.enqueue(schedule, period, mid, now)
        return added

    def attempt(self, delivery: Delivery) -> None:
        """One attempt at one period: claimed first, then marked sent or failed (with the next try)."""
        warehouse = self._warehouse
        claimed = warehouse.schedules.claim(delivery)
        if claimed is None:
            return
        issuer = warehouse.issuer_by_id(claimed.issuer_id)
        schedule = warehouse.schedules.schedule(issuer.issuer_id, claimed.schedule_id) if issuer else None
        if issuer is None or schedule is None:
            return  # removed meanwhile: its outbox rows went with it
        problems = _problems(warehouse, issuer, schedule.recipients, schedule.programs)
        skipped = list(problems.values())  # each names its address
        to = [e for e in schedule.recipients if e not in problems]
        try:
            if not to:
                raise MailError("no recipient left: " + "; ".join(skipped))
            if self._outgoing.server is None:
                raise MailError(self._outgoing.problem or "no SMTP server")
            request = ReportRequest(
                period=None,
                date_from=claimed.period.start.isoformat(),
                date_to=claimed.period.end.isoformat(),
                programs=schedule.programs,
                compare="previous",
            )
            with deadlines.bounded(self._query_timeout):
                mail = compose(warehouse, issuer, request)
            refused = self._outgoing.deliver(mail, to, claimed.message_id)
        except Exception as exc:
            now = self._clock()
            retry = now + self._cadence.retry_after(claimed.attempts)
            reason = str(exc) if isinstance(exc, MailError) else f"the report could not be built: {exc!r}"
            if not isinstance(exc, MailError):
                log.exception("report %s of %s failed", claimed.schedule_id, _span(claimed.period))
            warehouse.schedules.mark_failed(claimed, now, reason, retry, skipped)
            log.warning(
                "report %s of %s not sent (%s); next attempt %s UTC",
                schedule.schedule_id,
                _span(claimed.period),
                reason,
                f"{retry:%Y-%m-%d %H:%M:%S}",
            )
            return
        skipped += [f"{email}: refused by the SMTP server ({answer})" for email, answer in refused.items()]
        warehouse.schedules.mark_sent(claimed, self._clock(), skipped)
        sent_to = ", ".join(e for e in to if e not in refused)
        detail = f"{schedule.schedule_id} {_span(claimed.period)} to {sent_to}"
        warehouse.audit(
            issuer.issuer_id, "server", "report.sent", detail + (f"; skipped {'; '.join(skipped)}" if skipped else "")
        )


def as_json(issuer: Issuer, shown: Status) -> dict[str, object]:
    """A schedule as `credlens schedule list` prints it (times UTC, ISO 8601)."""
    schedule, last = shown.schedule, shown.last_sent
    return {
        "id": schedule.schedule_id,
        "issuer": issuer.slug,
        "every": schedule.every.value,
        "programs": list(schedule.programs),
        "recipients": list(schedule.recipients),
        "created_at": schedule.created_at.isoformat(),
        "created_by": schedule.created_by,
        "last_run": None
        if last is None
        else {
            "from": last.period.start.isoformat(),
            "to": last.period.end.isoformat(),
            "sent_at": last.sent_at.isoformat() if last.sent_at else None,
            "attempts": last.attempts,
            "skipped": list(last.skipped),
        },
        "next_run": shown.next_run.isoformat(),
        "due": [{"from": d.period.start.isoformat(), "to": d.period.end.isoformat()} for d in shown.waiting],
        "failures": [
            {
                "from": d.period.start.isoformat(),
                "to": d.period.end.isoformat(),
                "attempts": d.attempts,
                "failed_at": d.failed_at.isoformat() if d.failed_at else None,
                "reason": d.reason,
                "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            }
            for d in shown.failures
        ],
        "skipped_now": [{"email": e, "reason": why} for e, why in shown.recipients if why],
    }
