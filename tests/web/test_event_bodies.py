"""POST /api/v1/events with the bodies a careless or hostile client sends (issue 14, items 4, 5, 6, 10):
each is a 4xx in the error shape naming what is wrong, and nothing of it is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient

from credlens.domain.issuers import NewKeys
from tests.domain.test_events import STORED_KEYS, STORED_VALUES
from tests.web.test_events_api import auth, count, issued, viewed

JSON = "application/json"
PREFIX = b'[{"id":"v1","type":"credential.viewed","occurred_at":"2026-02-02T09:00:00Z","credential_id":"c1",'


def post(client: TestClient, keys: dict[str, NewKeys], body: bytes, content_type: str | None = JSON) -> Any:
    headers = auth(keys["acme"].ingest) | ({} if content_type is None else {"Content-Type": content_type})
    return client.post("/api/v1/events", content=body, headers=headers)


def refused(response: Any, status: int = 422) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    details: list[dict[str, Any]] = response.json()["error"]["details"]
    return details


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PREFIX + b'"actor":"own\xffer"}]', JSON),
        (PREFIX[1:] + b'"actor":"own\xffer"}\n', "application/x-ndjson"),
        (PREFIX + b'"actor":"owner","properties":{"n":"\xed\xa0\x80"}}]', JSON),  # an encoded surrogate
    ],
)
def test_invalid_utf8_is_refused_not_a_500(
    client: TestClient, keys: dict[str, NewKeys], body: bytes, content_type: str
) -> None:
    response = post(client, keys, body, content_type)
    assert response.status_code in (400, 422), response.text
    assert "UTF-8" in response.text
    assert count(client) == 0


@pytest.mark.parametrize("depth", [9, 1_000, 100_000])
@pytest.mark.parametrize("content_type", [JSON, "application/x-ndjson"])
def test_deeply_nested_properties_are_a_422_naming_the_event(
    client: TestClient, keys: dict[str, NewKeys], depth: int, content_type: str
) -> None:
    nested = b'{"a":' * depth + b"1" + b"}" * depth
    event = PREFIX[1:] + b'"actor":"owner","properties":' + nested + b"}"
    body = b"[" + event + b"]" if content_type == JSON else event + b"\n"
    (detail,) = refused(post(client, keys, body, content_type))
    assert (detail["position"], detail["field"].split(".")[0]) == (0, "properties")
    assert "8 levels" in detail["reason"]
    assert count(client) == 0


def test_properties_eight_levels_deep_are_kept(client: TestClient, keys: dict[str, NewKeys]) -> None:
    properties: Any = 1
    for _ in range(8):
        properties = {"a": properties}
    response = post(client, keys, msgspec.json.encode([viewed(1, properties=properties)]))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (PREFIX[1:] + b'"actor":"owner","actor":"public"}', "actor"),
        (PREFIX[1:] + b'"actor":"owner","id":"v2"}', "id"),
        (PREFIX[1:] + b'"actor":"owner","properties":{"a":1,"b":{"c":1,"c":2}}}', "properties.b.c"),
        (PREFIX[1:] + b'"actor" : "owner", "actor" : "public"}', "actor"),  # spaced as a person writes
        (PREFIX[1:] + b'"actor":"owner","actor":"owner"}', "actor"),  # even with the same value
        (PREFIX[1:] + b'"actor":"owner","properties":{"n":"\\":","n":1}}', "properties.n"),  # \\": in a string
    ],
)
@pytest.mark.parametrize("content_type", [JSON, "application/x-ndjson"])
def test_duplicate_keys_are_refused(
    client: TestClient, keys: dict[str, NewKeys], event: bytes, field: str, content_type: str
) -> None:
    body = b"[" + event + b"]" if content_type == JSON else event + b"\n"
    (detail,) = refused(post(client, keys, body, content_type))
    assert (detail["position"], detail["field"]) == (0, field)
    assert "twice" in detail["reason"]
    assert count(client) == 0


def test_the_same_key_in_different_objects_is_no_duplicate(client: TestClient, keys: dict[str, NewKeys]) -> None:
    event = issued(1) | {"recipient": {"id": "r1", "country": "FR", "consent": {"detailed_tracking": True}}}
    body = msgspec.json.encode([event, viewed(1, country="FR", properties={"id": "x", "n": {"id": "y"}})])
    assert post(client, keys, body).status_code == 200


@pytest.mark.parametrize("field", ["occurred_at", "expires_at"])
@pytest.mark.parametrize("offset", ["+0000", "-0130", "+0200"])
def test_offsets_without_a_colon_are_refused_naming_the_field(
    client: TestClient, keys: dict[str, NewKeys], field: str, offset: str
) -> None:
    event = issued(1) | {"expires_at": "2027-02-01T09:00:00Z"}
    event[field] = event[field].removesuffix("Z") + offset
    (detail,) = refused(post(client, keys, msgspec.json.encode([viewed(2), event])))
    assert (detail["position"], detail["field"]) == (1, field)
    assert "RFC 3339" in detail["reason"]
    assert count(client) == 0


@pytest.mark.parametrize(
    "written",
    [
        b'"occurred_at":"2026-02-02T09:00:00\\u002b0000"',  # the offset's sign escaped
        b'"occurred\\u005fat":"2026-02-02T09:00:00+0000"',  # the key's underscore escaped
        b'"occurred_at" :\n "2026-02-02T09:00:00+0000"',
    ],
)
def test_offsets_without_a_colon_are_refused_however_written(
    client: TestClient, keys: dict[str, NewKeys], written: bytes
) -> None:
    event = b'{"id":"v1","type":"credential.viewed","credential_id":"c1","actor":"owner",' + written + b"}"
    (detail,) = refused(post(client, keys, b"[" + event + b"]"))
    assert (detail["position"], detail["field"]) == (0, "occurred_at")
    assert count(client) == 0


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"]
)
def test_other_content_types_are_a_415(client: TestClient, keys: dict[str, NewKeys], content_type: str | None) -> None:
    response = post(client, keys, msgspec.json.encode([issued(1)]), content_type)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert count(client) == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=UTF-8", "application/x-ndjson"]
)
def test_json_and_ndjson_content_types_are_read(
    client: TestClient, keys: dict[str, NewKeys], content_type: str
) -> None:
    body = msgspec.json.encode(issued(1)) + b"\n" if "ndjson" in content_type else msgspec.json.encode([issued(1)])
    assert post(client, keys, body, content_type).status_code == 200


def test_an_expiry_in_year_9999_minus_14h_is_refused(client: TestClient, keys: dict[str, NewKeys]) -> None:
    event = issued(1) | {"expires_at": "9999-12-31T23:59:59-14:00"}
    (detail,) = refused(post(client, keys, msgspec.json.encode([event])))
    assert (detail["field"], detail["id"]) == ("expires_at", "i1")
    renewal = {"id": "r1", "type": "credential.renewed", "credential_id": "c1"}
    before = renewal | {"occurred_at": "2026-02-02T09:00:00Z", "expires_at": "2026-02-01T09:00:00Z"}
    assert refused(post(client, keys, msgspec.json.encode([before])))[0]["field"] == "expires_at"
    assert count(client) == 0


def test_personal_data_tried_everywhere_leaves_no_byte_in_the_file(
    client: TestClient, keys: dict[str, NewKeys], data_dir: Path
) -> None:
    """Every stored example of the issue, in properties and in each free-text field: all refused,
    and a byte search of the database files finds none of the addresses."""
    tries: list[dict[str, Any]] = [viewed(1, properties={key: "x"}) for key in STORED_KEYS]
    tries += [viewed(1, properties={"note": text}) for text in STORED_VALUES]
    for n, text in enumerate(STORED_VALUES):
        tries += [
            issued(1) | {"program": {"id": "p1", "name": text}},
            issued(1) | {"program": {"id": "p1", "department": text}},
            issued(1) | {"recipient": {"id": "r1", "demographics": {"gender": text}}},
            {"id": f"x{n}", "type": "credential.revoked", "occurred_at": "2026-02-02T09:00:00Z", "credential_id": "c1"}
            | {"reason": text},
            {"id": f"p{n}", "type": "credential.profile_added", "occurred_at": "2026-02-02T09:00:00Z"}
            | {"credential_id": "c1", "platform": text},
            {"id": f"y{n}", "type": "credential.verified", "occurred_at": "2026-02-02T09:00:00Z"}
            | {"credential_id": "c1", "verifier": {"consent": True, "industry": text, "organization": text}},
        ]
    tries.append(viewed(1, actor="public", referrer_domain="203.0.113.7"))
    for event in tries:
        assert post(client, keys, msgspec.json.encode([event])).status_code == 422, event
    assert post(client, keys, msgspec.json.encode([issued(1), viewed(1)])).status_code == 200  # the store is used
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]
    stored = b"".join(path.read_bytes() for path in data_dir.rglob("*") if path.is_file())
    for needle in (b"ann@example.org", b"203.0.113.7", b"2001:db8::1", b"a@x.org"):
        assert needle not in stored
