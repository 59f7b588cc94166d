"""HTTP conformance: 405s name what is allowed, empty parameters are absent ones, and the OpenAPI
document lists every status a route answers, in the error shape, and the event batch's real schema."""

from __future__ import annotations

from typing import Any

import jsonschema_rs  # schemathesis's validator, a dependency of the dev extras
import msgspec
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credlens.domain.events import EVENT_TYPES, AnyEvent
from credlens.domain.issuers import NewKeys
from credlens.web.openapi import event_schemas
from tests.factories import EVENT_TYPES as EXAMPLE_TYPES
from tests.factories import make_event
from tests.web.browser import csrf
from tests.web.isolation import endpoints
from tests.web.test_stats_api import auth, seed


def error_shape(body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and set(error) == {"code", "message", "details"}


# --- 405: Allow, and the error shape ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/stats", "GET"),
        ("DELETE", "/api/v1/events", "POST"),
        ("GET", "/api/v1/events", "POST"),
        ("OPTIONS", "/api/v1/health", "GET"),
        ("GET", "/api/v1/erasures", "POST"),
    ],
)
def test_an_api_405_names_the_allowed_methods(client: TestClient, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert error_shape(response.json())
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_405_names_every_route_of_the_path(client: TestClient) -> None:
    """/signin is two routes (GET, POST): Starlette alone named the first one only."""
    token = csrf(client)
    response = client.put("/signin", data={"csrf_token": token})  # past the CSRF check, then routed
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_a_405_of_the_static_files_names_get_and_head(client: TestClient) -> None:
    response = client.request("PATCH", "/static/credlens.css", data={"csrf_token": csrf(client)})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_every_method_a_route_does_not_serve_is_a_405_with_allow(client: TestClient) -> None:
    """Walks the route table: a route added later is checked too."""
    app: FastAPI = client.app  # type: ignore[assignment]
    served: dict[str, set[str]] = {}
    for endpoint in endpoints(app):
        if endpoint.api:
            served.setdefault(endpoint.path, set()).add(endpoint.method)
    assert served
    for path, methods in served.items():
        url = path.replace("{", "").replace("}", "")
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} - methods:
            response = client.request(method, url)
            assert response.status_code == 405, (method, path)
            assert set(response.headers["Allow"].split(", ")) == methods, (method, path)
            assert error_shape(response.json()), (method, path)


# --- empty parameters are absent ones ----------------------------------------------------------------


def test_empty_stats_parameters_are_absent_ones(client: TestClient, keys: dict[str, NewKeys]) -> None:
    seed(client, keys["acme"].ingest, 4)
    read = auth(keys["acme"].read)
    window = {"from": "2026-02-01", "to": "2026-02-28"}
    plain = client.get("/api/v1/stats", params=window, headers=read)
    assert plain.status_code == 200
    empties = {"period": "", "kind": "", "department": "", "compare": "", "interval": "", "funnel": "", "program": ""}
    with_empties = client.get("/api/v1/stats", params={**window, **empties}, headers=read)
    assert with_empties.status_code == 200, with_empties.text
    assert with_empties.json()["metrics"] == plain.json()["metrics"]
    # a period with empty dates is the period, not "a period and dates"
    period = client.get("/api/v1/stats", params={"from": "", "to": "", "period": "all"}, headers=read)
    assert period.status_code == 200, period.text
    assert period.json()["metrics"]["issued"]["value"] == 4


def test_empty_window_parameters_are_refused_as_missing(client: TestClient, keys: dict[str, NewKeys]) -> None:
    response = client.get("/api/v1/stats", params={"from": "", "period": ""}, headers=auth(keys["acme"].read))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_query"
    assert error["details"] == [{"field": "from", "reason": "give both --from and --to dates, or a period"}]


# --- the OpenAPI document ------------------------------------------------------------------------------


def operations(client: TestClient) -> dict[str, dict[str, Any]]:
    document = client.get("/openapi.json").json()
    return {f"{m.upper()} {p}": op for p, ops in document["paths"].items() for m, op in ops.items()}


def test_every_api_route_is_in_the_document(client: TestClient) -> None:
    """The route table's `/api/` routes are all documented, so the schemathesis run fuzzes every one."""
    app: FastAPI = client.app  # type: ignore[assignment]
    served = {str(e) for e in endpoints(app) if e.api}
    assert served == set(operations(client))


def test_every_documented_refusal_has_the_error_shape(client: TestClient) -> None:
    for name, operation in operations(client).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}, (name, status)


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("POST /api/v1/events", {"200", "400", "401", "403", "413", "415", "422"}),
        ("POST /api/v1/sources/credly", {"200", "400", "401", "403", "413", "415", "422"}),
        ("GET /api/v1/stats", {"200", "400", "401", "403", "422", "503"}),
        ("POST /api/v1/recipient-links", {"200", "400", "401", "403", "422"}),
        ("POST /api/v1/erasures", {"200", "202", "400", "401", "403", "503"}),
        ("GET /api/v1/erasures/purge", {"200", "401", "403"}),
        ("POST /api/v1/erasures/purge", {"200", "401", "403", "503"}),
        ("POST /api/v1/recipient-timeline", {"200", "400", "401", "403"}),
        ("GET /api/v1/health", {"200"}),
    ],
)
def test_every_status_a_route_answers_is_documented(client: TestClient, operation: str, statuses: set[str]) -> None:
    assert set(operations(client)[operation]["responses"]) == statuses


def test_the_events_body_is_documented_as_the_structs_that_decode_it(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventBatch"}
    assert "application/x-ndjson" in body["content"]
    schemas = document["components"]["schemas"]
    batch = schemas["EventBatch"]
    assert batch["type"] == "array"
    assert batch["items"]["discriminator"]["propertyName"] == "type"
    assert set(batch["items"]["discriminator"]["mapping"]) == set(EVENT_TYPES)
    for name in ("CredentialIssued", "CredentialViewed", "RecipientFeedback", "Verifier", "IssuedRecipient"):
        assert schemas[name] == event_schemas()[name]
    issued = schemas["CredentialIssued"]
    assert {"id", "occurred_at", "credential_id", "program", "recipient", "expires_at"} <= set(issued["properties"])
    assert issued["additionalProperties"] is False
    assert issued["properties"]["id"]["pattern"].endswith("$")  # ECMA-262, not Python's \Z
    assert "\\Z" not in msgspec.json.encode(schemas).decode()


def test_the_documented_schema_accepts_every_example_event() -> None:
    """The schema describes what the decoder accepts: every valid example of tests/factories.py."""
    schemas = event_schemas()
    document = {"$defs": schemas, **schemas["EventBatch"]}
    text = msgspec.json.encode(document).decode().replace("#/components/schemas/", "#/$defs/")
    validator = jsonschema_rs.validator_for(msgspec.json.decode(text))
    batch = [make_event(kind) for kind in EXAMPLE_TYPES]
    msgspec.convert(batch, list[AnyEvent])  # the decoder agrees they are valid
    assert validator.is_valid(batch)
    assert not validator.is_valid([{**make_event("credential.viewed"), "unknown": 1}])


def test_a_body_fastapi_cannot_parse_is_a_documented_400(client: TestClient, keys: dict[str, NewKeys]) -> None:
    """Found by the schemathesis run: invalid UTF-8 sent as JSON was an undocumented `400 http_error`."""
    response = client.post(
        "/api/v1/recipient-links",
        content=b"\xa5e\xa5\x02",
        headers={**auth(keys["acme"].ingest), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "400" in operations(client)["POST /api/v1/recipient-links"]["responses"]
