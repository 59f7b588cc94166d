"""A shared link with a password, in a real Chromium: made on the admin page, opened in another browser
(a fresh context: no session), the password asked once, then the executive's numbers and charts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import ARTIFACTS, Demo, Tab, open_tab, sign_in

PASSWORD = "board pack for march"


def _tiles(tab: Tab) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (t.get_attribute("data-metric"), t.get_attribute("data-period"), t.get_attribute("data-value"))
        for t in tab.page.query_selector_all(".tile[data-metric]")
    ]


@pytest.mark.slow
def test_a_shared_link_with_a_password_opens_the_view_in_another_browser(browser: Browser, demo: Demo) -> None:
    admin = open_tab(browser)
    sign_in(admin, demo, "admin")
    admin.page.goto(demo.base + "/admin")
    admin.page.get_by_role("link", name="Shared links").click()
    admin.page.get_by_label("View", exact=True).select_option("executive")
    admin.page.get_by_label("Window", exact=True).select_option("12mo")
    admin.page.get_by_label("Password (optional, 12 characters or more)").fill(PASSWORD)
    admin.page.get_by_role("button", name="Create the shared link").click()
    url = admin.page.input_value("#secret")
    assert url.startswith(demo.base + "/share/")

    visitor = open_tab(browser)
    visitor.page.goto(url)
    assert visitor.page.get_by_role("heading", name="This shared view needs a password").is_visible()
    visitor.page.get_by_label("Password", exact=True).fill("not the password, sorry")
    visitor.page.get_by_role("button", name="Open the view").click()
    assert visitor.page.get_by_role("alert").inner_text() == "Wrong password."
    visitor.page.get_by_label("Password", exact=True).fill(PASSWORD)
    visitor.page.get_by_role("button", name="Open the view").click()
    visitor.page.wait_for_selector(".tile[data-metric]")
    visitor.errors.clear()  # Chromium logs each 401 of the password page as a console error
    visitor.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.rendered === 'true')",
        timeout=30_000,
    )
    assert visitor.page.url == url
    assert visitor.page.get_by_role("heading", name="Executive", exact=True).is_visible()
    forms = [f.evaluate("f => f.outerHTML") for f in visitor.page.query_selector_all("form:not(.vega-bindings)")]
    assert forms == []  # no filter to change, nothing to sign out of (Vega draws an empty form per chart)
    assert not visitor.page.query_selector("details.menu")
    shown = _tiles(visitor)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(ARTIFACTS / "shared-link.png"), full_page=True)

    visitor.page.reload()  # the password is remembered for this link
    assert _tiles(visitor) == shown
    (cookie,) = [c for c in visitor.page.context.cookies() if c["name"].startswith("__Host-credlens_share_")]
    assert cookie["secure"]
    assert cookie["httpOnly"]
    assert cookie["path"] == "/"
    assert not [c for c in visitor.page.context.cookies() if c["name"] == "__Host-credlens_session"]
    assert visitor.errors == []

    executive = open_tab(browser)
    sign_in(executive, demo, "executive")
    executive.page.goto(demo.base + "/dashboards/executive?period=12mo&compare=previous")
    assert _tiles(executive) == shown  # what the executive sees for the same filters
    for tab in (admin, visitor, executive):
        tab.page.context.close()
