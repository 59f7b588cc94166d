"""The Compare page puts credential designs side by side like programs: `design` in the URL (2 to 4),
pooled over the programs in scope, with the page's intervals; a program manager's over their programs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World


def _staff(app_client: TestClient, world: World, role: Role) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, world.a.email(role)).status_code == 303
    return client


def seed_designs(app_client: TestClient, world: World) -> None:
    """p1: 40 in design Modern (20 shared), 40 in Classic (4 shared); p2: 10 in Modern (none shared)."""
    events: list[dict[str, Any]] = []
    plan = [
        ("alpha-zq-p1", "tpl-modern", 40, 20),
        ("alpha-zq-p1", "tpl-classic", 40, 4),
        ("alpha-zq-p2", "tpl-modern", 10, 0),
    ]
    for program, design, issued, shared in plan:
        for n in range(issued):
            cred = f"dz-{program}-{design}-{n}"
            events.append(
                {"id": f"i-{cred}", "type": "credential.issued", "occurred_at": "2026-02-12T09:00:00Z",
                 "credential_id": cred, "program": {"id": program}, "recipient": {"id": f"r-{cred}"},
                 "design": {"id": design, "name": design.removeprefix("tpl-").title()}}
            )  # fmt: skip
            if n < shared:
                events.append(
                    {"id": f"s-{cred}", "type": "credential.shared", "occurred_at": "2026-02-13T09:00:00Z",
                     "credential_id": cred, "channel": "linkedin"}
                )  # fmt: skip
    headers = {"Authorization": f"Bearer {world.a.keys.ingest}"}
    assert app_client.post("/api/v1/events", json=events, headers=headers).status_code == 200
    app_client.app.state.writer.wait_idle()  # type: ignore[attr-defined]


def _row(board: dict[str, Any], label: str) -> dict[str, Any]:
    table = board["sections"][0]["tables"][0]
    return next(r for r in table["rows"] if r["metric"]["value"] == label)


def test_two_designs_side_by_side(app_client: TestClient, world: World) -> None:
    seed_designs(app_client, world)
    admin = _staff(app_client, world, Role.ADMIN)
    board = admin.get("/dashboards/compare.json?period=all&design=tpl-classic&design=tpl-modern").json()
    assert [(g["key"], g["label"]) for g in board["groups"]] == [("tpl-classic", "Classic"), ("tpl-modern", "Modern")]
    issued = _row(board, "Credentials issued")
    assert (issued["g1"]["value"], issued["g2"]["value"]) == (40, 50)  # Modern pooled over p1 and p2
    shared = _row(board, "Shared")
    assert (shared["g1"]["value"], shared["g2"]["value"]) == (0.1, 0.4)  # 4 of 40; 20 of 50
    assert shared["g2_diff"]["flag"] == "beyond noise"
    # the baseline moves the differences; the page offers the designs to tick
    moved = admin.get("/dashboards/compare.json?period=all&design=tpl-classic&design=tpl-modern&baseline=tpl-modern")
    assert [g["key"] for g in moved.json()["groups"]] == ["tpl-modern", "tpl-classic"]
    chooser = admin.get("/dashboards/compare?period=all&program=alpha-zq-p1")
    assert 'name="design" value="tpl-modern"' in chooser.text
    assert 'name="design" value="tpl-classic"' in chooser.text
    # one design is no comparison; five are too many
    assert "Choose 2 to 4" in admin.get("/dashboards/compare?period=all&design=tpl-modern").text
    five = "&".join(f"design=d{n}" for n in range(5))
    assert admin.get(f"/dashboards/compare.json?period=all&{five}").status_code == 400
    # the CSV twin holds the same table
    assert admin.get("/dashboards/compare.csv?period=all&design=tpl-classic&design=tpl-modern").status_code == 200


def test_a_program_manager_compares_designs_over_their_programs(app_client: TestClient, world: World) -> None:
    seed_designs(app_client, world)
    manager = _staff(app_client, world, Role.PROGRAM_MANAGER)  # manages alpha-zq-p1
    url = "/dashboards/compare.json?period=all&program=alpha-zq-p1&design=tpl-classic&design=tpl-modern"
    board = manager.get(url).json()
    issued = _row(board, "Credentials issued")
    assert (issued["g1"]["value"], issued["g2"]["value"]) == (40, 40)  # p2's 10 Modern credentials are not theirs
    refused = manager.get(
        "/dashboards/compare.json?period=all&program=alpha-zq-p2&design=tpl-classic&design=tpl-modern"
    )
    assert refused.status_code == 403
