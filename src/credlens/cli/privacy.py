"""`credlens erase`, `credlens purge`, `credlens retention` and `credlens timeline`: the privacy operations
of privacy.md."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from credlens.cli.common import DataDir, fail, find_issuer, open_store, out
from credlens.privacy.consent import ConsentRequired
from credlens.store.erasure import ErasureReport

Email = Annotated[str | None, typer.Option("--email", help="The recipient's e-mail address, as sent in events.")]
EarnerId = Annotated[str | None, typer.Option("--earner-id", help="The issuer's earner id of the recipient.")]
Issuer = Annotated[str, typer.Option("--issuer", help="Issuer slug.")]
LOCKED = (
    "the database is held by another process (a running `credlens serve`?); {what} needs the file to "
    "itself: stop the server, then run this command again"
)
_ROWS = (
    ("credentials", "credentials"),
    ("events", "raw events"),
    ("tombstones", "event tombstones"),
    ("verifications", "verifications"),
    ("reported_outcomes", "reported outcomes"),
    ("enrollments", "enrollments"),
    ("recipients", "recipient rows (consent and demographics)"),
)


PurgeNow = Annotated[
    bool,
    typer.Option("--purge-now", help="Rewrite the database file now (slow on a large store), not by the deadline."),
]


def erase(
    issuer: Issuer,
    email: Email = None,
    earner_id: EarnerId = None,
    purge_now: PurgeNow = False,
    data_dir: DataDir = None,
) -> None:
    """Erase one recipient of an issuer (privacy.md): their credentials, events, enrollments and consent."""
    if (email is None) == (earner_id is None):
        fail("name the recipient with exactly one of --email or --earner-id")
    with open_store(data_dir, when_locked=LOCKED.format(what="an erasure")) as warehouse:
        target = find_issuer(warehouse, issuer)
        report = warehouse.erase_person(
            target.issuer_id, email=email, earner_id=earner_id, actor="cli", purge=purge_now
        )
    _summary(target.slug, report)
    if purge_now and report.found and not report.purged:
        raise typer.Exit(1)


def purge(data_dir: DataDir = None) -> None:
    """Rewrite the database file now without the rows that erasures and retention runs deleted."""
    with open_store(data_dir, when_locked=LOCKED.format(what="a purge")) as warehouse:
        queued = warehouse.purge_status().queued
        done = warehouse.purge()
    if not done:
        fail("the rewrite of the database file failed (see the log); the purge stays queued: run this again")
    out.print(
        f"database file rewritten without the rows of {queued} erasures or retention runs"
        if queued
        else "nothing to purge",
        soft_wrap=True,
    )


def _summary(slug: str, report: ErasureReport) -> None:
    if not report.found:
        out.print(
            f"nothing stored for this recipient in {slug} (check the address or earner id); nothing erased",
            soft_wrap=True,
        )
        return
    removed = ", ".join(f"{getattr(report, field)} {label}" for field, label in _ROWS if getattr(report, field))
    out.print(f"erased from {slug}: {removed}", soft_wrap=True)
    line = f"daily counts reduced by {report.daily_events} events"
    if report.daily_unattributed:
        line += (
            f"; {report.daily_unattributed} older events had already been deleted by retention and stay only"
            " as anonymous daily counts"
        )
    out.print(line, soft_wrap=True)
    out.print(
        "database file rewritten without them"
        if report.purged
        else f"hidden now from every read; their bytes are purged from the database file by {report.purge_due} "
        "(by the running server, or the first command that opens the store after it; `credlens purge` does it now)",
        soft_wrap=True,
    )


def retention(
    issuer: Annotated[str | None, typer.Option("--issuer", help="Only this issuer (default: every issuer).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Delete raw events older than each issuer's retention, once folded (the server does it daily)."""
    with open_store(data_dir, when_locked=LOCKED.format(what="a retention run")) as warehouse:
        target = find_issuer(warehouse, issuer).issuer_id if issuer is not None else None
        run = warehouse.apply_retention(target, actor="cli")
        slugs = {i.issuer_id: i.slug for i in warehouse.issuers()}
    if not run.issuers:
        who = f"{issuer} keeps" if issuer else "every issuer keeps"
        out.print(
            f"{who} every raw event (set a retention with `credlens issuer set-retention SLUG DAYS`)", soft_wrap=True
        )
        return
    for report in run.issuers:
        line = (
            f"{slugs[report.issuer_id]}: {report.deleted} raw events older than {report.horizon:%Y-%m-%d} "
            f"({report.days} days) deleted"
        )
        if report.waiting:
            line += f"; {report.waiting} kept until their credential's issuance arrives"
        out.print(line, soft_wrap=True)
    if run.purged:
        out.print("database file rewritten without them")


def timeline(issuer: Issuer, email: Email = None, earner_id: EarnerId = None, data_dir: DataDir = None) -> None:
    """Print one recipient's credentials and events as JSON, if they opted in to detailed tracking."""
    if (email is None) == (earner_id is None):
        fail("name the recipient with exactly one of --email or --earner-id")
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        key = warehouse.recipient_key(target.issuer_id, email=email, earner_id=earner_id)
        try:
            shown = warehouse.recipient_timeline(target.issuer_id, key, actor="cli")
        except ConsentRequired as exc:
            fail(f"refused: {exc.reason}")
    out.print_json(json.dumps({"credentials": shown.credentials, "events": shown.events}, default=_json))


def _json(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
