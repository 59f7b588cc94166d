"""The dashboards in a real Chromium against the real server and the demo data."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Demo, Tab, open_tab, sign_in

PAGES = ("executive", "programs", "market", "portfolios")


def _charts_drawn(tab: Tab) -> list[str | None]:
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.rendered)", timeout=30_000
    )
    return [e.get_attribute("data-rendered") for e in tab.page.query_selector_all("[data-chart]")]


def _tiles(tab: Tab) -> dict[str, str]:
    """The page's headline numbers for its own window (tiles of fixed windows left out)."""
    values: dict[str, str] = {}
    for tile in tab.page.query_selector_all(".tile[data-metric]"):
        if not tile.get_attribute("data-period"):
            values[tile.get_attribute("data-metric") or ""] = tile.get_attribute("data-value") or ""
    return values


def _stats(tab: Tab) -> dict[str, Any]:
    """The stats API for the page's URL state, with the page's own session.

    A preset (`period=90d`) is asked as the dates the page resolved it to (its filter form shows
    them): the issuer's midnight may pass between the page and this call.
    """
    params = [(k, v) for k, v in parse_qsl(urlsplit(tab.page.url).query) if k != "period"]
    params += [("from", tab.page.input_value("#f-from")), ("to", tab.page.input_value("#f-to"))]
    response = tab.page.request.get(urljoin(tab.page.url, f"/api/v1/stats?{urlencode(params)}"))
    assert response.status == 200, response.text()
    metrics: dict[str, Any] = response.json()["metrics"]
    return metrics


def _as_shown(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_each_dashboard_loads_draws_its_charts_and_matches_the_stats_api(executive: Tab, demo: Demo, name: str) -> None:
    executive.page.goto(f"{demo.base}/dashboards/{name}")
    assert re.search(r"\?period=90d&compare=previous$", executive.page.url)  # the state is in the URL
    assert set(_charts_drawn(executive)) == {"true"}
    tiles = _tiles(executive)
    assert tiles
    stats = _stats(executive)
    assert tiles == {metric: _as_shown(stats[metric]["value"]) for metric in tiles}
    executive.screenshot(name)
    assert executive.errors == []


@pytest.mark.slow
def test_changing_a_filter_changes_the_url_and_the_numbers(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/executive?period=30d&compare=previous")
    before = _tiles(executive)
    page.get_by_label("Window", exact=True).select_option("all")  # its comparison is disabled: nothing before it
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/dashboards/executive\?period=all$"))
    after = _tiles(executive)
    assert after["issued"] != before["issued"]
    assert after == {
        metric: _as_shown(value["value"]) for metric, value in _stats(executive).items() if metric in after
    }
    assert page.locator(".state").inner_text().count("All time") == 1
    assert executive.errors == []


@pytest.mark.slow
def test_the_comparison_view_shows_the_chosen_programs_side_by_side(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/compare?period=12mo")
    assert "Choose 2 to 4 programs" in page.inner_text("main")
    boxes = page.locator("fieldset.choices").first.locator("input[type=checkbox]")
    names = [boxes.nth(n).evaluate("e => e.parentElement.textContent.trim()") for n in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*program=.*&program=.*"))
    assert _charts_drawn(executive) == ["true"]
    headers = page.locator("table[data-table=comparison] thead th").all_inner_texts()
    assert headers == ["Metric", names[0], names[1], f"{names[1]} − {names[0]}"]
    flags = page.locator("table[data-table=comparison] [data-flag]").all()
    assert flags
    assert {f.get_attribute("data-flag") for f in flags} <= {"within noise", "beyond noise"}
    executive.screenshot("compare")
    # departments too: untick the programs, tick two departments
    boxes.nth(0).uncheck()
    boxes.nth(1).uncheck()
    departments = page.locator("fieldset.choices").nth(1).locator("input[type=checkbox]")
    chosen = [departments.nth(n).get_attribute("value") for n in (0, 1)]
    departments.nth(0).check()
    departments.nth(1).check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*department=.*&department=.*"))
    headers = page.locator("table[data-table=comparison] thead th").all_inner_texts()
    assert headers == ["Metric", chosen[0], chosen[1], f"{chosen[1]} − {chosen[0]}"]
    assert executive.errors == []


@pytest.mark.slow
def test_the_csv_export_of_a_table_equals_the_table_on_the_page(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/programs?period=12mo&compare=previous")
    for table_id in ("programs", "funnel", "share_rate_by_channel"):
        table = page.locator(f"table[data-table={table_id}]")
        shown = [
            [cell.get_attribute("data-value") or "" for cell in row.locator("th, td").all()]
            for row in table.locator("tbody tr").all()
        ]
        keys = [th.get_attribute("data-key") for th in table.locator("thead th").all()]
        link = page.locator(f"#table-{table_id} a.export").get_attribute("href")
        assert link is not None
        response = page.request.get(urljoin(page.url, link))
        assert response.status == 200
        rows = list(csv.reader(io.StringIO(response.text())))
        assert rows[0] == keys
        assert rows[1:] == shown, table_id
    assert executive.errors == []


@pytest.mark.slow
def test_a_program_manager_lands_on_their_programs_and_is_refused_others(browser: Browser, demo: Demo) -> None:
    tab = open_tab(browser, width=420)  # a phone-sized window: the page still works
    sign_in(tab, demo, "program-manager")
    tab.page.goto(f"{demo.base}/dashboards/programs")
    assert all(f"program={p}" in tab.page.url for p in demo.programs)
    assert set(_charts_drawn(tab)) == {"true"}
    tab.screenshot("programs-manager-narrow")
    refused = tab.page.goto(f"{demo.base}/dashboards/executive?period=90d&program=not-one-of-theirs")
    assert refused is not None
    assert refused.status == 403
    tab.page.context.close()


@pytest.mark.slow
def test_the_recipient_dashboard_through_the_signed_link(browser: Browser, demo: Demo) -> None:
    tab = open_tab(browser)
    tab.page.goto(demo.recipient_link)
    assert "/r/" in tab.page.url  # the link's page: nothing happens until its button is pressed
    tab.page.get_by_role("button", name="Open my credentials").click()
    tab.page.wait_for_url(re.compile(r".*/recipient$"))
    assert tab.page.locator("table[data-table=credentials] tbody tr").count() >= 1
    held = tab.page.locator(".tile[data-metric=credentials_held]").get_attribute("data-value")
    assert held == str(tab.page.locator("table[data-table=credentials] tbody tr").count())
    tab.screenshot("recipient")
    assert tab.page.goto(f"{demo.base}/dashboards/executive?period=90d").status == 403  # type: ignore[union-attr]
    assert tab.errors == [] or all("403" in e for e in tab.errors)
    tab.page.context.close()


@pytest.mark.slow
def test_a_recipient_link_clicked_on_another_site_opens_with_one_click(browser: Browser, demo: Demo) -> None:
    """As from a webmail: a cross-site navigation, which sends no SameSite=Strict cookie."""
    tab = open_tab(browser)
    tab.page.set_content(f'<a id="mail" href="{demo.recipient_link}">your credentials</a>')
    tab.page.click("#mail")
    tab.page.get_by_role("button", name="Open my credentials").click()
    tab.page.wait_for_url(re.compile(r".*/recipient$"))
    assert tab.page.locator("table[data-table=credentials] tbody tr").count() >= 1
    tab.page.context.close()


@pytest.mark.slow
def test_a_recipient_link_followed_by_a_signed_in_executive_changes_nothing_until_confirmed(
    executive: Tab, demo: Demo
) -> None:
    page = executive.page
    page.goto(demo.recipient_link)
    assert page.get_by_text("signs this browser out").is_visible()
    assert page.goto(f"{demo.base}/dashboards/executive?period=90d").status == 200  # type: ignore[union-attr]
    page.go_back()
    page.get_by_role("button", name="Open my credentials").click()
    page.wait_for_url(re.compile(r".*/recipient$"))
    assert page.goto(f"{demo.base}/dashboards/executive?period=90d").status == 403  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_filters_are_reachable_by_keyboard(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/market?period=90d")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for control in page.locator("form.filters select, form.filters input:not([type=hidden])").all():
        name = control.evaluate("e => e.labels && e.labels.length ? e.labels[0].textContent.trim() : ''")
        assert name, control.evaluate("e => e.outerHTML")


def _column(tab: Tab, table_id: str, key: str) -> list[str]:
    return tab.page.locator(f"table[data-table={table_id}] tbody [data-key={key}]").all_inner_texts()


def _counts(text: str) -> tuple[int, int]:
    """ "58 of 86 who opened downloaded it (67 %)" -> (58, 86)."""
    match = re.match(r"([\d,]+) of ([\d,]+) ", text)
    assert match, text
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


@pytest.mark.slow
def test_the_engagement_story_is_told_step_by_step_as_the_api_counts_it(executive: Tab, demo: Demo) -> None:
    page = executive.page
    page.goto(f"{demo.base}/dashboards/programs?period=12mo&compare=previous")
    _charts_drawn(executive)
    # the funnel: issued → opened → downloaded → shared on LinkedIn → added to a profile, each step "n of m"
    steps = _column(executive, "funnel", "key")
    assert steps == ["Issued", "Opened by the owner", "Downloaded", "Shared on LinkedIn", "Added to a profile"]
    params = [(k, v) for k, v in parse_qsl(urlsplit(page.url).query) if k != "period"]
    params += [("from", page.input_value("#f-from")), ("to", page.input_value("#f-to"))]
    params.append(("funnel", "issued,opened,downloaded,shared_linkedin,profile_added"))
    response = page.request.get(urljoin(page.url, f"/api/v1/stats?{urlencode(params)}"))
    assert response.status == 200, response.text()
    metrics = response.json()["metrics"]
    api = [s["value"] for s in metrics["funnel"]["steps"]]
    of = _column(executive, "funnel", "of")
    assert of[0] == ""
    assert [_counts(text) for text in of[1:]] == list(zip(api[1:], api[:-1], strict=True))
    assert all(text.endswith("%)") for text in of[1:])
    # "of those who opened": every row says of how many
    after = [_counts(text) for text in _column(executive, "of_those_who_opened", "of")]
    opened = metrics["opened"]["value"]
    assert after == [
        (opened, metrics["issued"]["value"]),
        (metrics["opened_and_downloaded"]["value"], opened),
        (metrics["opened_and_shared"]["value"], opened),
        (metrics["opened_and_profile_added"]["value"], opened),
    ]
    # the chart draws every step of the table, in its order, with the table's numbers
    chart = page.locator("[data-chart=spec-funnel_chart]")
    drawn = chart.evaluate("e => e.vegaView.scale('y').domain()")
    assert drawn == steps
    values = chart.evaluate("e => e.vegaView.data('data_0').map(d => d.value)")
    assert values == api
    executive.screenshot("programs-funnel")
    assert executive.errors == []


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_the_programs_page_at_laptop_and_phone_sizes(browser: Browser, demo: Demo, width: int, height: int) -> None:
    """Screenshots of Programs as a laptop and a phone show it (test artifacts; docs/dashboards.md)."""
    tab = open_tab(browser, width=width)
    tab.page.set_viewport_size({"width": width, "height": height})
    sign_in(tab, demo, "executive")
    tab.page.goto(f"{demo.base}/dashboards/programs?period=12mo&compare=previous")
    assert set(_charts_drawn(tab)) == {"true"}
    of = _column(tab, "funnel", "of")
    assert len(of) == 5
    assert all(" of " in text for text in of[1:])
    tab.screenshot(f"programs-{width}x{height}")
    assert tab.errors == []
    tab.page.context.close()
