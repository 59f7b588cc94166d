"""Insights: every tested finding of the window (docs/insights.md), with its evidence and a link to
the dashboard that shows it; and the top findings as a section of another page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from credlens.insights.registry import KINDS, Q_LEVEL
from credlens.reports.formats import count, percent
from credlens.reports.view import Cell, Column, Dashboard, Section, Table

Json = dict[str, Any]
TOP = 3  # findings shown on Executive and Programs
# The page that shows each kind's evidence (its numbers, in the window of the insight's query).
EVIDENCE_PAGE = {
    "program_above_average": "programs",
    "program_below_average": "programs",
    "delivery_problem": "programs",
    "bundle_opportunity": "portfolios",
    "pathway": "portfolios",
    "market_demand": "market",
}
COLUMNS = (
    Column("finding", "Finding", numeric=False),
    Column("recommendation", "Recommendation", numeric=False),
    Column("kind", "Kind", numeric=False),
    Column("value", "Value"),
    Column("reference", "Reference"),
    Column("ci95", "95 % interval", numeric=False),
    Column("p_value", "p"),
    Column("q_value", "q (BH)"),
    Column("impact", "Impact"),
    Column("evidence", "Evidence", numeric=False),
)


def build(result: Json, insights: list[Json], state: list[tuple[str, str]]) -> Dashboard:
    summary = (
        f"{len(insights)} finding(s) significant after the Benjamini–Hochberg correction (q ≤ {Q_LEVEL}), each "
        "with its minimum volume and effect; largest impact first."
    )
    intro = (
        "Each finding is a tested statement about this window, with its numbers: the kinds, their tests and "
        f"minimums are in docs/insights.md ({', '.join(KINDS)})."
    )
    return Dashboard(
        "insights",
        "Insights",
        summary,
        result["query"],
        (Section("findings", "Findings", tables=(table(insights, state),), intro=intro, notes=_notes(result)),),
        result.get("comparison", {}).get("window"),
    )


def section(insights: list[Json], state: list[tuple[str, str]]) -> Section:
    """The top findings, for another page."""
    link = f"/dashboards/insights?{urlencode(state)}"
    top = table(insights[:TOP], state, "top_insights", "Top findings")
    return Section("insights", "Top findings", tables=(top,), notes=(f"All findings: {link}",))


def table(
    insights: list[Json], state: list[tuple[str, str]], table_id: str = "insights", title: str = "Findings"
) -> Table:
    rows = tuple(_row(i, state) for i in insights)
    empty = "No significant finding in this window (with the minimum volumes and effects)."
    return Table(table_id, title, COLUMNS, rows, empty=empty)


def _row(insight: Json, state: list[tuple[str, str]]) -> tuple[Cell, ...]:
    e = insight["evidence"]
    rate = e["denominator"] is not None and insight["kind"] not in ("bundle_opportunity",)
    show = percent if rate else count
    ci = e["ci95"]
    page = EVIDENCE_PAGE.get(insight["kind"], "executive")
    href = f"/dashboards/{page}?{urlencode(state)}"
    return (
        Cell(insight["finding"], insight["finding"]),
        Cell(insight["recommendation"], insight["recommendation"]),
        Cell(insight["kind"], insight["kind"]),
        Cell(e["value"], show(e["value"])),
        Cell(e["reference"], show(e["reference"])),
        Cell(f"{ci[0]}–{ci[1]}", _interval(ci, rate)),
        Cell(e["p_value"], f"{e['p_value']:.2g}"),
        Cell(e["q_value"], f"{e['q_value']:.2g}"),
        Cell(insight["impact"], count(round(insight["impact"], 1))),
        Cell(href, page, href=href),
    )


def _interval(ci: list[float | None], rate: bool) -> str:
    if not rate:  # a ratio of daily rates (counts) or a share of holders
        return "–".join("n/a" if v is None else f"{v:.2f}" for v in ci)
    return "–".join(percent(v) for v in ci)


def _notes(result: Json) -> tuple[str, ...]:
    notes = ["Insights read the same suppressed results as every page: no hidden cell is ever cited."]
    if result.get("comparison") is None:
        notes.append("Choose a comparison window to see changes and market demand.")
    return tuple(notes)
