"""The recipient dashboard: the credentials one person holds, the views and shares of each, who
verified them (organization only with the verifier's consent), and what expires soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from credlens.recipients.holdings import Holding, Status
from credlens.recipients.verifications import Verification
from credlens.reports.formats import count
from credlens.reports.view import Cell, Column, Dashboard, Section, Table, Tile


def _text(value: str | None, shown: str | None = None) -> Cell:
    return Cell(value, shown if shown is not None else value or "")


def _day(value: dt.datetime | None) -> Cell:
    return _text(None if value is None else value.date().isoformat(), "never" if value is None else None)


def _column(key: str, label: str) -> Column:
    return Column(key, label, numeric=False)


def _n(value: int) -> Cell:
    return Cell(value, count(value))


def build(issuer_name: str, held: Sequence[Holding], seen: Sequence[Verification]) -> Dashboard:
    soon = [h for h in held if h.status is Status.EXPIRING_SOON]
    tiles = (
        Tile(
            "credentials_held", "Credentials held", _n(len(held)), "Credentials issued to you, whatever their status."
        ),
        Tile(
            "active",
            "Active",
            _n(sum(h.status in (Status.ACTIVE, Status.EXPIRING_SOON) for h in held)),
            "Neither expired nor revoked.",
        ),
        Tile("expiring_soon", "Expiring within 90 days", _n(len(soon)), "Active credentials whose expiry is near."),
        Tile(
            "views", "Views by others", _n(sum(h.public_views for h in held)), "Times others opened your credentials."
        ),
        Tile("shares", "Shares", _n(sum(h.shares for h in held)), "Times your credentials were shared."),
        Tile(
            "verifications",
            "Verifications",
            _n(sum(h.verifications for h in held)),  # every one: the table below lists the latest 200
            "Times an organization verified one of them.",
        ),
    )
    sections = (
        Section("summary", "At a glance", tiles=tiles),
        Section("credentials", "Your credentials", tables=(_credentials(held),)),
        Section(
            "expiring",
            "Expiring soon",
            tables=(_credentials(soon, "expiring", "Credentials expiring within 90 days"),),
            intro="Renew these before they expire, so verifications keep answering “valid”.",
        ),
        Section(
            "verifications",
            "Who verified your credentials",
            tables=(_verifications(seen),),
            notes=("An organization is named only when it agreed to be; otherwise you see its industry and country.",),
        ),
    )
    summary = f"Your credentials from {issuer_name}, and the activity on them."
    return Dashboard("recipient", "Your credentials", summary, {"issuer": issuer_name}, sections)


def _credentials(held: Sequence[Holding], table_id: str = "credentials", title: str = "Credentials you hold") -> Table:
    columns = (
        _column("program", "Program"),
        _column("kind", "Kind"),
        _column("issued", "Issued"),
        _column("status", "Status"),
        _column("expires", "Expires"),
        Column("views", "Views by others"),
        Column("own_views", "Your views"),
        Column("shares", "Shares"),
    )
    rows = tuple(
        (
            _text(h.program_name or h.program_id),
            _text(h.kind or "certificate"),
            _day(h.issued_at),
            _text(h.status.value),
            _day(h.expires_at),
            _n(h.public_views),
            _n(h.owner_views),
            _n(h.shares),
        )
        for h in held
    )
    return Table(table_id, title, columns, rows, empty="None.")


def _verifications(seen: Sequence[Verification]) -> Table:
    columns = (
        _column("date", "Date"),
        _column("program", "Credential"),
        _column("verifier", "Verifier"),
        _column("result", "Result"),
    )
    rows = tuple(
        (
            _day(v.verified_at),
            _text(v.program_name or v.credential_id),
            _text(v.organization or _unnamed(v)),
            _text(v.result or "valid"),
        )
        for v in seen
    )
    return Table("verifications", "Verification events, newest first", columns, rows, empty="No verifications yet.")


def _unnamed(v: Verification) -> str:
    parts = [v.industry or "unknown industry", v.country or "unknown country"]
    return "An organization (" + ", ".join(parts) + ")"
