"""The report of one issuer, window and set of programs: what `credlens report`, the scheduled e-mail
and anything else that sends a report call (docs/reports.md).

``build_report`` runs the queries (the metrics engine, under the issuer's suppression threshold, and
the insights of the same result); ``render`` turns the one value into PDF, XLSX or Markdown bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from credlens.domain.issuers import Issuer
from credlens.insights import engine
from credlens.metrics.runner import run_for
from credlens.reports import benchmarks as peer
from credlens.reports import executive, markdown, pdf, programs, workbook
from credlens.reports import report as template
from credlens.reports.benchmarks import stored, window_of
from credlens.reports.view import Dashboard
from credlens.store import reader
from credlens.store.scope import IssuerTables
from credlens.store.warehouse import Warehouse

Json = dict[str, Any]
Format = Literal["pdf", "xlsx", "md"]
FORMATS: tuple[Format, ...] = ("pdf", "xlsx", "md")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}
ALL = "all"  # the period with nothing before it: its comparison is dropped, as on the dashboards


@dataclass(frozen=True)
class ReportRequest:
    """The report's window (a preset of docs/metrics.md, or `date_from`/`date_to`), programs (none: all)
    and comparison (`previous` or `year`; empty for none)."""

    period: str | None = "30d"
    date_from: str | None = None
    date_to: str | None = None
    programs: tuple[str, ...] = ()
    compare: str = "previous"

    def run_params(self) -> dict[str, str | None]:
        """Keyword arguments of `run_for`; dates win over the default period, as on every surface."""
        period = None if self.date_from or self.date_to else self.period
        compare = None if period == ALL or not self.compare else self.compare
        return {"period": period, "date_from": self.date_from, "date_to": self.date_to, "compare": compare}


@dataclass(frozen=True)
class Report:
    """One built report: ``title`` and ``period_label`` name it (an e-mail's subject, a file's heading)."""

    title: str
    period_label: str
    document: Dashboard
    issuer: str  # the issuer's slug

    @property
    def query(self) -> Json:
        return self.document.query

    def filename(self, fmt: Format) -> str:
        return f"credlens-{self.issuer}-report-{self.query['from']}-{self.query['to']}.{fmt}"


def build_report(
    issuer: Issuer, tables: IssuerTables, request: ReportRequest, *, warehouse: Warehouse | None = None
) -> Report:
    """Run the report's queries and compose it. Raises `QueryError` naming a bad parameter (as `run_for`).

    With ``warehouse``, the peer benchmarks already released for the window are shown (never a new
    release: a report spends no privacy budget); without, the benchmarks section is left out.
    """
    params = request.run_params()
    scope = list(request.programs) or None
    only = executive.METRICS | programs.METRICS | engine.METRICS | frozenset(peer.METRICS)

    def fixed(reader: IssuerTables) -> dict[str, Json]:
        """The executive page's fixed windows over the same programs, each against the one before."""
        out = {}
        for period, _ in executive.FIXED_WINDOWS:
            compare = None if period == ALL else "previous"
            out[period] = run_for(
                issuer, reader, programs=scope, only=executive.WINDOW_METRICS[period], period=period, compare=compare
            )
        return out

    # the fixed windows on a second reader while the main run reads (as the executive page runs them)
    fork = tables.fork()
    windows_run = reader.submit(lambda: fixed(fork))  # the store's one pool (store/reader.py)
    try:
        main = run_for(
            issuer, tables, programs=scope, only=only, funnel=",".join(template.FUNNEL), compared=None, **params
        )
    except BaseException:
        windows_run.settle()  # never left running after a failure of the main run
        raise
    windows = windows_run.result()
    benchmarks = None
    if warehouse is not None:
        window = {k: v for k, v in params.items() if k != "compare"}
        query = window_of(issuer, programs=scope, **window)  # as the dashboards ask it: the same release key
        benchmarks = stored(warehouse, issuer, query, main["metrics"])
    label = window_label(main["query"])
    named = f" · programs {', '.join(request.programs)}" if request.programs else ""
    title = f"{issuer.name}: credential report{named}"
    state = [
        (k, v) for k, v in (("period", params["period"]), ("from", params["date_from"]), ("to", params["date_to"])) if v
    ]
    state += [("program", p) for p in request.programs]
    document = template.build(
        main, windows, issuer.suppression_k, title=title, insights=engine.find(main), benchmarks=benchmarks, state=state
    )
    return Report(title, label, document, issuer.slug)


def window_label(query: Json) -> str:
    """ "Last 30 days (2026-11-08 to 2026-12-07), against the window before": a file's subtitle."""
    if "from" not in query:  # an issuer without data: the state as asked
        return ", ".join(f"{k} {v}" for k, v in query.items() if k != "issuer") or "no window"
    label = template.period_label(query)
    compare = query.get("compare")
    if compare:
        label += f", against {template.COMPARE_LABELS.get(compare, compare)}"
    return label


def render(report: Report, fmt: Format) -> bytes:
    """The report as a file: `pdf` (charts as PNG), `xlsx` (one sheet per table, numbers as numbers)
    or `md` (Markdown, for an e-mail body or a chat message)."""
    return render_document(report.document, fmt, report.title, report.period_label)


def render_document(document: Dashboard, fmt: Format, title: str, subtitle: str) -> bytes:
    """Any dashboard value (a report, or a dashboard's `.pdf`/`.xlsx` twin) in one of FORMATS."""
    if fmt == "pdf":
        return pdf.render(document, title, subtitle)
    if fmt == "xlsx":
        return workbook.render(document, title, subtitle)
    if fmt == "md":
        return markdown.render(document, title, subtitle).encode()
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
