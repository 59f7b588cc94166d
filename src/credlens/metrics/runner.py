"""A query's walk, one function a step: parse → plan → read both windows → finish → protect → compare.

1. parse: `run_for` turns the parameters as received into a Query (domain/query.py);
2. plan: `plan.plan` names the statements the asked metrics need, from what each metric of the
   registry declares (metrics/registry.py): a pure function, the same for DuckDB and Spark;
3. read: `read` runs one window's plan on the issuer's reader, inside one snapshot, what needs no
   temporary table on a second reader meanwhile; `run` reads the comparison window at once, on a
   fork (store/reader.py: one pool, sized to the cores);
4. finish: `finish.finish` makes each metric's result from its inputs' rows;
5. protect: `protect` applies the privacy rules, every window on its own (privacy.md);
6. compare: `compare` adds each metric's change against the comparison window.
The result is the metrics JSON of docs/api.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ibis.expr.types as ir

from credlens.domain.issuers import Issuer
from credlens.domain.periods import Preset, Window
from credlens.domain.query import Query, QueryError, parse_query
from credlens.metrics.cohort import DEFAULT_FUNNEL, FUNNEL_STEPS
from credlens.metrics.finish import Read, finish
from credlens.metrics.inputs import Inputs
from credlens.metrics.plan import Plan, Statement, Where, plan
from credlens.metrics.registry import REGISTRY, Shape
from credlens.metrics.statements import Statements
from credlens.privacy.suppression import DEFAULT_K, HIDDEN_CELLS, Rule, check_k, suppress_crossing, suppress_sensitive
from credlens.store import reader
from credlens.store.scope import IssuerTables

Json = dict[str, Any]
Rows = list[dict[str, Any]]


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
    check(funnel, only, k)
    now, before = plan_both(query, funnel, only, compared)
    read_now, read_before = read_both(now, before, tables)
    metrics = protect(finish(now, read_now), k)
    result: Json = {"query": {**describe(query), "funnel": list(funnel)}, "metrics": metrics}
    if before is not None:
        assert read_before is not None
        earlier = protect(finish(before, read_before), k)
        result["comparison"] = {"window": _window(before.query), "metrics": compare(metrics, earlier)}
    return result


def plan_both(
    query: Query, funnel: tuple[str, ...], only: frozenset[str] | None, compared: frozenset[str] | None
) -> tuple[Plan, Plan | None]:
    """The window's plan and, when the query compares, the comparison window's (of ``compared``)."""
    asked = REGISTRY.keys() if only is None else only
    comparison = query.comparison()
    now = plan(query, asked, funnel)
    if comparison is None:
        return now, None
    return now, plan(comparison, asked if compared is None else asked & compared, funnel, check=False)


def check(funnel: tuple[str, ...], only: frozenset[str] | None, k: int) -> None:
    """The run's own parameters (the query's were checked by `parse_query`)."""
    if only is not None and not only <= REGISTRY.keys():
        raise QueryError("metrics", f"unknown metric(s) {', '.join(sorted(only - REGISTRY.keys()))}")
    bad = [step for step in funnel if step not in FUNNEL_STEPS]
    if bad or funnel[0] != "issued" or len(set(funnel)) != len(funnel):
        raise QueryError("funnel", f"distinct steps starting with issued, from {', '.join(FUNNEL_STEPS)}")
    check_k(k)


def read_both(now: Plan, before: Plan | None, tables: IssuerTables) -> tuple[Read, Read | None]:
    """The window and its comparison window read at once, the earlier on a fork of the reader.

    NOTE: measured on the medium demo, most statements of a dashboard's run take 2-20 ms and use
    one core (planning, small scans): with the two windows in two threads, the executive page's
    runs took ~150 ms instead of ~290 ms. The program filter is checked by the window's run alone.
    """
    if before is None:
        return read(now, tables), None
    fork = tables.fork()
    earlier = reader.submit(lambda: read(before, fork))
    try:
        found = read(now, tables)
    except BaseException:
        earlier.settle()  # nothing of a failed run keeps running (or holds a reader) after it
        raise
    return found, earlier.result()


def read(planned: Plan, tables: IssuerTables) -> Read:
    """Run one window's statements in the plan's order, on one snapshot of the store; the ones
    aside start together where the first of them stands, on a second reader (store/reader.py).

    Expressions are built with sentinel bounds and compiled once per shape (statements.py); each
    run substitutes its window's."""
    aside = [s for s in planned.statements if s.where is Where.ASIDE]
    with reader.snapshot(tables):
        statements = Statements(planned.query, tables, planned.funnel)
        inputs = Inputs(planned, tables)
        rows: dict[str, Rows] = {}
        keys: list[str] = []

        def build(s: Statement) -> Callable[[], ir.Expr]:
            return lambda: inputs.build(s)

        try:
            for s in planned.statements:
                if s is (aside[0] if aside else None):
                    statements.aside({a.name: build(a) for a in aside})
                elif s.where is Where.TEMP:
                    inputs.temps[s.name] = statements.materialize(s.name, build(s))
                elif s.where is Where.VIEW:
                    keys = statements.use_buckets(trend_window(planned.query, rows.get("first_issued")))
                elif s.where is Where.READER:
                    rows[s.name] = statements.rows(s.name, build(s))
                    if s.name == "known_programs":
                        check_programs(planned.query, rows[s.name])
            rows.update({s.name: statements.rows(s.name, build(s)) for s in aside})
        except BaseException:
            statements.settle()  # a failed run leaves nothing running aside
            raise
    return Read(planned, rows, keys)


def check_programs(query: Query, known_rows: Rows) -> None:
    """A program filter naming a program the issuer does not have is an error, not an empty result."""
    known = {r["program_id"] for r in known_rows}
    unknown = [p for p in query.filters.programs if p not in known]
    if unknown:
        raise QueryError("program", f"unknown program(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def trend_window(query: Query, first_issued: Rows | None) -> Query:
    """`all` starts in 2000; its trends start at the issuer's first issuance in scope instead.

    NOTE: measured here, 320 monthly buckets since 2000 made the full metric set 4.8 s at 1M events.
    """
    first_day = first_issued[0]["first"] if first_issued else None
    if query.preset is not Preset.ALL or first_day is None:
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
    """One window's metrics (no comparison, before suppression): every registered one, or those in ``only``."""
    planned = plan(query, REGISTRY.keys() if only is None else only, funnel, check=check)
    return finish(planned, read(planned, tables))


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


def compare(metrics: Json, before: Json) -> Json:
    """Every metric also in the comparison window gets its change; returns ``before``."""
    for name, value in metrics.items():
        if name in before:
            _add_change(name, value, before[name])
    return before


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
