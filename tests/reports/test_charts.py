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
    alt.Chart.from_dict(spec, validate=True)  # raises on an invalid spec
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
