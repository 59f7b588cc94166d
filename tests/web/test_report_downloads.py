"""The `.pdf` and `.xlsx` twins of the Executive and Programs dashboards: the page's own value as a file
(the same numbers as `GET /api/v1/stats`, suppressed cells as the screen shows them), behind the same
sign-in and role rules, and audited as exports like the CSV."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pypdf
from fastapi.testclient import TestClient

from credlens.access.passwords import hash_password
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.reports.board import SUPPRESSED, build_board
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL, TEST_SECRET
from tests.web.isolation import readable
from tests.web.world import A_ISSUED, PASSWORD, World

QUERY = "from=2026-01-01&to=2026-01-31&compare=previous"
ALL = "from=2026-01-01&to=2026-03-31&compare=previous"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(app_client: TestClient, email: str) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, email).status_code == 303
    return client


def _pdf_lines(body: bytes) -> list[str]:
    return [line for page in pypdf.PdfReader(io.BytesIO(body)).pages for line in page.extract_text().splitlines()]


def test_twins_hold_the_stats_numbers_and_suppression_and_are_audited(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    issuer, _ = build_board(data_dir)
    store = Warehouse(data_dir)
    try:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        user = store.accounts.create_user(issuer.issuer_id, "board@crowd.example", Role.EXECUTIVE, [], now)
        store.accounts.set_password(issuer.issuer_id, user.user_id, hash_password(PASSWORD))
    finally:
        store.close()
    settings = Settings(data_dir=data_dir, environment="test", secret_key=TEST_SECRET)
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        assert sign_in(client, "board@crowd.example").status_code == 303
        stats = client.get(f"/api/v1/stats?{QUERY}").json()["metrics"]
        sheet = client.get(f"/dashboards/executive.xlsx?{QUERY}")
        pdf = client.get(f"/dashboards/executive.pdf?{QUERY}")
        programs = client.get(f"/dashboards/programs.xlsx?{QUERY}")
    assert (sheet.status_code, sheet.headers["content-type"]) == (200, XLSX)
    assert sheet.headers["content-disposition"] == 'attachment; filename="credlens-crowd-executive.xlsx"'
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    tiles = [row for row in book["Summary"].iter_rows(min_row=5) if row[1].value and not row[6].value]
    assert tiles
    for row in tiles:
        assert row[3].value == stats[row[1].value]["value"], row[1].value
    outcomes = {row[0].value: row[1].value for row in book["career_outcomes"].iter_rows(min_row=4)}
    assert outcomes == {"New job": 13, **dict.fromkeys(SUPPRESSED, "suppressed")}
    lines = _pdf_lines(pdf.content)
    assert any(line.startswith("New job 13") for line in lines)
    assert all(any(line.startswith(f"{label} suppressed") for line in lines) for label in SUPPRESSED)
    funnel = [row[1].value for row in openpyxl.load_workbook(io.BytesIO(programs.content))["funnel"].iter_rows(4)]
    assert funnel[:2] == [stats["issued"]["value"], stats["opened"]["value"]]
    store = Warehouse(data_dir)
    try:
        audited = [(e.actor, e.action, e.detail) for e in store.audit_entries(issuer.issuer_id)]
    finally:
        store.close()
    for detail in ("Executive dashboard XLSX", "Executive dashboard PDF", "Programs dashboard XLSX"):
        assert ("user:board@crowd.example", "export", detail) in audited


def test_twins_follow_the_sign_in_and_role_rules(app_client: TestClient, world: World) -> None:
    for suffix in (".pdf", ".xlsx"):
        response = app_client.get(f"/dashboards/executive{suffix}?{ALL}", follow_redirects=False)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "sign_in_required")
    manager = _staff(app_client, world.a.email(Role.PROGRAM_MANAGER))
    refused = manager.get(f"/dashboards/programs.pdf?{ALL}&program=alpha-zq-p2")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    mine = manager.get(f"/dashboards/programs.pdf?{ALL}", follow_redirects=False)
    assert (
        mine.headers["location"]
        == f"/dashboards/programs.pdf?{ALL.replace('&compare', '&program=alpha-zq-p1&compare')}"
    )
    assert manager.get(mine.headers["location"]).status_code == 200
    executive = _staff(app_client, world.a.email(Role.EXECUTIVE))
    assert executive.get(f"/dashboards/market.pdf?{ALL}").status_code == 404  # twins of Executive and Programs only
    page = executive.get(f"/dashboards/executive?{ALL}").text
    assert f'href="/dashboards/executive.pdf?{ALL.replace("&", "&amp;")}"' in page
    text = "\n".join(_pdf_lines(executive.get(f"/dashboards/executive.pdf?{ALL}").content))
    assert f"{A_ISSUED}" in text
    assert "Alpha-zq Academy: Executive" in text
    assert "Bravo" not in text
    # the isolation suite reads into the files: a leak of A's markers in a PDF or XLSX would be seen
    for suffix in (".pdf", ".xlsx"):
        assert "alpha-zq" in readable(executive.get(f"/dashboards/executive{suffix}?{ALL}")).lower()
