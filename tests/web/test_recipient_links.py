"""Recipient links: issued with the ingest key, signed and expiring, opening one recipient's own page only."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient

from credlens.access.tokens import b64decode, b64encode, token_hash
from credlens.domain.accounts import Role
from credlens.web import sessions
from tests.web.browser import csrf, open_link, sign_in
from tests.web.conftest import BASE_URL, FakeClock
from tests.web.world import World


def create_link(client: TestClient, key: str, **body: object) -> object:
    return client.post("/api/v1/recipient-links", json=body, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def march(clock: FakeClock) -> FakeClock:
    clock.now = dt.datetime(2026, 3, 1, 12, 0)  # credentials expire 2027-02-10: active then
    return clock


def test_an_ingest_key_gets_a_link_that_opens_the_recipients_own_credentials(
    app_client: TestClient, world: World, march: FakeClock
) -> None:
    made = create_link(app_client, world.a.keys.ingest, email=" Learner0@Alpha-zq.example ", days=10)
    assert made.status_code == 200
    body = made.json()
    # learner0 holds credentials 0, 40, 80 and 120 (credential n goes to learner n % 40)
    assert body["credentials"] == 4
    assert body["expires_at"] == "2026-03-11T12:00:00Z"
    assert body["url"].startswith(f"{BASE_URL}/r/")
    holder = TestClient(app_client.app, base_url=BASE_URL)
    opened = open_link(holder, body["url"])
    assert (opened.status_code, opened.headers["location"]) == (303, "/recipient")  # the token leaves the address bar
    page = holder.get("/recipient")
    assert page.status_code == 200
    held = holder.get("/recipient.json").json()["sections"][1]["tables"][0]
    assert (held["id"], len(held["rows"])) == ("credentials", 4)
    assert page.text.count('<th scope="row" data-key="program"') == 4
    assert "Alpha-zq Academy Program 1" in page.text
    assert "active" in page.text
    assert "learner0" not in page.text  # no e-mail anywhere, not even the holder's


def test_links_by_earner_id_and_refusals(app_client: TestClient, world: World) -> None:
    by_id = create_link(app_client, world.a.keys.ingest, earner_id="E-17")
    assert (by_id.status_code, by_id.json()["credentials"]) == (200, 0)
    for body in ({}, {"email": "a@b.example", "earner_id": "x"}):
        refused = create_link(app_client, world.a.keys.ingest, **body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_recipient")
    assert create_link(app_client, world.a.keys.ingest, email="a@b.example", days=400).status_code == 422
    assert create_link(app_client, world.a.keys.read, email="a@b.example").status_code == 401
    assert create_link(app_client, "cl_ingest_nope_nope", email="a@b.example").status_code == 401


def test_a_recipient_session_sees_nothing_else(app_client: TestClient, world: World) -> None:
    url = create_link(app_client, world.a.keys.ingest, email=world.a.recipient_email).json()["url"]
    open_link(app_client, url)
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/recipient"
    assert app_client.get("/api/v1/stats", params={"period": "all"}).status_code == 403
    for page in ("/admin", "/admin/audit", "/admin/audit.csv"):
        assert app_client.get(page).status_code == 403, page


def test_staff_sessions_do_not_open_the_recipient_page(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.a.email(Role.ADMIN))
    assert app_client.get("/recipient").status_code == 403


def test_an_expired_link_and_a_session_past_the_links_expiry_are_refused(
    app_client: TestClient, world: World, march: FakeClock
) -> None:
    url = create_link(app_client, world.a.keys.ingest, email=world.a.recipient_email, days=1).json()["url"]
    march.advance(hours=20)
    assert open_link(app_client, url).status_code == 303  # opened 4 hours before it expires
    for _ in range(3):
        march.advance(hours=1)
        assert app_client.get("/recipient").status_code == 200
    march.advance(hours=1, seconds=1)  # the session ends with the link, neither idle nor 12 hours old
    assert app_client.get("/recipient").status_code == 401
    again = app_client.get(url)
    assert again.status_code == 404
    assert "expired" in again.text


def test_forged_and_tampered_links_are_refused(app_client: TestClient, world: World) -> None:
    url = create_link(app_client, world.a.keys.ingest, email=world.a.recipient_email).json()["url"]
    token = url.rsplit("/", 1)[1]
    body, signature = token.split(".")
    payload = json.loads(b64decode(body))
    other = create_link(app_client, world.b.keys.ingest, email=world.b.recipient_email).json()["url"]
    b_payload = json.loads(b64decode(other.rsplit("/", 1)[1].split(".")[0]))
    forgeries = [
        f"{b64encode(json.dumps({**payload, 'e': payload['e'] + 10**6}).encode())}.{signature}",  # longer life
        # B's recipient key, A's issuer
        f"{b64encode(json.dumps({**b_payload, 'i': world.a.issuer.issuer_id}).encode())}.{signature}",
        f"{body}.{signature[:-2]}AA",
        body,
        "x" * 2000,
    ]
    token_of_page = csrf(app_client)
    for forged in forgeries:
        response = app_client.get(f"/r/{forged}", follow_redirects=False)
        assert response.status_code == 404, forged
        posted = app_client.post(f"/r/{forged}", data={"csrf_token": token_of_page}, follow_redirects=False)
        assert posted.status_code == 404, forged
        for answer in (response, posted):
            assert sessions.COOKIE not in answer.cookies


def test_following_a_link_changes_no_session_until_its_button_is_pressed(app_client: TestClient, world: World) -> None:
    """Issue 14 item 9: a top-level navigation to /r/... (which any site can start) signed a staff
    session out and the browser in as the link's recipient (login CSRF)."""
    sign_in(app_client, world.a.email(Role.ADMIN))
    admin_session = app_client.cookies[sessions.COOKIE]
    url = create_link(app_client, world.b.keys.ingest, email=world.b.recipient_email).json()["url"]  # an attacker's
    page = app_client.get(url, follow_redirects=False)
    assert page.status_code == 200
    assert sessions.COOKIE not in page.cookies
    assert 'method="post"' in page.text
    assert "signs this browser out" in page.text  # the admin is told what the button would do
    assert "Bravo" in page.text  # whose link it is
    assert app_client.get("/admin").status_code == 200  # still the admin
    # the POST alone, as a form on another site would send it: no token, a token of another browser
    stranger = TestClient(app_client.app, base_url=BASE_URL)
    for data in ({}, {"csrf_token": csrf(stranger)}, {"csrf_token": "x" * 43}):
        refused = app_client.post(url, data=data, follow_redirects=False)
        assert refused.status_code == 403, data
        assert sessions.COOKIE not in refused.cookies
    assert app_client.cookies[sessions.COOKIE] == admin_session
    assert app_client.get("/admin").status_code == 200
    # the person presses the button: now, and only now, the session changes
    opened = open_link(app_client, url)
    assert (opened.status_code, opened.headers["location"]) == (303, "/recipient")
    assert app_client.get("/recipient").status_code == 200
    assert app_client.get("/admin").status_code == 403
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    assert warehouse.accounts.session(token_hash(admin_session)) is None  # the admin's session ended on the server


def test_an_anonymous_visitor_opens_a_link_with_one_click(app_client: TestClient, world: World) -> None:
    url = create_link(app_client, world.a.keys.ingest, email=world.a.recipient_email).json()["url"]
    visitor = TestClient(app_client.app, base_url=BASE_URL)  # arrives with no cookie at all
    page = visitor.get(url)
    assert (page.status_code, "signs this browser out" in page.text) == (200, False)
    assert visitor.get("/recipient").status_code == 401
    button = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert button
    assert button.group(1) == url.removeprefix(BASE_URL)
    assert open_link(visitor, url).status_code == 303
    assert visitor.get("/recipient").status_code == 200
