"""What the fuzzers share: `credlens serve` over the two-issuer world (tests/web/world.py) in a
subprocess, and the credentials every documented route needs (an ingest key, a read key, an admin's
session cookie and CSRF token), obtained as a client would.

A real server rather than the app in process: the fuzzers then see what a client sees (uvicorn's
HTTP parsing included), the app's own lifespan runs once, and the process is stopped at the end.
One server for the session (tests/web/conftest.py imports the fixture): one store takes every fuzzer's
requests; what they store is fuzz, never asserted on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from credlens.domain.accounts import Role
from tests.web.test_durability import CREDLENS, free_port
from tests.web.world import PASSWORD, World, build_world

SECRET = "fuzz-only-Qm3vT8xK2pL7wZ4nR9cB5hJ1dF6gY0sA"  # CREDLENS_SECRET_KEY of the fuzzed server
STAFF = ("/dashboards/", "/admin", "/timeline")  # and `/`: pages an admin's session reaches
ADMIN_API = ("/api/v1/erasures", "/api/v1/erasures/purge", "/api/v1/recipient-timeline")
ANYONE = ("/", "/signin", "/openapi.json", "/api/v1/health", "/r/{token}", "/invite/{token}", "/share/{token}")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Credentials:
    """Headers that authenticate each kind of caller."""

    ingest: dict[str, str]
    read: dict[str, str]
    admin: dict[str, str]  # a session cookie and its X-CSRF-Token, as a browser's script sends them
    recipient: dict[str, str]  # the session cookie a recipient link opened

    def for_path(self, path: str) -> dict[str, str]:
        """The caller each route is for (docs/api.md), so that the fuzz reaches the route's code; a
        route added later fails here until it is given its caller."""
        if path in ("/api/v1/events", "/api/v1/recipient-links", "/api/v1/sources/credly", "/api/v1/tracking-links"):
            return self.ingest
        if path in ("/api/v1/stats", "/api/v1/insights", "/api/v1/benchmarks"):
            return self.read
        if path in ADMIN_API or path.startswith(STAFF):
            return self.admin
        if path.startswith("/recipient"):
            return self.recipient
        if path in ANYONE or path.startswith(("/static", "/t/")):  # /t/: visitors of credential pages
            return {}
        raise AssertionError(f"{path}: which caller is it for? add it to tests/web/fuzzing.py")


@dataclass(frozen=True)
class Server:
    url: str
    world: World
    credentials: Credentials
    log: Path

    def tail(self) -> str:
        """The end of the server's log: the traceback of a 5xx, for the failure message."""
        return self.log.read_text(errors="replace")[-4000:]


def _cookies(response: httpx2.Response) -> dict[str, str]:
    """The cookies a response sets, read from its headers: they are `Secure`, and this client talks
    plain HTTP to the local server, so a cookie jar would not send them back."""
    pairs = (header.split(";", 1)[0].split("=", 1) for header in response.headers.get_list("set-cookie"))
    return {name.strip(): value for name, value in pairs}


def _admin(url: str, email: str) -> dict[str, str]:
    with httpx2.Client(base_url=url, timeout=30) as client:
        page = client.get("/signin")
        cookies = _cookies(page)
        token = _TOKEN.search(page.text)
        assert token, page.text
        header = {"Cookie": cookie_header(cookies)}
        signed = client.post(
            "/signin", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD}, headers=header
        )
        assert signed.status_code == 303, signed.text
        cookies |= _cookies(signed)
        header = {"Cookie": cookie_header(cookies)}
        admin = client.get("/admin", headers=header)  # the token a signed-in page gives its scripts
        cookies |= _cookies(admin)
        token = _TOKEN.search(admin.text)
        assert admin.status_code == 200, admin.text
        assert token, admin.text
        return {"Cookie": cookie_header(cookies), "X-CSRF-Token": token.group(1)}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _recipient(url: str, ingest: dict[str, str], email: str) -> dict[str, str]:
    with httpx2.Client(base_url=url, timeout=30) as client:
        link = client.post("/api/v1/recipient-links", json={"email": email}, headers=ingest)
        assert link.status_code == 200, link.text
        path = str(link.json()["url"]).removeprefix(url)
        page = client.get(path)  # the link's page changes no session; its button (a POST) opens it
        token = _TOKEN.search(page.text)
        assert page.status_code == 200, page.text
        assert token, page.text
        cookies = _cookies(page)
        opened = client.post(path, data={"csrf_token": token.group(1)}, headers={"Cookie": cookie_header(cookies)})
        assert opened.status_code == 303, opened.text
        return {"Cookie": cookie_header(cookies | _cookies(opened))}


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("fuzz")
    data_dir, log = root / "data", root / "server.log"
    world = build_world(data_dir)
    port = free_port()
    env = {**os.environ, "CREDLENS_SECRET_KEY": SECRET, "CREDLENS_ENV": "test"}
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [CREDLENS, "serve", "--port", str(port), "--data-dir", str(data_dir)], env=env, stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the server did not start: {log.read_text()}"
            try:
                if httpx2.get(url + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        ingest = {"Authorization": f"Bearer {world.a.keys.ingest}"}
        credentials = Credentials(
            ingest=ingest,
            read={"Authorization": f"Bearer {world.a.keys.read}"},
            admin=_admin(url, world.a.email(Role.ADMIN)),
            recipient=_recipient(url, ingest, world.a.recipient_email),
        )
        yield Server(url, world, credentials, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def error_shape(body: bytes) -> bool:
    """Whether a body is the error answer of docs/api.md: {"error": {"code", "message", "details"}}."""
    try:
        value: Any = json.loads(body)
    except ValueError:
        return False
    error = value.get("error") if isinstance(value, dict) else None
    return (
        isinstance(error, dict)
        and set(error) == {"code", "message", "details"}
        and isinstance(error["code"], str)
        and isinstance(error["message"], str)
        and isinstance(error["details"], list)
    )
