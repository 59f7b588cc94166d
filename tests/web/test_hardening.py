"""Hardening through the real app: security headers everywhere, CSRF on every form, size limits, bare errors."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from credlens.web.app import create_app
from credlens.web.security.forms import MAX_FORM_BYTES
from credlens.web.security.headers import SECURITY_HEADERS
from tests.web.browser import csrf, sign_in
from tests.web.conftest import BASE_URL
from tests.web.isolation import SAFE, endpoints
from tests.web.world import World


def assert_secured(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


def test_security_headers_on_pages_api_assets_and_errors(app_client: TestClient, world: World) -> None:
    responses = [
        app_client.get("/signin"),
        app_client.get("/", follow_redirects=False),
        app_client.get("/static/credlens.css"),
        app_client.get("/nope"),
        app_client.get("/api/v1/nope"),
        app_client.get("/openapi.json"),
        app_client.post("/signin", data={}),
        app_client.get("/api/v1/stats"),
    ]
    for response in responses:
        assert_secured(response)
    assert responses[0].headers["Cache-Control"] == "no-store"
    assert "no-store" not in responses[2].headers.get("Cache-Control", "")
    assert responses[3].status_code == 404
    assert "text/html" in responses[3].headers["content-type"]  # pages answer pages...
    assert responses[4].json()["error"]["code"] == "not_found"  # ...the API answers JSON


def test_pages_have_no_inline_script_or_style(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.ADMIN))
    for page in ("/admin", "/admin/audit", "/", "/signin"):
        html = app_client.get(page, follow_redirects=True).text.lower()
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert " on" + "click=" not in html


def test_every_form_route_refuses_a_missing_or_wrong_csrf_token(app_client: TestClient, world: World) -> None:
    """Walks the route table: a form route added later is checked without being listed here."""
    sign_in(app_client, world.a.email(Role.ADMIN))
    unsafe = [e for e in endpoints(app_client.app) if e.method not in SAFE and not e.api]  # type: ignore[arg-type]
    assert len(unsafe) >= 8
    for endpoint in unsafe:
        url = endpoint.path
        for name in endpoint.path_params:
            url = url.replace("{" + name + "}", "x")
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf(TestClient(app_client.app, base_url=BASE_URL))}):
            response = app_client.post(url, data=data, follow_redirects=False)
            assert (response.status_code, str(endpoint)) == (403, str(endpoint)), data
            assert "did not come from this site" in response.text
    assert app_client.get("/admin").status_code == 200  # and nothing signed the admin out


def test_forms_are_size_limited_and_urlencoded_only(app_client: TestClient, world: World) -> None:
    token = csrf(app_client)
    big = app_client.post("/signin", data={"csrf_token": token, "email": "x" * (MAX_FORM_BYTES + 1)})
    assert big.status_code == 413
    as_json = app_client.post("/signin", json={"csrf_token": token, "email": "a@b.c"})
    assert as_json.status_code == 415
    multipart = app_client.post("/signin", files={"f": ("a.txt", b"x")}, data={"csrf_token": token})
    assert multipart.status_code == 415


def test_an_api_write_carrying_only_the_session_cookie_needs_the_csrf_header(
    app_client: TestClient, world: World
) -> None:
    sign_in(app_client, world.a.email(Role.ADMIN))
    refused = app_client.post("/api/v1/recipient-links", json={"email": "x@y.example"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_failed")
    with_header = app_client.post(
        "/api/v1/recipient-links", json={"email": "x@y.example"}, headers={"X-CSRF-Token": csrf(app_client)}
    )
    assert with_header.status_code == 401  # past the guard; links still need the ingest key


def test_unexpected_errors_answer_json_without_internals(settings: Any, world: World) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("SELECT secret FROM /var/lib/credlens/credlens.duckdb")

    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "an unexpected error occurred; it has been logged",
            "details": [],
        }
    }
    assert_secured(response)


def test_swagger_ui_is_not_served_but_the_openapi_document_is(app_client: TestClient) -> None:
    assert app_client.get("/docs").status_code == 404
    assert app_client.get("/openapi.json").json()["info"]["title"] == "credlens"
