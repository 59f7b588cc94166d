"""Rankings need a minimum volume (metrics.programs.RANKING_MINIMUM): a program with a handful of
credentials is listed apart, never first with an index that swings on a few recipients."""

from __future__ import annotations

from typing import Any

from credlens.metrics.programs import RANKING_MINIMUM
from credlens.reports import executive


def _row(key: str, issued: int, value: float | None) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.title(),
        "issued": issued,
        "perceived_value_index": value,
        "share_rate": None if value is None else value / 1000,
        "employer_interest": value,
    }


def test_programs_below_the_minimum_are_listed_apart_and_the_minimum_is_said() -> None:
    assert RANKING_MINIMUM == 30
    rows = [_row("tiny", 16, 523.2), _row("big", 400, 110.0), _row("edge", 30, 90.0), _row("none", 0, None)]
    section = executive._top_programs({"metrics": {"programs": {"rows": rows}}})
    tables = {t.id: t for t in section.tables}
    assert [row[0].text for row in tables["top_by_value"].rows] == ["Big", "Edge"]
    assert [row[0].text for row in tables["too_few_to_rank"].rows] == ["Tiny"]
    assert "fewer than 30 issued" in tables["too_few_to_rank"].title
    assert section.intro.startswith("Programs are ranked once they issued at least 30 credentials in the window")


def test_lift_is_said_in_words_and_median_days_are_whole_days() -> None:
    from credlens.reports.formats import days  # noqa: PLC0415
    from credlens.reports.portfolios import lift_words  # noqa: PLC0415

    assert lift_words(0.8) == "held together 0.8× as often as chance"
    assert lift_words(2.345) == "held together 2.3× as often as chance"
    assert lift_words(1.02) == "held together about as often as chance"
    assert [days(v) for v in (0.3, 0.9, 1.4, 12.5, None)] == ["under a day", "1 day", "1 day", "13 days", "n/a"]
