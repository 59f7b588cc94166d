"""`credlens query`: the metrics JSON of docs/api.md for one issuer and window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from credlens.cli import running
from credlens.cli.common import DataDir, answering, fail, find_issuer, open_store, out, settings
from credlens.cli.lake import spark_query
from credlens.metrics.runner import run_for
from credlens.store import deadlines


def query(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (issuer's calendar).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo or all.")
    ] = None,
    program: Annotated[list[str] | None, typer.Option("--program", help="Program id; repeat for several.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="certificate or badge.")] = None,
    department: Annotated[str | None, typer.Option("--department", help="Programs of this department.")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="previous or year.")] = None,
    interval: Annotated[str | None, typer.Option("--interval", help="day, week or month (trends).")] = None,
    funnel: Annotated[
        str | None,
        typer.Option("--funnel", help="Funnel steps, comma-separated (default issued,opened,shared,verified)."),
    ] = None,
    data_dir: DataDir = None,
    read_key: Annotated[
        str | None,
        typer.Option(
            "--read-key",
            envvar=running.READ_KEY_ENV,
            help="A read key of the issuer: asks the running `credlens serve` when it holds the database.",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (the store) or spark (the Parquet lake of --lake).")
    ] = "duckdb",
    lake_dir: Annotated[
        Path | None, typer.Option("--lake", help="The lake `credlens export` wrote (with --engine spark).")
    ] = None,
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark's master URL (with --engine spark).")
    ] = "local[*]",
) -> None:
    """Print the metrics of metrics.md as JSON (within CREDLENS_QUERY_TIMEOUT seconds, as the server).

    While `credlens serve` holds the database, the same JSON comes from its GET /api/v1/stats.
    With --engine spark, the same JSON from the lake's events on Spark (docs/scale-out.md)."""
    if engine not in ("duckdb", "spark"):
        fail(f"--engine: duckdb or spark, not {engine!r}")
    if engine == "spark":
        window = {"date_from": date_from, "date_to": date_to, "period": period, "kind": kind}
        window |= {"department": department, "compare": compare, "interval": interval}
        result = spark_query(lake_dir, spark_master, issuer, program, funnel, window)
        out.print_json(json.dumps(result))
        return
    if lake_dir is not None:
        fail("--lake is read by --engine spark only")
    config = settings(data_dir)
    limit = config.query_timeout
    url = running.server_url(config.data_dir)
    if url is not None:
        options = {"from": date_from, "to": date_to, "period": period, "kind": kind, "department": department}
        options |= {"compare": compare, "interval": interval, "funnel": funnel}
        params = [(k, v) for k, v in options.items() if v] + [("program", p) for p in program or ()]
        result = _through_server(url, issuer, read_key, params, limit)
        out.print_json(json.dumps(result))
        return
    with open_store(data_dir) as warehouse, deadlines.bounded(limit):
        target = find_issuer(warehouse, issuer)
        with answering("ask for a shorter window or a coarser interval"):
            result = run_for(
                target,
                warehouse.tables(target.issuer_id),
                programs=program,
                date_from=date_from,
                date_to=date_to,
                period=period,
                kind=kind,
                department=department,
                compare=compare,
                interval=interval,
                funnel=funnel,
            )
    out.print_json(json.dumps(result))


def _through_server(
    url: str, issuer: str, read_key: str | None, params: list[tuple[str, str]], limit: float
) -> dict[str, Any]:
    held = f"the database is held by `credlens serve` at {url}"
    if not read_key:
        fail(
            f"{held}; ask it instead: pass --read-key (or set {running.READ_KEY_ENV}) to a read key of {issuer!r}, "
            f"or call: curl -H \"Authorization: Bearer $READ_KEY\" '{running.stats_url(url, params)}'"
        )
    try:
        result = running.fetch_stats(url, read_key, params, timeout=limit + 10)
    except running.ServerError as exc:
        fail(f"{held}, which was asked: {exc}")
    if result.get("query", {}).get("issuer") != issuer:
        fail(f"{held}; the read key given is not one of {issuer!r}")
    return result
