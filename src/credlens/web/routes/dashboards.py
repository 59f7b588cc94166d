"""The staff dashboards: ``/dashboards/{name}`` and its ``.json`` and ``.csv`` twins (and ``.pdf`` and
``.xlsx`` for Executive and Programs), from one result.

Every page is behind the sign-in; program managers are held to their programs (refused, never
narrowed). A URL without a window redirects to the default state, so the URL always holds the state.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from credlens.config import Settings
from credlens.delivery.report import MEDIA_TYPES, render_document, window_label
from credlens.domain.accounts import Role
from credlens.reports import exports, notes
from credlens.reports.catalog import Catalog, catalog
from credlens.reports.view import Dashboard
from credlens.web import benchmarks
from credlens.web import state as url_state
from credlens.web.auth import Staff, StaffUser
from credlens.web.dashboards import PAGES, Context, Page
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.pages import render
from credlens.web.problems import FormProblem, form_problem
from credlens.web.state import State, dashboard_state

router = APIRouter(include_in_schema=False)
StateDep = Annotated[State, Depends(dashboard_state)]
TableParam = Annotated[str | None, Query(description="one table's id: that table alone, as shown")]


def _canonical(request: Request, staff: Staff, state: State, suffix: str, page: Page) -> Response | None:
    """A redirect to the URL of the state (defaults filled, empty or overridden fields dropped), or None.

    A program manager's state without a program names each of theirs: the form's "none ticked" means
    all of their programs, said in the address (so nothing is narrowed behind the reader's back).
    """
    mine = tuple(staff.user.programs) if staff.user.role is Role.PROGRAM_MANAGER else ()
    if state.bare:
        state = state.with_defaults(mine)
    if mine and not state.programs:
        state = replace(state, programs=mine)
    state = state.for_page(page.name)
    extra = [("table", v) for v in request.query_params.getlist("table")] if suffix == ".csv" else []
    wanted = state.items() + extra
    if sorted(request.query_params.multi_items()) == sorted(wanted):
        return None
    return RedirectResponse(f"{request.url.path}?{urlencode(wanted)}", status_code=303)


def _check_departments(page: Page, state: State) -> None:
    if state.departments and page.name != "compare":
        raise ApiError(400, "invalid_query", "department: one department on this page; compare several on Compare")


def _empty(page: Page, ctx: Context) -> Dashboard:
    query = {"issuer": ctx.staff.issuer.slug, **dict(ctx.state.items())}
    return Dashboard(page.name, page.title, "No data yet.", query, (), extra={"empty": True})


def _context(staff: Staff, warehouse: Any, state: State) -> Context:
    version = warehouse.data_version  # before any read: a change meanwhile gives a newer one
    tables = warehouse.tables(staff.issuer.issuer_id)
    return Context(staff, state, catalog(tables), tables, version)


def _build(page: Page, ctx: Context, warehouse: Any, settings: Settings) -> Dashboard:
    _check_departments(page, ctx.state)
    if ctx.catalog.empty:
        ctx.scoped_programs(ctx.state.programs)  # the role rules hold on an empty issuer too
        return _empty(page, ctx)
    dashboard = page.build(ctx)
    if page.name in benchmarks.PAGES:
        dashboard = benchmarks.with_benchmarks(dashboard, ctx, warehouse, settings)
    return dashboard


def _dashboard(page: Page, staff: Staff, warehouse: Any, state: State, settings: Settings) -> tuple[Dashboard, Context]:
    ctx = _context(staff, warehouse, state)
    return _build(page, ctx, warehouse, settings), ctx


def _refused(page: Page, ctx: Context) -> Dashboard:
    """The page of a query the engine refused: no sections, the state as the address gave it."""
    query = {"issuer": ctx.staff.issuer.slug, **dict(ctx.state.items())}
    return Dashboard(page.name, page.title, "", query, ())


def _page_context(page: Page, dashboard: Dashboard, ctx: Context, problem: FormProblem | None = None) -> dict[str, Any]:
    state = ctx.state
    allowed: Catalog = ctx.catalog
    if ctx.staff.user.role is Role.PROGRAM_MANAGER:
        mine = set(ctx.staff.user.programs)
        allowed = Catalog(tuple(p for p in ctx.catalog.programs if p[0] in mine), ctx.catalog.departments)
    return {
        "page": page,
        "pages": PAGES.values(),
        "dashboard": dashboard,
        "state": state,
        "query_string": state.query_string(),
        "nav_query": urlencode(
            [(k, v) for k, v in state.items() if k != "design" and (k != "department" or not state.departments)]
        ),
        "catalog": allowed,
        "names": dict(ctx.catalog.programs) | {d["key"]: d["label"] for d in dashboard.extra.get("designs", [])},
        "periods": url_state.PERIODS,
        "compares": url_state.COMPARES,
        "kinds": url_state.KINDS,
        "intervals": url_state.INTERVALS,
        "issuer": ctx.staff.issuer,
        "definitions": notes.definition,
        "problem": problem,
        "manager": ctx.staff.user.role is Role.PROGRAM_MANAGER,
    }


def _add(page: Page) -> None:
    path = f"/dashboards/{page.name}"

    @router.get(path, name=f"{page.name}_page")
    def html(request: Request, staff: StaffUser, warehouse: WarehouseDep, state: StateDep) -> Response:
        redirect = _canonical(request, staff, state, "", page)
        if redirect is not None:
            return redirect
        ctx = _context(staff, warehouse, state)
        try:
            dashboard = _build(page, ctx, warehouse, request.app.state.settings)
        except ApiError as exc:
            if exc.status != 400:
                raise
            problem = form_problem(exc, state, path)  # answered in the form, the filters kept
            return render(request, "dashboards/page.html", _page_context(page, _refused(page, ctx), ctx, problem), 400)
        template = "dashboards/empty.html" if dashboard.extra.get("empty") else "dashboards/page.html"
        return render(request, template, _page_context(page, dashboard, ctx))

    @router.get(path + ".json", name=f"{page.name}_json")
    def as_json(request: Request, staff: StaffUser, warehouse: WarehouseDep, state: StateDep) -> Response:
        redirect = _canonical(request, staff, state, ".json", page)
        if redirect is not None:
            return redirect
        dashboard, _ = _dashboard(page, staff, warehouse, state, request.app.state.settings)
        body = JSONResponse(dashboard.json())
        warehouse.audit(staff.issuer.issuer_id, staff.user.actor, "export", f"{page.title} dashboard JSON")
        return body

    @router.get(path + ".csv", name=f"{page.name}_csv")
    def as_csv(
        request: Request, staff: StaffUser, warehouse: WarehouseDep, state: StateDep, table: TableParam = None
    ) -> Response:
        redirect = _canonical(request, staff, state, ".csv", page)
        if redirect is not None:
            return redirect
        dashboard, _ = _dashboard(page, staff, warehouse, state, request.app.state.settings)
        if table is None:
            body, name = exports.dashboard_csv(dashboard), page.name
        else:
            found = dashboard.table(table)
            if found is None:
                known = ", ".join(t.id for t in dashboard.tables()) or "none"
                raise ApiError(404, "not_found", f"no table {table!r} on this dashboard; its tables: {known}")
            body, name = exports.table_csv(found), f"{page.name}-{table}"
        warehouse.audit(staff.issuer.issuer_id, staff.user.actor, "export", f"{page.title} dashboard CSV ({name})")
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="credlens-{staff.issuer.slug}-{name}.csv"'},
        )

    if page.name in FILE_TWINS:
        for fmt in ("pdf", "xlsx"):
            _add_file(page, fmt)


FILE_TWINS = ("executive", "programs")  # the pages a board is sent (docs/reports.md)


def _add_file(page: Page, fmt: Literal["pdf", "xlsx"]) -> None:
    """The page as a PDF or XLSX file: the same value as the page, so the same numbers and suppression."""
    path = f"/dashboards/{page.name}.{fmt}"

    @router.get(path, name=f"{page.name}_{fmt}")
    def as_file(request: Request, staff: StaffUser, warehouse: WarehouseDep, state: StateDep) -> Response:
        redirect = _canonical(request, staff, state, f".{fmt}", page)
        if redirect is not None:
            return redirect
        dashboard, _ = _dashboard(page, staff, warehouse, state, request.app.state.settings)
        title = f"{staff.issuer.name}: {page.title}"
        body = render_document(dashboard, fmt, title, window_label(dashboard.query))
        warehouse.audit(staff.issuer.issuer_id, staff.user.actor, "export", f"{page.title} dashboard {fmt.upper()}")
        return Response(
            body,
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="credlens-{staff.issuer.slug}-{page.name}.{fmt}"'},
        )


for _page in PAGES.values():
    _add(_page)
