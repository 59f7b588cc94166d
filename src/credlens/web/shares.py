"""What a shared link shows: its dashboard page with its fixed filters, read as the executive role.

The view is built by the same call as the staff page (routes/dashboards.py ``_build``: the metrics
engine under the viewer's scope, suppressed by the privacy layer), with an executive reader of the
link's issuer, so its numbers are the executive's for those filters, suppression included. Then
every way out is taken off the page: cells that link elsewhere show their text only, and notes
naming another page are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from credlens.access.shares import SharedLink
from credlens.config import Settings
from credlens.domain.accounts import Role, Session, User
from credlens.domain.issuers import Issuer
from credlens.reports import notes
from credlens.reports.catalog import catalog
from credlens.reports.view import Cell, Dashboard, Section, Table
from credlens.store.warehouse import Warehouse
from credlens.web import state as url_state
from credlens.web.auth import Staff
from credlens.web.dashboards import PAGES, Context, Page
from credlens.web.routes.dashboards import _build
from credlens.web.state import State, dashboard_state

_NEVER = dt.datetime(1970, 1, 1)  # the reader's user and session are not stored anywhere
# The pages a link may show: one window, one set of filters. Compare (groups, a baseline) and
# Insights (every finding links to the page showing it) are left out (docs/dashboards.md).
SHAREABLE = ("executive", "programs", "market", "portfolios")


def state_of(filters: str) -> State:
    """The fixed filters of a link, read back from the query string stored with it."""
    values = parse_qs(filters, keep_blank_values=False)

    def one(name: str) -> str | None:
        return values.get(name, [None])[0]

    return dashboard_state(
        period=one("period"),
        date_from=one("from"),
        date_to=one("to"),
        program=values.get("program"),
        kind=one("kind"),
        department=values.get("department"),
        compare=one("compare"),
        interval=one("interval"),
    )


def filters_of(state: State, page: str) -> str:
    """The query string a link keeps: the state as the page would put it in its address (no window
    given: the pages' default window, the comparison as chosen)."""
    if state.bare:
        state = replace(state, period=url_state.DEFAULT_PERIOD)
    return urlencode(state.for_page(page).items())


def describe(state: State, names: dict[str, str]) -> str:
    """The fixed filters in words, for the admin's list."""
    window = dict(url_state.PERIODS).get(state.period or "", "") or f"{state.date_from} to {state.date_to}"
    parts = [window]
    if state.compare:
        parts.append(f"compared with {dict(url_state.COMPARES).get(state.compare, state.compare).lower()}")
    programs = ", ".join(names.get(p, p) for p in state.programs) or "all programs"
    parts.append(programs)
    if state.kind:
        parts.append(f"{state.kind}s")
    if state.department:
        parts.append(f"department {state.department}")
    return "; ".join(parts)


def reader(issuer: Issuer, actor: str) -> Staff:
    """A link's reader: the executive role of the link's issuer, nobody signed in (no session row)."""
    user = User(actor, issuer.issuer_id, "", Role.EXECUTIVE, (), False, False, _NEVER)
    return Staff(issuer, user, Session("", issuer.issuer_id, None, None, _NEVER, _NEVER, _NEVER))


def context(issuer: Issuer, actor: str, filters: str, warehouse: Warehouse) -> Context:
    tables = warehouse.tables(issuer.issuer_id)
    return Context(reader(issuer, actor), state_of(filters), catalog(tables), tables)


def check(issuer: Issuer, filters: str, warehouse: Warehouse) -> None:
    """Refuse filters the engine would refuse (dates the wrong way round, an unknown period, ...), in
    its words: a link that could only ever show an error is not made. One cheap metric is run."""
    context(issuer, "check", filters, warehouse).run(only=frozenset({"issued"}))


def view(page: Page, ctx: Context, warehouse: Warehouse, settings: Settings) -> Dashboard:
    """The executive's dashboard for the link's filters, with nothing on it that leads elsewhere."""
    return _without_links(_build(page, ctx, warehouse, settings))


def page_context(link: SharedLink, dashboard: Dashboard, ctx: Context) -> dict[str, Any]:
    return {
        "page": PAGES[link.page],
        "dashboard": dashboard,
        "state": ctx.state,
        "names": dict(ctx.catalog.programs),
        "periods": url_state.PERIODS,
        "issuer": ctx.staff.issuer,
        "definitions": notes.definition,
        "link": link,
    }


def _without_links(dashboard: Dashboard) -> Dashboard:
    return replace(dashboard, sections=tuple(_section(s) for s in dashboard.sections))


def _section(section: Section) -> Section:
    notes = tuple(n for n in section.notes if "/dashboards/" not in n)  # e.g. "All findings: /dashboards/insights?..."
    return replace(section, tables=tuple(_table(t) for t in section.tables), notes=notes)


def _table(table: Table) -> Table:
    rows = tuple(tuple(Cell(None, c.text) if c.href else c for c in row) for row in table.rows)
    return replace(table, rows=rows)
