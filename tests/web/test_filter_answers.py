"""Filters that cannot trap you (issue 15): every refusal a person can reach through the filter form
is answered in the form with the filters kept, never a bare error page; "All time" drops its
comparison; a program manager's "none ticked" is all of theirs; a window that matches nothing says so."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from credlens.domain.periods import Interval
from credlens.domain.query import TooManyBuckets
from credlens.web.errors import ApiError
from credlens.web.problems import form_problem
from credlens.web.state import State
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World

FORM = '<form method="get" action="/dashboards/'


def _staff(app_client: TestClient, world: World, role: Role) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, world.a.email(role)).status_code == 303
    return client


def _in_form(html: str) -> str:
    """The form's answer: the page carries the filter form and the problem inside it."""
    assert FORM in html, "a bare error page"
    found = re.search(r'<div class="form-problem" role="alert" id="filters-problem">(.*?)</div>', html, re.S)
    assert found, "no answer in the form"
    return re.sub(r"\s+", " ", found.group(1))


def test_all_time_with_a_comparison_drops_the_comparison_and_says_why(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    for suffix in ("", ".json", ".csv"):  # was 400 "nothing to compare with" on every surface
        moved = admin.get(f"/dashboards/executive{suffix}?period=all&compare=previous", follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (303, f"/dashboards/executive{suffix}?period=all")
    page = admin.get("/dashboards/programs?period=all")
    assert page.status_code == 200
    assert re.search(r'<select id="f-compare" name="compare" aria-describedby="f-compare-why" disabled', page.text)
    assert '<span class="hint" id="f-compare-why">All time has no earlier window to compare with.</span>' in page.text


def test_from_after_to_is_answered_in_the_form_with_a_swap(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    page = admin.get("/dashboards/market?from=2026-03-31&to=2026-01-01&kind=badge")
    assert page.status_code == 400
    answer = _in_form(page.text)
    assert "From (2026-03-31) is after To (2026-01-01)" in answer
    assert 'href="/dashboards/market?from=2026-01-01&amp;to=2026-03-31&amp;kind=badge"' in answer
    assert 'value="2026-03-31" aria-invalid="true"' in page.text  # the dates as typed, the field marked
    assert '<option value="badge" selected>' in page.text  # the other filters kept


def test_a_trend_of_too_many_points_offers_the_finest_interval_that_fits(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    page = admin.get("/dashboards/executive?period=all&interval=day")
    assert page.status_code == 400
    answer = _in_form(page.text)
    assert "By day, this window makes more points than a trend may have (400)." in answer
    assert '<a href="/dashboards/executive?period=all&amp;interval=month">Show it by month</a>' in answer
    assert admin.get("/dashboards/executive?period=all&interval=month").status_code == 200


def test_a_fifth_group_is_answered_in_the_form(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    five = "&".join(f"program=alpha-zq-p{n}" for n in range(1, 6))
    page = admin.get(f"/dashboards/compare?period=all&{five}")
    assert page.status_code == 400
    assert "Compare 2 to 4 programs, not 5: untick 1." in _in_form(page.text)
    twin = admin.get(f"/dashboards/compare.json?period=all&{five}")  # programs still get the API's error
    assert (twin.status_code, twin.json()["error"]["code"]) == (400, "invalid_query")


def test_a_program_manager_unticking_everything_sees_all_of_theirs(app_client: TestClient, world: World) -> None:
    manager = _staff(app_client, world, Role.PROGRAM_MANAGER)
    page = manager.get("/dashboards/compare?period=all&program=")  # the form with nothing ticked
    assert page.status_code == 200  # was 403: "program managers must name their programs"
    assert str(page.url).endswith("/dashboards/compare?period=all&program=alpha-zq-p1")
    assert "(none ticked: all of yours)" in page.text
    assert "departments to compare" not in page.text  # the browser test checks it on the demo's departments


def test_filters_that_match_nothing_say_so(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    empty = "from=2025-01-01&to=2025-01-31"  # the world issued everything on 2026-02-10
    for name in ("executive", "programs", "market", "portfolios"):
        page = admin.get(f"/dashboards/{name}?{empty}")
        assert page.status_code == 200
        assert "Nothing matches these filters" in page.text, name
        assert 'class="tile' not in page.text  # no tiles of zeros, no empty charts
        assert admin.get(f"/dashboards/{name}.json?{empty}").json()["nothing_matches"] is True
        full = admin.get(f"/dashboards/{name}?from=2026-01-01&to=2026-03-31")
        assert "Nothing matches these filters" not in full.text
        assert "nothing_matches" not in admin.get(f"/dashboards/{name}.json?from=2026-01-01&to=2026-03-31").json()


def test_form_problems_in_words() -> None:
    buckets = TooManyBuckets("day over … makes 9000 trend buckets", (Interval.WEEK, Interval.MONTH))
    error = ApiError(400, "invalid_query", "interval: …")
    error.__cause__ = buckets
    problem = form_problem(error, State(date_from="2001-01-01", date_to="2007-01-01", interval="day"), "/dashboards/x")
    assert problem.field == "interval"
    assert problem.fixes == (("Show it by week", "/dashboards/x?from=2001-01-01&to=2007-01-01&interval=week"),)
    nothing_fits = TooManyBuckets("…", ())
    error.__cause__ = nothing_fits
    assert form_problem(error, State(interval="day"), "/x").message.endswith("Choose a shorter window.")
    plain = form_problem(ApiError(400, "invalid_query", "department: one department on this page"), State(), "/x")
    assert (plain.field, plain.message, plain.fixes) == (None, "Department: one department on this page.", ())


def test_the_comparison_page_states_and_takes_its_baseline(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    url = "/dashboards/compare.json?period=all&program=alpha-zq-p1&program=alpha-zq-p2"
    board = admin.get(f"{url}&baseline=alpha-zq-p2").json()
    assert [g["key"] for g in board["groups"]] == ["alpha-zq-p2", "alpha-zq-p1"]  # the baseline first
    issued = next(r for r in board["sections"][0]["tables"][0]["rows"] if r["metric"]["value"] == "Credentials issued")
    assert issued["g2_diff"]["value"] == 1  # 69 - 68: against the chosen baseline
    page = admin.get(url.replace(".json", "") + "&baseline=alpha-zq-p2")
    assert '<select id="f-baseline" name="baseline"' in page.text
    assert 'data-baseline="alpha-zq-p2"' in page.text
    # a baseline that is not among the groups (unticked in the form) falls back to the first group
    moved = admin.get(f"{url}&baseline=alpha-zq-p9", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, url)
    # the page compares groups, not windows: "Compare with" is not offered and nothing is compared
    window = url.replace("period=all", "from=2026-01-01&to=2026-03-31&compare=previous")
    carried = admin.get(window.replace(".json", ""))
    assert 'id="f-compare"' not in carried.text
    assert '<input type="hidden" name="compare" value="previous">' in carried.text  # kept for the other pages
    assert admin.get(window).json()["comparison"] is None
    other = admin.get("/dashboards/programs?period=all&baseline=alpha-zq-p1", follow_redirects=False)
    assert other.headers["location"] == "/dashboards/programs?period=all"  # no baseline outside Compare


def test_edited_dates_win_over_the_period_even_without_the_script(app_client: TestClient, world: World) -> None:
    """The form sends the dates it showed (`shown`); dates that differ were edited: custom dates."""
    admin = _staff(app_client, world, Role.ADMIN)
    page = admin.get("/dashboards/market?period=all")
    shown = re.search(r'name="shown" value="([^"]+)"', page.text)
    assert shown
    start, end = shown.group(1).split("..")
    same = admin.get(
        f"/dashboards/market?period=all&from={start}&to={end}&shown={start}..{end}", follow_redirects=False
    )
    assert same.headers["location"] == "/dashboards/market?period=all"  # nothing edited: the period stays
    edited = admin.get(
        f"/dashboards/market?period=all&from=2026-01-05&to={end}&shown={start}..{end}", follow_redirects=False
    )
    assert edited.headers["location"] == f"/dashboards/market?from=2026-01-05&to={end}"
