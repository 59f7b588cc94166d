"""Filters that cannot trap you (issue 15), in a real Chromium: a date edit means custom dates, "All
time" disables its comparison and says why, refusals are answered in the form, no match says so."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Demo, Tab, open_tab, sign_in


def _params(tab: Tab) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(tab.page.url).query))


@pytest.mark.slow
def test_all_time_with_a_comparison_gives_a_page_not_an_error(executive: Tab, demo: Demo) -> None:
    page = executive.page
    response = page.goto(f"{demo.base}/dashboards/programs?period=all&compare=previous")
    assert response is not None
    assert response.status == 200  # was a 400 error page: "nothing to compare with"
    assert _params(executive) == {"period": "all"}
    assert page.locator("#f-compare").is_disabled()
    assert page.locator("#f-compare-why").is_visible()
    # in the form: choosing a preset again enables the comparison; "All time" disables it
    page.get_by_label("Window", exact=True).select_option("12mo")
    assert page.locator("#f-compare").is_enabled()
    assert not page.locator("#f-compare-why").is_visible()
    page.get_by_label("Compare with", exact=True).select_option("previous")
    page.get_by_label("Window", exact=True).select_option("all")
    assert page.locator("#f-compare").is_disabled()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/dashboards/programs\?period=all$"))
    assert page.locator("section.dash-section").count() > 0
    executive.screenshot("filters-all-time")
    assert executive.errors == []


@pytest.mark.slow
def test_editing_a_date_switches_to_custom_dates_in_the_url(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/market?period=90d&compare=previous")
    to = page.input_value("#f-to")
    page.fill("#f-from", "2026-01-05")
    assert page.input_value("#f-period") == ""  # the window reads "Custom dates" at once
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*from=2026-01-05.*"))
    assert _params(executive) == {"from": "2026-01-05", "to": to, "compare": "previous"}  # was period=90d
    assert page.locator("[data-window-from]").get_attribute("data-window-from") == "2026-01-05"
    assert executive.errors == []


@pytest.mark.slow
def test_from_after_to_is_answered_in_the_form(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/programs?period=90d&kind=certificate")
    page.fill("#f-from", "2026-03-31")
    page.fill("#f-to", "2026-01-01")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*from=2026-03-31.*"))
    problem = page.locator("form.filters .form-problem")
    assert "From (2026-03-31) is after To (2026-01-01)" in problem.inner_text()
    assert page.input_value("#f-from") == "2026-03-31"  # the filters kept
    assert page.input_value("#f-kind") == "certificate"
    executive.screenshot("filters-from-after-to")
    problem.get_by_role("link", name="Swap the dates").click()
    page.wait_for_url(re.compile(r".*from=2026-01-01&to=2026-03-31.*"))
    assert page.locator(".form-problem").count() == 0


@pytest.mark.slow
def test_all_time_by_day_is_answered_in_the_form_with_an_interval_that_fits(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/executive?period=all&interval=day")
    assert "more points than a trend may have" in page.locator(".form-problem").inner_text()
    page.get_by_role("link", name="Show it by month").click()
    page.wait_for_url(re.compile(r".*period=all&interval=month$"))
    assert page.locator("section.dash-section").count() > 0


@pytest.mark.slow
def test_a_filter_matching_nothing_shows_the_empty_message(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/programs?from=2001-01-01&to=2001-01-31")
    assert page.get_by_role("heading", name="Nothing matches these filters").is_visible()
    assert page.locator(".tile, [data-chart]").count() == 0  # no zeros, no n/a, no empty axes
    executive.screenshot("filters-nothing-matches")
    assert executive.errors == []


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_a_program_manager_compares_only_their_programs(browser: Browser, demo: Demo, width: int, height: int) -> None:
    tab = open_tab(browser, width=width)
    tab.page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, demo, "program-manager")
    tab.page.goto(f"{demo.base}/dashboards/compare?period=12mo")
    assert all(f"program={p}" in tab.page.url for p in demo.programs)  # none ticked: all of theirs
    assert "departments to compare" not in tab.page.inner_text("main")
    boxes = tab.page.locator("fieldset.choices input[type=checkbox]")
    for n in range(boxes.count()):
        boxes.nth(n).uncheck()
    tab.page.get_by_role("button", name="Apply").click()  # unticking everything: still a page
    tab.page.wait_for_load_state()
    assert tab.page.locator("form.filters").count() == 1
    assert all(f"program={p}" in tab.page.url for p in demo.programs)
    tab.screenshot(f"filters-manager-compare-{width}x{height}")
    assert tab.errors == []
    tab.page.context.close()
