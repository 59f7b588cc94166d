"""`credlens export` and `credlens rebuild`: the Parquet lake of docs/scale-out.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from credlens.cli.common import DataDir, fail, find_issuer, open_store, out
from credlens.domain.query import QueryError
from credlens.metrics.runner import run_for
from credlens.store import lake
from credlens.store import spark as spark_lake

LOCKED = (
    "the database is held by another process (a running `credlens serve`?); an export reads the file "
    "directly: stop the server, then run this command again"
)


def export(
    out_dir: Annotated[Path, typer.Option("--out", help="The lake's directory (created if missing).")],
    issuer: Annotated[
        list[str] | None, typer.Option("--issuer", help="Issuer slug; repeat for several (default: every issuer).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the issuers' events and settings to a Parquet lake; again later, only what changed."""
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        targets = [find_issuer(warehouse, slug) for slug in issuer] if issuer else warehouse.issuers()
        if not targets:
            fail("no issuer in the store yet; create one with `credlens issuer create`")
        try:
            reports = lake.export(warehouse.cursor(), out_dir, targets)
        except (OSError, ValueError) as exc:
            fail(f"cannot export to {out_dir}: {exc}")
    for report in reports:
        out.print(
            f"{report.slug}: {report.rows:+,} events, {report.files} new file(s); "
            f"months appended: {_months(report.appended)}; rewritten: {_months(report.rewritten)}",
            soft_wrap=True,
        )


def _months(months: list[str]) -> str:
    if len(months) > 6:
        return f"{months[0]} … {months[-1]} ({len(months)} months)"
    return ", ".join(months) or "none"


SparkMaster = Annotated[str, typer.Option("--spark-master", help="Spark's master URL: local[N] or a cluster's.")]


def rebuild(
    engine: Annotated[str, typer.Option("--engine", help="spark: the only engine that reads the lake.")],
    lake_dir: Annotated[Path, typer.Option("--lake", help="The lake `credlens export` wrote.")],
    issuer: Annotated[
        list[str] | None, typer.Option("--issuer", help="Issuer slug; repeat for several (default: every issuer).")
    ] = None,
    spark_master: SparkMaster = "local[*]",
) -> None:
    """Materialize the derived tables of the lake's events (Spark), for the queries that follow."""
    if engine != "spark":
        fail(f"--engine: only spark rebuilds the lake's derived tables, not {engine!r}")
    slugs = issuer or sorted(p.stem for p in (lake_dir / "issuers").glob("*.json"))
    if not slugs:
        fail(f"no issuer in the lake {lake_dir}; write it with `credlens export --out {lake_dir}`")
    spark = _spark(spark_master)
    for slug in slugs:
        try:
            tables = spark_lake.rebuild(lake_dir, slug, spark)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        out.print(f"{slug}: {len(tables)} derived tables written to {lake_dir / spark_lake.DERIVED}", soft_wrap=True)


def spark_query(
    lake_dir: Path | None,
    master: str,
    slug: str,
    programs: list[str] | None,
    funnel: str | None,
    params: dict[str, str | None],
) -> dict[str, Any]:
    """`credlens query --engine spark`: the metrics JSON of the lake's issuer, computed on Spark."""
    if lake_dir is None:
        fail("--engine spark reads a lake: pass --lake DIR (written by `credlens export --out DIR`)")
    try:
        found = spark_lake.open_lake(lake_dir, slug, _spark(master))
    except (OSError, ValueError) as exc:
        fail(str(exc))
    try:
        tables = spark_lake.tables(found)
        return run_for(found.issuer, tables, programs=programs, funnel=funnel, **params)  # type: ignore[arg-type]
    except QueryError as exc:
        fail(f"--{exc.field}: {exc.message}")


def _spark(master: str) -> Any:
    try:
        return spark_lake.session(master)
    except ImportError:
        fail("the Spark engine needs PySpark and Java 17: pip install 'credlens[spark]' (docs/scale-out.md)")
