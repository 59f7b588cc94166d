"""`credlens schedule add|list|remove`: reports e-mailed to an issuer's staff on a schedule.

The running server (`credlens serve`) sends them; these commands open the store, so they run while
it is stopped, like `credlens user` (docs/reports.md, Scheduled e-mail)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from credlens.cli.common import DataDir, answering, err, fail, find_issuer, open_store, out, settings
from credlens.delivery.report import ReportRequest
from credlens.delivery.schedules import (
    Outgoing,
    ScheduleError,
    add_schedule,
    as_json,
    remove_schedule,
    send_now,
    status,
    utcnow,
)
from credlens.domain.accounts import normalize_email
from credlens.domain.schedules import Every
from credlens.store import deadlines

app = typer.Typer(help="Schedule reports e-mailed to the issuer's staff.", no_args_is_help=True)
Issuer = Annotated[str, typer.Option("--issuer", help="Issuer slug.")]
LOCKED = "a running `credlens serve` holds the database: use its admin page (/admin/reports), or stop it first"


@app.command("add")
def add(
    issuer: Issuer,
    every: Annotated[str, typer.Option("--every", help="weekly (previous Monday-Sunday) or monthly.")],
    to: Annotated[list[str], typer.Option("--to", help="A staff user's e-mail; repeat for several.")],
    program: Annotated[
        list[str] | None, typer.Option("--program", help="Program id; repeat for several (default: all).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Schedule a report; prints the schedule as JSON (its `id` removes it)."""
    try:
        chosen = Every(every)
    except ValueError:
        fail(f"--every: must be weekly or monthly, not {every!r}")
    now = utcnow()
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        target = find_issuer(warehouse, issuer)
        try:
            schedule = add_schedule(warehouse, target, chosen, program or [], to, actor="cli", now=now)
        except ScheduleError as exc:
            fail(str(exc))
        shown = as_json(target, status(warehouse, target, schedule, now))
    out.print_json(json.dumps(shown))


@app.command("list")
def list_schedules(issuer: Issuer, data_dir: DataDir = None) -> None:
    """The issuer's schedules as JSON: recipients, last and next run, failures waiting for a retry."""
    now: dt.datetime = utcnow()
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        target = find_issuer(warehouse, issuer)
        shown = [
            as_json(target, status(warehouse, target, s, now)) for s in warehouse.schedules.schedules(target.issuer_id)
        ]
    out.print_json(json.dumps(shown))


@app.command("remove")
def remove(
    issuer: Issuer,
    schedule_id: Annotated[str, typer.Argument(help="The schedule's id (see `credlens schedule list`).")],
    data_dir: DataDir = None,
) -> None:
    """Remove a schedule: it sends nothing more."""
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        target = find_issuer(warehouse, issuer)
        if not remove_schedule(warehouse, target, schedule_id, actor="cli"):
            fail(f"{target.slug} has no schedule {schedule_id!r}; see `credlens schedule list --issuer {target.slug}`")
    out.print_json(json.dumps({"id": schedule_id, "removed": True}))


def send_report(data_dir: Path | None, issuer: str, request: ReportRequest, to: list[str]) -> None:
    """`credlens report --send-to`: the report e-mailed now, to staff users only (as a schedule's)."""
    config = settings(data_dir)
    outgoing = Outgoing.configure(config.smtp_url, config.smtp_from)
    if outgoing.problem:
        fail(outgoing.problem)
    with open_store(data_dir, when_locked=LOCKED) as warehouse, deadlines.bounded(config.query_timeout):
        target = find_issuer(warehouse, issuer)
        try:
            with answering():
                refused = send_now(warehouse, target, outgoing, request, to, actor="cli")
        except ScheduleError as exc:
            fail(str(exc))
    sent = [normalize_email(e) for e in to if normalize_email(e) not in refused]
    for email, answer in refused.items():
        err.print(f"[bold yellow]warning:[/] the SMTP server refused {email}: {answer}", soft_wrap=True)
    err.print(f"sent the report of {target.slug} to {', '.join(sent)}", soft_wrap=True)
