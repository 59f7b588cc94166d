"""The Benchmarks panel added to the pages that show it, under the viewer's scope (docs/dashboards.md)."""

from __future__ import annotations

from dataclasses import replace

from credlens.config import Settings
from credlens.reports.benchmark_panel import section
from credlens.reports.benchmarks import OWN_METRICS, Privacy, benchmarks, window_of
from credlens.reports.view import Dashboard
from credlens.store.warehouse import Warehouse
from credlens.web.dashboards import Context

PAGES = ("executive", "programs")


def with_benchmarks(dashboard: Dashboard, ctx: Context, warehouse: Warehouse, settings: Settings) -> Dashboard:
    """The dashboard with its Benchmarks section last: the viewer's own values (a program manager's
    programs), beside the issuer-level peer release. The page's window was checked by its own runs."""
    params = ctx.state.run_params()
    query = window_of(
        ctx.staff.issuer,
        programs=ctx.scoped_programs(ctx.state.programs),
        date_from=params["date_from"],
        date_to=params["date_to"],
        period=params["period"],
        kind=params["kind"],
        department=params["department"],
    )
    privacy = Privacy(settings.benchmark_epsilon, settings.benchmark_budget)
    page = ctx.runs.get("main", {}).get("metrics", {})
    own = page if page.keys() >= OWN_METRICS else None  # the page's run of the same query, when it has them
    result = benchmarks(warehouse, ctx.staff.issuer, query, privacy, own=own)
    return replace(dashboard, sections=(*dashboard.sections, section(result)))
