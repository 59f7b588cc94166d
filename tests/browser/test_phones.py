"""Every page at a laptop's and a phone's size: nothing scrolls sideways, the navigation folds into a
menu, text is legible, tiles sit two to a row; a screenshot of each page at each size is kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Demo, Tab, open_tab, sign_in

LAPTOP = (1440, 900)
PHONE = (390, 844)
DASHBOARDS = ("executive", "programs", "compare", "market", "portfolios")
STAFF_PAGES = (
    "/",
    *(f"/dashboards/{name}" for name in DASHBOARDS),
    "/timeline",
    "/admin",
    "/admin/audit",
    "/admin/erasure",
    "/admin/reports",
)

# WCAG contrast of every visible text (HTML and the charts' SVG alike); answers the failures as "text: ratio".
_ILLEGIBLE = (Path(__file__).parent / "illegible.js").read_text()


def _visit(tab: Tab, url: str, name: str, size: tuple[int, int]) -> int:
    """Open a page, wait for its charts, keep its screenshot, and check what holds at every size."""
    response = tab.page.goto(url)
    assert response is not None
    charts = tab.page.locator("[data-chart]")
    if charts.count():
        tab.page.wait_for_function(
            "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.rendered)", timeout=30_000
        )
    tab.screenshot(f"pages/{name}-{size[0]}x{size[1]}")
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= size[0], f"{name} is {width} px wide at {size[0]} px"
    assert tab.page.evaluate(_ILLEGIBLE) == [], name
    return response.status


def _check_menu(tab: Tab, size: tuple[int, int]) -> None:
    """On a phone the links hide behind "Menu" until it is opened; on a laptop they are in view."""
    link = tab.page.locator("nav .links a", has_text="Programs").first
    summary = tab.page.locator("nav .menu > summary")
    if size == PHONE:
        assert summary.is_visible()
        assert not link.is_visible()
        summary.click()
        assert link.is_visible()
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= size[0]
        tab.screenshot(f"pages/menu-open-{size[0]}x{size[1]}")
        summary.click()
    else:
        assert not summary.is_visible()
        assert link.is_visible()


def _check_tiles(tab: Tab, size: tuple[int, int]) -> None:
    """Tiles of a section share rows: exactly two to a row on a phone."""
    tops = tab.page.locator(".tiles").first.evaluate(
        "g => [...g.children].map(t => Math.round(t.getBoundingClientRect().top))"
    )
    per_row = max(tops.count(top) for top in tops)
    assert per_row == min(len(tops), 2) if size == PHONE else per_row >= min(len(tops), 4), tops


def _tab(browser: Browser, size: tuple[int, int]) -> Tab:
    tab = open_tab(browser, width=size[0])
    tab.page.set_viewport_size({"width": size[0], "height": size[1]})
    return tab


@pytest.fixture(params=[LAPTOP, PHONE], ids=["laptop", "phone"])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    value: tuple[int, int] = request.param
    return value


@pytest.mark.slow
def test_every_staff_page_fits_the_screen_and_reads_well(browser: Browser, demo: Demo, size: tuple[int, int]) -> None:
    tab = _tab(browser, size)
    _visit(tab, demo.base + "/signin", "signin", size)
    assert _visit(tab, demo.base + "/no-such-page", "error-404", size) == 404
    sign_in(tab, demo, "admin")
    for path in STAFF_PAGES:
        name = path.strip("/").replace("/", "-") or "home"
        _visit(tab, demo.base + path, name, size)
        if path.startswith("/dashboards/") and path != "/dashboards/compare":
            _check_tiles(tab, size)
    _check_menu(tab, size)
    assert [e for e in tab.errors if "404" not in e] == []  # the one 404 is the error page's, on purpose
    tab.page.context.close()


@pytest.mark.slow
def test_a_program_manager_and_a_recipient_see_pages_that_fit(
    browser: Browser, demo: Demo, size: tuple[int, int]
) -> None:
    tab = _tab(browser, size)
    sign_in(tab, demo, "program-manager")
    _visit(tab, demo.base + "/dashboards/programs", "programs-manager", size)
    # a program not theirs: refused (none ticked means all of theirs, so that is no refusal)
    refused = demo.base + "/dashboards/executive?period=90d&program=not-one-of-theirs"
    assert _visit(tab, refused, "error-403", size) == 403
    tab.page.context.close()
    tab = _tab(browser, size)
    _visit(tab, demo.recipient_link, "recipient-link", size)
    tab.page.get_by_role("button", name="Open my credentials").click()
    tab.page.wait_for_url(re.compile(r".*/recipient$"))
    _visit(tab, demo.base + "/recipient", "recipient", size)
    if size == PHONE:
        _check_tiles(tab, size)
    tab.page.context.close()
