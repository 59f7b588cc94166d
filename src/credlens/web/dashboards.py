"""Which metric runs each dashboard needs, run under the viewer's scope; the reports package builds the page."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

from credlens.access.scope import ScopeRefused, stats_programs
from credlens.domain.accounts import Role
from credlens.domain.query import QueryError
from credlens.insights import engine
from credlens.metrics.runner import run_for
from credlens.reports import compare, executive, market, portfolios, programs
from credlens.reports import insights as insight_pages
from credlens.reports.benchmarks import OWN_METRICS
from credlens.reports.catalog import Catalog
from credlens.reports.view import Dashboard
from credlens.store import reader
from credlens.store.scope import IssuerTables
from credlens.web.auth import Staff
from credlens.web.errors import ApiError
from credlens.web.state import State
from credlens.web.versioned import FINDINGS, FIXED_WINDOWS, Versioned, state_key

Json = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """One dashboard request: who asks, the URL's state, the issuer's programs and one reader of its tables."""

    staff: Staff
    state: State
    catalog: Catalog
    tables: IssuerTables  # one reader for every run of the request
    data_version: int | None = None  # the store's, read before any run (None: nothing is kept, web/versioned.py)
    runs: dict[str, Json] = field(default_factory=dict)  # the page's own run ("main"), for its Benchmarks panel

    @property
    def k(self) -> int:
        return self.staff.issuer.suppression_k

    def scoped_programs(self, requested: tuple[str, ...]) -> list[str] | None:
        """The programs a query may name: as asked, or 403 (a program manager's query is never narrowed)."""
        try:
            return stats_programs(self.staff.user, requested)
        except ScopeRefused as exc:
            raise ApiError(403, "forbidden", str(exc)) from exc

    def run(
        self,
        programs: tuple[str, ...] | None = None,
        only: frozenset[str] | None = None,
        tables: IssuerTables | None = None,
        compared: frozenset[str] | None = None,
        **overrides: str | None,
    ) -> Json:
        """`run_for` with the state's parameters (overridden as given), the scope checked first;
        ``only`` asks for a few metrics (their queries alone run), ``compared`` those of them the
        comparison window computes (None: all)."""
        scoped = self.scoped_programs(self.state.programs if programs is None else programs)
        params = {**self.state.run_params(), **overrides}
        issuer = self.staff.issuer
        try:
            return run_for(issuer, tables or self.tables, programs=scoped, only=only, compared=compared, **params)
        except QueryError as exc:
            details = [{"field": exc.field, "reason": exc.message}]
            raise ApiError(400, "invalid_query", f"{exc.field}: {exc.message}", details) from exc

    def run_many(self, jobs: dict[str, dict[str, Any]]) -> dict[str, Json]:
        """Several runs at once, each on a reader of its own; a job asking the same query as an
        earlier one that covers its metrics (e.g. the page's window is also one of the executive
        page's fixed windows) reuses that result.

        NOTE: measured on the medium demo, a dashboard's statements mostly take 2-20 ms on one core;
        with its four runs in threads the executive page rendered in ~245-280 ms instead of ~290-300.
        (With the full metric set per run, earlier, threads were no faster: DuckDB spread each
        query over both cores.)
        """
        covered_by: dict[str, str] = {}
        kept: dict[tuple[tuple[str, Any], ...], str] = {}
        for name, job in jobs.items():
            params = {k: v for k, v in job.items() if k not in ("only", "compared")}
            key = tuple(sorted({**self.state.run_params(), **params}.items(), key=lambda kv: kv[0]))
            earlier = kept.get(key)
            if earlier is not None and _covers(jobs[earlier], job):
                covered_by[name] = earlier  # a full result, or one holding every metric asked
            else:
                kept.setdefault(key, name)
                covered_by[name] = name
        running = sorted(set(covered_by.values()), key=list(jobs).index)
        # On the store's one pool (store/reader.py); when one fails, the others end before the error is raised.
        done = reader.results(
            {name: reader.submit(partial(self.run, tables=self.tables.fork(), **jobs[name])) for name in running}
        )
        return {name: done[covered_by[name]] for name in jobs}


def _covers(wide: dict[str, Any], job: dict[str, Any]) -> bool:
    """Whether the result of ``wide`` (the same query) holds every metric ``job`` asks, and the
    comparison window of every one ``job`` compares."""
    wider, only = wide.get("only"), job.get("only")
    if not (wider is None or (only is not None and only <= wider)):
        return False
    compared = wide.get("compared")
    if compared is None:
        return True
    needed = job.get("compared", only)
    return needed is not None and (needed & (only or needed)) <= compared


# Whether the window and filters match anything: nothing issued and nothing verified in scope. Every
# page asks these two cheap counts beside its own metrics, so it can say so instead of showing zeros.
PROBE = frozenset({"issued", "verifications"})


def matches_nothing(result: Json) -> bool:
    """True when the run's window and filters hold no issuance and no verification."""
    metrics = result.get("metrics", {})
    return all(metrics.get(name, {}).get("value") == 0 for name in PROBE)


def _probed(dashboard: Dashboard, result: Json) -> Dashboard:
    if not matches_nothing(result):
        return dashboard
    return replace(dashboard, extra={**dashboard.extra, "nothing_matches": True})


def _executive(ctx: Context) -> Dashboard:
    # NOTE: one run for the page and its top findings: the programs metric they share is most of the
    # cost (at 10M events, 12mo with its comparison: ~1.3 s of the ~2.7 s insights run).
    # The comparison window computes what the page and the insights read of it, not the insights' other
    # metrics (portfolios, renewals, designs): see engine.COMPARED. The findings and the fixed windows
    # kept for this state and data version (web/versioned.py) are not computed again.
    findings_key = _key(ctx, ctx.state.run_params())
    windows_key = _key(ctx, {"kind": ctx.state.kind, "department": ctx.state.department})
    found, windows = _kept(FINDINGS, findings_key), _kept(FIXED_WINDOWS, windows_key)
    # with the Benchmarks panel's own values: one statement more of the run's, not a run of their own
    wanted, compared = (executive.METRICS | PROBE | OWN_METRICS, executive.METRICS | PROBE)
    if found is None:
        wanted, compared = (wanted | engine.METRICS, compared | engine.COMPARED)
    jobs: dict[str, dict[str, Any]] = {"main": {"only": wanted, "compared": compared}}
    for period, _ in executive.FIXED_WINDOWS if windows is None else ():
        # the same filters over fixed windows, each against the one before
        compare_with = None if period == "all" else "previous"
        # no trend among the tiles: the window's own interval, never the page's (`all` by day is refused)
        jobs[period] = {"period": period, "date_from": None, "date_to": None, "compare": compare_with, "interval": None}
        jobs[period]["only"] = executive.WINDOW_METRICS[period]  # the tiles need a number or two, not the full set
    results = ctx.run_many(jobs)
    page = ctx.runs["main"] = results.pop("main")
    if windows is None:
        windows = _keep(FIXED_WINDOWS, windows_key, results)
    if found is None:
        found = _keep(FINDINGS, findings_key, engine.find(page))
    return _probed(_with_top_findings(executive.build(page, windows, ctx.k), found, ctx), page)


def _programs(ctx: Context) -> Dashboard:
    key = _key(ctx, ctx.state.run_params())
    found = _kept(FINDINGS, key)
    wanted, compared = (programs.METRICS | PROBE | OWN_METRICS, programs.METRICS | PROBE)  # see _executive
    if found is None:
        wanted, compared = (wanted | engine.METRICS, compared | engine.COMPARED)
    result = ctx.runs["main"] = ctx.run(only=wanted, compared=compared, funnel=",".join(programs.FUNNEL))
    if found is None:
        found = _keep(FINDINGS, key, engine.find(result))
    return _probed(_with_top_findings(programs.build(result, ctx.k), found, ctx), result)


def _insights(ctx: Context) -> Dashboard:
    result = ctx.run(only=engine.METRICS | PROBE, compared=engine.COMPARED | PROBE)
    return _probed(insight_pages.build(result, engine.find(result), ctx.state.items()), result)


def _with_top_findings(dashboard: Dashboard, findings: list[Json], ctx: Context) -> Dashboard:
    """The page with its top insights first (the Insights page lists them all)."""
    top = insight_pages.section(findings, ctx.state.items())
    return replace(dashboard, sections=(top, *dashboard.sections))


Key = tuple[int, Hashable]
T = TypeVar("T")


def _key(ctx: Context, params: dict[str, Any]) -> Key | None:
    """The data version read before the request's runs and the state a kept value depends on (the
    scope checked first); None when the context has no version (the value is not kept)."""
    if ctx.data_version is None:
        return None
    issuer = ctx.staff.issuer
    programs = ctx.scoped_programs(ctx.state.programs)
    return ctx.data_version, state_key(issuer.issuer_id, ctx.k, issuer.timezone, programs, params)


def _kept(cache: Versioned[T], key: Key | None) -> T | None:
    return None if key is None else cache.get(*key)


def _keep(cache: Versioned[T], key: Key | None, value: T) -> T:
    if key is not None:
        cache.put(*key, value)
    return value


def _market(ctx: Context) -> Dashboard:
    result = ctx.run(only=market.METRICS | PROBE)
    return _probed(market.build(result), result)


def _portfolios(ctx: Context) -> Dashboard:
    result = ctx.run(only=portfolios.METRICS | PROBE)
    return _probed(portfolios.build(result, ctx.k), result)


def _compare(ctx: Context) -> Dashboard:
    state = ctx.state
    if state.departments and ctx.staff.user.role is Role.PROGRAM_MANAGER:
        raise ApiError(403, "forbidden", "program managers compare their programs, not departments")
    if state.designs and not state.departments:
        return _compare_designs(ctx)
    groups: list[tuple[str, str, dict[str, Any]]] = []
    if state.departments:
        groups = [(d, d, {"department": d}) for d in state.departments]
    elif len(state.programs) > 1:
        ctx.scoped_programs(state.programs)
        groups = [(p, ctx.catalog.name(p), {"programs": (p,)}) for p in state.programs]
    if len(groups) > compare.MAX_GROUPS:
        what = "departments" if state.departments else "programs"
        message = (
            f"compare 2 to {compare.MAX_GROUPS} {what}, not {len(groups)}: untick {len(groups) - compare.MAX_GROUPS}"
        )
        raise ApiError(400, "invalid_query", message, [{"field": "groups", "reason": message}])
    if len(groups) < 2:
        return compare.choose(ctx.run(only=compare.METRICS | compare.DESIGN_METRICS, compare=None))
    groups.sort(key=lambda group: group[0] != state.baseline)  # the baseline first, the others in order
    # the page compares groups, not windows: no comparison window is computed (the form hides the control)
    results = ctx.run_many({key: {**job, "only": compare.METRICS, "compare": None} for key, _, job in groups})
    by = "department" if state.departments else "program"
    return compare.build([(key, label, results[key]) for key, label, _ in groups], by)


def _compare_designs(ctx: Context) -> Dashboard:
    """Credential designs side by side, each pooled over the programs in scope (the ticked programs; a
    program manager's own): one run of the `designs` metric."""
    wanted = ctx.state.designs
    if len(wanted) > compare.MAX_GROUPS:
        message = (
            f"compare 2 to {compare.MAX_GROUPS} designs, not {len(wanted)}: untick {len(wanted) - compare.MAX_GROUPS}"
        )
        raise ApiError(400, "invalid_query", message, [{"field": "groups", "reason": message}])
    result = ctx.run(only=compare.METRICS | compare.DESIGN_METRICS, compare=None)
    if len(wanted) < 2:
        return compare.choose(result)
    groups = compare.design_groups(result, wanted)
    groups.sort(key=lambda group: group[0] != ctx.state.baseline)  # the baseline first, the others in order
    return compare.build_designs(groups, result)


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    build: Callable[[Context], Dashboard]
    blurb: str


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page(
            "executive", "Executive", _executive, "Issuance over fixed windows, verification, top programs, outcomes."
        ),
        Page("programs", "Programs", _programs, "Completion, the engagement funnel, shares by channel, feedback."),
        Page(
            "compare", "Compare", _compare, "2 to 4 programs, departments or designs side by side, with 95 % intervals."
        ),
        Page("market", "Verification & market", _market, "Who verifies: trends, industries, sizes, countries."),
        Page("portfolios", "Recipients & portfolios", _portfolios, "Portfolios, co-held programs, sequences."),
        Page("insights", "Insights", _insights, "Tested findings with their evidence, and what to do about them."),
    )
}
