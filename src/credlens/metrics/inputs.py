"""The Ibis expression of each statement a plan names (metrics/plan.py), built with sentinel bounds
(metrics/statements.py) on first use: a run whose statements are compiled already builds none.

One builder per statement name; the same expressions compile to DuckDB's SQL for the store and to
Spark SQL for the lake (store/spark.py), so both engines run the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import ibis.expr.types as ir

from credlens.domain.query import Query
from credlens.metrics import attributes, designs, market, programs, recipients, verification
from credlens.metrics.buckets import per_bucket
from credlens.metrics.cohort import (
    day_counts,
    first_issue_day,
    median_days_to_open,
    new_recipients,
    reductions,
    rolled_up_new_recipients,
    rolled_up_unique_recipients,
)
from credlens.metrics.issuance import enrollments_by_program, renewal_totals, renewals_by_program, state_reductions
from credlens.metrics.plan import Plan, Statement
from credlens.metrics.statements import SENTINELS
from credlens.store.scope import IssuerTables

W = SENTINELS


def scope(query: Query, tables: IssuerTables) -> ir.Table:
    """Credentials in scope: issued, of the issuer, matching the filters (metrics.md)."""
    c = tables["credentials"]
    c = c.filter(c.issued_at.notnull())
    filters = query.filters
    if filters.programs:
        c = c.filter(c.program_id.isin(filters.programs))
    if filters.kind is not None:
        c = c.filter(c.kind == filters.kind)
    if filters.department is not None:
        programs_ = tables["programs"]
        c = c.filter(c.program_id.isin(programs_.filter(programs_.department == filters.department).program_id))
    return c


class Inputs:
    """The statements' expressions for one window's run; ``temps`` are the temporary tables it
    made so far (`Where.TEMP`), which later statements read.

    NOTE: measured on the medium demo, building the scope and cohort (Ibis operations over the 46
    columns of `credentials`) was ~10 % of a dashboard's CPU, every run, for SQL already cached:
    they are built on first use.
    """

    def __init__(self, plan: Plan, tables: IssuerTables) -> None:
        self.plan, self.query, self.tables = plan, plan.query, tables
        self.temps: dict[str, ir.Table] = {}

    @cached_property
    def all(self) -> ir.Table:
        return scope(self.query, self.tables)

    @cached_property
    def cohort(self) -> ir.Table:
        return self.all.filter((self.all.issued_at >= W.start) & (self.all.issued_at < W.end))

    def build(self, statement: Statement) -> ir.Expr:
        return BUILDERS[statement.name.split("/")[0]](self, statement)

    # -- the portfolio: holdings as of the window's end ------------------------------------------
    # An unfiltered scope reads the portfolio rollups the fold keeps (store/portfolios.py), recounting
    # from `credentials` only the recipients awarded something at or after the window's end; a
    # filtered one counts from `credentials`.
    # NOTE: measured at 10M events (last_quarter), ~0.9 s of CPU from `credentials`, ~0.1 s with
    # the rollups (docs/performance.md).

    def holdings(self) -> ir.Table:
        if self.plan.rolled_up:
            return recipients.rolled_up_holdings(self.tables, self.temps["recounted"], W.end)
        return self.temps["holdings"]

    def people(self) -> ir.Table:
        if self.plan.rolled_up:
            return recipients.rolled_up_people(self.tables, self.temps["recounted"], W.end)
        return self.temps["people"]

    def pairs(self) -> ir.Table:
        if self.plan.rolled_up:
            return recipients.rolled_up_pairs(self.tables, self.temps["recounted"], W.end)
        return recipients.held_pairs(self.temps["holdings"], self.temps["people"])


def _cohort_rows(i: Inputs, s: Statement) -> ir.Expr:
    return i.cohort.aggregate(**reductions(i.cohort, i.plan.funnel, s.names))


def _new_recipients(i: Inputs, _: Statement) -> ir.Expr:
    if i.plan.rolled_up:
        return rolled_up_new_recipients(i.tables, W.start, W.end)
    return new_recipients(i.cohort, i.all, W.start)


def _demographics(i: Inputs, _: Statement) -> ir.Expr:
    """From the fold's `recipient_days` (less `demographics_unseen`), or the cohort's combinations."""
    if i.plan.rolled_up:
        return recipients.demographic_days(i.tables, W.first_day, W.last_day)
    return recipients.recipient_demographics(i.tables, i.cohort)


BUILDERS: dict[str, Callable[[Inputs, Statement], ir.Expr]] = {
    "known_programs": lambda i, _: i.tables["programs"].select("program_id"),
    "days": lambda i, s: day_counts(i.query, i.tables, i.plan.funnel, s.names, W.first_day, W.last_day),
    "cohort_median": lambda i, _: median_days_to_open(i.cohort),
    "cohort": _cohort_rows,
    "cohort_recipients": lambda i, _: rolled_up_unique_recipients(i.tables, i.cohort, W.start, W.end),
    "state": lambda i, _: i.all.aggregate(**state_reductions(i.all, W.start, W.end)),
    "new_recipients": _new_recipients,
    "enrollments": lambda i, _: enrollments_by_program(i.query, i.tables, W.start, W.end),
    "programs": lambda i, _: programs.names(i.query, i.tables),
    "per_program": lambda i, _: programs.per_program(i.query, i.tables, W.first_day, W.last_day),
    "renewals": lambda i, _: renewal_totals(i.all, W.start, W.end),
    "program_renewals": lambda i, _: renewals_by_program(i.all, W.start, W.end),
    "designs": lambda i, _: designs.per_design(i.cohort),
    "daily_activity": lambda i, _: recipients.daily_activity(i.query, i.tables, W.first_day, W.last_day),
    "career_outcomes": lambda i, _: recipients.career_outcomes(i.tables, i.all, W.start, W.end),
    # The one call site of the attribute breakdowns (metrics/attributes.py: the fold-kept cells).
    "attributes": lambda i, s: attributes.event_attributes(i.query, i.tables, W.first_day, W.last_day, s.names),
    "demographics": _demographics,
    "demographics_unseen": lambda i, _: recipients.straddling_unseen(i.tables, i.cohort, W.start, W.end),
    "recounted": lambda i, _: recipients.recounted(i.tables, i.all, W.end),
    "holdings": lambda i, _: recipients.held_by(i.all, W.end),
    "people": lambda i, _: recipients.people(i.temps["holdings"]),
    "verified": lambda i, _: verification.in_window(i.tables["verifications"], i.all, W.start, W.end),
    "first_issued": lambda i, _: first_issue_day(i.query, i.tables),
    "active_changes": lambda i, _: verification.day_changes(i.query, i.tables, W.last_day),
    "verification_trend": lambda i, _: per_bucket(i.temps["verified"], "verified_at"),
    "verification_breakdowns": lambda i, _: verification.breakdowns(i.temps["verified"]),
    "segment_trends": lambda i, _: market.segment_trends(i.temps["verified"]),
    "employers": lambda i, _: market.employer_segments(i.temps["verified"]),
    "verification_totals": lambda i, _: verification.totals(i.temps["verified"]),
    "portfolio": lambda i, _: recipients.portfolio(i.holdings(), i.people()),
    "pairs": lambda i, _: recipients.pairs(i.pairs()),
}
