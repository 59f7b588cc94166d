"""Vega-Lite specs (built with Altair) for the dashboards, and later for PDF and e-mail reports.

Every chart is drawn from the same rows as a table beside it, so the chart is never the only way
to read a number (screen readers get the table). Specs carry their data inline: no URL is loaded.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import altair as alt
from altair.utils.schemapi import disable_debug_mode

# NOTE: Altair validates every object as it is built (its debug mode): ~3.2 ms a chart against
# ~1.4 ms without, measured here. The specs are validated against Vega-Lite's schema by the tests
# (tests/reports/test_charts.py), not on every page.
disable_debug_mode()

Json = dict[str, Any]
ACCENT = "#0b5cad"  # the stylesheet's accent: 6.4:1 on white
COMPARISON = "#8792a1"
HEIGHT = 220


CONFIG: Json = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1b1f24", "titleColor": "#1b1f24"},
    "title": {"fontSize": 14, "anchor": "start", "color": "#1b1f24"},
    "legend": {"labelFontSize": 12, "labelColor": "#1b1f24", "labelLimit": 320},
    "view": {"stroke": None},
}


# Axes whose tick labels are all distinct (issue 15): a count axis steps by whole units, a percent axis
# by at least the precision its labels show (".0%": 1 point), and a time axis ticks at whole days,
# months or years with a label format that names them apart (Vega's default put "12 PM" between the
# days of a week). The ticks of value axes are listed in the spec: Vega's `tickMinStep` still chose
# steps of 0.5 for a domain of 0-2 (its count becomes span/step + 1, then d3 halves the step).
MAX_VALUE_TICKS = 6
MAX_TIME_TICKS = 8
_NICE = (1, 2, 2.5, 5)


def value_axis(values: Sequence[float | int | None], *, percent: bool = False) -> tuple[Json, Json]:
    """The axis and scale of a count (whole-number ticks) or percent (whole-point ticks) axis from 0 to
    at least the largest value, at most MAX_VALUE_TICKS + 1 ticks, each label distinct."""
    top = max((float(v) for v in values if v is not None), default=0.0)
    unit = 0.01 if percent else 1.0
    steps = [unit * m * 10**e for e in range(12) for m in _NICE if m * 10**e >= 1 and (m != 2.5 or e > 0)]
    step = next(st for st in steps if top <= st * MAX_VALUE_TICKS) if top > 0 else unit
    count = max(1, math.ceil(round(top / step, 9)))
    ticks: list[float | int] = [round(step * n, 10) for n in range(count + 1)]
    ticks = ([t for t in ticks if t <= 1] or [0.0, 1.0]) if percent else [int(t) for t in ticks]
    axis = {"format": ".0%" if percent else ",d", "values": ticks}
    return axis, {"domain": [0, ticks[-1]], "nice": False}


def time_axis(buckets: Sequence[str]) -> Json:
    """The axis of a trend over these bucket starts (ISO dates): ticks at whole days up to two months,
    whole months up to three years, whole years beyond, at most ~MAX_TIME_TICKS of them."""
    days = sorted(dt.date.fromisoformat(str(b)[:10]) for b in buckets)
    if len(days) < 2:
        return {"format": "%b %d, %Y", "tickCount": {"interval": "day", "step": 1}}
    span = (days[-1] - days[0]).days
    months = (days[-1].year - days[0].year) * 12 + days[-1].month - days[0].month
    if span <= 62:
        unit, step, label = "day", span // MAX_TIME_TICKS + 1, "%b %d"
    elif months <= 36:
        unit, step, label = "month", months // MAX_TIME_TICKS + 1, "%b %Y"
    else:
        unit, step, label = "year", months // 12 // MAX_TIME_TICKS + 1, "%Y"
    return {"format": label, "tickCount": {"interval": unit, "step": step}, "labelOverlap": True}


def position(
    field: str, channel: Any, title: str, values: Sequence[float | int | None], *, percent: bool = False
) -> Any:
    """An Altair position channel on a value axis (``value_axis``)."""
    axis, scale = value_axis(values, percent=percent)
    return channel(field, title=title, axis=alt.Axis(**axis), scale=alt.Scale(**scale))


def inline(values: Sequence[Json]) -> alt.Data:
    """Data carried in the spec itself (no URL for the browser to fetch)."""
    return alt.Data(values=list(values))  # type: ignore[no-untyped-call]


def _config(chart: alt.Chart, description: str) -> Json:
    spec: Json = chart.properties(width="container", height=HEIGHT, description=description).to_dict(validate=False)
    spec["config"] = CONFIG
    return spec


def trend(
    rows: Sequence[Json],
    title: str,
    y_title: str,
    description: str,
    *,
    percent: bool = False,
    integer: bool = True,
    partial: frozenset[str] | set[str] = frozenset(),
) -> Json:
    """A line over interval buckets (`key` = bucket start, `value`). Buckets the window covers only in
    part (``partial``, reports/partial.py) are hollow points joined by a dashed line, so a month still
    running does not read as a collapse."""
    marked = [{"bucket": r["key"], "value": r["value"], "partial": r["key"] in partial} for r in rows]
    # One row per end of each line segment (dashed when it touches a partial bucket); ``dot`` marks
    # one row per bucket for the points. One data set for both layers, inline at the top.
    values: list[Json] = []
    for n in range(len(marked)):
        pair = marked[n : n + 2] if len(marked) > 1 else marked
        if len(pair) < 2 and len(marked) > 1:
            break
        dash = "partial" if any(p["partial"] for p in pair) else "whole"
        values += [
            {
                **p,
                "segment": n,
                "dash": dash,
                "dot": n == 0 or i == 1,
                "bucket_kind": "partial" if p["partial"] else "whole",
            }
            for i, p in enumerate(pair)
        ]
    # NOTE: written as Vega-Lite JSON, not through Altair, whose layered charts copy and hash their
    # objects at each step (slow per trend); the tests validate it against the schema like every spec.
    kinds = {"domain": ["whole", "partial"], "range": [ACCENT, "#ffffff"]}
    dashes = {"domain": ["whole", "partial"], "range": [[1, 0], [4, 3]]}
    return {
        "$schema": alt.SCHEMA_URL,
        "config": CONFIG,
        "data": {"values": values},
        "title": title,
        "description": description,
        "width": "container",
        "height": HEIGHT,
        "encoding": {
            "x": {"field": "bucket", "type": "temporal", "title": None, "axis": time_axis([r["key"] for r in rows])},
            "y": _trend_y([r["value"] for r in rows], y_title, percent=percent, integer=integer),
        },
        "layer": [
            {
                "mark": {"type": "line", "color": ACCENT},
                "encoding": {
                    "detail": {"field": "segment", "type": "nominal"},
                    "strokeDash": {"field": "dash", "type": "nominal", "scale": dashes, "legend": None},
                },
            },
            {
                "mark": {"type": "point", "color": ACCENT, "size": 40, "opacity": 1},
                "transform": [{"filter": "datum.dot"}],
                "encoding": {
                    "fill": {"field": "bucket_kind", "type": "nominal", "scale": kinds, "legend": None},
                    "tooltip": [
                        {"field": "bucket", "type": "temporal", "title": "from"},
                        {"field": "value", "type": "quantitative", "title": y_title},
                        {"field": "bucket_kind", "type": "nominal", "title": "bucket"},
                    ],
                },
            },
        ],
    }


def _trend_y(values: Sequence[float | int | None], title: str, *, percent: bool, integer: bool) -> Json:
    y: Json = {"field": "value", "type": "quantitative", "title": title, "axis": {"format": ",~r"}}
    if percent or integer:
        y["axis"], y["scale"] = value_axis(values, percent=percent)
    return y


def ranked_bars(rows: Sequence[Json], title: str, x_title: str, description: str, *, percent: bool = False) -> Json:
    """Horizontal bars, largest first (`key`, `value`); suppressed rows are left out of the chart."""
    values = [{"key": str(r["key"]), "value": r["value"]} for r in rows if r.get("value") is not None]
    chart = (
        alt.Chart(inline(values), title=title)
        .mark_bar(color=ACCENT)
        .encode(
            y=alt.Y("key:N", sort="-x", title=None),
            x=position("value:Q", alt.X, x_title, [v["value"] for v in values], percent=percent),
            tooltip=[alt.Tooltip("key:N", title=""), alt.Tooltip("value:Q", title=x_title)],
        )
    )
    return _config(chart, description)


def ordered_bars(rows: Sequence[Json], title: str, x_title: str, description: str) -> Json:
    """Bars in the rows' own order (funnel steps, 1–5 ratings, 1/2/3/4/5+ credentials)."""
    order = [str(r["key"]) for r in rows]
    values = [{"key": str(r["key"]), "value": r["value"]} for r in rows if r.get("value") is not None]
    chart = (
        alt.Chart(inline(values), title=title)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("key:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=position("value:Q", alt.Y, x_title, [v["value"] for v in values]),
            tooltip=[alt.Tooltip("key:N", title=""), alt.Tooltip("value:Q", title=x_title)],
        )
    )
    return _config(chart, description)


def step_bars(rows: Sequence[Json], title: str, x_title: str, description: str) -> Json:
    """Horizontal bars in the rows' own order (funnel steps, organization sizes): long names stay readable,
    and every step keeps its bar, zero or not."""
    order = [str(r["key"]) for r in rows]
    values = [{"key": str(r["key"]), "value": r["value"]} for r in rows if r.get("value") is not None]
    chart = (
        alt.Chart(inline(values), title=title)
        .mark_bar(color=ACCENT)
        .encode(
            y=alt.Y("key:N", sort=order, title=None, axis=alt.Axis(labelLimit=180)),
            x=position("value:Q", alt.X, x_title, [v["value"] for v in values]),
            tooltip=[alt.Tooltip("key:N", title=""), alt.Tooltip("value:Q", title=x_title, format=",d")],
        )
    )
    return _config(chart, description)


def segment_trends(rows: Sequence[Json], title: str, description: str, top: int = 5) -> Json:
    """One line per segment (the `top` largest), from segment-trend rows with `buckets`."""
    values = [
        {"segment": str(r["key"]), "bucket": b["key"], "value": b["value"]} for r in rows[:top] for b in r["buckets"]
    ]
    chart = (
        alt.Chart(inline(values), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("bucket:T", title=None, axis=alt.Axis(**time_axis([str(v["bucket"]) for v in values]))),
            y=position("value:Q", alt.Y, "verifications", [v["value"] for v in values]),
            color=alt.Color("segment:N", title=None, scale=alt.Scale(scheme="dark2")),
            tooltip=["segment:N", alt.Tooltip("bucket:T", title="from"), "value:Q"],
        )
    )
    return _config(chart, description)
