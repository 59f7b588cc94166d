"""run(query): scope → one aggregate per window → comparison → the metrics JSON of docs/api.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import ibis.expr.types as ir

from credlens.domain.issuers import Issuer
from credlens.domain.periods import Preset, Window
from credlens.domain.query import Filters, Query, QueryError, parse_query
from credlens.metrics import attributes, designs, market, programs, recipients, verification
from credlens.metrics.buckets import bucket_rows, per_bucket
from credlens.metrics.cohort import (
    DEFAULT_FUNNEL,
    FUNNEL_STEPS,
    day_counted,
    day_counts,
    first_issue_day,
    median_days_to_open,
    new_recipients,
    reduction_names,
    reductions,
    rolled_up_new_recipients,
    rolled_up_unique_recipients,
)
from credlens.metrics.issuance import (
    enrollment_rows,
    enrollment_totals,
    enrollments_by_program,
    renewal_rows,
    renewal_totals,
    renewals_by_program,
    state_reductions,
)
from credlens.metrics.plan import SENTINELS, Plan
from credlens.metrics.registry import REGISTRY, Shape
from credlens.privacy.suppression import DEFAULT_K, HIDDEN_CELLS, Rule, check_k, suppress_crossing, suppress_sensitive
from credlens.store.scope import IssuerTables

Json = dict[str, Any]

WINDOWS = ThreadPoolExecutor(16, thread_name_prefix="credlens-window")  # comparison windows (see plan.ASIDE)

# Which metrics need which shared inputs, so that a run asked for some metrics (``only``) skips the rest.
PORTFOLIO = ("credentials_per_recipient", "co_held_programs", "program_sequences")
VERIFICATION_TOTALS = (
    "verifications",
    "verified_credentials",
    "outcomes_reported",
    "hires",
    "verification_to_hire_rate",
)
RENEWALS = ("due_for_renewal", "renewed", "renewal_rate")
BREAKDOWNS = ("verifications_by_industry", "verifications_by_size", "verifications_by_country", "top_verifiers")
SEGMENT_TRENDS = ("verifications_by_industry_trend", "verifications_by_country_trend")
TRENDS = ("issued_trend", "verification_trend", "verifications_per_1k_active", *SEGMENT_TRENDS)
VERIFIED = (
    *VERIFICATION_TOTALS,
    *BREAKDOWNS,
    *SEGMENT_TRENDS,
    "verification_trend",
    "verifications_per_1k_active",
    "employer_segments",
)


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
        programs = tables["programs"]
        c = c.filter(c.program_id.isin(programs.filter(programs.department == filters.department).program_id))
    return c


def reads_rollups(query: Query) -> bool:
    """Whether the recipient-level metrics read the fold's recipient rollups (store/portfolios.py),
    which describe the unfiltered scope; a query filtered by program, kind or department counts
    from `credentials` (`enrolled` is per program and serves every query)."""
    return query.filters == Filters()


class Scoped:
    """The credentials in scope and the window's cohort (with sentinel bounds) as Ibis expressions,
    built on first use: a run whose statements are compiled already (plan.py) builds none.

    NOTE: measured on the medium demo, building them (Ibis operations over the 46 columns of
    `credentials`) was ~10 % of a dashboard's CPU, every run, for SQL that was already cached.
    """

    def __init__(self, query: Query, tables: IssuerTables) -> None:
        self.query, self.tables = query, tables

    @cached_property
    def all(self) -> ir.Table:
        return scope(self.query, self.tables)

    @cached_property
    def cohort(self) -> ir.Table:
        return self.all.filter((self.all.issued_at >= SENTINELS.start) & (self.all.issued_at < SENTINELS.end))


def check_programs(plan: Plan) -> None:
    """A program filter naming a program the issuer does not have is an error, not an empty result."""
    wanted = plan.query.filters.programs
    if not wanted:
        return
    known = {r["program_id"] for r in plan.rows("known_programs", lambda: plan.tables["programs"].select("program_id"))}
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise QueryError("program", f"unknown program(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def trend_window(plan: Plan) -> Query:
    """`all` starts in 2000; its trends start at the issuer's first issuance in scope instead.

    NOTE: measured here, 320 monthly buckets since 2000 made the full metric set 4.8 s at 1M events.
    """
    query = plan.query
    if query.preset is not Preset.ALL:
        return query
    first_day = plan.rows("first_issued", lambda: first_issue_day(query, plan.tables))[0]["first"]
    if first_day is None:
        return query
    return replace(query, window=Window(max(first_day, query.window.start), query.window.end))


def compute(
    query: Query,
    tables: IssuerTables,
    funnel: tuple[str, ...] = DEFAULT_FUNNEL,
    only: frozenset[str] | None = None,
    *,
    check: bool = True,
) -> Json:
    """Every registered metric for the query's window (no comparison, before suppression), or the
    metrics in ``only``: when they all come from the cohort aggregate, nothing else runs.

    Expressions are built with sentinel bounds and compiled once per shape (plan.py): the window
    below is `SENTINELS`, and each run substitutes the real one. The reader's statements read one
    snapshot of the store (`IssuerTables.snapshot`).
    """
    with tables.snapshot():
        return _compute(query, tables, funnel, only, check)


def _compute(
    query: Query, tables: IssuerTables, funnel: tuple[str, ...], only: frozenset[str] | None, check: bool
) -> Json:
    plan = Plan(query, tables, funnel)
    if check:  # the comparison window has the same filters: checked once, with the window
        check_programs(plan)
    w = SENTINELS
    s = Scoped(query, tables)

    side, rollup = _cohort_statements(s, funnel, only)
    if only is not None and cohort_inputs(only, funnel) is not None:  # all of them from the cohort: done
        row = _cohort_row(plan, side)
        return {name: value for name, value in _shape(row, funnel).items() if name in only}

    def need(*ids: str) -> bool:
        """Whether any of these metrics is asked for (all are without ``only``)."""
        return only is None or not only.isdisjoint(ids)

    side.update(_independent(plan, need, s))
    plan.aside(side)  # what reads no temporary table runs on a second reader meanwhile
    if need("recipient_demographics") and reads_rollups(query):
        # Two statements, one subtracted from the other: run on this reader, in the run's snapshot
        # (a fold committed between them on the second reader made them disagree).
        side["demographics"] = lambda: recipients.demographic_days(tables, w.first_day, w.last_day)
        side["demographics_unseen"] = lambda: recipients.straddling_unseen(tables, s.cohort, w.start, w.end)
    try:
        held = Held(plan, s) if need(*PORTFOLIO) else None
        verified = None
        if need(*VERIFIED):
            verified = plan.materialize(  # read by five metrics: the semi-join on the scope runs once
                "verified", lambda: verification.in_window(tables["verifications"], s.all, w.start, w.end)
            )
        views: Json = {}
        _verification_views(plan, need, verified, views)
        row = _cohort_row(plan, side)
        cells = _demographics(plan, side)
        if rollup and "cohort_recipients" not in side:
            assert cells is not None  # asked with the cohort's recipients: they are counted together
            row["unique_recipients"] = sum(int(r["value"]) for r in cells if r["attribute"] == "country")
        for name in ("state", "new_recipients", "renewals"):
            if name in side:
                row.update(plan.rows(name, side[name])[0])
        enrollments: dict[str, dict[str, int]] = {}
        if "enrollments" in side:
            enrollments = enrollment_rows(plan.rows("enrollments", side["enrollments"]))
            row.update(enrollment_totals(enrollments))
        if need(*VERIFICATION_TOTALS):
            row.update(plan.rows("verification_totals", lambda: verification.totals(verified))[0])
        shaped = {**_shape(row, funnel), **views}
        _programs_and_recipients(plan, need, Inputs(held, enrollments, cells, side), shaped)
        return shaped if only is None else {name: value for name, value in shaped.items() if name in only}
    except BaseException:
        plan.settle()  # a failed run leaves nothing running aside
        raise


def _cohort_statements(
    s: Scoped, funnel: tuple[str, ...], only: frozenset[str] | None
) -> tuple[dict[str, Callable[[], ir.Expr]], bool]:
    """The statements of the cohort's reductions the asked metrics need, by name, and whether the
    cohort's recipients are counted from the recipient rollups (an unfiltered scope)."""
    query, tables, w = s.query, s.tables, SENTINELS
    names = _cohort_part(only, funnel)  # the reductions the asked metrics need (all without ``only``)
    wanted = reduction_names(funnel) if names is None else names
    # An unfiltered scope counts its cohort's recipients from the recipient rollups (Held).
    rollup = reads_rollups(query) and "unique_recipients" in wanted
    # Most reductions add up the fold's counters per issue day; the rest count the cohort's rows.
    by_day = wanted & day_counted(funnel)
    by_row = wanted - by_day - ({"unique_recipients"} if rollup else set())
    side: dict[str, Callable[[], ir.Expr]] = {}
    if by_day:  # one statement per set of names and shape (plan.py)
        days = (query, tables, funnel, by_day, w.first_day, w.last_day)
        side["days/" + ",".join(sorted(by_day))] = lambda: day_counts(*days)
    if "median_days_to_open" in by_row:
        by_row -= {"median_days_to_open"}
        side["cohort_median"] = lambda: median_days_to_open(s.cohort)
    if by_row:
        side["cohort/" + ",".join(sorted(by_row))] = lambda: s.cohort.aggregate(**reductions(s.cohort, funnel, by_row))
    # ... from the demographics when those are asked too (each recipient has one country, known or not).
    if rollup and only is not None and "recipient_demographics" not in only:
        side["cohort_recipients"] = lambda: rolled_up_unique_recipients(tables, s.cohort, w.start, w.end)
    return side, rollup


def _cohort_row(plan: Plan, side: dict[str, Callable[[], ir.Expr]]) -> Json:
    """The cohort's reductions: those added up by day, those counted from its rows, and its
    recipients when counted apart (from the rollups)."""
    row: Json = {}
    for name in [n for n in side if n.startswith(("days/", "cohort/"))] + ["cohort_median", "cohort_recipients"]:
        if name in side:
            row.update(plan.rows(name, side[name])[0])
    return row


def _demographics(plan: Plan, side: dict[str, Callable[[], ir.Expr]]) -> list[Json] | None:
    """The window's recipients per demographic attribute and value, when asked: from the fold's
    `recipient_days` less the straddlers not awarded in the window (an unfiltered scope), or from
    the cohort's combinations of attributes."""
    if "demographics" not in side:
        return None
    rows = plan.rows("demographics", side["demographics"])
    if "demographics_unseen" in side:
        return recipients.marginals(rows, plan.rows("demographics_unseen", side["demographics_unseen"]))
    return recipients.cell_marginals(rows)


def _independent(plan: Plan, need: Callable[..., bool], s: Scoped) -> dict[str, Callable[[], ir.Expr]]:
    """The asked statements that read only the issuer's tables (no temporary table of the reader),
    by name: `compute` starts them aside and reads them where they are used."""
    query, tables, w = plan.query, plan.tables, SENTINELS
    builds: dict[str, Callable[[], ir.Expr]] = {}
    if need("active_credentials", "expiring_next_90d", "revoked"):
        builds["state"] = lambda: s.all.aggregate(**state_reductions(s.all, w.start, w.end))
    rolled_up = reads_rollups(query)
    if need("new_recipients"):
        builds["new_recipients"] = (
            (lambda: rolled_up_new_recipients(tables, w.start, w.end))
            if rolled_up
            else (lambda: new_recipients(s.cohort, s.all, w.start))
        )
    if need("enrollments", "completions", "completion_rate", "programs"):
        builds["enrollments"] = lambda: enrollments_by_program(query, tables, w.start, w.end)
    if need("programs", "co_held_programs", "program_sequences", "program_renewals", "designs"):
        builds["programs"] = lambda: programs.names(query, tables)
    if need("programs"):
        builds["per_program"] = lambda: programs.per_program(query, tables, w.first_day, w.last_day)
    if need(*RENEWALS):
        builds["renewals"] = lambda: renewal_totals(s.all, w.start, w.end)
    if need("program_renewals"):
        builds["program_renewals"] = lambda: renewals_by_program(s.all, w.start, w.end)
    if need("designs"):
        builds["designs"] = lambda: designs.per_design(s.cohort)
    if need("share_channels", "feedback"):
        builds["daily_activity"] = lambda: recipients.daily_activity(query, tables, w.first_day, w.last_day)
    if need("career_outcomes"):
        builds["career_outcomes"] = lambda: recipients.career_outcomes(tables, s.all, w.start, w.end)
    wanted = frozenset(m for m in attributes.BREAKDOWNS if need(m))
    if wanted:
        builds["attributes/" + ",".join(sorted(wanted))] = lambda: attributes.event_attributes(
            query, tables, w.first_day, w.last_day, wanted
        )
    if need("recipient_demographics") and not rolled_up:
        builds["demographics"] = lambda: recipients.recipient_demographics(tables, s.cohort)
    return builds


class Held:
    """What the portfolio metrics read: the (recipient, program) holdings as of the window's end,
    one row per recipient (`people`) and the pairs of programs each holds; prepared on creation,
    their expressions built on first use (as `Scoped`).

    An unfiltered scope reads the portfolio rollups the fold keeps (store/portfolios.py), recounting
    from `credentials` only the recipients awarded something at or after the window's end; a
    filtered one (programs, kind, department) counts from `credentials`.
    NOTE: measured at 10M events (last_quarter), ~0.9 s of CPU from `credentials`, ~0.1 s with the
    rollups (docs/performance.md).
    """

    def __init__(self, plan: Plan, s: Scoped) -> None:
        self.tables, self.rolled_up = plan.tables, reads_rollups(plan.query)
        if self.rolled_up:
            self._late = plan.materialize("recounted", lambda: recipients.recounted(self.tables, s.all, SENTINELS.end))
        else:
            self._held = plan.materialize("holdings", lambda: recipients.held_by(s.all, SENTINELS.end))
            self._people = plan.materialize("people", lambda: recipients.people(self._held))

    @cached_property
    def holdings(self) -> ir.Table:
        if self.rolled_up:
            return recipients.rolled_up_holdings(self.tables, self._late, SENTINELS.end)
        return self._held

    @cached_property
    def people(self) -> ir.Table:
        if self.rolled_up:
            return recipients.rolled_up_people(self.tables, self._late, SENTINELS.end)
        return self._people

    @cached_property
    def pairs(self) -> ir.Table:
        if self.rolled_up:
            return recipients.rolled_up_pairs(self.tables, self._late, SENTINELS.end)
        return recipients.held_pairs(self._held, self._people)


@dataclass(frozen=True)
class Inputs:
    """What the programs and recipients metrics read, prepared once by `compute`."""

    held: Held | None
    enrollments: dict[str, dict[str, int]]
    demographics: list[dict[str, Any]] | None  # recipient_demographics per attribute and value, when asked
    side: dict[str, Callable[[], ir.Expr]]  # the statements started aside (`_independent`)


def _verification_views(plan: Plan, need: Callable[..., bool], verified: ir.Table | None, shaped: Json) -> None:
    """Trends, verifier breakdowns and market demand, those asked for."""
    if need(*TRENDS):
        keys = plan.use_buckets(trend_window(plan))
    changes = None
    if need("verifications_per_1k_active", "issued_trend"):  # issued (started) and ended per bucket
        days = plan.rows(
            "active_changes", lambda: verification.day_changes(plan.query, plan.tables, SENTINELS.last_day)
        )
        changes = verification.changes_per_bucket(keys, days)
    if need("issued_trend"):
        assert changes is not None
        issued = [{"key": r["key"], "value": r["started"]} for r in changes if r["key"]]
        shaped["issued_trend"] = {"rows": bucket_rows(keys, issued)}
    if need("verification_trend", "verifications_per_1k_active"):
        counts = plan.rows("verification_trend", lambda: per_bucket(verified, "verified_at"))
        trend = bucket_rows(keys, counts)
        shaped["verification_trend"] = {"rows": trend}
    if need("verifications_per_1k_active"):
        assert changes is not None
        shaped["verifications_per_1k_active"] = {"rows": verification.per_1k_active(keys, changes, trend)}
    if need(*BREAKDOWNS):
        by = plan.rows("verification_breakdowns", lambda: verification.breakdowns(verified))
        for attribute in verification.ATTRIBUTES:
            shaped[f"verifications_by_{attribute}"] = {"rows": verification.breakdown_rows(by, attribute)}
        top = verification.breakdown_rows(by, "organization", verification.TOP_VERIFIERS)
        shaped["top_verifiers"] = {"rows": top}
    if need(*SEGMENT_TRENDS):
        segments = plan.rows("segment_trends", lambda: market.segment_trends(verified))
        for attribute in market.SEGMENTS:
            shaped[f"verifications_by_{attribute}_trend"] = {"rows": market.segment_trend(keys, segments, attribute)}
    if need("employer_segments"):
        employers = plan.rows("employers", lambda: market.employer_segments(verified))
        shaped["employer_segments"] = {"rows": market.segment_rows(employers)}


def _programs_and_recipients(plan: Plan, need: Callable[..., bool], inputs: Inputs, shaped: Json) -> None:
    """Program rows and the recipients family, those asked for."""
    enrollments, side, held = inputs.enrollments, inputs.side, inputs.held
    if "programs" in side:
        info = programs.name_rows(plan.rows("programs", side["programs"]))
        names = {k: v["name"] for k, v in info.items()}
    if "per_program" in side:
        counts = programs.count_rows(plan.rows("per_program", side["per_program"]))
        shaped["programs"] = {"rows": programs.program_rows(info, counts, enrollments, shaped)}
    if "program_renewals" in side:
        shaped["program_renewals"] = {
            "rows": renewal_rows(plan.rows("program_renewals", side["program_renewals"]), names)
        }
    if "designs" in side:
        shaped["designs"] = {"rows": designs.design_rows(plan.rows("designs", side["designs"]), names)}
    if held is not None:  # a portfolio metric is asked for; the pairs need the holders per program too
        sizes = plan.rows("portfolio", lambda: recipients.portfolio(held.holdings, held.people))
        shaped["credentials_per_recipient"] = {"rows": recipients.credentials_per_recipient(sizes)}
        if need("co_held_programs", "program_sequences"):
            pairs = recipients.ordered_pairs(plan.rows("pairs", lambda: recipients.pairs(held.pairs)))
            shaped["co_held_programs"] = {"rows": recipients.co_held_programs(pairs, sizes, names)}
            shaped["program_sequences"] = {"rows": recipients.program_sequences(pairs, names)}
    if "daily_activity" in side:
        activity = plan.rows("daily_activity", side["daily_activity"])
        shaped["share_channels"] = {"rows": recipients.share_channels(activity)}
        shaped["feedback"] = recipients.feedback(activity)
    if "career_outcomes" in side:
        shaped["career_outcomes"] = {
            "rows": recipients.outcome_rows(plan.rows("career_outcomes", side["career_outcomes"]))
        }
    for name in [n for n in side if n.startswith("attributes/")]:
        wanted = frozenset(name.removeprefix("attributes/").split(","))
        for metric_id, rows in attributes.attribute_rows(plan.rows(name, side[name]), wanted).items():
            shaped[metric_id] = {"rows": rows}
    if inputs.demographics is not None:
        shaped["recipient_demographics"] = {"rows": recipients.demographic_rows(inputs.demographics)}


def protect(metrics: Json, k: int) -> Json:
    """The privacy layer: every result goes through here, once, before any surface sees it.

    Sensitive breakdowns lose cells of fewer than k recipients (and their complementary cell);
    verifier crossings lose cells of fewer than 3 verifications and their complements against every
    released margin, and name none of them (privacy.md). Each window is protected on its own: its
    margins are its own.
    """
    for metric_id, result in metrics.items():
        metric = REGISTRY[metric_id]
        if metric.privacy is Rule.SENSITIVE:
            result["rows"] = suppress_sensitive(result["rows"], k)
        elif metric.privacy is Rule.VERIFIER_CROSSING:
            assert metric.axes is not None
            result["rows"] = suppress_crossing(result["rows"], metric.axes)
    return metrics


def cohort_inputs(only: frozenset[str] | None, funnel: tuple[str, ...]) -> frozenset[str] | None:
    """The cohort reductions the metrics in ``only`` need, or None when some asked metric does not
    come from the cohort aggregate alone (or every metric is asked).

    NOTE: measured on the medium demo, the full cohort aggregate (~50 reductions) costs ~17 ms
    even over a few thousand credentials; the executive page's fixed-window tiles need two of them.
    """
    if only is None:
        return None
    available = reduction_names(funnel)
    names: set[str] = set()
    for metric_id in only:
        metric = REGISTRY[metric_id]
        if metric.shape is Shape.FUNNEL:
            wanted = {f"funnel_{k}" for k in range(len(funnel))}
        elif metric.shape is Shape.RATE:
            wanted = {metric.numerator or "", metric.denominator or ""}
        elif metric_id == "owner_active_days_mean":
            wanted = {"owner_active_days_total", "opened"}
        else:
            wanted = {metric_id}
        if not wanted <= available:
            return None
        names |= wanted
    return frozenset(names)


# The issuer-wide rates each program row is compared with (programs.perceived_value_index).
PROGRAM_BASELINE = frozenset({"share_rate", "profile_add_rate", "verification_rate"})


def _cohort_part(only: frozenset[str] | None, funnel: tuple[str, ...]) -> frozenset[str] | None:
    """The cohort reductions a run asking ``only`` (some of them from other queries) needs; None for all."""
    if only is None:
        return None
    wanted = {m for m in only if cohort_inputs(frozenset({m}), funnel) is not None}
    if "programs" in only:
        wanted |= PROGRAM_BASELINE
    return cohort_inputs(frozenset(wanted), funnel) or frozenset({"issued"})


def _shape(row: Json, funnel: tuple[str, ...]) -> Json:
    """The scalar, rate and funnel metrics whose counts are in ``row`` (all of them once every
    count query has run; those of the cohort's reductions in ``row`` for a partial run)."""
    counts = {k: int(v or 0) for k, v in row.items() if k not in ("median_days_to_open",)}
    out: Json = {}
    for metric in REGISTRY.values():
        if metric.shape is Shape.COUNT and metric.id in counts:
            out[metric.id] = {"value": counts[metric.id]}
        elif metric.shape is Shape.RATE and {metric.numerator, metric.denominator} <= counts.keys():
            assert metric.numerator is not None
            assert metric.denominator is not None
            num, den = counts[metric.numerator], counts[metric.denominator]
            out[metric.id] = {"value": round(num / den, 6) if den else None, "numerator": num, "denominator": den}
        elif metric.shape is Shape.FUNNEL and "funnel_0" in counts:
            out[metric.id] = {"steps": [{"step": s, "value": counts[f"funnel_{k}"]} for k, s in enumerate(funnel)]}
    if {"owner_active_days_total", "opened"} <= counts.keys():
        opened = counts["opened"]
        mean = round(counts["owner_active_days_total"] / opened, 6) if opened else None
        out["owner_active_days_mean"] = {"value": mean}
    if "median_days_to_open" in row:
        median = row["median_days_to_open"]
        out["median_days_to_open"] = {"value": None if median is None else round(float(median), 6)}
    return out


def run_for(
    issuer: Issuer,
    tables: IssuerTables,
    programs: list[str] | None = None,
    funnel: str | None = None,
    only: frozenset[str] | None = None,
    compared: frozenset[str] | None = None,
    **params: str | None,
) -> Json:
    """What every surface calls: parse the parameters as received (`from`/`to` or `period`, filters,
    `compare`, `interval`, `funnel` as comma-separated steps) for the issuer, then run with the
    issuer's suppression threshold. Raises QueryError naming the bad parameter."""
    query = parse_query(issuer.slug, issuer.timezone, programs=tuple(programs or ()), **params)  # type: ignore[arg-type]
    steps = DEFAULT_FUNNEL if not funnel else tuple(step.strip() for step in funnel.split(","))
    result = run(query, tables, steps, k=issuer.suppression_k, only=only, compared=compared)
    first = first_event_day(query, tables)
    if first is not None:
        result["query"]["from"] = first.isoformat()
    return result


def first_event_day(query: Query, tables: IssuerTables) -> dt.date | None:
    """Where "all time" starts as the surfaces say it: the issuer's first day with an event
    (issuer-local, from `daily`), not 2000-01-01. Nothing happened before it, so the run keeps its
    window (and its plans: a later start made the `all` run ~18 ms slower on the medium demo), and
    its trends already start at the first issuance in scope (`trend_window`)."""
    if query.preset is not Preset.ALL:
        return None
    d = tables["daily"]
    rows = tables.query("first_event_day", lambda: d.aggregate(first=d.day.min()))
    first: dt.date | None = rows[0]["first"] if rows else None
    if first is None or not query.window.start < first <= query.window.end:
        return None
    return first


def run(
    query: Query,
    tables: IssuerTables,
    funnel: tuple[str, ...] = DEFAULT_FUNNEL,
    *,
    k: int = DEFAULT_K,
    only: frozenset[str] | None = None,
    compared: frozenset[str] | None = None,
) -> Json:
    """The metrics JSON of docs/api.md, suppressed per privacy.md, with the comparison window and
    changes when asked (a change involving a suppressed cell is null). ``only`` limits it to some
    metric ids (a page that shows a few numbers of another window); ``compared`` limits the comparison
    window to some of them (None: all), and only those get a change: a page whose other metrics are
    read in the window alone (the insights' portfolios, renewals, designs) does not compute them twice."""
    if only is not None and not only <= REGISTRY.keys():
        raise QueryError("metrics", f"unknown metric(s) {', '.join(sorted(only - REGISTRY.keys()))}")
    bad = [step for step in funnel if step not in FUNNEL_STEPS]
    if bad or funnel[0] != "issued" or len(set(funnel)) != len(funnel):
        raise QueryError("funnel", f"distinct steps starting with issued, from {', '.join(FUNNEL_STEPS)}")
    check_k(k)
    comparison = query.comparison()
    if comparison is None:
        metrics = protect(compute(query, tables, funnel, only), k)
    else:  # NOTE: the two windows on two readers at once: see _both
        earlier = only if compared is None else (compared if only is None else only & compared)
        metrics, before = _both(query, comparison, tables, funnel, (only, earlier))
        metrics, before = protect(metrics, k), protect(before, k)
    result: Json = {"query": {**describe(query), "funnel": list(funnel)}, "metrics": metrics}
    if comparison is not None:
        for name, value in metrics.items():
            if name in before:
                _add_change(name, value, before[name])
        result["comparison"] = {"window": _window(comparison), "metrics": before}
    return result


def _both(
    query: Query,
    comparison: Query,
    tables: IssuerTables,
    funnel: tuple[str, ...],
    only: tuple[frozenset[str] | None, frozenset[str] | None],
) -> tuple[Json, Json]:
    """The window and its comparison window computed at once, on two readers; ``only`` is what each
    computes (the window's metrics, the comparison window's).

    NOTE: measured on the medium demo, most statements of a dashboard's run take 2-20 ms and use
    one core (planning, small scans): with the two windows in two threads, the executive page's
    runs took ~150 ms instead of ~290 ms. The program filter is checked by the window's run alone.
    """
    earlier = WINDOWS.submit(compute, comparison, tables.fork(), funnel, only[1], check=False)
    try:
        now = compute(query, tables, funnel, only[0])
    except BaseException:
        wait([earlier])  # nothing of a failed run keeps running (or holds a reader) after it
        raise
    return now, earlier.result()


def _add_change(metric_id: str, now: Json, before: Json) -> None:
    """Every metric and every row gets its change: breakdown rows pair by key (and attribute), trend
    buckets and funnel steps by position (the comparison window's 1st bucket with the window's 1st)."""
    shape = REGISTRY[metric_id].shape
    if shape in (Shape.BREAKDOWN, Shape.SEGMENT_TREND):
        old = {(row.get("attribute"), row["key"]): row for row in before["rows"]}
        unnamed = (None, HIDDEN_CELLS) in old  # a key absent there may be one of its unnamed hidden cells
        for row in now["rows"]:
            previous = old.get((row.get("attribute"), row["key"]))
            before_value = None if previous is None and unnamed else _previous_value(row, previous)
            row["change"] = _change(row["value"], before_value)
            if shape is Shape.SEGMENT_TREND:
                buckets = previous["buckets"] if previous else [{"value": 0}] * len(row["buckets"])
                _pair_by_position(row["buckets"], buckets)
        if "mean" in now:
            now["mean_change"] = _change(now["mean"], before["mean"])
        return
    for rows in ("steps", "rows"):
        if rows in now:
            _pair_by_position(now[rows], before[rows])
            return
    now["change"] = _change(now["value"], before["value"])


def _previous_value(row: Json, previous: Json | None) -> float | None:
    """A row absent from the comparison window was 0 there, unless this one is hidden."""
    if previous is None:
        return None if row.get("suppressed") else 0
    value: float | None = previous["value"]
    return value


def _pair_by_position(rows: list[Json], before: list[Json]) -> None:
    for row, previous in zip(rows, before, strict=False):
        row["change"] = _change(row["value"], previous["value"])


def _change(now: float | None, before: float | None) -> Json:
    if now is None or before is None:
        return {"absolute": None, "relative": None}
    absolute = now - before
    return {"absolute": round(absolute, 6), "relative": round(absolute / before, 6) if before else None}


def _window(query: Query) -> Json:
    return {"from": query.window.start.isoformat(), "to": query.window.end.isoformat()}


def describe(query: Query) -> Json:
    filters = query.filters
    return {
        "issuer": query.issuer,
        **_window(query),
        "timezone": query.timezone,
        "period": query.preset.value if query.preset else None,
        "program": list(filters.programs),
        "kind": filters.kind,
        "department": filters.department,
        "compare": query.compare.value if query.compare else None,
        "interval": query.interval.value,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
