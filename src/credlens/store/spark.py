"""The store's derived tables on Apache Spark, from the Parquet lake (docs/scale-out.md).

Nothing here defines a metric or a derived table: the fold's own DuckDB SQL (rollups.py, folds.py,
cohorts.py, portfolios.py) is transpiled to Spark SQL by sqlglot (`spark_sql`), over all of the
lake's events at once (a rebuild is the same aggregate as the fold: rollups.py), and each table
is cast to the store's columns (schema.py). The metrics then run on it through Ibis's pyspark
backend (`SparkTables`, the dialect metrics/statements.py compiles to).

What the transpiler adds, each where DuckDB and Spark differ (tests/scale/ proves the results equal):
- `md5_number_lower(x)`: the same 64-bit number (the low half of the MD5, little-endian), DECIMAL(20,0);
- `timezone(tz, x AT TIME ZONE 'UTC')` (UTC to issuer-local): `from_utc_timestamp(x, tz)`;
- `arg_max(v, (a, b))`: `max_by(v, struct(a, b))` over the rows where ``v`` is not NULL (DuckDB's
  `arg_max` skips NULL values, Spark's `max_by` does not);
- `epoch(x)` (seconds as DOUBLE): `unix_micros(x) / 1e6`, as a DOUBLE (`unix_timestamp` drops fractions);
- `len(list)`: `size(list)` (NULL of NULL, `spark.sql.legacy.sizeOfNull` off).
Timestamps are TIMESTAMP_NTZ in a session whose time zone is UTC: instants in UTC, as the store's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, cast

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot
from sqlglot import exp

from credlens.domain.issuers import Issuer
from credlens.store import breakdowns, cohorts, lake
from credlens.store.folds import ENROLLMENTS_FROM_BATCH, OUTCOMES_FROM_BATCH, daily_counts_sql
from credlens.store.portfolios import refresh_sql
from credlens.store.rollups import ROLLUPS, aggregate_sql
from credlens.store.schema import EVENT_COLUMNS, TABLES
from credlens.store.scope import PARAMETER, SCOPED_TABLES, IssuerTables

ISSUER_ID = 1  # a Spark query reads one issuer: its rows carry this id, as the store's carry theirs
DERIVED = "derived"  # the lake's directory of materialized derived tables (`rebuild`)
# The low 64 bits of the MD5 as DuckDB's md5_number_lower reads them: bytes 8..15, little-endian.
_MD5_LOWER = (
    "CAST(conv(concat("
    + ", ".join(f"substr(md5({{x}}), {31 - 2 * i}, 2)" for i in range(8))
    + "), 16, 10) AS DECIMAL(20,0))"
)
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.ansi.enabled": "false",  # NULL, not an error, for a division by zero: as DuckDB
    "spark.sql.legacy.sizeOfNull": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.sql.adaptive.enabled": "true",
}


def session(master: str = "local[*]", **conf: str) -> Any:
    """A SparkSession for the lake's queries (``master``: `local[N]` or a cluster's URL)."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - Spark only when asked for

    builder = SparkSession.builder.master(master).appName("credlens")
    for key, value in {**SESSION_CONF, **conf}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")  # errors reach the caller as exceptions, not as logs
    return spark


# -- the fold's SQL, transpiled ------------------------------------------------------------------


def spark_sql(duckdb_sql: str) -> str:
    """One statement of the fold's DuckDB SQL as Spark SQL (a SELECT, or the SELECT of an INSERT)."""
    tree = sqlglot.parse_one(re.sub(r"\blen\(", "array_length(", duckdb_sql), read="duckdb")
    if isinstance(tree, exp.Insert):
        tree = tree.expression
    tree = tree.transform(_to_spark)
    return str(tree.sql(dialect="spark"))


def _to_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "md5_number_lower":
        (arg,) = node.expressions
        return cast(exp.Expression, sqlglot.parse_one(_MD5_LOWER.format(x=arg.sql(dialect="spark")), read="spark"))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone":
        zone, instant = node.expressions
        if isinstance(instant, exp.AtTimeZone) and instant.args["zone"].name == "UTC":
            return exp.Anonymous(this="from_utc_timestamp", expressions=[instant.this, zone])
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArgMax):
        value = node.this.this
        order = node.this.expression
        if isinstance(order, exp.Tuple):
            order = exp.Anonymous(this="struct", expressions=order.expressions)
        where = node.expression.this
        kept = exp.and_(exp.paren(where), exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
        return exp.Filter(
            this=exp.Anonymous(this="max_by", expressions=[value, order]), expression=exp.Where(this=kept)
        )
    if isinstance(node, exp.TimeToUnix):
        instant = exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMP_LTZ", dialect="spark"))
        micros = exp.Anonymous(this="unix_micros", expressions=[instant])
        return exp.Div(this=exp.Cast(this=micros, to=exp.DataType.build("double")), expression=exp.Literal.number(1e6))
    return node


def metric_sql(expr: ir.Expr) -> str:
    """A metric expression's Spark SQL by Ibis's pyspark compiler, where it differs from DuckDB's put right:
    - `epoch_seconds()` (Spark's `unix_timestamp`, whole seconds) keeps the fraction, as DuckDB's `epoch`;
    - a median over some rows (`median(where=...)`) passes a constant percentage (Spark refuses another).
    """
    from ibis.backends.sql.compilers.pyspark import compiler  # noqa: PLC0415 - loaded with the pyspark backend

    tree = compiler.to_sqlglot(expr).transform(_metric_to_spark)
    return str(tree.sql(dialect=compiler.dialect, pretty=True))


def _metric_to_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.StrToUnix) and isinstance(node.this, exp.Cast) and node.this.to.is_type("timestamp"):
        instant = exp.Cast(this=node.this.this, to=exp.DataType.build("TIMESTAMP_LTZ", dialect="spark"))
        micros = exp.Anonymous(this="unix_micros", expressions=[instant])
        seconds = exp.Div(
            this=exp.Cast(this=micros, to=exp.DataType.build("double")), expression=exp.Literal.number(1e6)
        )
        return exp.Paren(this=seconds)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "percentile" and len(node.expressions) == 2:
        values, share = node.expressions
        if isinstance(share, exp.If) and isinstance(values, exp.If) and share.this == values.this:
            values = values.transform(_metric_to_spark)  # a replaced node's children are not visited
            return exp.Anonymous(this="percentile", expressions=[values, share.args["true"]])
    return node


@cache
def store_columns() -> dict[str, list[tuple[str, str]]]:
    """Each table's columns and their Spark types, from the store's DDL (schema.py)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for ddl in TABLES:
        name = re.match(r"\s*CREATE TABLE IF NOT EXISTS (\w+)", ddl)
        if name is None or name.group(1) not in SCOPED_TABLES:  # only the tables the metrics read
            continue
        tree = sqlglot.parse_one(ddl, read="duckdb")
        columns = [c for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
        found[tree.this.this.name] = [(c.name, _spark_type(c.args["kind"])) for c in columns]
    return found


def _spark_type(kind: exp.DataType) -> str:
    text = kind.sql(dialect="duckdb").upper()
    if text == "UBIGINT":
        return "DECIMAL(20,0)"
    if text == "TIMESTAMP":
        return "TIMESTAMP_NTZ"
    if text == "DATE[]":
        return "ARRAY<DATE>"
    return str(kind.sql(dialect="spark"))


def derivations() -> list[tuple[str, str]]:
    """The derived tables in the order they are built (each reads those before it), as Spark SQL:
    the same statements the store's fold and rebuild run, over every event."""
    steps = [(rollup.table, spark_sql(aggregate_sql(rollup, "events"))) for rollup in ROLLUPS]
    issued = "(SELECT * FROM credentials WHERE issued_at IS NOT NULL)"
    steps.append(("daily", spark_sql(daily_counts_sql("events", issued))))
    steps.append(("enrollments", spark_sql(ENROLLMENTS_FROM_BATCH.replace("FROM b", "FROM events"))))
    steps.append(("reported_outcomes", spark_sql(OUTCOMES_FROM_BATCH.replace("FROM b", "FROM events"))))
    steps.append(("cohort_days", spark_sql(cohorts.counts_sql("credentials"))))
    for statement in breakdowns.rebuild_sql():
        match = re.match(r"\s*INSERT INTO (\w+)", statement)
        if match:
            steps.append((match.group(1), spark_sql(statement)))
    for statement in refresh_sql(None):
        match = re.match(r"\s*INSERT INTO (\w+)", statement)
        if match:
            steps.append((match.group(1), spark_sql(statement)))
    return steps


# -- the lake, on a session -----------------------------------------------------------------------


@dataclass(frozen=True)
class Lake:
    """One issuer of the lake on a SparkSession: its settings, and its tables as global temporary
    views (every session of the application reads them; `SparkTables.fork`)."""

    root: Path
    slug: str
    spark: Any
    settings: dict[str, Any]

    @property
    def issuer(self) -> Issuer:
        s = self.settings
        return Issuer(
            ISSUER_ID,
            s["slug"],
            s.get("name", s["slug"]),
            s.get("industry"),
            s.get("timezone", "UTC"),
            int(s.get("suppression_k", 10)),
            s.get("raw_event_retention_days"),
        )

    def view(self, table: str) -> str:
        return f"cl_{re.sub(r'[^a-z0-9]', '_', self.slug)}_{table}"


def open_lake(root: Path, slug: str, spark: Any, *, derive: bool = True) -> Lake:
    """The issuer's events (and derived tables: those `rebuild` wrote, when they are of these
    events, or built now) registered on ``spark``."""
    found = Lake(root, slug, spark, lake.issuer_settings(root, slug))
    files = lake.event_files(root, slug)
    _register(found, "issuers", spark.sql(f"SELECT {ISSUER_ID} AS issuer_id, '{_timezone(found)}' AS timezone"))
    _register(found, "events", _events(spark, files))
    if not derive:
        return found
    state = root / DERIVED / f"issuer={slug}" / "_state.json"
    current = state.exists() and json.loads(state.read_text()).get("events") == _fingerprint(root, files)
    # a rebuild by an older version lacks the tables added since: built now, as without a rebuild
    if current and all((state.parent / table).exists() for table in _derived_tables()):
        for table in _derived_tables():
            path = root / DERIVED / f"issuer={slug}" / table
            _register(found, table, spark.read.parquet(str(path)))
        return found
    for table, sql in derivations():
        _register(found, table, _as_stored(_local(found, sql), table), keep=True)
    return found


def rebuild(root: Path, slug: str, spark: Any) -> list[str]:
    """Materialize the issuer's derived tables in the lake (`credlens rebuild --engine spark`): later
    queries of the same events read them instead of folding again. Returns the tables written."""
    found = open_lake(root, slug, spark, derive=False)
    files = lake.event_files(root, slug)
    target = root / DERIVED / f"issuer={slug}"
    state = target / "_state.json"
    state.unlink(missing_ok=True)  # derived tables half rewritten are never read as current
    for table, sql in derivations():
        path = target / table
        _as_stored(_local(found, sql), table).write.mode("overwrite").parquet(str(path))
        _register(found, table, spark.read.parquet(str(path)))
    target.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"events": _fingerprint(root, files)}))
    return _derived_tables()


def _derived_tables() -> list[str]:
    return [table for table, _ in derivations()]


def _fingerprint(root: Path, files: list[Path]) -> list[str]:
    return [str(path.relative_to(root)) for path in files]


def _timezone(found: Lake) -> str:
    zone = found.issuer.timezone
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", zone):
        raise ValueError(f"the lake's issuer {found.slug!r} has an invalid time zone {zone!r}")
    return zone


def _events(spark: Any, files: list[Path]) -> Any:
    """The lake's events with the store's columns: the issuer's id, and the hashes the store keeps."""
    if files:
        raw = spark.read.parquet(*[str(f) for f in files])
    else:
        raw = spark.createDataFrame([], ", ".join(f"{n} {t}" for n, t in store_columns()["events"][4:]))
    raw.createOrReplaceTempView("cl_lake_events")
    extra = {
        "issuer_id": str(ISSUER_ID),
        "seq": "CAST(monotonically_increasing_id() AS BIGINT)",
        "id_hash": _MD5_LOWER.format(x="event_id"),
        "cred_hash": _MD5_LOWER.format(x="credential_id"),
    }
    present = set(raw.columns)
    columns = [
        f"CAST({extra.get(name, name if name in present else 'NULL')} AS {kind}) AS {name}"
        for name, kind in store_columns()["events"]
    ]
    assert set(EVENT_COLUMNS) <= {name for name, _ in store_columns()["events"]}
    return spark.sql(f"SELECT {', '.join(columns)} FROM cl_lake_events")


def _local(found: Lake, sql: str) -> Any:
    """``sql`` (naming the store's tables) run on the issuer's views (each aliased as registered)."""
    return found.spark.sql(sql)


def _as_stored(frame: Any, table: str) -> Any:
    """The frame with the store table's columns, in its order and types: by name, or by position
    when the statement does not name them all (an INSERT's SELECT)."""
    columns = store_columns()[table]
    names = [name for name, _ in columns]
    renamed = frame.select(*names) if set(names) <= set(frame.columns) else frame.toDF(*names)
    return renamed.selectExpr(*[f"CAST({name} AS {kind}) AS {name}" for name, kind in columns])


def _register(found: Lake, table: str, frame: Any, *, keep: bool = False) -> None:
    if keep:  # built from the events: computed once, not again by every statement reading it
        frame = frame.localCheckpoint()
    frame.createOrReplaceGlobalTempView(found.view(table))
    alias_views(found.spark, found, [table])


def alias_views(spark: Any, found: Lake, tables: list[str]) -> None:
    """The issuer's tables under the store's names, in this session (the global views are shared)."""
    known = {row.viewName for row in spark.sql("SHOW VIEWS IN global_temp").collect()}
    for table in tables:
        if found.view(table) in known:
            spark.sql(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM global_temp.{found.view(table)}")


# -- the metrics' reader --------------------------------------------------------------------------

_TEMP_TABLE = re.compile(r"^CREATE OR REPLACE TEMP TABLE (\w+) AS (.*)$", re.DOTALL)


@dataclass(frozen=True)
class SparkTables(IssuerTables):
    """IssuerTables over the lake on Spark: the metrics compile to Spark SQL (`dialect`) and every
    statement runs on this reader's session (a fork is a new session: its own temporary views)."""

    dialect = "pyspark"
    _lake: Lake | None = None

    def fork(self) -> SparkTables:
        assert self._lake is not None
        spark = self._con.newSession()
        for key, value in SESSION_CONF.items():
            if key.startswith("spark.sql."):  # a session's own settings (the rest are the application's)
                spark.conf.set(key, value)
        alias_views(spark, self._lake, [*SCOPED_TABLES, "issuers"])
        return replace(self, _con=spark)

    def query(self, name: str, build: Any, value: str | None = None) -> list[dict[str, Any]]:  # noqa: ARG002
        sql = metric_sql(build())
        if value is None:
            return self.rows(sql)
        return self.rows(sql.replace(f"'{PARAMETER}'", ":value"), [value])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        yield  # the lake's files do not change under a query (an export writes new ones)

    def utc_midnights(self, timezone: str, days: list[dt.date]) -> list[dt.datetime]:
        """By Spark's (Java's) time-zone data: the data its local days were filed with."""
        if not days:
            return []
        values = ", ".join(f"({i}, DATE '{day.isoformat()}')" for i, day in enumerate(days))
        sql = (
            "SELECT CAST(to_utc_timestamp(CAST(d AS TIMESTAMP_NTZ), :zone) AS TIMESTAMP_NTZ) AS at "
            f"FROM VALUES {values} AS t(i, d) ORDER BY i"
        )
        return [row.at for row in self._con.sql(sql, args={"zone": timezone}).collect()]

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        args = {"value": params[0]} if params else None
        found = self._con.sql(sql, args=args).collect() if args else self._con.sql(sql).collect()
        return [row.asDict(recursive=True) for row in found]

    def execute_statement(self, sql: str) -> None:
        match = _TEMP_TABLE.match(sql)
        if match is None:
            raise ValueError(f"not a statement the lake's reader runs: {sql[:80]}")
        self._con.sql(match.group(2)).localCheckpoint().createOrReplaceTempView(match.group(1))

    def register(self, name: str, table: pa.Table) -> None:
        schema = ", ".join(f"{f.name} {_arrow_type(f.type)}" for f in table.schema)
        self._con.createDataFrame([tuple(r.values()) for r in table.to_pylist()], schema).createOrReplaceTempView(name)


def _arrow_type(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP_NTZ"
    if pa.types.is_int64(kind):
        return "BIGINT"
    return "STRING"


def tables(found: Lake) -> SparkTables:
    """The issuer's tables as Ibis tables of the pyspark backend, for metrics/runner.py."""
    backend = ibis.pyspark.connect(found.spark)
    ibis_tables: dict[str, ir.Table] = {name: backend.table(name) for name in SCOPED_TABLES}
    return SparkTables(ibis_tables, ISSUER_ID, found.spark, None, None, found)
