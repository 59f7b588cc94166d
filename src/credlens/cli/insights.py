"""`credlens insights`: the tested findings of docs/insights.md for one issuer and window."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from credlens.cli.common import DataDir, answering, fail, find_issuer, open_store, out, settings
from credlens.insights.engine import run_for
from credlens.insights.text import as_text
from credlens.store import deadlines

FORMATS = ("json", "text")


def insights(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (issuer's calendar).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo or all.")
    ] = None,
    program: Annotated[list[str] | None, typer.Option("--program", help="Program id; repeat for several.")] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="previous or year: adds changes and market demand.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
    data_dir: DataDir = None,
) -> None:
    """Print the significant findings (Benjamini–Hochberg q ≤ 0.05) with their evidence."""
    if output not in FORMATS:
        fail(f"--format: must be one of {', '.join(FORMATS)}, not {output!r}")
    limit = settings(data_dir).query_timeout
    with open_store(data_dir) as warehouse, deadlines.bounded(limit):
        target = find_issuer(warehouse, issuer)
        with answering():
            result = run_for(
                target,
                warehouse.tables(target.issuer_id),
                programs=program,
                date_from=date_from,
                date_to=date_to,
                period=period,
                compare=compare,
            )
    if output == "text":
        out.print(as_text(result), end="", markup=False, soft_wrap=True)
    else:
        out.print_json(json.dumps(result))
