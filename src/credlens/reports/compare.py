"""Side by side: 2 to 4 programs, departments or credential designs in one view, each metric with its
difference from the first group, a 95 % interval for rates and means, and a marker when a difference is within noise.

The method (intervals.py): Wilson intervals for rates, Newcombe's hybrid score interval for the
difference of two rates, normal/Welch intervals for mean ratings. Counts are exact totals, not
samples, so they get a difference but no interval. "Within noise" means the 95 % interval of the
difference contains 0; with 3 or 4 groups each difference is judged on its own (no correction for
multiple comparisons), which the page says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import altair as alt

from credlens.reports import charts, notes
from credlens.reports.formats import change, count, number, percent, points
from credlens.reports.intervals import (
    WITHIN_NOISE,
    Interval,
    Sample,
    mean_difference,
    mean_interval,
    rate_difference,
    wilson,
)
from credlens.reports.view import Cell, Chart, Column, Dashboard, Section, Table

# The metrics this page reads, so each group's run computes only those
# (tests/reports/test_declared_metrics.py checks that the page reads nothing else).
METRICS = frozenset(
    {
        "completion_rate",
        "download_rate",
        "feedback",
        "issued",
        "profile_add_rate",
        "reengagement_rate",
        "share_rate",
        "unique_recipients",
        "verification_rate",
        "verifications",
        "view_rate",
    }
)

# The design comparison reads the `designs` metric alone (designs pooled over the programs in scope).
DESIGN_METRICS = frozenset({"designs"})

Json = dict[str, Any]
MAX_GROUPS = 4
RATING_BOUNDS = (1.0, 5.0)  # a rating is 1 to 5 , and so is its mean's interval
BEYOND_NOISE = "beyond noise"
COUNTS = (
    ("issued", "Credentials issued"),
    ("unique_recipients", "Unique recipients"),
    ("verifications", "Verifications"),
)
RATES = (
    ("view_rate", "Opened by the owner"),
    ("download_rate", "Downloaded"),
    ("share_rate", "Shared"),
    ("profile_add_rate", "Added to a profile"),
    ("verification_rate", "Verified"),
    ("reengagement_rate", "Re-engaged (of opened)"),
    ("completion_rate", "Completion (of enrolments)"),
)
METHOD = (
    "Rates show a 95 % Wilson interval; each difference is against the baseline group, with Newcombe's 95 % "
    "interval (mean ratings: Welch). A difference marked “within noise” has an interval that contains 0: "
    "the data cannot tell the groups apart. With 3 or 4 groups, each difference is judged on its own. "
    "Counts are exact totals, so they have no interval."
)
Group = tuple[str, str, Json]  # (key, label, metrics JSON)


DESIGN_COUNTS = (("issued", "Credentials issued"),)
DESIGN_RATES = (
    ("view_rate", "Opened by the owner"),
    ("share_rate", "Shared"),
    ("profile_add_rate", "Added to a profile"),
)


def choose(result: Json) -> Dashboard:
    """The page before 2 groups are chosen; the designs of the programs in scope, when the run has them."""
    intro = "Choose 2 to 4 programs, 2 to 4 departments or 2 to 4 designs in the filters above and apply them."
    return Dashboard(
        "compare",
        "Compare",
        "Programs, departments or designs side by side.",
        result["query"],
        (Section("choose", "Choose what to compare", intro=intro),),
        extra={"groups": [], "designs": design_choices(result)},
    )


def design_choices(result: Json) -> list[Json]:
    """The designs of the run's `designs` rows, once each (a design several programs use), by name."""
    names: dict[str, str] = {}
    for row in result["metrics"].get("designs", {}).get("rows", []):
        names.setdefault(row["design"], row.get("name") or row["design"])
    return [{"key": key, "label": label} for key, label in sorted(names.items(), key=lambda kv: (kv[1], kv[0]))]


def design_groups(result: Json, wanted: Sequence[str]) -> list[Group]:
    """One group per design asked, its counts pooled over the programs in scope; a design without
    credentials in scope is a group of zeros (its rates null), labelled by its id."""
    rows = [r for r in result["metrics"].get("designs", {}).get("rows", []) if not r.get("suppressed")]
    groups: list[Group] = []
    for design in wanted:
        own = [r for r in rows if r["design"] == design]
        issued = sum(int(r["issued"]) for r in own)
        metrics: Json = {"issued": {"value": issued}}
        for rate, _ in DESIGN_RATES:
            x = sum(int(r[_DESIGN_COUNT[rate]]) for r in own)
            metrics[rate] = {"value": round(x / issued, 6) if issued else None, "numerator": x, "denominator": issued}
        label = next((r["name"] for r in own if r.get("name")), design)
        groups.append((design, label, {"query": result["query"], "metrics": metrics}))
    return groups


_DESIGN_COUNT = {"view_rate": "opened", "share_rate": "shared", "profile_add_rate": "profile_added"}


def build_designs(groups: Sequence[Group], result: Json) -> Dashboard:
    """Designs side by side: issued, view, share and profile-add rates (what the `designs` metric counts)."""
    dashboard = build(groups, "design", DESIGN_COUNTS, DESIGN_RATES, rating=False)
    return replace(dashboard, extra={**dashboard.extra, "designs": design_choices(result)})


def build(
    groups: Sequence[Group],
    by: str,
    counts: Sequence[tuple[str, str]] = COUNTS,
    rates: Sequence[tuple[str, str]] = RATES,
    *,
    rating: bool = True,
) -> Dashboard:
    first = groups[0][2]
    table = comparison_table(groups, counts, rates, rating=rating)
    section = Section(
        "comparison",
        f"{len(groups)} {by}s side by side",
        charts=(_chart(groups, rates),),
        tables=(table,),
        intro=f"Baseline: {groups[0][1]}. Every difference is against it; choose another under Baseline above.",
        notes=(METHOD, notes.COHORT, notes.ENGAGEMENT_BLIND_SPOTS),
    )
    return Dashboard(
        "compare",
        "Compare",
        f"{len(groups)} {by}s side by side, each against {groups[0][1]}.",
        first["query"],
        (section,),
        first.get("comparison", {}).get("window"),
        extra={"by": by, "groups": [{"key": key, "label": label} for key, label, _ in groups]},
    )


def comparison_table(
    groups: Sequence[Group],
    counts: Sequence[tuple[str, str]] = COUNTS,
    rates: Sequence[tuple[str, str]] = RATES,
    *,
    rating: bool = True,
) -> Table:
    baseline_label = groups[0][1]
    columns = [Column("metric", "Metric", numeric=False)]
    for n, (_, label, _) in enumerate(groups, start=1):
        columns.append(Column(f"g{n}", label, interval=True))
        if n > 1:
            columns.append(Column(f"g{n}_diff", f"{label} − {baseline_label}", interval=True, flagged=True))
    rows = [_count_row(groups, m, label) for m, label in counts]
    rows += [_rate_row(groups, m, label) for m, label in rates]
    if rating:
        rows.append(_rating_row(groups))
    return Table("comparison", "Side by side", tuple(columns), tuple(rows))


def _label(metric_id: str, label: str) -> Cell:
    return Cell(label, label, hint=notes.definition(metric_id) or None)


def _count_row(groups: Sequence[Group], metric_id: str, label: str) -> tuple[Cell, ...]:
    values = [g[2]["metrics"][metric_id]["value"] for g in groups]
    cells = [_label(metric_id, label)]
    for n, value in enumerate(values):
        cells.append(Cell(value, count(value)))
        if n:  # a count's change, as everywhere (formats.change): "+4 (+4.9 %)"
            diff = None if value is None or values[0] is None else value - values[0]
            relative = None if diff is None or not values[0] else round(diff / values[0], 6)
            cells.append(Cell(diff, change({"absolute": diff, "relative": relative}, rate=False)))
    return tuple(cells)


def _rate_row(groups: Sequence[Group], metric_id: str, label: str) -> tuple[Cell, ...]:
    results = [g[2]["metrics"][metric_id] for g in groups]
    counts = [(r["numerator"], r["denominator"]) for r in results]
    cells = [_label(metric_id, label)]
    for n, (result, pair) in enumerate(zip(results, counts, strict=True)):
        interval = wilson(*pair)
        cells.append(_interval_cell(result["value"], interval, percent, f"{pair[0]:,} of {pair[1]:,}"))
        if n:
            cells.append(_difference_cell(rate_difference(pair, counts[0]), points))
    return tuple(cells)


def _rating_row(groups: Sequence[Group]) -> tuple[Cell, ...]:
    samples = [
        Sample({int(r["key"]): int(r["value"] or 0) for r in g[2]["metrics"]["feedback"]["rows"]}) for g in groups
    ]
    cells = [_label("feedback", "Mean rating (1–5, ratings in the window)")]
    for n, sample in enumerate(samples):
        interval = mean_interval(sample, RATING_BOUNDS)
        cells.append(_interval_cell(sample.mean, interval, number, f"{sample.n:,} ratings"))
        if n:
            cells.append(_difference_cell(mean_difference(sample, samples[0]), lambda v: number(v, 2)))
    return tuple(cells)


def _interval_cell(value: float | None, interval: Interval | None, fmt: Any, detail: str) -> Cell:
    raw = None if value is None else round(value, 6)
    if interval is None:
        return Cell(raw, fmt(raw), note=detail)
    low, high = round(interval.low, 6), round(interval.high, 6)
    return Cell(raw, fmt(raw), low=low, high=high, note=f"{detail}; 95 % CI {fmt(low)} to {fmt(high)}")


def _difference_cell(interval: Interval | None, fmt: Any) -> Cell:
    if interval is None:
        return Cell(None, "n/a", note="a group has no data for this metric")
    flag = WITHIN_NOISE if interval.within_noise else BEYOND_NOISE
    low, high = round(interval.low, 6), round(interval.high, 6)
    return Cell(
        round(interval.estimate, 6),
        fmt(interval.estimate),
        low=low,
        high=high,
        flag=flag,
        note=f"95 % CI {fmt(low)} to {fmt(high)}",
    )


def _chart(groups: Sequence[Group], rates: Sequence[tuple[str, str]] = RATES) -> Chart:
    values: list[Json] = []
    for _, label, result in groups:
        for metric_id, metric_label in rates:
            r = result["metrics"][metric_id]
            interval = wilson(r["numerator"], r["denominator"])
            if interval is not None:
                values.append(
                    {
                        "metric": metric_label,
                        "group": label,
                        "value": interval.estimate,
                        "low": interval.low,
                        "high": interval.high,
                    }
                )
    base = alt.Chart(charts.inline(values), title="Rates with 95 % intervals")
    order = [label for _, label in rates]
    y = alt.Y("metric:N", sort=order, title=None)
    bars = base.mark_bar().encode(
        y=y,
        yOffset="group:N",
        x=charts.position("value:Q", alt.X, "rate", [v["high"] for v in values], percent=True),
        color=alt.Color("group:N", title=None, scale=alt.Scale(scheme="dark2")),
        tooltip=[
            "group:N",
            "metric:N",
            alt.Tooltip("value:Q", format=".1%"),
            alt.Tooltip("low:Q", format=".1%"),
            alt.Tooltip("high:Q", format=".1%"),
        ],
    )
    rules = base.mark_rule(color="#1b1f24").encode(y=y, yOffset="group:N", x="low:Q", x2="high:Q")
    spec: Json = (
        alt.layer(bars, rules)
        .properties(width="container", height=60 * len(rates), description="Rates of each group with intervals")
        .to_dict(validate=False)
    )
    spec["config"] = {**charts.CONFIG, "legend": {**charts.CONFIG["legend"], "orient": "bottom", "columns": 2}}
    return Chart(
        "comparison_chart",
        "Rates side by side",
        spec,
        "comparison",
        "Grouped bar chart of each rate per group with its 95 % interval; the table below holds the same numbers.",
    )
