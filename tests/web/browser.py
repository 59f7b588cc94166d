"""What a browser does with credlens pages, as test helpers: read the CSRF token of a page, post forms, sign in."""

from __future__ import annotations

import re
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.web.world import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, page: str = "/signin") -> str:
    """The CSRF token of a real page, as a browser's form would carry it."""
    response = client.get(page, follow_redirects=True)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx2.Response:
    """A form submission with the page's CSRF token, not following the redirect."""
    return client.post(url, data={"csrf_token": csrf(client), **(data or {})}, follow_redirects=False, **kwargs)


def open_link(client: TestClient, url: str) -> httpx2.Response:
    """Follow a recipient link as a person does: its page, then its button (a POST with the page's token)."""
    page = client.get(url, follow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.text[:200])
    return client.post(url, data={"csrf_token": _token_of(page.text)}, follow_redirects=False)


def _token_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx2.Response:
    return post_form(client, "/signin", {"email": email, "password": password})
