"""CSRF tokens are bound to the session, and the cookies carry the ``__Host-`` prefix (issue 14 item 8).

Before, a token was an HMAC of the browser's CSRF cookie only: whoever could plant a cookie (a sibling
subdomain, without the prefix) could pair it with a token of their own and have it accepted alongside
an admin's session.
"""

from __future__ import annotations

import httpx2
import pytest
from fastapi.testclient import TestClient

from credlens.access import csrf as csrf_tokens
from credlens.domain.accounts import Role
from credlens.web import sessions
from tests.web.browser import csrf, sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World


def pair_of(client: TestClient, page: str = "/signin") -> tuple[str, str]:
    """A browser's CSRF cookie and the token its page carries."""
    token = csrf(client, page)
    return client.cookies[csrf_tokens.COOKIE], token


def plant(client: TestClient, cookie: str) -> None:
    """Replace the browser's CSRF cookie, as a cookie-injecting attacker would."""
    client.cookies.delete(csrf_tokens.COOKIE)
    client.cookies.set(csrf_tokens.COOKIE, cookie)


def create_key(client: TestClient, token: str) -> httpx2.Response:
    return client.post("/admin/keys", data={"csrf_token": token, "kind": "read"}, follow_redirects=False)


@pytest.mark.parametrize("source", ["anonymous browser", "another issuer's admin", "the same user's other session"])
def test_a_csrf_pair_from_another_session_is_refused_with_the_admins_session(
    app_client: TestClient, world: World, source: str
) -> None:
    admin = app_client
    sign_in(admin, world.a.email(Role.ADMIN))
    other = TestClient(admin.app, base_url=BASE_URL)
    if source == "another issuer's admin":
        sign_in(other, world.b.email(Role.ADMIN))
    elif source == "the same user's other session":
        sign_in(other, world.a.email(Role.ADMIN))
    cookie, token = pair_of(other)
    plant(admin, cookie)
    form = create_key(admin, token)
    assert (form.status_code, "did not come from this site" in form.text) == (403, True)
    api = admin.post("/api/v1/erasures", json={"email": "nobody@alpha-zq.example"}, headers={"X-CSRF-Token": token})
    assert (api.status_code, api.json()["error"]["code"]) == (403, "csrf_failed")
    warehouse = admin.app.state.warehouse  # type: ignore[attr-defined]
    assert len(warehouse.api_keys(world.a.issuer.issuer_id)) == 2  # the world's two: nothing created
    assert create_key(admin, csrf(admin, "/admin")).status_code == 200  # the admin's own page still works


def test_a_token_from_before_sign_in_is_dead_after_it(app_client: TestClient, world: World) -> None:
    before = csrf(app_client)
    sign_in(app_client, world.a.email(Role.ADMIN))
    assert create_key(app_client, before).status_code == 403
    after = csrf(app_client, "/admin")
    assert after != before
    assert create_key(app_client, after).status_code == 200


def cookie_attributes(response: httpx2.Response, name: str) -> dict[str, str]:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    parts = [p.strip() for p in headers[0].split(";")[1:]]
    return {p.split("=")[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


def test_both_cookies_carry_the_host_prefix_and_what_it_requires(app_client: TestClient, world: World) -> None:
    assert sessions.COOKIE == "__Host-credlens_session"
    assert csrf_tokens.COOKIE == "__Host-credlens_csrf"
    page = app_client.get("/signin")
    signed = sign_in(app_client, world.a.email(Role.ADMIN))
    for response, name, same_site in ((page, csrf_tokens.COOKIE, "strict"), (signed, sessions.COOKIE, "lax")):
        attributes = cookie_attributes(response, name)
        # __Host-: Secure, Path=/ and no Domain, or a browser refuses the cookie
        assert "secure" in attributes
        assert attributes["path"] == "/"
        assert "domain" not in attributes
        assert "httponly" in attributes
        assert attributes["samesite"].lower() == same_site
    assert app_client.get("/admin").status_code == 200
    # the old names are no session: after the upgrade everyone signs in again
    stale = TestClient(app_client.app, base_url=BASE_URL)
    stale.cookies.set("credlens_session", app_client.cookies[sessions.COOKIE])
    assert stale.get("/admin", follow_redirects=False).headers["location"] == "/signin"
