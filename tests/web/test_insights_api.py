"""GET /api/v1/insights: the findings of `credlens insights` for the read key's (or user's) issuer,
authorized, bounded and audited as GET /api/v1/stats."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from credlens.domain.issuers import NewKeys
from tests.web.browser import sign_in
from tests.web.test_export_audit import exports, staff
from tests.web.world import World

WINDOW = {"from": "2026-02-01", "to": "2026-02-28"}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def seed(client: TestClient, key: str) -> None:
    """40 credentials of p1, all shared; 40 of p2, none shared: 100 % against 0 %."""
    events: list[dict[str, Any]] = []
    for n in range(80):
        program = "p1" if n < 40 else "p2"
        events.append(
            {"id": f"i{n}", "type": "credential.issued", "occurred_at": "2026-02-10T09:00:00Z",
             "credential_id": f"c{n}", "program": {"id": program}, "recipient": {"id": f"r{n}"}}
        )  # fmt: skip
        if program == "p1":
            events.append(
                {"id": f"s{n}", "type": "credential.shared", "occurred_at": "2026-02-11T09:00:00Z",
                 "credential_id": f"c{n}", "channel": "email"}
            )  # fmt: skip
    assert client.post("/api/v1/events", json=events, headers=auth(key)).status_code == 200
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]


def test_insights_for_the_read_keys_issuer(client: TestClient, keys: dict[str, NewKeys]) -> None:
    seed(client, keys["acme"].ingest)
    response = client.get("/api/v1/insights", params=WINDOW, headers=auth(keys["acme"].read))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"]["issuer"] == "acme"
    share = [(i["kind"], i["subject"]) for i in body["insights"] if i["metric"] == "share_rate"]
    assert share == [  # equal impact (40 credentials each): by id
        ("program_above_average", {"program": "p1"}),
        ("program_below_average", {"program": "p2"}),
    ]
    evidence = body["insights"][0]["evidence"]
    assert set(evidence) == {"value", "numerator", "denominator", "reference", "reference_numerator",
                             "reference_denominator", "ci95", "p_value", "q_value"}  # fmt: skip
    # another issuer's key sees its own (empty) issuer
    other = client.get("/api/v1/insights", params=WINDOW, headers=auth(keys["globex"].read)).json()
    assert (other["query"]["issuer"], other["insights"]) == ("globex", [])


def test_insights_refuse_as_stats_do(client: TestClient, keys: dict[str, NewKeys]) -> None:
    assert client.get("/api/v1/insights", params=WINDOW).status_code == 401
    assert client.get("/api/v1/insights", params=WINDOW, headers=auth(keys["acme"].ingest)).status_code == 401
    bad = client.get("/api/v1/insights", params={"period": "nope"}, headers=auth(keys["acme"].read))
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_query"
    assert bad.json()["error"]["details"][0]["field"] == "period"


def test_a_program_manager_gets_insights_of_their_programs_only(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.PROGRAM_MANAGER))
    for params in ({}, {"program": "alpha-zq-p2"}, {"program": ["alpha-zq-p1", "alpha-zq-p2"]}):
        refused = app_client.get("/api/v1/insights", params={"period": "all", **params})
        assert refused.status_code == 403, params
        assert refused.json()["error"]["code"] == "forbidden"
    mine = app_client.get("/api/v1/insights", params={"period": "all", "program": "alpha-zq-p1"})
    assert mine.status_code == 200
    assert mine.json()["query"]["program"] == ["alpha-zq-p1"]
    for insight in mine.json()["insights"]:  # computed from p1 alone: nothing of p2 can be named
        assert "alpha-zq-p2" not in str(insight)


def test_insights_pulls_are_audited(app_client: TestClient, world: World) -> None:
    read = {"Authorization": f"Bearer {world.a.keys.read}"}
    assert app_client.get("/api/v1/insights?from=2026-01-01&to=2026-03-31", headers=read).status_code == 200
    key_id = world.a.keys.read.split("_")[2]
    found = exports(staff(app_client, world, Role.ADMIN))
    assert found[1][1:] == [f"key:{key_id}", "export", "insights API JSON (2026-01-01 to 2026-03-31)"]
