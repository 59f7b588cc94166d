"""The executive dashboard: issuance over fixed windows, recipients, verification, top programs, outcomes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from credlens.metrics.programs import RANKING_MINIMUM
from credlens.reports import charts, labels, notes
from credlens.reports.blocks import Spec, breakdown, rows_table, tile, trend_table
from credlens.reports.partial import partial_keys
from credlens.reports.view import Chart, Dashboard, Section

# The metrics this page reads, so its run computes only those (tests/reports/test_declared_metrics.py
# checks that the page reads nothing else).
METRICS = frozenset(
    {
        "active_credentials",
        "career_outcomes",
        "hires",
        "issued",
        "issued_trend",
        "new_recipients",
        "outcomes_reported",
        "programs",
        "unique_recipients",
        "verification_rate",
        "verification_to_hire_rate",
        "verification_trend",
        "verifications",
        "verifications_per_1k_active",
    }
)

Json = dict[str, Any]
FIXED_WINDOWS = (("30d", "Last 30 days"), ("last_quarter", "Last quarter"), ("all", "All time"))
FIXED_METRICS = frozenset({"issued", "unique_recipients"})  # what the tiles of the fixed windows show
# what each fixed window shows: `issued` in every one, unique recipients in `all` alone (a cohort
# statement per window and comparison window the others would compute for nothing)
WINDOW_METRICS = {period: frozenset({"issued"}) for period, _ in FIXED_WINDOWS} | {"all": FIXED_METRICS}
TOP = 5


def build(main: Json, windows: dict[str, Json], k: int) -> Dashboard:
    """``main`` is the page's query; ``windows`` the same filters over FIXED_WINDOWS (with their comparison)."""
    return Dashboard(
        "executive",
        "Executive",
        "Issuance, recipients, verification and outcomes at a glance.",
        main["query"],
        (
            _headline(main),
            _issued(windows),
            _trends(main),
            _top_programs(main),
            _outcomes(main, k),
        ),
        main.get("comparison", {}).get("window"),
    )


def _headline(main: Json) -> Section:
    items = (
        ("issued", "Credentials issued"),
        ("unique_recipients", "Unique recipients"),
        ("new_recipients", "New recipients"),
        ("verification_rate", "Verification rate"),
        ("verifications", "Verifications"),
        ("active_credentials", "Active credentials"),
    )
    return Section(
        "headline",
        "This window",
        tiles=tuple(tile(main, m, label) for m, label in items),
        notes=(notes.COHORT,),
    )


def _issued(windows: dict[str, Json]) -> Section:
    tiles = [tile(windows[p], "issued", f"Issued · {label.lower()}", period=p) for p, label in FIXED_WINDOWS]
    tiles.append(tile(windows["all"], "unique_recipients", "Unique recipients · all time", period="all"))
    rows = []
    for period, label in FIXED_WINDOWS:
        result = windows[period]
        comparison = result.get("comparison")
        issued = result["metrics"]["issued"]
        rows.append(
            {
                "key": label,
                "from": result["query"]["from"],
                "to": result["query"]["to"],
                "value": issued["value"],
                "before": comparison["metrics"]["issued"]["value"] if comparison else None,
                "change": issued.get("change"),
            }
        )
    table = rows_table(
        "issued_windows",
        "Credentials issued, each window against the one before it",
        rows,
        (
            Spec("key", "Window", "text"),
            Spec("from", "From", "text"),
            Spec("to", "To", "text"),
            Spec("value", "Issued", "count", "issued"),
            Spec("before", "Window before", "count", "issued"),
        ),
        metric="issued",
        with_change=True,
    )
    return Section("issued", "Credentials issued", tiles=tuple(tiles), tables=(table,))


def _trends(main: Json) -> Section:
    m = main["metrics"]
    interval = main["query"]["interval"]
    tables = (
        trend_table(main, "issued_trend", f"Credentials issued per {interval}", "Issued"),
        trend_table(main, "verification_trend", f"Verifications per {interval}", "Verifications"),
        trend_table(
            main, "verifications_per_1k_active", "Verifications per 1,000 active credentials", "Per 1,000", "number"
        ),
    )
    chart_list = (
        Chart(
            "issued_trend_chart",
            "Credentials issued",
            charts.trend(
                m["issued_trend"]["rows"],
                "Credentials issued",
                "issued",
                "Credentials issued per bucket",
                partial=partial_keys(main["query"], m["issued_trend"]["rows"]),
            ),
            "issued_trend",
            "Line chart of credentials issued per bucket; the table below holds the same numbers.",
        ),
        Chart(
            "verification_trend_chart",
            "Verifications",
            charts.trend(
                m["verification_trend"]["rows"],
                "Verifications",
                "verifications",
                "Verifications",
                partial=partial_keys(main["query"], m["verification_trend"]["rows"]),
            ),
            "verification_trend",
            "Line chart of verifications per bucket; the table below holds the same numbers.",
        ),
        Chart(
            "per_1k_chart",
            "Verification rate trend",
            charts.trend(
                m["verifications_per_1k_active"]["rows"],
                "Verifications per 1,000 active credentials",
                "per 1,000 active",
                "Verification rate per bucket",
                integer=False,
                partial=partial_keys(main["query"], m["verifications_per_1k_active"]["rows"]),
            ),
            "verifications_per_1k_active",
            "Line chart of verifications per 1,000 active credentials; the table below holds the same numbers.",
        ),
    )
    return Section("trends", "Issuance and verification trends", charts=chart_list, tables=tables)


def _top_programs(main: Json) -> Section:
    rows = main["metrics"]["programs"]["rows"]
    specs = (
        Spec("name", "Program", "text"),
        Spec("issued", "Issued", "count", "issued"),
        Spec("perceived_value_index", "Perceived value", "number", "programs"),
        Spec("share_rate", "Share rate", "percent", "share_rate"),
        Spec("employer_interest", "Employer interest", "number", "programs"),
    )
    rankings = (
        ("top_by_value", "By perceived value (100 = the issuer's average program)", "perceived_value_index"),
        ("top_by_share_rate", "By share rate", "share_rate"),
        ("top_by_employer_interest", "By employer interest (verifications per 100 issued)", "employer_interest"),
    )
    tables = tuple(
        rows_table(table_id, title, _top(rows, field), specs, metric="programs") for table_id, title, field in rankings
    )
    apart = rows_table(
        "too_few_to_rank",
        f"Too few credentials to rank (fewer than {RANKING_MINIMUM} issued in the window)",
        sorted(
            (r for r in rows if 0 < (r.get("issued") or 0) < RANKING_MINIMUM), key=lambda r: (-r["issued"], r["key"])
        ),
        specs,
        metric="programs",
    )
    apart = replace(apart, empty="Every program that issued credentials in the window has enough to rank.")
    return Section(
        "top_programs",
        "Top-performing programs",
        tables=(*tables, apart),
        intro=f"Programs are ranked once they issued at least {RANKING_MINIMUM} credentials in the window; "
        "the others are listed apart, below. " + notes.definition("programs"),
        notes=(notes.ENGAGEMENT_BLIND_SPOTS,),
    )


def _top(rows: list[Json], field: str) -> list[Json]:
    """The TOP programs by ``field``, among those with enough credentials to rank (RANKING_MINIMUM)."""
    ranked = [r for r in rows if r.get(field) is not None and (r.get("issued") or 0) >= RANKING_MINIMUM]
    return sorted(ranked, key=lambda r: (-r[field], r["key"]))[:TOP]


def _outcomes(main: Json, k: int) -> Section:
    tiles = tuple(
        tile(main, m, label)
        for m, label in (
            ("verification_to_hire_rate", "Verification-to-hire"),
            ("hires", "Hires reported"),
            ("outcomes_reported", "Verifications with an outcome"),
        )
    )
    outcomes = main["metrics"]["career_outcomes"]["rows"]
    table = breakdown(
        main,
        "career_outcomes",
        "Career outcomes reported by recipients",
        "Outcome",
        "Reports",
        names=labels.names_for((r["key"] for r in outcomes), labels.humanize),
    )
    return Section("outcomes", "Key outcomes", tiles=tiles, tables=(table,), notes=(notes.OUTCOMES, notes.sensitive(k)))
