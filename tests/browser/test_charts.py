"""Readable charts (issue 15), read from the rendered Vega views: every axis's tick labels are distinct
(no "0 0 0 1 1 1" on a count axis, no "1% 1% 2%" on a percent axis), on every page and window."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Demo, Tab, open_tab, sign_in

# every axis of a chart, as the labels drawn: the scenegraph's text marks of role "axis-label"
AXIS_LABELS = """e => {
  const axes = [];
  const walk = (mark) => {
    if (!mark || !mark.items) return;
    if (mark.role === "axis-label") { axes.push(mark.items.map(i => String(i.text))); return; }
    for (const item of mark.items) { for (const child of (item.items || [])) walk(child); }
  };
  walk(e.vegaView.scenegraph().root);
  return axes;
}"""

WINDOWS = ("period=7d", "period=30d", "period=90d", "period=12mo", "period=all", "period=last_quarter")
PAGES = ("executive", "programs", "market", "portfolios")


def charts_axis_labels(tab: Tab) -> dict[str, list[list[str]]]:
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.rendered)", timeout=30_000
    )
    found: dict[str, Any] = {}
    for element in tab.page.query_selector_all("[data-chart]"):
        found[element.get_attribute("data-chart") or ""] = element.evaluate(AXIS_LABELS)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_tick_labels_of_every_chart_are_distinct(executive: Tab, demo: Demo, name: str) -> None:
    repeated: list[str] = []
    for window in WINDOWS:
        executive.page.goto(f"{demo.base}/dashboards/{name}?{window}")
        charts = charts_axis_labels(executive)
        for chart, axes in charts.items():
            assert axes, f"{chart}: no axis drawn"
            for labels in axes:
                if len(set(labels)) != len(labels):
                    repeated.append(f"{window} {chart}: {labels}")
    assert repeated == []
    assert executive.errors == []


@pytest.mark.slow
def test_tick_labels_of_the_comparison_chart_are_distinct(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/compare?period=12mo")
    boxes = page.locator("fieldset.choices").first.locator("input[type=checkbox]")
    programs = [boxes.nth(n).get_attribute("value") for n in range(min(4, boxes.count()))]
    query = "&".join(f"program={p}" for p in programs)
    repeated: list[str] = []
    for window in WINDOWS[:-2]:
        page.goto(f"{demo.base}/dashboards/compare?{window}&{query}")
        for chart, axes in charts_axis_labels(executive).items():
            repeated += [f"{window} {chart}: {labels}" for labels in axes if len(set(labels)) != len(labels)]
    assert repeated == []


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_four_groups_stay_a_readable_table_with_a_chosen_baseline(
    browser: Browser, demo: Demo, width: int, height: int
) -> None:
    tab = open_tab(browser, width=width)
    tab.page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, demo, "executive")
    page = tab.page
    page.goto(f"{demo.base}/dashboards/compare?period=12mo&compare=previous")
    assert page.locator("#f-compare").count() == 0  # this page compares groups, not windows
    boxes = page.locator("fieldset.choices").first.locator("input[type=checkbox]")
    ids = [boxes.nth(n).get_attribute("value") or "" for n in range(4)]
    query = "&".join(f"program={p}" for p in ids)
    page.goto(f"{demo.base}/dashboards/compare?period=12mo&{query}&compare=previous")
    names = [o.inner_text() for o in page.locator("#f-baseline option").all()]
    assert page.locator("[data-baseline]").inner_text() == names[0]  # the page says which group is the baseline
    page.get_by_label("Baseline").select_option(ids[2])
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf".*baseline={re.escape(ids[2])}.*"))
    assert "compare=previous" in page.url  # carried to the other pages, not applied here
    assert page.locator("[data-baseline]").inner_text() == names[2]
    headers = page.locator("table[data-table=comparison] thead th").all_inner_texts()
    assert headers[1] == names[2]
    assert headers[3] == f"{names[0]} − {names[2]}"
    # headers and intervals on one line each: a line is as tall as the one-line header "Metric"
    line = page.locator("table[data-table=comparison] thead th").first.evaluate("e => e.clientHeight")
    for th in page.locator("table[data-table=comparison] thead th").all():
        assert th.evaluate("e => e.clientHeight") == line, th.inner_text()
    notes = page.locator("table[data-table=comparison] .cell-note")
    for n in range(notes.count()):
        box = notes.nth(n).evaluate("e => [e.getClientRects().length, e.scrollWidth <= e.clientWidth + 1]")
        assert box == [1, True]
    # the table scrolls inside its frame; the page does not
    wrap = page.locator("#table-comparison .table-wrap")
    assert wrap.evaluate("e => e.clientWidth") <= width
    tab.screenshot(f"compare-4-groups-{width}x{height}")
    assert tab.errors == []
    tab.page.context.close()
