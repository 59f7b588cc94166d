"""The credentials one recipient holds at one issuer, for the recipient's own page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

import ibis
import ibis.expr.types as ir

from credlens.domain.instants import readable
from credlens.store.scope import PARAMETER, IssuerTables

EXPIRING_SOON = dt.timedelta(days=90)


class Status(Enum):
    ACTIVE = "active"
    EXPIRING_SOON = "expiring soon"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Holding:
    credential_id: str
    program_id: str | None
    program_name: str | None
    kind: str | None
    issued_at: dt.datetime
    expires_at: dt.datetime | None
    status: Status
    public_views: int
    owner_views: int
    shares: int
    verifications: int


def holdings(tables: IssuerTables, recipient_key: str, now: dt.datetime) -> list[Holding]:
    """Issued credentials of the recipient, newest first, with their program's name and counters."""

    def build() -> ir.Expr:
        c = tables["credentials"]
        p = tables["programs"]
        mine = c.filter((c.recipient_key == PARAMETER) & c.issued_at.notnull())
        joined = mine.left_join(p.select("program_id", program_name=p.name), mine.program_id == p.program_id)
        return joined.select(
            "credential_id",
            mine.program_id,
            "program_name",
            "kind",
            *[readable(mine[n]) for n in ("issued_at", "expires_at", "expired_at", "revoked_at", "renewed_at")],
            "public_views",
            "owner_views",
            "shares",
            "verifications",
        ).order_by([ibis.desc("issued_at"), "credential_id"])

    rows = tables.query("recipient_holdings", build, recipient_key)
    return [
        Holding(
            row["credential_id"],
            row["program_id"],
            row["program_name"],
            row["kind"],
            row["issued_at"],
            row["expires_at"],
            _status(row, now),
            row["public_views"],
            row["owner_views"],
            row["shares"],
            row["verifications"],
        )
        for row in rows
    ]


def _status(row: dict[str, dt.datetime | None], now: dt.datetime) -> Status:
    expires = row["expires_at"]
    if row["revoked_at"] is not None:
        return Status.REVOKED
    expired_event = row["expired_at"]
    renewed = row["renewed_at"]
    if (expired_event is not None and (renewed is None or renewed < expired_event)) or (
        expires is not None and expires <= now
    ):
        return Status.EXPIRED
    if expires is not None and expires - now <= EXPIRING_SOON:
        return Status.EXPIRING_SOON
    return Status.ACTIVE


def count_holdings(tables: IssuerTables, recipient_key: str) -> int:
    def build() -> ir.Expr:
        c = tables["credentials"]
        mine = c.filter((c.recipient_key == PARAMETER) & c.issued_at.notnull())
        return mine.aggregate(n=mine.count())

    return int(tables.query("recipient_count", build, recipient_key)[0]["n"])


def holders_among(tables: IssuerTables, recipient_keys: list[str]) -> list[str]:
    """Which of these recipient keys hold an issued credential (one query for many candidates), the
    fullest first: views by others, shares and verifications all present, then the most credentials;
    the demo's recipient link shows a page with something on it."""
    c = tables["credentials"]
    mine = c.filter(c.recipient_key.isin(recipient_keys) & c.issued_at.notnull())
    per = mine.group_by("recipient_key").aggregate(
        views=mine.public_views.sum(),
        shares=mine.shares.sum(),
        verifications=mine.verifications.sum(),
        held=mine.count(),
    )
    kinds = (per.views > 0).cast("int8") + (per.shares > 0).cast("int8") + (per.verifications > 0).cast("int8")
    ranked = per.order_by([ibis.desc(kinds), ibis.desc(per.held), per.recipient_key])
    return [row["recipient_key"] for row in ranked.select("recipient_key").to_pyarrow().to_pylist()]
