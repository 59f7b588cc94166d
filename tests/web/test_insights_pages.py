"""The Insights dashboard, its twins, the nav entry, and the top findings on Executive and Programs."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import sign_in
from tests.web.world import World

WINDOW = "period=all"


def test_insights_page_and_its_twins(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.EXECUTIVE))
    page = app_client.get(f"/dashboards/insights?{WINDOW}")
    assert page.status_code == 200
    assert "<h1>Insights</h1>" in page.text
    assert 'href="/dashboards/insights' in page.text  # the nav's entry
    body = app_client.get(f"/dashboards/insights.json?{WINDOW}").json()
    assert body["dashboard"] == "insights"
    assert [t["id"] for s in body["sections"] for t in s["tables"]] == ["insights"]
    rows = list(csv.reader(io.StringIO(app_client.get(f"/dashboards/insights.csv?{WINDOW}").text)))
    assert rows  # the export has the page's one table


def test_top_findings_lead_executive_and_programs(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.ADMIN))
    for name in ("executive", "programs"):
        body = app_client.get(f"/dashboards/{name}.json?{WINDOW}").json()
        assert body["sections"][0]["id"] == "insights", name
        assert body["sections"][0]["tables"][0]["id"] == "top_insights"


def test_a_program_manager_sees_insights_of_their_programs(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.PROGRAM_MANAGER))
    assert app_client.get(f"/dashboards/insights.json?{WINDOW}&program=alpha-zq-p2").status_code == 403
    mine = app_client.get(f"/dashboards/insights.json?{WINDOW}&program=alpha-zq-p1")
    assert mine.status_code == 200
    assert "alpha-zq-p2" not in mine.text
