"""The side-by-side table: values, intervals, differences against the first group, the noise marker."""

from __future__ import annotations

from typing import Any

from credlens.reports import compare, exports
from credlens.reports.compare import RATES

Json = dict[str, Any]


def _result(issued: int, shared: int, ratings: dict[str, int]) -> Json:
    metrics: Json = {
        "issued": {"value": issued},
        "unique_recipients": {"value": issued},
        "verifications": {"value": 0},
        "feedback": {"rows": [{"key": k, "value": v} for k, v in ratings.items()]},
    }
    for metric_id, _ in RATES:
        metrics[metric_id] = {"value": None, "numerator": 0, "denominator": 0}
    metrics["share_rate"] = {"value": shared / issued, "numerator": shared, "denominator": issued}
    return {"query": {"from": "2026-01-01", "to": "2026-03-31"}, "metrics": metrics}


def test_two_programs_side_by_side_with_the_difference_and_its_marker() -> None:
    a = _result(80, 48, {"4": 10, "5": 10})
    b = _result(70, 56, {"4": 10, "5": 10})
    dashboard = compare.build([("a", "Program A", a), ("b", "Program B", b)], "program")
    table = dashboard.table("comparison")
    assert table is not None
    assert [c.key for c in table.columns] == ["metric", "g1", "g2", "g2_diff"]
    rows = {row[0].text: row for row in table.rows}
    shared = rows["Shared"]
    assert (shared[1].value, shared[2].value) == (0.6, 0.8)  # 48/80 and 56/70
    assert shared[3].text == "+20.0 pts"
    assert (round(shared[3].low or 0, 4), round(shared[3].high or 0, 4)) == (0.0524, 0.3339)  # Newcombe's example
    assert shared[3].flag == compare.BEYOND_NOISE
    issued = rows["Credentials issued"]
    assert (issued[1].value, issued[2].value, issued[3].value, issued[3].flag) == (80, 70, -10, None)
    assert issued[3].text == "-10 (-12.5 %)"  # a count's change, as on every page: its difference and relative
    rating = rows["Mean rating (1–5, ratings in the window)"]
    assert rating[3].value == 0.0
    assert rating[3].flag == compare.WITHIN_NOISE
    no_data = rows["Downloaded"]
    assert (no_data[1].text, no_data[3].text) == ("n/a", "n/a")
    assert dashboard.extra == {
        "by": "program",
        "groups": [{"key": "a", "label": "Program A"}, {"key": "b", "label": "Program B"}],
    }


def test_the_csv_of_the_comparison_carries_intervals_and_flags() -> None:
    a, b = _result(80, 48, {}), _result(70, 56, {})
    table = compare.build([("a", "A", a), ("b", "B", b)], "program").table("comparison")
    assert table is not None
    lines = exports.table_csv(table).splitlines()
    assert lines[0] == "metric,g1,g1_low,g1_high,g2,g2_low,g2_high,g2_diff,g2_diff_low,g2_diff_high,g2_diff_flag"
    shared = next(line for line in lines if line.startswith("Shared,"))
    assert shared.startswith("Shared,0.6,")
    assert shared.endswith(",beyond noise")
