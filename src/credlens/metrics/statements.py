"""Metric SQL compiled once per shape, then run with each window's bounds substituted.

# NOTE: measured here, Ibis takes 5-40 ms to compile one metric expression, more than DuckDB
# takes to run most of them even at 10M events: compiling ~20 expressions per window cost more
# than the queries. So every expression is built with SENTINEL bounds (dates in 1901 that no
# query uses), compiled once per (issuer, metric, filters, funnel), and its SQL cached; a run
# replaces the sentinels' rendered text with the window's. The replacements are our own
# MAKE_TIMESTAMP / MAKE_DATE calls (no quotes), never user input; the issuer stays a literal of
# the compiled SQL, so a cached statement can only ever read its own issuer's rows.
# The dialect is the reader's (`IssuerTables.dialect`): DuckDB for the store, Spark SQL for the lake
# (store/spark.py, docs/scale-out.md); each renders the sentinels in its own way.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as exp

from credlens.domain.periods import buckets
from credlens.domain.query import Query
from credlens.store.reader import Batch
from credlens.store.scope import IssuerTables
from credlens.store.spark import metric_sql

CACHE_SIZE = 4096
T = TypeVar("T")
BUCKETS_VIEW = "cl_buckets"
BUCKET_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("lo", pa.timestamp("us")),
        ("hi", pa.timestamp("us")),
        ("lo_slot", pa.int64()),
        ("hi_slot", pa.int64()),
    ]
)
# Trend rows are counted per slot of SLOT_SECONDS first, then slots joined to buckets (buckets.py).
# Every bucket edge is an issuer-local midnight after 2000 (periods.EARLIEST_DAY), and every UTC
# offset in use since 1972 is a multiple of 15 minutes, so edges fall on slot bounds (checked).
SLOT_SECONDS = 900


@dataclass(frozen=True)
class Bounds:
    """A window as the metric builders see it: UTC instants [start, end) and issuer-local days."""

    start: dt.datetime
    end: dt.datetime
    first_day: dt.date
    last_day: dt.date


SENTINELS = Bounds(
    dt.datetime(1901, 1, 1, 0, 0, 1), dt.datetime(1901, 1, 1, 0, 0, 2), dt.date(1901, 1, 2), dt.date(1901, 1, 3)
)


def buckets_table() -> ir.Table:
    """The window's trend buckets (key = bucket start, UTC bounds, and the bounds in slots of
    SLOT_SECONDS), registered per run as a view."""
    schema = {"key": "string", "lo": "timestamp", "hi": "timestamp", "lo_slot": "int64", "hi_slot": "int64"}
    return ibis.table(ibis.schema(schema), name=BUCKETS_VIEW)


class _Cache(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, T] = OrderedDict()
        self.compiled = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value, made on a miss; safe for concurrent requests (server threads)."""
        with self._lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
                return value
        value = make()  # outside the lock: two threads may both compile a new shape, harmlessly
        with self._lock:
            self.compiled += 1
            self.entries[key] = value
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


CACHE: _Cache[str] = _Cache(CACHE_SIZE)  # compiled SQL
SCHEMAS: _Cache[ibis.Schema] = _Cache(CACHE_SIZE)  # of the materialized tables


class Statements:
    """The statements of one query window: ``fetch(name, build)`` returns ``build()``'s rows."""

    def __init__(self, query: Query, tables: IssuerTables, shape: Hashable) -> None:
        self.query = query
        self.tables = tables
        self.shape = (tables.dialect, tables.issuer_id, query.filters, shape)
        window = query.window  # bounds by the stored days' time-zone data (IssuerTables.utc_midnights)
        start, end = tables.utc_midnights(query.timezone, [window.start, window.end + dt.timedelta(days=1)])
        self.bounds = Bounds(start, end, window.start, window.end)
        dialect = tables.dialect
        self._replacements = list(zip(_rendered(SENTINELS, dialect), _rendered(self.bounds, dialect), strict=True))
        self._buckets_of: Query | None = None
        self._aside: Batch | None = None

    def sql(self, name: str, build: Callable[[], ir.Expr]) -> str:
        """``build()``'s SQL for this window: compiled once per shape, the bounds substituted.
        Nothing is compiled once the reader's deadline has ended (compiling can take longer than running)."""
        if self.tables.deadline is not None:
            self.tables.deadline.check()
        sql = CACHE.get((name, self.shape), lambda: compile_template(build(), self.tables.dialect))
        for sentinel, value in self._replacements:
            sql = sql.replace(sentinel, value)
        return sql

    def fetch(self, name: str, build: Callable[[], ir.Expr]) -> list[dict[str, Any]]:
        return self.tables.rows(self.sql(name, build))

    def materialize(self, name: str, build: Callable[[], ir.Table]) -> ir.Table:
        """Run ``build()`` once into a temporary table of this reader, for several metrics to read.

        NOTE: measured here at 10M events, each holdings group-by costs ~300 ms; three metrics
        reading one materialized copy pay it once.
        """
        schema = SCHEMAS.get((name, self.shape), lambda: build().schema())
        table = f"cl_{name}"
        self.tables.execute_statement(f"CREATE OR REPLACE TEMP TABLE {table} AS {self.sql(name, build)}")
        return ibis.table(schema, name=table)

    def rows(self, name: str, build: Callable[[], ir.Expr]) -> list[dict[str, Any]]:
        """``build()``'s rows: waited for when started `aside`, run on this reader otherwise."""
        if self._aside is not None and name in self._aside:
            return self._aside.rows(name)
        return self.fetch(name, build)

    def aside(self, builds: dict[str, Callable[[], ir.Expr]]) -> None:
        """Start these statements, one after the other, on a second reader of the issuer while this
        one runs the rest (store/reader.py); `rows(name, ...)` then waits for each. They must read
        no temporary table or view of this reader (`materialize`, `use_buckets`).

        NOTE: measured on the medium demo, a dashboard's statements take 2-20 ms each, much of it
        planning on one core: two readers per window kept both cores busy (docs/performance.md).
        """
        if builds:
            statements = {name: self.sql(name, build) for name, build in builds.items()}  # compiled here, once
            self._aside = Batch(self.tables, statements)

    def settle(self) -> None:
        """Stop the statements still to run aside (a run that failed part-way) and wait for the one
        running: none keeps a reader after its run, which a file rewrite would wait for."""
        if self._aside is not None:
            self._aside.settle()

    def use_buckets(self, query: Query) -> list[str]:
        """Register the trend buckets of ``query``'s window; returns their keys, in order."""
        windows = buckets(query.window, query.interval)
        if self._buckets_of != query:
            days = [b.start for b in windows] + [windows[-1].end + dt.timedelta(days=1)]
            edges = self.tables.utc_midnights(query.timezone, days)  # a bucket ends where the next begins
            columns = {
                "key": [b.start.isoformat() for b in windows],
                "lo": edges[:-1],
                "hi": edges[1:],
                "lo_slot": [_slot(lo) for lo in edges[:-1]],
                "hi_slot": [_slot(hi) for hi in edges[1:]],
            }
            self.tables.register(BUCKETS_VIEW, pa.table(columns, schema=BUCKET_SCHEMA))
            self._buckets_of = query
        return [b.start.isoformat() for b in windows]


def _slot(edge: dt.datetime) -> int:
    seconds = calendar.timegm(edge.timetuple())
    if seconds % SLOT_SECONDS or edge.microsecond:
        raise AssertionError(f"bucket edge {edge} is not on a {SLOT_SECONDS}-second slot bound")
    return seconds // SLOT_SECONDS


def compile_template(expr: ir.Expr, dialect: str = "duckdb") -> str:
    """The expression's SQL with sentinel bounds; refuses a bound computed in Python from a sentinel
    (e.g. ``end + 90 days`` in Python), which a run could not substitute."""
    sql = metric_sql(expr) if dialect == "pyspark" else duckdb_sql(expr)
    rest = sql
    for sentinel in _rendered(SENTINELS, dialect):
        rest = rest.replace(sentinel, "")
    if any(text in rest for text in ("MAKE_TIMESTAMP(1901", "MAKE_DATE(1901", "'1901-")):
        raise AssertionError(f"a bound was derived from a sentinel in Python, not in the expression: {sql}")
    return sql


def duckdb_sql(expr: ir.Expr) -> str:
    """The expression's DuckDB SQL by Ibis's compiler, with its `argmax` (``FIRST(v ORDER BY k DESC)``)
    as DuckDB's ``ARG_MAX_NULL(v, k)``: the same value of a row with the greatest ``k``, without sorting
    keys (docs/performance.md, the 100M run). They differ only when every ``k`` is NULL, which no key
    of ours is (designs.per_design).
    """
    from ibis.backends.sql.compilers.duckdb import compiler  # noqa: PLC0415 - as ibis.to_sql loads it

    tree = compiler.to_sqlglot(expr.unbind()).transform(_arg_max)
    return str(tree.sql(dialect=compiler.dialect, pretty=True))


def _arg_max(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.First) and isinstance(order := node.this, exp.Order) and len(order.expressions) == 1:
        (key,) = order.expressions
        if isinstance(key, exp.Ordered) and key.args.get("desc"):
            return exp.Anonymous(this="ARG_MAX_NULL", expressions=[order.this, key.this])
    return node


def _rendered(bounds: Bounds, dialect: str = "duckdb") -> tuple[str, str, str, str]:
    """The text Ibis renders for each bound in the dialect (and what a run substitutes)."""
    timestamp = _spark_timestamp if dialect == "pyspark" else _timestamp
    return (timestamp(bounds.start), timestamp(bounds.end), _date(bounds.first_day), _date(bounds.last_day))


def _spark_timestamp(value: dt.datetime) -> str:
    return f"CAST('{value.isoformat()}' AS TIMESTAMP)"


def _timestamp(value: dt.datetime) -> str:
    seconds = value.second + value.microsecond / 1e6
    return f"MAKE_TIMESTAMP({value.year}, {value.month}, {value.day}, {value.hour}, {value.minute}, {seconds!r})"


def _date(value: dt.date) -> str:
    return f"MAKE_DATE({value.year}, {value.month}, {value.day})"
