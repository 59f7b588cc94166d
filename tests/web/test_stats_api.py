"""GET /api/v1/stats: the same JSON as `credlens query`, for the read key's issuer only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from credlens.domain.issuers import NewKeys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def seed(client: TestClient, key: str, credentials: int) -> None:
    events = []
    for n in range(credentials):
        events.append(
            {
                "id": f"i{n}",
                "type": "credential.issued",
                "occurred_at": "2026-02-10T09:00:00Z",
                "credential_id": f"c{n}",
                "program": {"id": "p1"},
                "recipient": {"id": f"r{n}"},
            }
        )
    events.append(
        {
            "id": "v0",
            "type": "credential.viewed",
            "occurred_at": "2026-02-11T09:00:00Z",
            "credential_id": "c0",
            "actor": "owner",
        }
    )
    assert client.post("/api/v1/events", json=events, headers=auth(key)).status_code == 200
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]


def test_stats_for_the_read_keys_issuer(client: TestClient, keys: dict[str, NewKeys]) -> None:
    seed(client, keys["acme"].ingest, 4)
    seed(client, keys["globex"].ingest, 2)  # another tenant, the same ids
    response = client.get(
        "/api/v1/stats",
        params={"from": "2026-02-01", "to": "2026-02-28", "compare": "previous"},
        headers=auth(keys["acme"].read),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["query"]["issuer"] == "acme"
    assert body["metrics"]["issued"] == {"value": 4, "change": {"absolute": 4, "relative": None}}
    assert body["metrics"]["view_rate"]["value"] == 0.25  # 1 of 4
    assert body["comparison"]["window"] == {"from": "2026-01-04", "to": "2026-01-31"}  # the 28 days before


def test_stats_need_a_read_key_and_a_runnable_query(client: TestClient, keys: dict[str, NewKeys]) -> None:
    assert client.get("/api/v1/stats", params={"period": "30d"}, headers=auth(keys["acme"].ingest)).status_code == 401
    assert client.get("/api/v1/stats", params={"period": "30d"}).status_code == 401
    bad = client.get(
        "/api/v1/stats", params={"from": "2026-03-01", "to": "2026-02-01"}, headers=auth(keys["acme"].read)
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_query"
    assert bad.json()["error"]["details"][0]["field"] == "to"
    unknown = client.get("/api/v1/stats", params={"period": "30d", "program": "nope"}, headers=auth(keys["acme"].read))
    assert unknown.json()["error"]["details"][0]["field"] == "program"


def test_custom_funnel_steps_and_suppression_reach_the_api(client: TestClient, keys: dict[str, NewKeys]) -> None:
    seed(client, keys["acme"].ingest, 4)
    params = {"from": "2026-02-01", "to": "2026-02-28", "funnel": "issued,opened,downloaded"}
    body = client.get("/api/v1/stats", params=params, headers=auth(keys["acme"].read)).json()
    assert body["query"]["funnel"] == ["issued", "opened", "downloaded"]
    assert body["metrics"]["funnel"]["steps"] == [
        {"step": "issued", "value": 4},
        {"step": "opened", "value": 1},
        {"step": "downloaded", "value": 0},
    ]
    # 4 recipients with no demographics: one cell `unknown` of 4 < k = 10, hidden by the privacy layer
    gender = [r for r in body["metrics"]["recipient_demographics"]["rows"] if r["attribute"] == "gender"]
    assert gender == [{"key": "unknown", "attribute": "gender", "value": None, "suppressed": True}]
    bad = client.get(
        "/api/v1/stats", params={**params, "funnel": "opened,issued"}, headers=auth(keys["acme"].read)
    ).json()
    assert bad["error"]["details"][0]["field"] == "funnel"
