"""Each role's allowed and refused actions, through the real app: stats scope, admin pages, recipients."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import post_form, sign_in
from tests.web.world import A_ISSUED, World

A_P1_ISSUED = (A_ISSUED + 1) // 2  # credentials 0, 2, 4 … 136 are of program p1: 69


def stats(client: TestClient, **params: Any) -> Any:
    return client.get("/api/v1/stats", params={"period": "all", **params})


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EXECUTIVE])
def test_admins_and_executives_read_every_aggregate_of_their_issuer(
    app_client: TestClient, world: World, role: Role
) -> None:
    sign_in(app_client, world.a.email(role))
    everything = stats(app_client)
    one_program = stats(app_client, program="alpha-zq-p1")
    assert everything.status_code == one_program.status_code == 200
    assert everything.json()["query"]["issuer"] == "alpha-zq"
    assert everything.json()["metrics"]["issued"]["value"] == A_ISSUED
    assert one_program.json()["metrics"]["issued"]["value"] == A_P1_ISSUED


def test_a_program_manager_reads_their_programs_only_and_is_refused_not_narrowed(
    app_client: TestClient, world: World
) -> None:
    sign_in(app_client, world.a.email(Role.PROGRAM_MANAGER))
    mine = stats(app_client, program="alpha-zq-p1")
    assert mine.status_code == 200
    assert mine.json()["metrics"]["issued"]["value"] == A_P1_ISSUED
    for params in ({}, {"program": "alpha-zq-p2"}, {"program": ["alpha-zq-p1", "alpha-zq-p2"]}):
        refused = stats(app_client, **params)
        assert refused.status_code == 403, params
        error = refused.json()["error"]
        assert error["code"] == "forbidden"
        assert "yours: alpha-zq-p1" in error["message"]  # the refusal lists their programs
        assert "metrics" not in refused.json()


def test_a_program_manager_without_programs_is_told_to_ask_the_admin(app_client: TestClient, world: World) -> None:
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    warehouse.accounts.set_programs(world.a.issuer.issuer_id, world.a.users[Role.PROGRAM_MANAGER].user_id, [])
    sign_in(app_client, world.a.email(Role.PROGRAM_MANAGER))
    refused = stats(app_client, program="alpha-zq-p1")
    assert refused.status_code == 403
    assert "none assigned yet" in refused.json()["error"]["message"]


def test_stats_need_a_read_key_or_a_session(app_client: TestClient, world: World) -> None:
    assert stats(app_client).status_code == 401
    keyed = app_client.get(
        "/api/v1/stats", params={"period": "all"}, headers={"Authorization": f"Bearer {world.a.keys.read}"}
    )
    assert keyed.json()["metrics"]["issued"]["value"] == A_ISSUED
    ingest_key = app_client.get(
        "/api/v1/stats", params={"period": "all"}, headers={"Authorization": f"Bearer {world.a.keys.ingest}"}
    )
    assert ingest_key.status_code == 401


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.PROGRAM_MANAGER])
def test_only_admins_reach_the_admin_pages_and_actions(app_client: TestClient, world: World, role: Role) -> None:
    sign_in(app_client, world.a.email(role))
    for page in ("/admin", "/admin/audit", "/admin/audit.csv"):
        response = app_client.get(page)
        assert response.status_code == 403, page
        assert "only an admin" in response.text
    user_id = world.a.users[Role.EXECUTIVE].user_id
    key_id = world.a.key_ids[0]
    for url, data in (
        ("/admin/keys", {"kind": "read"}),
        ("/admin/users", {"email": "new@alpha-zq.example", "role": "admin"}),
        (f"/admin/users/{user_id}/disable", {}),
        (f"/admin/users/{user_id}/invitation", {}),
        (f"/admin/users/{user_id}/programs", {"program": "alpha-zq-p2"}),
        (f"/admin/keys/{key_id}/revoke", {}),
    ):
        assert post_form(app_client, url, data).status_code == 403, url
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    assert all(k.revoked_at is None for k in warehouse.api_keys(world.a.issuer.issuer_id))
    assert len(warehouse.accounts.users(world.a.issuer.issuer_id)) == 3


def test_signed_out_visitors_are_sent_to_sign_in(app_client: TestClient) -> None:
    for page in ("/", "/admin", "/admin/audit", "/admin/audit.csv"):
        response = app_client.get(page, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/signin"), page
    assert app_client.get("/recipient").status_code == 401
