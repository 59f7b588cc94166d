"""`credlens benchmarks`: an issuer's rates beside its peers' released values and the published
averages; `credlens benchmarks ledger`: the privacy budget spent (docs/privacy.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from credlens.cli.common import DataDir, answering, fail, find_issuer, open_store, out, settings
from credlens.reports.benchmarks import Privacy, benchmarks, window_of
from credlens.store import deadlines

app = typer.Typer(help="Peer benchmarks and their privacy ledger.", invoke_without_command=True)


@app.callback()
def show(
    ctx: typer.Context,
    issuer: Annotated[str | None, typer.Option("--issuer", help="Issuer slug.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (issuer's calendar).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo or all.")
    ] = None,
    program: Annotated[
        list[str] | None, typer.Option("--program", help="Program id (the issuer's own values only).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print the benchmarks JSON (docs/api.md): a new peer release spends ε from the industry's budget."""
    if ctx.invoked_subcommand is not None:
        return
    if issuer is None:
        fail("--issuer is required (or `credlens benchmarks ledger`)")
    config = settings(data_dir)
    privacy = Privacy(config.benchmark_epsilon, config.benchmark_budget)
    busy = "the database is held by a running `credlens serve`: ask it, GET /api/v1/benchmarks with a read key"
    with open_store(data_dir, when_locked=busy) as warehouse, deadlines.bounded(config.query_timeout):
        target = find_issuer(warehouse, issuer)
        with answering():
            query = window_of(target, programs=program, date_from=date_from, date_to=date_to, period=period)
            result = benchmarks(warehouse, target, query, privacy)
    out.print_json(json.dumps(result))


@app.command("ledger")
def ledger(data_dir: DataDir = None) -> None:
    """Every peer release and its ε, and the ε spent per industry and month (for the instance operator)."""
    config = settings(data_dir)
    busy = "the database is held by a running `credlens serve`: stop it to read the ledger"
    with open_store(data_dir, when_locked=busy) as warehouse:
        rows = warehouse.benchmark_ledger()
    spent: dict[tuple[str, str], float] = {}
    for r in rows:
        out.print(
            f"{r.released_at:%Y-%m-%d %H:%M}  {r.industry}  {r.metric}  {r.date_from}..{r.date_to}  ε {r.epsilon:g}",
            soft_wrap=True,
        )
        spent[(r.industry, r.budget_period)] = spent.get((r.industry, r.budget_period), 0.0) + r.epsilon
    if not rows:
        out.print("no peer benchmark released yet")
    for (industry, period), total in sorted(spent.items()):
        out.print(f"{industry} {period}: ε {total:g} of {config.benchmark_budget:g} spent", soft_wrap=True)
