"""No request can exhaust the server (issue 14): windows and trend buckets are bounded on every
surface, reads stop at their time limit or when their client leaves, and a server stops within
seconds of SIGTERM whatever runs."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credlens.cli.main import app as cli
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.domain.issuers import NewKeys
from credlens.web.app import create_app
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL
from tests.web.endless import PATH, endless_app
from tests.web.test_durability import free_port
from tests.web.world import World

LATEST = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=300)).isoformat()
# The requests of issue 14, and the widest window by day: refused at once with the parameter named.
REFUSED = [
    ("from=2000-01-01&to=2999-12-31&interval=day", "to"),
    ("from=2000-01-01&to=9998-12-31&interval=day", "to"),
    ("from=2000-01-01&to=9999-12-31", "to"),  # was an OverflowError: 500
    ("from=0001-01-01&to=2026-01-01", "from"),
    (f"from=2000-01-01&to={LATEST}&interval=day", "interval"),
    ("period=all&interval=week", "interval"),
]


def wait_for_health(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server did not start: {log.read_text()}")


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("params", "field"), REFUSED)
def test_stats_refuse_unbounded_windows_and_buckets(
    client: TestClient, keys: dict[str, NewKeys], params: str, field: str
) -> None:
    response = client.get(f"/api/v1/stats?{params}", headers=auth(keys["acme"].read))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"][0]["field"]) == ("invalid_query", field)


@pytest.mark.parametrize(("params", "field"), REFUSED)
def test_every_dashboard_surface_refuses_them_too(
    app_client: TestClient, world: World, params: str, field: str
) -> None:
    executive = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(executive, world.a.email(Role.EXECUTIVE)).status_code == 303
    for suffix in (".json", ".csv"):
        response = executive.get(f"/dashboards/executive{suffix}?{params}")
        assert response.status_code == 400, suffix
        assert response.json()["error"]["details"][0]["field"] == field
    page = executive.get(f"/dashboards/market?{params}")
    assert page.status_code == 400
    # answered in the filter form (issue 15): the refused field is marked, the reason beside it
    assert re.search(f'id="f-{field}"[^>]*aria-invalid="true"', page.text)
    assert 'class="form-problem" role="alert"' in page.text


def test_a_page_by_day_runs_its_fixed_windows_by_their_own_interval(app_client: TestClient, world: World) -> None:
    """The executive page's tiles over `all` must not inherit `interval=day` (9,800 buckets: refused)."""
    executive = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(executive, world.a.email(Role.EXECUTIVE)).status_code == 303
    response = executive.get("/dashboards/executive.json?from=2026-01-01&to=2026-03-31&interval=day")
    assert response.status_code == 200
    assert response.json()["query"]["interval"] == "day"


def test_the_cli_refuses_them_naming_the_option(data_dir: Path, keys: dict[str, NewKeys]) -> None:
    result = CliRunner().invoke(
        cli, ["query", "--issuer", "acme", "--from", "2000-01-01", "--to", "9999-12-31", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 1
    assert "--to:" in result.output


def test_the_cli_obeys_the_time_limit(data_dir: Path, keys: dict[str, NewKeys]) -> None:
    result = CliRunner().invoke(
        cli,
        ["query", "--issuer", "acme", "--period", "30d", "--data-dir", str(data_dir)],
        env={"CREDLENS_QUERY_TIMEOUT": "0.000001"},
    )
    assert result.exit_code == 1
    assert "limit of 1e-06 s" in result.output


def test_reads_past_the_time_limit_answer_503(settings: Settings, keys: dict[str, NewKeys]) -> None:
    tiny = Settings(data_dir=settings.data_dir, environment="test", secret_key=settings.secret_key, query_timeout=1e-6)
    with TestClient(create_app(tiny), base_url=BASE_URL) as client:
        response = client.get("/api/v1/stats?period=30d", headers=auth(keys["acme"].read))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "query_timeout"
    assert "limit of 1e-06 s" in error["message"]
    assert response.headers["retry-after"] == "5"


def test_a_client_that_leaves_cancels_its_reads(settings: Settings, keys: dict[str, NewKeys]) -> None:
    """The app sees the disconnect 0.3 s into a statement that would run for minutes."""
    sent: list[dict[str, Any]] = []
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        if received == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep(0.3)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "state": {},
    }
    app = endless_app(settings)
    with TestClient(app, base_url=BASE_URL) as client:  # for the lifespan (the store)

        async def call() -> None:
            with anyio.fail_after(30):
                await app(scope, receive, send)

        assert client.portal is not None
        client.portal.call(call)
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["error"]["code"] == "cancelled"


@pytest.mark.slow
def test_sigterm_stops_the_server_within_seconds_during_a_read(tmp_path: Path, keys: dict[str, NewKeys]) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.web.endless", str(data_dir), str(port)], stdout=sink, stderr=sink
        )
    try:
        wait_for_health(port, server, log)
        answers: list[int] = []

        def ask() -> None:
            try:
                answers.append(httpx2.get(f"http://127.0.0.1:{port}{PATH}", timeout=60).status_code)
            except httpx2.TransportError:
                answers.append(0)

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(1.0)  # the statement is running
        assert not answers
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        took = time.monotonic() - stopping
        asking.join(timeout=10)
    finally:
        server.kill()
        server.wait()
    print(f"SIGTERM to exit: {took:.2f} s")
    assert took < 5, log.read_text()
    assert answers == [503]  # told the server is stopping, not left hanging
