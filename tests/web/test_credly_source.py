"""POST /api/v1/sources/credly (issue 19, item 1): Credly's webhooks, live, through the events route's
validation, dedupe and durability, answered as the events route answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from credlens.domain.issuers import NewKeys
from tests.web.test_events_api import auth, count

ROUTE = "/api/v1/sources/credly"
DELIVERY: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "ingest" / "samples" / "credly_webhook.json").read_text()
)
FEED: dict[str, Any] = json.loads((Path(__file__).parents[1] / "ingest" / "samples" / "credly_events.json").read_text())


def stored(client: TestClient) -> list[tuple[Any, ...]]:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    return [
        tuple(r) for r in warehouse.cursor().execute("SELECT type, credential_id, recipient_key FROM events").fetchall()
    ]


def test_a_delivery_is_stored_once_and_a_redelivery_is_a_duplicate(
    client: TestClient, keys: dict[str, NewKeys]
) -> None:
    first = client.post(ROUTE, json=DELIVERY, headers=auth(keys["acme"].ingest))
    again = client.post(ROUTE, json=DELIVERY, headers=auth(keys["acme"].ingest))
    assert (first.status_code, first.json()) == (200, {"accepted": 1, "duplicates": 0})
    assert (again.status_code, again.json()) == (200, {"accepted": 0, "duplicates": 1})
    ((kind, credential, recipient),) = stored(client)
    assert (kind, credential) == ("credential.issued", DELIVERY["data"]["badge"]["id"])
    assert "@" not in recipient  # pseudonymized at the door


def test_an_event_feed_page_maps_every_event(client: TestClient, keys: dict[str, NewKeys]) -> None:
    response = client.post(ROUTE, json=FEED, headers=auth(keys["acme"].ingest))
    assert (response.status_code, response.json()) == (200, {"accepted": 8, "duplicates": 0})  # privacy: skipped
    kinds = sorted(kind for kind, _, _ in stored(client))
    assert kinds.count("credential.accepted") == 1
    assert kinds.count("credential.declined") == 1
    assert kinds.count("credential.viewed") == 0  # an acceptance is not a view


def test_a_delivery_with_no_credlens_event_is_acknowledged(client: TestClient, keys: dict[str, NewKeys]) -> None:
    privacy = FEED["data"][6]
    assert privacy["event_type"] == "badge.privacy.changed"
    response = client.post(ROUTE, json=privacy, headers=auth(keys["acme"].ingest))
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 0})
    assert count(client) == 0


def test_a_wrong_key_is_refused(client: TestClient, keys: dict[str, NewKeys]) -> None:
    for headers in ({}, auth("cl_ingest_nope"), auth(keys["acme"].read)):
        response = client.post(ROUTE, json=DELIVERY, headers=headers)
        assert response.status_code == 401, response.text
        assert "error" in response.json()
    assert count(client) == 0


def test_malformed_deliveries_are_refused_with_their_reason(client: TestClient, keys: dict[str, NewKeys]) -> None:
    headers = auth(keys["acme"].ingest)
    unknown = {**DELIVERY, "event_type": "badge.teleported"}
    no_data = {key: value for key, value in DELIVERY.items() if key != "data"}
    bad_state = copy.deepcopy(FEED["data"][4]) | {"id": "e-bad"}
    bad_state["data"]["badge"]["state"] = "frozen"
    for body, field, reason in (
        (unknown, "event_type", "unknown Credly event 'badge.teleported'"),
        (no_data, "data", "is required"),
        (bad_state, "data.badge.state", "unknown badge state 'frozen'"),
    ):
        response = client.post(ROUTE, json=body, headers=headers)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_events"
        (detail,) = error["details"]
        assert detail["field"] == field
        assert detail["reason"].startswith(reason)
        assert detail["position"] == 0
    not_json = client.post(ROUTE, content=b"{nope", headers={**headers, "Content-Type": "application/json"})
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "bad_batch")
    form = client.post(ROUTE, content=b"a=b", headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert (form.status_code, form.json()["error"]["code"]) == (415, "unsupported_media_type")
    assert count(client) == 0


def test_a_mapped_event_the_contract_refuses_is_named_and_nothing_is_stored(
    client: TestClient, keys: dict[str, NewKeys]
) -> None:
    broken = copy.deepcopy(DELIVERY) | {"id": "e-broken"}
    broken["data"]["badge"]["id"] = "not an id!"
    response = client.post(ROUTE, json=[DELIVERY, broken], headers=auth(keys["acme"].ingest))
    assert response.status_code == 422, response.text
    (detail,) = response.json()["error"]["details"]
    assert (detail["position"], detail["field"]) == (1, "credential_id")
    assert count(client) == 0  # all or nothing, as POST /api/v1/events


def test_a_deeply_nested_delivery_is_a_4xx(client: TestClient, keys: dict[str, NewKeys]) -> None:
    for depth in (900, 5000):
        nested = '{"x":' * depth + "1" + "}" * depth
        body = '{"id": "e", "event_type": "badge.created", "occurred_at": "2026-01-01T00:00:00Z", "data": {"badge": '
        body += nested + "}}"
        response = client.post(
            ROUTE, content=body.encode(), headers={**auth(keys["acme"].ingest), "Content-Type": "application/json"}
        )
        assert response.status_code in (400, 422), response.text
