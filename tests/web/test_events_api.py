"""POST /api/v1/events and GET /api/v1/health through the real app."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi.testclient import TestClient

from credlens.domain.issuers import NewKeys
from credlens.ingest.decode import MAX_BATCH_BYTES


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def issued(n: int, credential: str | None = None) -> dict[str, Any]:
    return {
        "id": f"i{n}",
        "type": "credential.issued",
        "occurred_at": "2026-02-01T09:00:00Z",
        "credential_id": credential or f"c{n}",
        "program": {"id": "p1"},
        "recipient": {"email": f"r{n}@x.org"},
    }


def viewed(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"v{n}",
        "type": "credential.viewed",
        "occurred_at": "2026-02-02T09:00:00Z",
        "credential_id": f"c{n}",
        "actor": "owner",
        **extra,
    }


def count(client: TestClient, table: str = "events") -> int:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    return int(warehouse.cursor().execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def test_health_answers_ok(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok", "unfolded_events": 0}


def test_valid_batch_is_accepted_and_a_resend_is_acknowledged_not_stored(
    client: TestClient, keys: dict[str, NewKeys]
) -> None:
    batch = [issued(1), viewed(1), issued(2)]
    first = client.post("/api/v1/events", json=batch, headers=auth(keys["acme"].ingest))
    again = client.post("/api/v1/events", json=batch, headers=auth(keys["acme"].ingest))
    assert (first.status_code, first.json()) == (200, {"accepted": 3, "duplicates": 0})
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 3})
    assert count(client) == 3


def test_ndjson_body_is_accepted(client: TestClient, keys: dict[str, NewKeys]) -> None:
    body = b"\n".join(msgspec.json.encode(e) for e in [issued(1), viewed(1)]) + b"\n\n"
    response = client.post(
        "/api/v1/events", content=body, headers={**auth(keys["acme"].ingest), "Content-Type": "application/x-ndjson"}
    )
    assert response.json() == {"accepted": 2, "duplicates": 0}


def test_one_invalid_event_refuses_the_whole_batch_and_names_every_fault(
    client: TestClient, keys: dict[str, NewKeys]
) -> None:
    batch = [issued(1), viewed(2, actor="robot"), issued(3), {**viewed(4), "ip": "10.0.0.1"}]
    response = client.post("/api/v1/events", json=batch, headers=auth(keys["acme"].ingest))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_events"
    assert [(d["position"], d["id"], d["field"]) for d in error["details"]] == [(1, "v2", "actor"), (3, "v4", "ip")]
    assert count(client) == 0  # all-or-nothing


def test_reissuing_a_credential_with_a_new_event_id_is_refused(client: TestClient, keys: dict[str, NewKeys]) -> None:
    assert client.post("/api/v1/events", json=[issued(1)], headers=auth(keys["acme"].ingest)).status_code == 200
    again = client.post(
        "/api/v1/events", json=[viewed(1), issued(9, credential="c1")], headers=auth(keys["acme"].ingest)
    )
    assert again.status_code == 422
    detail = again.json()["error"]["details"][0]
    assert (detail["position"], detail["id"], detail["field"]) == (1, "i9", "credential_id")
    assert "already issued" in detail["reason"]
    assert count(client) == 1  # the view of the refused request was not stored either


def test_two_issuances_of_one_credential_in_one_batch_are_refused(client: TestClient, keys: dict[str, NewKeys]) -> None:
    response = client.post(
        "/api/v1/events", json=[issued(1), issued(2, credential="c1")], headers=auth(keys["acme"].ingest)
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["id"] == "i2"


def test_keys_are_required_and_must_be_ingest_keys(client: TestClient, keys: dict[str, NewKeys]) -> None:
    for headers in ({}, auth("cl_ingest_nope_nope"), auth(keys["acme"].read), {"Authorization": "Basic abc"}):
        response = client.post("/api/v1/events", json=[issued(1)], headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert count(client) == 0


def test_the_issuer_is_the_keys_issuer(client: TestClient, keys: dict[str, NewKeys]) -> None:
    client.post("/api/v1/events", json=[issued(1)], headers=auth(keys["globex"].ingest))
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    rows = warehouse.cursor().execute("SELECT slug FROM events JOIN issuers USING (issuer_id)").fetchall()
    assert rows == [("globex",)]


def test_unusable_bodies_get_a_clear_400_or_413(client: TestClient, keys: dict[str, NewKeys]) -> None:
    headers = {**auth(keys["acme"].ingest), "Content-Type": "application/json"}
    not_json = client.post("/api/v1/events", content=b"{nope", headers=headers)
    an_object = client.post("/api/v1/events", json={"id": "x"}, headers=headers)
    too_many = client.post("/api/v1/events", json=[viewed(n) for n in range(10_001)], headers=headers)
    too_big = client.post("/api/v1/events", content=b" " * (MAX_BATCH_BYTES + 1), headers=headers)
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "bad_batch")
    assert (an_object.status_code, an_object.json()["error"]["code"]) == (400, "bad_batch")
    assert too_many.status_code == 400
    assert "10000" in too_many.json()["error"]["message"]
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "batch_too_large")


def test_unknown_routes_answer_in_the_json_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found", "details": []}}


def test_a_revoked_ingest_key_is_refused_at_once_though_it_was_just_used(
    client: TestClient, keys: dict[str, NewKeys]
) -> None:
    key = keys["acme"].ingest
    assert client.post("/api/v1/events", json=[issued(1)], headers=auth(key)).status_code == 200
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    issuer = warehouse.issuer("acme")
    assert warehouse.revoke_key(issuer.issuer_id, key.split("_")[2])
    response = client.post("/api/v1/events", json=[issued(2)], headers=auth(key))
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")
    assert count(client) == 1
