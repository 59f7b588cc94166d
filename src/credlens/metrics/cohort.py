"""Cohort metrics (issuance and engagement) as Ibis expressions over the per-credential table.

Each metric is a predicate or a reduction over one credential row, whatever its events' dates. The
runner adds up most of them from the fold's counters per issue day (`day_counts`, store/cohorts.py)
and computes the rest in one aggregate over the credentials issued in the window (`reductions`).
Builders return expressions and never execute them, so the same code compiles for DuckDB or Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from credlens.domain.events import CHANNELS
from credlens.domain.query import Query
from credlens.metrics.issuance import program_filter
from credlens.metrics.spans import touching
from credlens.store.cohorts import COLUMNS
from credlens.store.scope import IssuerTables

Predicate = Callable[[ir.Table], ir.BooleanValue]
DAY = 86_400
DEFAULT_FUNNEL = ("issued", "opened", "shared", "verified")
# Shared on one channel is a step too (e.g. the reporting guide's "shared on LinkedIn").
FUNNEL_STEPS = (
    "issued",
    "delivered",
    "opened",
    "downloaded",
    "shared",
    *(f"shared_{ch}" for ch in CHANNELS),
    "profile_added",
    "referred",
    "verified",
)


def _has(column: str) -> Predicate:
    return lambda c: c[column].notnull()


def _days_to_open(c: ir.Table) -> ir.NumericValue:
    return (c.first_owner_view_at.epoch_seconds() - c.issued_at.epoch_seconds()) / DAY


def _reengaged(c: ir.Table) -> ir.BooleanValue:
    first_view_day = c.first_owner_view_at.date()
    return c.first_owner_view_at.notnull() & (c.last_owner_activity_at.date().delta(first_view_day, unit="day") >= 30)


# The milestones a credential has reached when its column is set.
REACHED = {
    "issued": "issued_at",
    "delivered": "delivered_at",
    "opened": "first_owner_view_at",
    "downloaded": "first_download_at",
    "shared": "first_share_at",
    **{f"shared_{ch}": f"first_share_{ch}_at" for ch in CHANNELS},
    "profile_added": "first_profile_add_at",
    "referred": "first_referral_at",
    "verified": "first_verified_at",
}
PREDICATES: dict[str, Predicate] = {
    **{name: _has(column) for name, column in REACHED.items()},
    "issued_certificates": lambda c: c.kind == "certificate",
    "issued_badges": lambda c: c.kind == "badge",
    "opened_and_downloaded": lambda c: c.first_owner_view_at.notnull() & c.first_download_at.notnull(),
    "opened_and_shared": lambda c: c.first_owner_view_at.notnull() & c.first_share_at.notnull(),
    "opened_and_profile_added": lambda c: c.first_owner_view_at.notnull() & c.first_profile_add_at.notnull(),
    "reengaged": _reengaged,
    "opened_within_7d_count": lambda c: c.first_owner_view_at.notnull() & (_days_to_open(c) <= 7),
    "opened_within_30d_count": lambda c: c.first_owner_view_at.notnull() & (_days_to_open(c) <= 30),
}
SUMS = {"share_events": "shares", "public_views": "public_views"}


# The funnel steps' conjunctions that `cohort_days` counts (store/cohorts.py), by their steps: every
# cohort row is issued, so a step alone is its milestone.
DAY_FUNNELS: dict[frozenset[str], str] = {
    frozenset({"issued"}): "issued",
    **{frozenset({"issued", step}): step for step in FUNNEL_STEPS[1:]},
    **{
        frozenset({"issued", "opened", step}): f"opened_and_{step}"
        for step in ("downloaded", "shared", "profile_added")
    },
    frozenset({"issued", "opened", "shared", "verified"}): "opened_shared_verified",
}


def funnel_predicate(steps: tuple[str, ...], k: int) -> Predicate:
    """Step k of a strict funnel: every step 1..k, in any order (each step a subset of the one before)."""
    return lambda c: ibis.and_(*(PREDICATES[step](c) for step in steps[: k + 1]))


def reductions(cohort: ir.Table, funnel: tuple[str, ...], names: frozenset[str] | None = None) -> dict[str, ir.Scalar]:
    """Every cohort number as a named reduction of the cohort table (or those in ``names``)."""
    c = cohort
    opened = PREDICATES["opened"](c)
    # NOTE: COUNT(column) counts the set milestones natively; measured at 10M events (`all`), the
    # cohort aggregate took ~175 ms against ~206 ms with SUM(CASE WHEN column IS NOT NULL ...).
    named: dict[str, ir.Scalar] = {
        name: c[REACHED[name]].count() if name in REACHED else p(c).ifelse(1, 0).sum() for name, p in PREDICATES.items()
    }
    named.update({name: c[column].sum() for name, column in SUMS.items()})
    named["unique_recipients"] = c.recipient_hash.nunique()  # 64-bit hash: see recipients.held_by
    named["owner_active_days_total"] = c.owner_days.length().sum(where=opened)
    named["median_days_to_open"] = _days_to_open(c).median(where=opened)
    for k in range(len(funnel)):
        named[f"funnel_{k}"] = funnel_predicate(funnel, k)(c).ifelse(1, 0).sum()
    return named if names is None else {name: value for name, value in named.items() if name in names}


def reduction_names(funnel: tuple[str, ...]) -> frozenset[str]:
    """The names `reductions` computes."""
    extra = {"unique_recipients", "owner_active_days_total", "median_days_to_open"}
    return frozenset({*PREDICATES, *SUMS, *extra, *(f"funnel_{k}" for k in range(len(funnel)))})


def day_counted(funnel: tuple[str, ...]) -> frozenset[str]:
    """The reductions `day_counts` adds up from `cohort_days`: all but the distinct recipients, the
    median days to open, and the steps of a funnel whose conjunctions the table does not count."""
    steps = {f"funnel_{k}" for k in range(len(funnel)) if frozenset(funnel[: k + 1]) in DAY_FUNNELS}
    return (reduction_names(funnel) - {"unique_recipients", "median_days_to_open"}) & (
        {*COLUMNS, "issued_certificates", "issued_badges"} | steps
    )


def in_scope_days(query: Query, tables: IssuerTables) -> ir.Table:
    """The rows of `cohort_days` of the credentials in scope (inputs.scope's filters: the program,
    its department, and the credential's kind, which the table keeps)."""
    d = tables["cohort_days"]
    if query.filters.kind is not None:
        d = d.filter(d.kind == query.filters.kind)
    return d.filter(program_filter(query, tables, d.program_id, kind=False))


def median_days_to_open(cohort: ir.Table) -> ir.Table:
    """`median_days_to_open` over the cohort's opened credentials, on its own: the median does not add
    up across days, so it is the one reduction every window still computes from `credentials`.

    NOTE: measured at 10M events (`all`), ~60 ms of CPU with the filter as the aggregate's FILTER
    clause (as in `reductions`), ~40 ms as a WHERE.
    """
    opened = cohort.filter(PREDICATES["opened"](cohort))
    return opened.aggregate(median_days_to_open=_days_to_open(opened).median())


def first_issue_day(query: Query, tables: IssuerTables) -> ir.Table:
    """The issuer-local day of the first issuance in scope (``first``; null without any)."""
    d = in_scope_days(query, tables)
    d = d.filter(d.issued > 0)
    return d.aggregate(first=d.day.min())


def day_counts(
    query: Query, tables: IssuerTables, funnel: tuple[str, ...], names: frozenset[str], first: dt.date, last: dt.date
) -> ir.Table:
    """The reductions in ``names`` (of `day_counted`) of the credentials issued on the issuer-local
    days ``first`` to ``last``: sums of `cohort_days`, equal to `reductions` over the cohort.

    NOTE: measured at 10M events (1.4M issued credentials), ~210 ms of CPU at `all` for the
    cohort aggregate over `credentials` (docs/performance.md).
    """
    d = in_scope_days(query, tables)
    d = d.filter(d.day.between(first, last))
    column = {f"funnel_{k}": DAY_FUNNELS.get(frozenset(funnel[: k + 1])) for k in range(len(funnel))}
    sums: dict[str, ir.Scalar] = {}
    for name in names:
        if name in ("issued_certificates", "issued_badges"):
            kind = "certificate" if name == "issued_certificates" else "badge"
            sums[name] = (d.kind == kind).ifelse(d.issued, 0).sum()
        else:
            sums[name] = d[column.get(name) or name].sum()
    return d.aggregate(**sums)


def new_recipients(cohort: ir.Table, scope: ir.Table, start: ir.Value) -> ir.Table:
    """Recipients whose earliest credential in scope was issued in the window: the cohort's
    recipients with no credential in scope issued before the window's start.

    NOTE: measured at 10M events (last quarter), this anti-join took ~50 ms against ~200 ms for the
    earliest issuance of every recipient by a group-by; it needs neither `holdings` nor `people`.
    Every issued credential has a recipient (docs/ingestion.md: `credential.issued` requires one), so
    `recipient_hash` is never NULL here.
    """
    recipients = cohort.select("recipient_hash").distinct()
    earlier = scope.filter(scope.issued_at < start).select("recipient_hash")
    new = recipients.anti_join(earlier, "recipient_hash")
    return new.aggregate(new_recipients=new.count())


def rolled_up_new_recipients(tables: IssuerTables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """`new_recipients` of an unfiltered scope: the recipients whose first award (the fold's
    `portfolios` rollup, store/portfolios.py) falls in the window.

    NOTE: measured at 10M events, ~150-220 ms of CPU for the anti-join at `all`, ~5 ms here.
    """
    p = tables["portfolios"]
    new = p.filter((p.first_at >= start) & (p.first_at < end))
    return new.aggregate(new_recipients=new.count())


def rolled_up_unique_recipients(
    tables: IssuerTables, cohort: ir.Table, start: dt.datetime, end: dt.datetime
) -> ir.Table:
    """`unique_recipients` of an unfiltered scope: the recipients of the fold's `portfolios` rollup
    awarded something in the window (spans.touching).

    NOTE: measured at 10M events (`all`), the distinct count was ~270 ms of the cohort aggregate's
    ~600 ms of CPU.
    """
    members = touching(tables["portfolios"], "credentials", cohort, ["recipient_hash"], start, end, ["recipient_hash"])
    return members.aggregate(unique_recipients=members.count())
