"""Verification & market: verification trends, who verifies (industry, size, country), employer
segments, consented top verifiers, and growth against the comparison window."""

from __future__ import annotations

from typing import Any

from credlens.reports import charts, labels, notes
from credlens.reports.blocks import Spec, breakdown, rows_table, tile, trend_table
from credlens.reports.partial import partial_keys
from credlens.reports.view import Chart, Dashboard, Section

# The metrics this page reads, so its run computes only those (tests/reports/test_declared_metrics.py
# checks that the page reads nothing else).
METRICS = frozenset(
    {
        "employer_segments",
        "hires",
        "top_verifiers",
        "verification_rate",
        "verification_trend",
        "verifications",
        "verifications_by_country",
        "verifications_by_industry",
        "verifications_by_industry_trend",
        "verifications_by_size",
        "verified_credentials",
    }
)

Json = dict[str, Any]


def build(result: Json) -> Dashboard:
    return Dashboard(
        "market",
        "Verification & market",
        "Who checks the credentials, from where, and how that changes.",
        result["query"],
        (_headline(result), _trends(result), _who(result), _segments(result)),
        result.get("comparison", {}).get("window"),
    )


def _headline(result: Json) -> Section:
    items = (
        ("verifications", "Verifications"),
        ("verified_credentials", "Credentials verified"),
        ("verification_rate", "Verification rate (cohort)"),
        ("hires", "Hires reported"),
    )
    return Section(
        "headline",
        "This window",
        tiles=tuple(tile(result, m, label) for m, label in items),
        notes=(notes.VERIFICATION_BLIND_SPOTS,),
    )


def _trends(result: Json) -> Section:
    m = result["metrics"]
    interval = result["query"]["interval"]
    table = trend_table(result, "verification_trend", f"Verifications per {interval}", "Verifications")
    industry = m["verifications_by_industry_trend"]["rows"]
    industry_rows = [
        {"key": f"{r['key']} · {b['key']}", "value": b["value"]} for r in industry[:5] for b in r["buckets"]
    ]
    industry_table = rows_table(
        "verifications_by_industry_trend",
        "Verifications per bucket, five largest industries",
        industry_rows,
        (
            Spec("key", "Industry · from", "text"),
            Spec("value", "Verifications", "count", "verifications_by_industry_trend"),
        ),
        metric="verifications_by_industry_trend",
        collapsed=True,
    )
    chart_list: tuple[Chart, ...] = (
        Chart(
            "verification_trend_chart",
            "Verifications",
            charts.trend(
                m["verification_trend"]["rows"],
                "Verifications",
                "verifications",
                "Verification trend",
                partial=partial_keys(result["query"], m["verification_trend"]["rows"]),
            ),
            "verification_trend",
            "Line chart of verifications per bucket; the table below holds the same numbers.",
        ),
        Chart(
            "industry_trend_chart",
            "Verifications by industry",
            charts.segment_trends(industry, "Verifications by industry", "Verification trend per industry"),
            "verifications_by_industry_trend",
            "Line chart of verifications per bucket, five largest industries; the table below holds the numbers.",
        ),
    )
    if not industry_rows:  # no industry verified in the window: its table says so, no empty axes
        chart_list = chart_list[:1]
    return Section("trends", "Verification trends", charts=chart_list, tables=(table, industry_table))


def _who(result: Json) -> Section:
    tables = []
    chart_list = []
    for attribute, label in (("industry", "Industry"), ("size", "Organization size"), ("country", "Country")):
        metric_id = f"verifications_by_{attribute}"
        rows = result["metrics"][metric_id]["rows"]
        order = labels.in_size_order if attribute == "size" else None  # sizes read in their own order
        rows = order(rows) if order else rows
        name = labels.country if attribute == "country" else labels.humanize
        names = labels.names_for((r["key"] for r in rows), name)
        tables.append(
            breakdown(
                result, metric_id, f"Verifications by {label.lower()}", label, "Verifications", names=names, order=order
            )
        )
        draw = charts.step_bars if attribute == "size" else charts.ranked_bars  # sizes in their order
        chart_list.append(
            Chart(
                f"{attribute}_chart",
                f"By {label.lower()}",
                draw(
                    [{**r, "key": names[str(r["key"])]} for r in rows[:12]],
                    f"Verifications by {label.lower()}",
                    "verifications",
                    f"Verifications by {label.lower()}",
                ),
                metric_id,
                f"Bar chart of verifications by {label.lower()}; the table holds the same numbers.",
            )
        )
    return Section("verifiers", "Who verifies", charts=tuple(chart_list), tables=tuple(tables))


def _segments(result: Json) -> Section:
    segments = breakdown(
        result,
        "employer_segments",
        "Employer segments (industry × size)",
        "Segment",
        "Verifications",
        note=notes.VERIFIER_CROSSING,
    )
    top = breakdown(result, "top_verifiers", "Top consented verifiers", "Organization", "Verifications")
    return Section(
        "segments",
        "Employer segments and top verifiers",
        tables=(segments, top),
        notes=(notes.VERIFIER_CROSSING, notes.CONSENTED_ONLY),
    )
