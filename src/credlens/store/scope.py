"""Tenant isolation by construction: readers get tables already filtered to one issuer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from credlens.store.deadlines import Deadline

SCOPED_TABLES = (
    "events",
    "credentials",
    "daily",
    "programs",
    "recipients",
    "verifications",
    "enrollments",
    "reported_outcomes",
    "holdings",
    "portfolios",
    "co_holdings",
    "enrolled",
    "cohort_days",
    "recipient_days",
    "attribute_days",
    "attribute_cells",
)


PARAMETER = "cl-parameter-5c1e"  # a literal the compiled SQL binds as $1 (IssuerTables.query)
_COMPILED: dict[tuple[str, int], str] = {}  # by (name, issuer): a handful of entries per issuer
# `IssuerTables.utc_midnights` answers by (time zone, days): DuckDB's time-zone data is the same for
# the whole process, and every window's run asks it (a statement each) for the same few windows.
_MIDNIGHTS: dict[tuple[str, tuple[dt.date, ...]], list[dt.datetime]] = {}
MIDNIGHTS_KEPT = 1024  # answers kept; all are dropped at once past it


@dataclass(frozen=True)
class IssuerTables:
    """Ibis tables of one issuer; ``self["credentials"]`` holds only that issuer's rows.

    ``execute`` runs SQL compiled from these expressions on the reader's own connection, so the
    metrics can cache compiled SQL (metrics/statements.py) and still read only this issuer's rows.
    """

    _tables: dict[str, ir.Table]
    issuer_id: int
    _con: Any = None
    _new_cursor: Callable[[Any], Any] | None = None  # the store's counted cursors (connection.py)
    deadline: Deadline | None = None  # of the request reading: its statements stop when it ends (deadlines.py)
    dialect = "duckdb"  # what the metrics compile to for this reader (the lake's: store/spark.py)

    def fork(self) -> IssuerTables:
        """The same tables on a reader of their own, for a second thread (the comparison window)."""
        if self._new_cursor is None:
            raise RuntimeError("these tables cannot open another reader")
        return replace(self, _con=self._new_cursor(self._con))  # a reader's second cursor: see Connection.cursor

    def __getitem__(self, name: str) -> ir.Table:
        table = self._tables[name]
        return table.filter(table.issuer_id == self.issuer_id)

    def query(self, name: str, build: Callable[[], ir.Expr], value: str | None = None) -> list[dict[str, Any]]:
        """The rows of ``build()``, its SQL compiled once per (name, issuer): the builders of
        per-request reads (the program catalog, a recipient's page) run no Ibis compiler after the
        first request. ``value`` is bound where the expression holds the `PARAMETER` literal.

        NOTE: measured here, compiling such an expression took 10-20 ms of a request.
        """
        key = (name, self.issuer_id)
        sql = _COMPILED.get(key)
        if sql is None:
            compiled = str(ibis.to_sql(build(), dialect="duckdb"))
            if (f"'{PARAMETER}'" in compiled) != (value is not None):
                raise AssertionError(f"{name}: the expression and the call disagree on the parameter")
            sql = _COMPILED[key] = compiled.replace(f"'{PARAMETER}'", "$1")
        return self.rows(sql, [] if value is None else [value])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Statements run inside read one state of the store (a read transaction of this reader),
        whatever the writer commits meanwhile: a run's statements that read the same rollups apart
        (metrics/inputs.py, the portfolio) must agree with each other. Read-only, so it ends by a rollback,
        which also drops the temporary tables made inside it.
        """
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        finally:
            self._con.execute("ROLLBACK")

    def utc_midnights(self, timezone: str, days: list[dt.date]) -> list[dt.datetime]:
        """The UTC instants (naive) at which these issuer-local days begin, by DuckDB's time-zone data.

        TRICKY: the fold files rows under issuer-local days with DuckDB's data (`daily`,
        `cohort_days`, `recipient_days`), and Python's `zoneinfo` may be another version of the time-zone
        database: they disagreed on Africa/Casablanca's offset for six weeks of 2026 here. Windows take
        their bounds from the same data as the stored days, so the two always agree.
        """
        if not days:
            return []
        key = (timezone, tuple(days))
        found = _MIDNIGHTS.get(key)
        if found is None:
            sql = "SELECT list_transform($1::DATE[], lambda d: timezone('UTC', timezone($2, d::TIMESTAMP)))"
            found = self._con.execute(sql, [days, timezone]).fetchall()[0][0]
            if len(_MIDNIGHTS) >= MIDNIGHTS_KEPT:
                _MIDNIGHTS.clear()
            _MIDNIGHTS[key] = found
        return list(found)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """The statement's rows as dicts.

        NOTE: measured here (DuckDB 2.0), ``con.sql(sql).to_arrow_table()`` costs ~2.5 ms more a
        metric statement than ``execute(sql).fetchall()``: the relation API tokenizes the SQL in
        Python, and Arrow conversion is paid per column (a 50-column aggregate returns one row).
        """
        with self._bounded():
            cursor = self._con.execute(sql, params or [])
            names = [column[0] for column in cursor.description]
            found = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in found]

    def execute_statement(self, sql: str) -> None:
        with self._bounded():
            self._con.execute(sql)

    @contextmanager
    def _bounded(self) -> Iterator[None]:
        """A statement that stops when the reader's deadline ends (store/deadlines.py)."""
        if self.deadline is None:
            yield
            return
        with self.deadline.running(self._con):
            yield

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table (e.g. the trend buckets) readable under ``name`` by this reader only."""
        self._con.register(name, table)
