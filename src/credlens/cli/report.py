"""`credlens report`: the report of docs/reports.md for one issuer and window, as PDF, XLSX or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credlens.cli.common import DataDir, answering, err, fail, find_issuer, open_store, settings
from credlens.cli.schedule import send_report
from credlens.delivery.report import FORMATS, ReportRequest, build_report, render
from credlens.store import deadlines

COMPARES = ("previous", "year")


def report(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The file to write.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="pdf, xlsx or md.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo or all.")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (issuer's calendar).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
    program: Annotated[list[str] | None, typer.Option("--program", help="Program id; repeat for several.")] = None,
    compare: Annotated[str, typer.Option("--compare", help="previous or year.")] = "previous",
    send_to: Annotated[
        list[str] | None, typer.Option("--send-to", help="E-mail it now (PDF attached) to this staff user; repeat.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the report (issuance, recipients, the engagement funnel, shares, verification, programs,
    benchmarks, insights and definitions) for a window: --period, or --from and --to."""
    if fmt is not None and fmt not in FORMATS:
        fail(f"--format: must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if compare not in COMPARES:
        fail(f"--compare: must be one of {', '.join(COMPARES)}, not {compare!r}")
    if period is not None and (date_from or date_to):
        fail("--period or --from/--to, not both")
    if period is None and not (date_from and date_to):
        fail("a window is needed: --period P, or --from YYYY-MM-DD --to YYYY-MM-DD")
    request = ReportRequest(period, date_from, date_to, tuple(dict.fromkeys(program or ())), compare)
    if send_to:  # docs/reports.md, Scheduled e-mail: staff recipients only, through CREDLENS_SMTP_URL
        send_report(data_dir, issuer, request, send_to)
        if output is None and fmt is None:
            return
    if output is None or fmt is None:
        fail("-o FILE and --format (pdf, xlsx or md) are needed, or --send-to EMAIL")
    if not output.parent.is_dir():
        fail(f"-o: no directory {str(output.parent)!r}")
    limit = settings(data_dir).query_timeout
    with open_store(data_dir) as warehouse, deadlines.bounded(limit):
        target = find_issuer(warehouse, issuer)
        with answering():
            built = build_report(target, warehouse.tables(target.issuer_id), request, warehouse=warehouse)
        body = render(built, fmt)
        warehouse.audit(target.issuer_id, "cli", "export", f"report {fmt.upper()} ({built.period_label})")
    try:
        output.write_bytes(body)
    except OSError as exc:
        fail(f"-o: cannot write {str(output)!r}: {exc.strerror}")
    err.print(f"wrote {output} ({len(body):,} bytes): {built.title}, {built.period_label}", soft_wrap=True)
