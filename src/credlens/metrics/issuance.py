"""Issuance metrics that are not plain cohort counts: enrollments and completions (activity),
active and expiring credentials (point in time) and revocations (activity). Builders return
expressions; the runner executes them (statements.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from credlens.domain.query import Query
from credlens.metrics.spans import touching
from credlens.store.scope import IssuerTables

EXPIRY_HORIZON_DAYS = 90


def enrollments_by_program(query: Query, tables: IssuerTables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Per program: distinct (recipient, program) pairs enrolled in the window, and those whose
    recipient holds a credential of that program, issued at any time. The pairs are distinct per
    program, so the programs' counts add up to the issuer's.

    Read from the fold's `enrolled` rollup (one row per pair, store/portfolios.py), placed in the
    window by its first and last enrollment (spans.touching).
    NOTE: measured at 10M events (2.2M enrollments), the distinct pairs of `enrollments` and their
    semi-join with `credentials` took ~750 ms of CPU at `all` (docs/performance.md).
    """
    e = tables["enrolled"]
    e = e.filter(program_filter(query, tables, e.program_id))
    raw = tables["enrollments"]
    raw = raw.filter((raw.enrolled_at >= start) & (raw.enrolled_at < end))
    pairs = touching(e, "enrollments", raw, ["recipient_hash", "program_id"], start, end, ["program_id", "completed"])
    return pairs.group_by(pairs.program_id.cast("string").name("program_id")).aggregate(
        enrollments=pairs.count(), completions=pairs.completed.ifelse(1, 0).sum()
    )


def enrollment_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {r["program_id"]: {"enrollments": int(r["enrollments"]), "completions": int(r["completions"])} for r in rows}


def enrollment_totals(per_program: dict[str, dict[str, int]]) -> dict[str, int]:
    return {name: sum(p[name] for p in per_program.values()) for name in ("enrollments", "completions")}


def program_filter(
    query: Query, tables: IssuerTables, program_id: ir.StringValue, *, kind: bool = True
) -> ir.BooleanValue:
    """The query's program, department and (with ``kind``) kind filters, for tables that carry only a
    program id (enrollments); tables that carry the credential's kind filter on it themselves."""
    condition: ir.BooleanValue = ibis.literal(True)
    if query.filters.programs:
        condition &= program_id.isin(query.filters.programs)
    programs = tables["programs"]
    if kind and query.filters.kind is not None:
        condition &= program_id.isin(programs.filter(programs.kind == query.filters.kind).program_id)
    if query.filters.department is not None:
        condition &= program_id.isin(programs.filter(programs.department == query.filters.department).program_id)
    return condition


def ended_at(c: ir.Table) -> ir.TimestampValue:
    """When the credential stopped being active: the earliest of revocation, `expires_at`, and an
    explicit expiry not followed by a renewal (LEAST skips nulls); null while it never ended."""
    explicit = (c.renewed_at.isnull() | (c.renewed_at < c.expired_at)).ifelse(c.expired_at, ibis.null("timestamp"))
    return ibis.least(c.revoked_at, c.expires_at, explicit)


def active_at(scope: ir.Table, instant: ir.Value | dt.datetime) -> ir.BooleanValue:
    """Issued before ``instant`` and not ended before it (revoked, expired, or explicitly expired
    without a later renewal); a credential ending exactly at ``instant`` is still active."""
    ended = ended_at(scope)
    return (scope.issued_at < instant) & (ended.isnull() | (ended >= instant))


def state_reductions(scope: ir.Table, start: dt.datetime, end: dt.datetime) -> dict[str, ir.Scalar]:
    """`expiring_next_90d` at the window's end; `revoked` in the window. `active_credentials` is added
    up from the fold's counters per day instead (`active_total`): whether a credential ended is then
    worked out only for those expiring in the 90 days, which the expiry tests select first
    (docs/performance.md, the 100M run).
    """
    horizon = ibis.literal(end) + ibis.interval(days=EXPIRY_HORIZON_DAYS)
    expiring = (scope.expires_at >= end) & (scope.expires_at < horizon) & active_at(scope, end)
    revoked = (scope.revoked_at >= start) & (scope.revoked_at < end)
    return {"expiring_next_90d": expiring.ifelse(1, 0).sum(), "revoked": revoked.ifelse(1, 0).sum()}


def active_total(days: list[dict[str, Any]]) -> int:
    """`active_credentials` at the window's end from the rows of `verification.day_changes`: the
    credentials in scope issued on the window's last day or before, less those that stopped by then
    (`stopped` in store/cohorts.py counts a credential on the day it ended, never before its issuance),
    the same count as `active_at` over `credentials`."""
    return sum(int(r["started"] or 0) - int(r["stopped"] or 0) for r in days)


def renewable(scope: ir.Table) -> ir.Table:
    """The credentials that can expire or be renewed at all: the others (most of them, in programs
    without validity) count in no renewal metric, so the renewal statements skip them first."""
    return scope.filter(scope.expires_at.notnull() | scope.expired_at.notnull() | scope.renewed_at.notnull())


def renewal_reductions(scope: ir.Table, start: dt.datetime, end: dt.datetime) -> dict[str, ir.Scalar]:
    """`due_for_renewal` and `renewed` in the window (metrics.md): a credential came due when it was
    renewed in the window or its validity ran out in it (``ended_at`` by expiry, not by revocation)
    without a renewal since. `renewed_at` is the latest renewal, so a credential renewed again later
    counts in the window of that renewal."""
    renewed = (scope.renewed_at >= start) & (scope.renewed_at < end)
    ended = ended_at(scope)
    lapsed = (ended >= start) & (ended < end) & (scope.revoked_at.isnull() | (scope.revoked_at > ended))
    return {
        "due_for_renewal": (renewed.fill_null(False) | lapsed.fill_null(False)).ifelse(1, 0).sum(),
        "renewed": renewed.fill_null(False).ifelse(1, 0).sum(),
    }


def renewal_totals(scope: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """`due_for_renewal` and `renewed` of the scope."""
    s = renewable(scope)
    return s.aggregate(**renewal_reductions(s, start, end))


def renewals_by_program(scope: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """`expiring_next_90d` (as ``state_reductions``), `due_for_renewal` and `renewed` per program of the
    scope (the `program_renewals` rows)."""
    s = renewable(scope)
    horizon = ibis.literal(end) + ibis.interval(days=EXPIRY_HORIZON_DAYS)
    expiring = active_at(s, end) & (s.expires_at >= end) & (s.expires_at < horizon)
    return s.group_by("program_id").aggregate(
        expiring_next_90d=expiring.ifelse(1, 0).sum(), **renewal_reductions(s, start, end)
    )


def renewal_rows(rows: list[dict[str, Any]], names: dict[str, str | None]) -> list[dict[str, Any]]:
    """`program_renewals` rows: programs with something expiring or due, most expiring first."""
    out = []
    for r in rows:
        expiring, due, renewed = (int(r[k] or 0) for k in ("expiring_next_90d", "due_for_renewal", "renewed"))
        if not (expiring or due):
            continue
        out.append(
            {
                "key": r["program_id"],
                "name": names.get(r["program_id"]),
                "value": expiring,
                "expiring_next_90d": expiring,
                "due_for_renewal": due,
                "renewed": renewed,
                "renewal_rate": round(renewed / due, 6) if due else None,
            }
        )
    return sorted(out, key=lambda row: (-row["value"], row["key"]))
