"""Chart specs are valid Vega-Lite for the version the served bundle draws, and the bundle is the pinned one."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pytest

from credlens.reports import bundle, charts
from credlens.web.pages import STATIC_DIR

ROWS = [{"key": "2026-01-01", "value": 3}, {"key": "2026-02-01", "value": 5}]


@pytest.mark.parametrize(
    "spec",
    [
        charts.trend(ROWS, "Issued", "issued", "d"),
        charts.ranked_bars([{"key": "finance", "value": 3}, {"key": "x", "value": None}], "t", "n", "d"),
        charts.ordered_bars([{"key": "1", "value": 2}], "t", "n", "d"),
        charts.segment_trends([{"key": "finance", "value": 3, "buckets": ROWS}], "t", "d"),
    ],
)
def test_specs_are_valid_vega_lite_with_their_data_inline(spec: dict[str, object]) -> None:
    (alt.LayerChart if "layer" in spec else alt.Chart).from_dict(spec, validate=True)  # raises on an invalid spec
    assert "url" not in str(spec["data"])
    assert str(spec["$schema"]).endswith(f"v{alt.SCHEMA_VERSION.lstrip('v')}.json")
    assert alt.SCHEMA_VERSION.lstrip("v").startswith(bundle.VL_VERSION)


def test_suppressed_rows_stay_out_of_a_chart() -> None:
    spec = charts.ranked_bars(
        [{"key": "a", "value": 4}, {"key": "b", "value": None, "suppressed": True}], "t", "n", "d"
    )
    assert spec["data"] == {"values": [{"key": "a", "value": 4}]}


def test_the_served_bundle_is_the_one_vl_convert_makes() -> None:
    served = Path(STATIC_DIR, "vega.js").read_text(encoding="utf-8")
    assert served == bundle.bundle(), "regenerate it: python -m credlens.reports.bundle"


def test_a_partial_bucket_is_a_hollow_point_on_a_dashed_segment() -> None:
    """The last bucket only partly in the window (a month still running) is marked, not drawn as a fall."""
    rows = [*ROWS, {"key": "2026-03-01", "value": 1}]
    spec = charts.trend(rows, "Issued", "issued", "d", partial={"2026-03-01"})
    values = spec["data"]["values"]
    dots = {v["bucket"]: v["bucket_kind"] for v in values if v["dot"]}
    assert dots == {"2026-01-01": "whole", "2026-02-01": "whole", "2026-03-01": "partial"}
    assert [v["dash"] for v in values if v["segment"] == 1] == ["partial", "partial"]
    assert [v["dash"] for v in values if v["segment"] == 0] == ["whole", "whole"]


def test_the_trend_table_says_which_bucket_is_partial() -> None:
    from credlens.reports.blocks import trend_table  # noqa: PLC0415

    rows = [{"key": "2026-01-01", "value": 3}, {"key": "2026-02-01", "value": 5}, {"key": "2026-03-01", "value": 1}]
    result = {
        "query": {"from": "2026-01-15", "to": "2026-03-10", "interval": "month"},
        "metrics": {"issued_trend": {"rows": rows}},
    }
    table = trend_table(result, "issued_trend", "t", "Issued")
    assert [row[0].text for row in table.rows] == ["2026-01-01 (partial)", "2026-02-01", "2026-03-01 (partial)"]
    assert [row[0].value for row in table.rows] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_a_first_bucket_clipped_to_the_window_is_partial() -> None:
    from credlens.reports.partial import partial_keys  # noqa: PLC0415

    weeks = [{"key": "2026-09-09"}, {"key": "2026-09-14"}, {"key": "2026-12-07"}]  # a Wednesday, Mondays
    query = {"from": "2026-09-09", "to": "2026-12-07", "interval": "week"}
    assert partial_keys(query, weeks) == {"2026-09-09", "2026-12-07"}
    whole = {"from": "2026-01-01", "to": "2026-03-31", "interval": "month"}
    assert partial_keys(whole, [{"key": "2026-01-01"}, {"key": "2026-03-01"}]) == set()


@pytest.mark.parametrize("top", [0, 1, 2, 3, 7, 11, 59, 523, 12_345])
def test_a_count_axis_has_whole_distinct_ticks_covering_the_values(top: int) -> None:
    """Issue 15: a count axis read "0 0 0 1 1 1" (Vega chose steps of 0.2 and formatted them as ",d")."""
    axis, scale = charts.value_axis([top, None])
    ticks = axis["values"]
    assert all(isinstance(t, int) for t in ticks)
    assert len(set(ticks)) == len(ticks) <= charts.MAX_VALUE_TICKS + 1
    assert ticks[0] == 0
    assert ticks[-1] >= top
    assert scale["domain"] == [0, ticks[-1]]


@pytest.mark.parametrize("top", [0.0, 0.004, 0.02, 0.034, 0.18, 0.93, 1.0])
def test_a_percent_axis_has_distinct_whole_point_ticks(top: float) -> None:
    axis, _ = charts.value_axis([top], percent=True)
    labels = [f"{t * 100:.0f}%" for t in axis["values"]]  # as ".0%" writes them
    assert len(set(labels)) == len(labels)
    assert top <= axis["values"][-1] <= 1


def test_time_axes_tick_at_whole_units_named_apart() -> None:
    week = [f"2026-12-0{d}" for d in range(1, 8)]
    assert charts.time_axis(week)["tickCount"] == {"interval": "day", "step": 1}
    months = [f"{y}-{m:02d}-01" for y in (2025, 2026) for m in range(1, 13)]
    assert charts.time_axis(months) == {
        "format": "%b %Y",
        "tickCount": {"interval": "month", "step": 3},
        "labelOverlap": True,
    }
    years = [f"{y}-01-01" for y in range(2015, 2027)]
    assert charts.time_axis(years)["format"] == "%Y"
