"""The report an issuer forwards to its board (docs/reports.md): the sections of the Executive and
Programs dashboards it needs, the engagement funnel in the reporting guide's words, the top insights
and benchmarks where there are some, and the definitions of every number it shows.

Pure: it takes the metrics results (already through the privacy layer) and returns one ``Dashboard``
value, rendered as PDF, XLSX or Markdown like the dashboards' own twins; a suppressed cell is the
same ``Cell`` as on screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from credlens.metrics.registry import REGISTRY
from credlens.reports import executive, formats, notes, programs
from credlens.reports import insights as insight_pages
from credlens.reports.benchmark_panel import section as benchmark_section
from credlens.reports.blocks import tile
from credlens.reports.view import Cell, Column, Dashboard, Section, Table

Json = dict[str, Any]

# The metrics of the report's main run: what the executive and programs sections read, and the insights.
FUNNEL = programs.FUNNEL  # issued → opened → downloaded → shared on LinkedIn → added to a profile
PERIOD_LABELS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "ytd": "Year to date",
    "12mo": "Last 12 months",
    "all": "All time",
}
COMPARE_LABELS = {"previous": "the window before", "year": "the same window a year earlier"}


def guide_sentence(steps: list[Json]) -> str:
    """The funnel as the reporting guide says it: "22 of 43 opened; 8 of those downloaded; 5 shared
    on LinkedIn; 1 added it to their profile". Each step counts credentials that took every step before."""
    values = {s["step"]: s["value"] for s in steps}
    issued = values.get("issued")
    if not issued:
        return "No credential in scope was issued in this window."

    def n(step: str) -> str:
        value = values.get(step)
        return formats.NA if value is None else f"{value:,}"

    return (
        f"{n('opened')} of {n('issued')} opened; {n('downloaded')} of those downloaded; "
        f"{n('shared_linkedin')} shared on LinkedIn; {n('profile_added')} added it to their profile."
    )


def period_label(query: Json) -> str:
    """ "Last 30 days (2026-11-08 to 2026-12-07)" or "2026-01-01 to 2026-03-31"."""
    window = f"{query['from']} to {query['to']}"
    preset = PERIOD_LABELS.get(query.get("period") or "")
    return f"{preset} ({window})" if preset else window


def build(
    main: Json,
    windows: dict[str, Json],
    k: int,
    *,
    title: str,
    insights: list[Json] | None = None,
    benchmarks: Json | None = None,
    state: list[tuple[str, str]] | None = None,
) -> Dashboard:
    """The report over ``main`` (a run with the executive, programs and insight metrics and the guide's
    funnel); ``windows`` are the executive page's fixed windows over the same filters."""
    board = executive.build(main, windows, k)
    page = programs.build(main, k)
    ex = {s.id: s for s in board.sections}
    pr = {s.id: s for s in page.sections}
    steps = main["metrics"]["funnel"]["steps"]
    sentence = guide_sentence(steps)
    summary = Section(
        "summary",
        "At a glance",
        tiles=tuple(
            tile(main, m, label)
            for m, label in (
                ("issued", "Credentials issued"),
                ("view_rate", "Opened by the owner"),
                ("share_rate", "Shared (any channel)"),
                ("verifications", "Verifications"),
                ("verification_rate", "Verification rate"),
                ("hires", "Hires reported"),
            )
        ),
        intro=sentence,
        notes=(notes.COHORT,),
    )
    recipients = Section(
        "recipients",
        "Recipients",
        tiles=(
            tile(main, "unique_recipients", "Unique recipients"),
            tile(main, "new_recipients", "New recipients"),
            tile(windows["all"], "unique_recipients", "Unique recipients · all time", period="all"),
        ),
        intro=f"{notes.definition('unique_recipients')} {notes.definition('new_recipients')}",
    )
    engagement = replace(
        pr["engagement"],
        tables=tuple(t for t in pr["engagement"].tables if t.id != "reengagement"),
        intro=programs.story(steps),
    )
    verification = Section(
        "verification",
        "Verification and hires",
        tiles=tuple(
            tile(main, m, label)
            for m, label in (
                ("verifications", "Verifications"),
                ("verification_rate", "Verification rate"),
                ("hires", "Hires reported"),
                ("verification_to_hire_rate", "Verification-to-hire"),
                ("outcomes_reported", "Verifications with an outcome"),
            )
        ),
        tables=ex["outcomes"].tables,
        notes=(notes.VERIFICATION_BLIND_SPOTS, *ex["outcomes"].notes),
    )
    side_by_side = replace(pr["per_program"], id="programs", title="Programs side by side")
    sections = [summary, ex["issued"], recipients, engagement, pr["channels"], verification, ex["trends"]]
    sections.append(side_by_side)
    if benchmarks is not None and any(e["peers"] or e["published"] for e in benchmarks["benchmarks"].values()):
        panel = benchmark_section(benchmarks)
        released = any(e["peers"] for e in benchmarks["benchmarks"].values())
        dropped = () if released else ("why_not",)
        panel = replace(panel, tables=tuple(without(t, dropped, empty=True) for t in panel.tables))
        if not released:
            panel = replace(panel, notes=(NOT_RELEASED, *panel.notes))
        sections.append(panel)
    if insights:
        top = insight_pages.section(insights, state or [])
        # the evidence links to a page the reader of a file may not have
        sections.append(replace(top, tables=tuple(without(t, ("evidence",)) for t in top.tables), notes=()))
    sections.append(definitions(sections))
    return Dashboard(
        "report", title, sentence, main["query"], tuple(sections), main.get("comparison", {}).get("window")
    )


NOT_RELEASED = (
    "No peer values are released for this window yet (opening the Executive or Programs page of the window "
    "releases them; a report never spends the privacy budget): the published averages are shown alone."
)
EMPTY_TEXTS = ("", "—")


def without(table: Table, keys: tuple[str, ...], *, empty: bool = False) -> Table:
    """The table without the columns ``keys`` (and, with ``empty``, those with nothing to show)."""
    keep = [
        n
        for n, column in enumerate(table.columns)
        if column.key not in keys and not (empty and all(row[n].text in EMPTY_TEXTS for row in table.rows))
    ]
    return replace(
        table,
        columns=tuple(table.columns[n] for n in keep),
        rows=tuple(tuple(row[n] for n in keep) for row in table.rows),
    )


def definitions(sections: list[Section]) -> Section:
    """Every metric the report shows, once, with its definition (docs/metrics.md), and the notes that apply."""
    seen: dict[str, str] = {}
    for section in sections:
        for t in section.tiles:
            seen.setdefault(t.metric, t.label.split(" · ")[0])
        for table in section.tables:
            if table.metric is not None:
                seen.setdefault(table.metric, table.title)
            for column in table.columns:
                if column.metric is not None:
                    seen.setdefault(column.metric, column.label)
    rows = tuple(
        (Cell(metric, metric), Cell(label, label), Cell(notes.definition(metric), notes.definition(metric)))
        for metric, label in seen.items()
        if metric in REGISTRY
    )
    table = Table(
        "definitions",
        "Definitions of the numbers used",
        (
            Column("metric", "Metric", numeric=False),
            Column("label", "Shown as", numeric=False),
            Column("definition", "Definition", numeric=False),
        ),
        rows,
    )
    changes = (
        "Change: a count's change is its difference and the difference relative to the comparison window "
        "(+4 (+4.9 %)); a rate's is in percentage points (+1.5 pts). A cell marked suppressed is hidden to protect "
        "small groups of recipients (docs/privacy.md), exactly as on screen."
    )
    return Section("definitions", "Definitions", tables=(table,), notes=(changes,))
