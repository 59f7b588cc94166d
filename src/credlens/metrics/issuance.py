"""Issuance metrics that are not plain cohort counts: enrollments and completions (activity),
active and expiring credentials (point in time) and revocations (activity). The issued trend is
`buckets.per_bucket` over `issued_at`."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from credlens.domain.query import Query
from credlens.store.scope import IssuerTables

EXPIRY_HORIZON = dt.timedelta(days=90)


def enrollments_by_program(
    query: Query, tables: IssuerTables, start: dt.datetime, end: dt.datetime
) -> dict[str, dict[str, int]]:
    """Per program: distinct (recipient, program) pairs enrolled in the window, and those whose
    recipient holds a credential of that program, issued at any time. The pairs are distinct per
    program, so the programs' counts add up to the issuer's."""
    e = tables["enrollments"]
    e = e.filter((e.enrolled_at >= start) & (e.enrolled_at < end))
    e = e.filter(program_filter(query, tables, e.program_id))
    pairs = e.select("recipient_key", "program_id").distinct()
    c = tables["credentials"]
    held = c.filter(c.issued_at.notnull()).select("recipient_key", "program_id").distinct()
    held = held.mutate(done=ibis.literal(1))
    joined = pairs.left_join(held, ["recipient_key", "program_id"])
    rows = (
        joined.group_by("program_id")
        .aggregate(enrollments=joined.count(), completions=joined.done.count())
        .to_pyarrow()
        .to_pylist()
    )
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


def active_at(scope: ir.Table, instant: dt.datetime) -> ir.BooleanValue:
    """Issued before ``instant``, not revoked before it, not expired before it (a renewal after an
    explicit `credential.expired` revives the credential)."""
    c = scope
    expired_explicitly = (c.expired_at < instant) & (c.renewed_at.isnull() | (c.renewed_at < c.expired_at))
    return (
        (c.issued_at < instant)
        & (c.revoked_at.isnull() | (c.revoked_at >= instant))
        & (c.expires_at.isnull() | (c.expires_at >= instant))
        & ~expired_explicitly.fill_null(False)
    )


def state_reductions(scope: ir.Table, start: dt.datetime, end: dt.datetime) -> dict[str, ir.Scalar]:
    """`active_credentials` and `expiring_next_90d` at the window's end; `revoked` in the window."""
    active = active_at(scope, end)
    expiring = active & (scope.expires_at >= end) & (scope.expires_at < end + EXPIRY_HORIZON)
    revoked = (scope.revoked_at >= start) & (scope.revoked_at < end)
    return {
        "active_credentials": active.ifelse(1, 0).sum(),
        "expiring_next_90d": expiring.ifelse(1, 0).sum(),
        "revoked": revoked.ifelse(1, 0).sum(),
    }
