"""Compiled metric SQL is cached by shape and reused for every window, with the bounds substituted."""

from __future__ import annotations

import datetime as dt
import gc
import time

import duckdb
import ibis
import pytest

from credlens.domain.issuers import Issuer
from credlens.domain.query import QueryError, parse_query
from credlens.metrics.runner import run
from credlens.metrics.statements import CACHE, SENTINELS, Statements, compile_template
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest


def test_a_second_window_compiles_nothing_and_counts_its_own_rows(warehouse: Warehouse, issuer: Issuer) -> None:
    events = [
        {
            "id": f"i{n}",
            "type": "credential.issued",
            "occurred_at": f"2026-0{month}-10T12:00:00Z",
            "credential_id": f"c{n}",
            "program": {"id": "p1"},
            "recipient": {"id": f"r{n}"},
        }
        for n, month in enumerate([1, 2, 2, 3, 3, 3])
    ]
    assert ingest(warehouse, issuer, events).rejections == []
    tables = warehouse.tables(issuer.issuer_id)

    def issued(month: int) -> int:
        start = dt.date(2026, month, 1)
        end = dt.date(2026, month + 1, 1) - dt.timedelta(days=1)
        query = parse_query(
            issuer.slug, issuer.timezone, date_from=str(start), date_to=str(end), today=dt.date(2026, 6, 1)
        )
        value: int = run(query, tables)["metrics"]["issued"]["value"]
        return value

    assert issued(1) == 1
    compiled = CACHE.compiled
    assert (issued(2), issued(3)) == (2, 3)
    assert CACHE.compiled == compiled  # the same shape: every statement came from the cache


def test_a_bound_computed_in_python_is_refused() -> None:
    t = ibis.table({"at": "timestamp"}, name="t")
    assert "MAKE_TIMESTAMP(1901" in compile_template(t.filter(t.at < SENTINELS.end))
    with pytest.raises(AssertionError, match="derived from a sentinel"):
        compile_template(t.filter(t.at < SENTINELS.end + dt.timedelta(days=90)))


def test_only_some_metrics_runs_the_cohort_query_alone_with_the_same_numbers(
    warehouse: Warehouse, issuer: Issuer
) -> None:
    events = [
        {
            "id": f"o{n}",
            "type": "credential.issued",
            "occurred_at": "2026-02-10T12:00:00Z",
            "credential_id": f"oc{n}",
            "program": {"id": "p1"},
            "recipient": {"id": f"r{n % 2}"},
        }
        for n in range(3)
    ]
    assert ingest(warehouse, issuer, events).rejections == []
    query = parse_query(issuer.slug, issuer.timezone, period="ytd", compare="previous", today=dt.date(2026, 6, 1))
    tables = warehouse.tables(issuer.issuer_id)
    full = run(query, tables)["metrics"]
    some = run(query, tables, only=frozenset({"issued", "unique_recipients"}))["metrics"]
    assert some == {"issued": full["issued"], "unique_recipients": full["unique_recipients"]}
    assert some["issued"]["value"] == 3
    assert some["unique_recipients"]["value"] == 2
    beyond = run(query, tables, only=frozenset({"issued", "programs"}))["metrics"]  # needs the full run
    assert beyond == {"issued": full["issued"], "programs": full["programs"]}
    with pytest.raises(QueryError, match="unknown metric"):
        run(query, tables, only=frozenset({"issued", "nope"}))


def test_statements_run_aside_give_their_rows_and_their_errors_to_whoever_reads_them(
    warehouse: Warehouse, issuer: Issuer
) -> None:
    tables = warehouse.tables(issuer.issuer_id)
    query = parse_query(issuer.slug, issuer.timezone, period="all", today=dt.date(2026, 6, 1))
    plan = Statements(query, tables, ("aside-test",))
    programs = tables["programs"]
    missing = ibis.table({"x": "int64"}, name="no_such_table")
    plan.aside(
        {
            "count": lambda: programs.aggregate(n=programs.count()),
            "broken": lambda: missing.aggregate(n=missing.count()),
            "after": lambda: programs.aggregate(n=programs.count() + 1),
        }
    )
    assert plan.rows("count", lambda: pytest.fail("ran again instead of waiting")) == [{"n": 0}]
    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        plan.rows("broken", lambda: pytest.fail("ran again instead of waiting"))
    assert plan.rows("after", lambda: pytest.fail("ran again")) == [{"n": 1}]  # an error stops nothing after it


def test_a_statement_that_failed_aside_leaves_no_reader_behind(warehouse: Warehouse, issuer: Issuer) -> None:
    """An error's traceback holds the reader it ran on: handed over as it is, the cursor would live
    until the cycle collector ran, and a file rewrite would wait for it as for a reader."""
    readers = warehouse._db._readers  # the count a rewrite waits on
    tables = warehouse.tables(issuer.issuer_id)
    query = parse_query(issuer.slug, issuer.timezone, period="all", today=dt.date(2026, 6, 1))
    missing = ibis.table({"x": "int64"}, name="no_such_table")
    gc.disable()
    try:
        before = len(readers)
        plan = Statements(query, tables, ("aside-failure",))
        plan.aside({"broken": lambda: missing.aggregate(n=missing.count())})
        with pytest.raises(duckdb.CatalogException):
            plan.rows("broken", lambda: pytest.fail("ran again instead of waiting"))
        del plan
        deadline = time.monotonic() + 5
        while len(readers) > before and time.monotonic() < deadline:  # the aside thread lets go last
            time.sleep(0.01)
        assert len(readers) == before
    finally:
        gc.enable()
