"""The dashboards' `.json` twins and pulls of `GET /api/v1/stats` are exports, audited like CSV downloads:
who, what and when, readable by the issuer's admin (docs/privacy.md, issue 14 item 11)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World

WINDOW = "from=2026-01-01&to=2026-03-31&compare=previous"


def staff(app_client: TestClient, world: World, role: Role) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, world.a.email(role)).status_code == 303
    return client


def exports(admin: TestClient) -> list[list[str]]:
    """The export entries of the admin's audit log, as its CSV download has them (newest first)."""
    rows = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv").text)))
    assert rows[0] == ["at_utc", "actor", "action", "detail"]
    return [row for row in rows[1:] if row[2] == "export"]


def test_json_twins_and_stats_pulls_are_audited_for_the_admin(app_client: TestClient, world: World) -> None:
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    executive = staff(app_client, world, Role.EXECUTIVE)
    assert executive.get(f"/dashboards/market.json?{WINDOW}").status_code == 200
    manager = staff(app_client, world, Role.PROGRAM_MANAGER)
    assert manager.get(f"/api/v1/stats?{WINDOW}&program=alpha-zq-p1").status_code == 200
    read = {"Authorization": f"Bearer {world.a.keys.read}"}
    assert app_client.get(f"/api/v1/stats?{WINDOW}", headers=read).status_code == 200
    key_id = world.a.keys.read.split("_")[2]

    admin = staff(app_client, world, Role.ADMIN)
    found = exports(admin)
    assert [row[1:] for row in found[1:4]] == [  # after the download of the log itself
        [f"key:{key_id}", "export", "stats API JSON (2026-01-01 to 2026-03-31)"],
        [
            "user:program_manager@alpha-zq.example",
            "export",
            "stats API JSON (2026-01-01 to 2026-03-31, programs alpha-zq-p1)",
        ],
        ["user:executive@alpha-zq.example", "export", "Verification & market dashboard JSON"],
    ]
    assert all(dt.datetime.fromisoformat(row[0]) >= started for row in found[1:4])  # when
    assert world.a.keys.read not in admin.get("/admin/audit.csv").text  # the key's id, never the key
    page = admin.get("/admin/audit").text
    assert "Verification &amp; market dashboard JSON" in page
    assert f"key:{key_id}" in page


def test_a_refused_or_bad_pull_exports_nothing(app_client: TestClient, world: World) -> None:
    read = {"Authorization": f"Bearer {world.a.keys.read}"}
    assert app_client.get("/api/v1/stats?period=nope", headers=read).status_code == 400
    manager = staff(app_client, world, Role.PROGRAM_MANAGER)
    assert manager.get("/api/v1/stats?period=all&program=alpha-zq-p2").status_code == 403
    assert [row[3] for row in exports(staff(app_client, world, Role.ADMIN))] == ["audit log CSV"]  # its own
