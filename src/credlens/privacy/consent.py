"""Recipient-level detail is opt-in (privacy.md): one recipient's timeline is shown only while they
consent to detailed tracking; aggregates always include everyone.

These functions read an issuer's tables as Ibis expressions (any object with ``tables["events"]``…,
such as ``store.scope.IssuerTables``); they never open a connection themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from credlens.domain.instants import readable

REFUSAL = (
    "this recipient has not opted in to detailed tracking (recipient.consent.detailed_tracking on issuance, "
    "or a recipient.consent_changed event); their activity is counted in aggregates, but their timeline "
    "is not shown"
)
CREDENTIAL_COLUMNS = (
    "credential_id",
    "program_id",
    "kind",
    "issued_at",
    "expires_at",
    "delivered_at",
    "first_owner_view_at",
    "revoked_at",
    "renewed_at",
    "owner_views",
    "public_views",
    "downloads",
    "shares",
    "verifications",
)
# Activity only: demographics (sensitive, kept apart) and free-form properties are left out.
EVENT_COLUMNS = (
    "occurred_at",
    "event_id",
    "type",
    "credential_id",
    "program_id",
    "actor",
    "referrer_domain",
    "country",
    "format",
    "channel",
    "platform",
    "verifier_organization",
    "verifier_industry",
    "verifier_size",
    "verifier_country",
    "result",
    "verification_id",
    "outcome",
    "rating",
    "reason",
    "expires_at",
    "detailed_tracking",
)


class Tables(Protocol):
    """One issuer's tables (``store.scope.IssuerTables``)."""

    def __getitem__(self, name: str) -> ir.Table: ...


class ConsentRequired(Exception):
    """The recipient has not opted in to detailed tracking; ``reason`` says so in words for the user."""

    def __init__(self, reason: str = REFUSAL) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Timeline:
    """A consenting recipient's credentials (their folded state) and stored events, in time order.

    Events older than the issuer's retention are gone; the credentials' counters still include them.
    """

    credentials: list[dict[str, Any]]
    events: list[dict[str, Any]]


def detailed_tracking(tables: Tables, recipient_key: str) -> bool:
    """The recipient's current consent: the latest by (occurred_at, event id) of every consent given.

    The folded `recipients` row and the raw events are both read, so a withdrawal is honoured the
    moment it is stored, before the writer has folded it.
    """
    r = tables["recipients"]
    folded = r.filter((r.recipient_key == recipient_key) & r.consent_at.notnull()).select(
        tracking=r.detailed_tracking, at=r.consent_at, src=r.consent_src
    )
    e = tables["events"]
    raw = e.filter((e.recipient_key == recipient_key) & e.detailed_tracking.notnull()).select(
        tracking=e.detailed_tracking, at=e.occurred_at.cast(folded.at.type()), src=e.event_id.cast("string")
    )
    latest = folded.union(raw).order_by([ibis.desc("at"), ibis.desc("src")]).limit(1)
    rows = latest.to_pyarrow().to_pylist()
    return bool(rows and rows[0]["tracking"])


def recipient_timeline(tables: Tables, recipient_key: str) -> Timeline:
    """The recipient's credentials and events; raises ConsentRequired unless they opted in."""
    if not detailed_tracking(tables, recipient_key):
        raise ConsentRequired()
    c = tables["credentials"]
    theirs = c.filter(c.recipient_key == recipient_key)
    credentials = theirs.select(*[readable(theirs[n]) for n in CREDENTIAL_COLUMNS]).order_by(
        ["issued_at", "credential_id"]
    )
    e = tables["events"]
    events = e.filter((e.recipient_key == recipient_key) | e.credential_id.isin(theirs.credential_id))
    ordered = events.select(*[readable(events[n]) for n in EVENT_COLUMNS]).order_by(["occurred_at", "event_id"])
    return Timeline(credentials.to_pyarrow().to_pylist(), ordered.to_pyarrow().to_pylist())


def opted_in(tables: Tables) -> tuple[int, int]:
    """(recipients currently consenting to detailed tracking, all recipients) of the issuer, as of
    the last fold: the admin page's consent figure."""
    r = tables["recipients"]
    row = (
        r.aggregate(opted=r.detailed_tracking.fill_null(False).cast("int64").sum(), total=r.count())
        .to_pyarrow()
        .to_pylist()[0]
    )
    return int(row["opted"] or 0), int(row["total"] or 0)


def opted_in_count(tables: Tables) -> int:
    """How many recipients currently consent to detailed tracking (as of the last fold)."""
    return opted_in(tables)[0]
