"""The staff dashboards and the recipient dashboard through the real app: sign-in and role rules, the
URL as the state, the `.json` and `.csv` twins equal to the page and to the stats API, the empty state."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.web.app import create_app
from credlens.web.dashboards import PAGES
from tests.web.browser import open_link, sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import A_ISSUED, World

ALL = "from=2026-01-01&to=2026-03-31&compare=previous"  # the world issued everything on 2026-02-10


def _staff(app_client: TestClient, world: World, role: Role) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, world.a.email(role)).status_code == 303
    return client


@pytest.mark.parametrize("name", list(PAGES))
def test_every_dashboard_needs_a_sign_in(app_client: TestClient, name: str) -> None:
    page = app_client.get(f"/dashboards/{name}?period=all", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/signin")
    for suffix in (".json", ".csv"):  # the twins are for programs: a JSON error, no redirect
        response = app_client.get(f"/dashboards/{name}{suffix}?period=all", follow_redirects=False)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "sign_in_required")


def test_a_bare_url_moves_to_the_default_state(app_client: TestClient, world: World) -> None:
    executive = _staff(app_client, world, Role.EXECUTIVE)
    moved = executive.get("/dashboards/executive", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, "/dashboards/executive?period=90d&compare=previous")
    # the filter form sends every field; empty ones and dates beside a period are dropped
    messy = executive.get("/dashboards/market?period=30d&from=2026-01-01&to=&kind=&compare=", follow_redirects=False)
    assert messy.headers["location"] == "/dashboards/market?period=30d"
    manager = _staff(app_client, world, Role.PROGRAM_MANAGER)
    landing = manager.get("/dashboards/programs", follow_redirects=False)
    assert landing.headers["location"] == "/dashboards/programs?period=90d&program=alpha-zq-p1&compare=previous"


def test_program_managers_are_refused_outside_their_programs(app_client: TestClient, world: World) -> None:
    manager = _staff(app_client, world, Role.PROGRAM_MANAGER)
    for url in (
        "/dashboards/programs?period=all&program=alpha-zq-p2",
        "/dashboards/executive.json?period=all&program=alpha-zq-p1&program=alpha-zq-p2",
        "/dashboards/compare?period=all&program=alpha-zq-p1&program=alpha-zq-p2",
    ):
        refused = manager.get(url)
        assert refused.status_code == 403, url
        assert "alpha-zq-p1" in refused.text  # the message names the manager's programs
    assert manager.get("/dashboards/programs?period=all&program=alpha-zq-p1").status_code == 200
    # none ticked means all of theirs, said in the address: never the whole issuer, never a silent narrowing
    for suffix in ("", ".json", ".csv"):
        mine = manager.get(f"/dashboards/market{suffix}?period=all", follow_redirects=False)
        assert (mine.status_code, mine.headers["location"]) == (
            303,
            f"/dashboards/market{suffix}?period=all&program=alpha-zq-p1",
        )
    departments = manager.get("/dashboards/compare.json?period=all&program=alpha-zq-p1&department=a&department=b")
    assert (departments.status_code, departments.json()["error"]["code"]) == (403, "forbidden")


def test_a_recipient_link_opens_no_staff_dashboard(app_client: TestClient, world: World) -> None:
    link = app_client.post(
        "/api/v1/recipient-links",
        json={"email": world.a.recipient_email},
        headers={"Authorization": f"Bearer {world.a.keys.ingest}"},
    ).json()["url"]
    holder = TestClient(app_client.app, base_url=BASE_URL)
    open_link(holder, link)
    assert holder.get(f"/dashboards/executive?{ALL}").status_code == 403
    assert holder.get("/recipient.json").status_code == 200


@pytest.mark.parametrize("name", ["executive", "programs", "market", "portfolios"])
def test_headline_numbers_equal_the_stats_api(app_client: TestClient, world: World, name: str) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    board = admin.get(f"/dashboards/{name}.json?{ALL}").json()
    stats = admin.get(f"/api/v1/stats?{ALL}").json()["metrics"]
    tiles = [t for s in board["sections"] for t in s["tiles"] if t["period"] is None]
    assert tiles
    for tile in tiles:
        assert tile["value"] == stats[tile["metric"]]["value"], tile["metric"]
    if name == "executive":
        assert tiles[0]["metric"] == "issued"
        assert tiles[0]["value"] == A_ISSUED


def test_the_fixed_windows_of_the_executive_dashboard_are_their_own_queries(
    app_client: TestClient, world: World
) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    board = admin.get("/dashboards/executive.json?period=7d&kind=badge").json()
    fixed = [t for s in board["sections"] for t in s["tiles"] if t["period"] is not None]
    assert [t["period"] for t in fixed] == ["30d", "last_quarter", "all", "all"]
    for tile in fixed:
        compare = "" if tile["period"] == "all" else "&compare=previous"
        stats = admin.get(f"/api/v1/stats?period={tile['period']}&kind=badge{compare}").json()["metrics"]
        assert tile["value"] == stats[tile["metric"]]["value"]
    assert fixed[2]["value"] == A_ISSUED // 2  # odd-numbered credentials are badges: 68 of 137


def test_every_table_csv_equals_the_table_on_the_page(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    for name in ("executive", "programs", "market", "portfolios"):
        board = admin.get(f"/dashboards/{name}.json?{ALL}").json()
        page = admin.get(f"/dashboards/{name}?{ALL}").text
        for section in board["sections"]:
            for table in section["tables"]:
                assert f'data-table="{table["id"]}"' in page
                got = admin.get(f"/dashboards/{name}.csv?{ALL}&table={table['id']}")
                rows = list(csv.reader(io.StringIO(got.text)))
                keys = [c["key"] for c in table["columns"]]
                assert rows[0] == keys
                expected = [[_csv(row[k]) for k in keys] for row in table["rows"]]
                assert rows[1:] == expected, (name, table["id"])


def _csv(cell: dict[str, object]) -> str:
    if cell.get("suppressed"):
        return "suppressed"
    return "" if cell["value"] is None else str(cell["value"])


def test_a_csv_export_is_audited(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    got = admin.get(f"/dashboards/portfolios.csv?{ALL}")
    assert got.headers["content-disposition"] == 'attachment; filename="credlens-alpha-zq-portfolios.csv"'
    assert "portfolios dashboard CSV (portfolios)" in admin.get("/admin/audit").text
    assert admin.get(f"/dashboards/portfolios.csv?{ALL}&table=nope").status_code == 404


def test_the_comparison_puts_two_programs_side_by_side(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    url = "/dashboards/compare.json?period=all&program=alpha-zq-p1&program=alpha-zq-p2"
    board = admin.get(url).json()
    assert [g["key"] for g in board["groups"]] == ["alpha-zq-p1", "alpha-zq-p2"]
    table = board["sections"][0]["tables"][0]
    issued = next(r for r in table["rows"] if r["metric"]["value"] == "Credentials issued")
    assert (issued["g1"]["value"], issued["g2"]["value"], issued["g2_diff"]["value"]) == (69, 68, -1)  # 137 split
    one = admin.get("/dashboards/compare?period=all&program=alpha-zq-p1")
    assert "Choose 2 to 4 programs" in one.text
    five = "&".join(f"program=alpha-zq-p{n}" for n in range(1, 6))
    assert admin.get(f"/dashboards/compare?period=all&{five}").status_code == 400  # an admin is never refused


def test_a_bad_query_is_a_clear_400(app_client: TestClient, world: World) -> None:
    admin = _staff(app_client, world, Role.ADMIN)
    response = admin.get("/dashboards/executive?period=fortnight")
    assert response.status_code == 400
    assert "period" in response.text
    twin = admin.get("/dashboards/executive.json?period=from&compare=previous")
    assert (twin.status_code, twin.json()["error"]["code"]) == (400, "invalid_query")
    backwards = admin.get("/dashboards/executive.json?from=2026-03-01&to=2026-01-01")
    assert (backwards.status_code, backwards.json()["error"]["code"]) == (400, "invalid_query")


def test_an_issuer_without_data_sees_what_to_send(settings: Settings, keys: object, tmp_path: Path) -> None:
    from credlens.access.passwords import hash_password  # noqa: PLC0415
    from credlens.store.warehouse import Warehouse  # noqa: PLC0415

    store = Warehouse(settings.data_dir)
    try:
        issuer = store.issuer("acme")
        assert issuer is not None
        import datetime as dt  # noqa: PLC0415

        user = store.accounts.create_user(
            issuer.issuer_id, "exec@acme.example", Role.EXECUTIVE, [], dt.datetime(2026, 1, 1)
        )
        store.accounts.set_password(issuer.issuer_id, user.user_id, hash_password("correct horse battery staple"))
    finally:
        store.close()
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        assert sign_in(client, "exec@acme.example").status_code == 303
        page = client.get("/dashboards/executive?period=all")
        assert page.status_code == 200
        assert "has no data yet" in page.text
        assert "credential.issued" in page.text
        assert client.get("/dashboards/executive.json?period=all").json()["empty"] is True


def test_the_recipient_sees_who_verified_named_only_with_consent(app_client: TestClient, world: World) -> None:
    verified = [
        {
            "id": f"probe-verified-{n}",
            "type": "credential.verified",
            "occurred_at": f"2026-02-1{n + 2}T09:00:00Z",
            "credential_id": world.a.credentials[0],  # learner0's
            "verifier": verifier,
        }
        for n, verifier in enumerate(
            (
                {"consent": True, "organization": "Consenting Employer Ltd", "industry": "finance", "country": "DE"},
                {"consent": False, "organization": "Secret Employer Inc", "industry": "retail", "country": "FR"},
            )
        )
    ]
    headers = {"Authorization": f"Bearer {world.a.keys.ingest}"}
    assert app_client.post("/api/v1/events", json=verified, headers=headers).status_code == 200
    app_client.app.state.warehouse.fold()  # type: ignore[attr-defined]
    link = app_client.post("/api/v1/recipient-links", json={"email": world.a.recipient_email}, headers=headers)
    holder = TestClient(app_client.app, base_url=BASE_URL)
    open_link(holder, link.json()["url"])
    board = holder.get("/recipient.json").json()
    table = board["sections"][3]["tables"][0]
    assert [row["verifier"]["value"] for row in table["rows"]] == [
        "An organization (retail, FR)",  # newest first; no consent: industry and country only
        "Consenting Employer Ltd",
    ]
    assert "Secret Employer" not in holder.get("/recipient").text
    assert "Secret Employer" not in holder.get("/recipient.csv").text
    tiles = {t["metric"]: t["value"] for t in board["sections"][0]["tiles"]}
    assert tiles["verifications"] == 2
