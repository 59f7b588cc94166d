"""No token, key, password or client address in a log line: uvicorn's access log included."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient

from credlens.access import csrf as csrf_tokens
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.web import sessions
from credlens.web.app import create_app
from credlens.web.security.logs import RedactTokens, redact
from tests.web.browser import open_link, post_form, sign_in
from tests.web.conftest import TEST_SECRET
from tests.web.world import PASSWORD, World


def test_redact_hides_link_and_invitation_tokens_and_token_parameters() -> None:
    assert redact("GET /r/eyJ2.abc_DEF-1 HTTP/1.1") == "GET /r/[redacted] HTTP/1.1"
    assert redact("/invite/Zm9v?x=1") == "/invite/[redacted]?x=1"
    assert redact("/x?token=abc&csrf_token=def&y=2") == "/x?token=[redacted]&csrf_token=[redacted]&y=2"
    assert redact("/recipient /admin/users/ab12/disable") == "/recipient /admin/users/ab12/disable"
    tracked = "GET /t/p/eyJ2.sig?ref=x.org /t/s/eyJ2.sig/linkedin"
    assert redact(tracked) == "GET /t/p/[redacted]?ref=x.org /t/s/[redacted]/linkedin"
    assert redact("/t/credlens.js") == "/t/credlens.js"


def test_the_filter_rewrites_uvicorn_access_records_and_drops_the_client_address() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:5123", "GET", "/r/SECRET.TOKEN?token=T2", "1.1", 303), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    message = record.getMessage()
    assert "SECRET" not in message
    assert "T2" not in message
    assert "203.0.113.7" not in message
    assert message == '- - "GET /r/[redacted]?token=[redacted] HTTP/1.1" 303'


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the server logs; the test's own HTTP client library logs the URLs it requests, which is not ours."""
    return [r for r in caplog.records if not r.name.startswith(("httpx2", "httpcore2"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_real_uvicorn_access_log_never_shows_a_link_token(
    world: World, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=data_dir, environment="test", secret_key=TEST_SECRET)
    port = free_port()
    # log_config=None: uvicorn leaves logging alone, so its records reach caplog through the root logger
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    caplog.set_level(logging.INFO)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        made = httpx2.post(
            f"{base}/api/v1/recipient-links",
            json={"email": world.a.recipient_email},
            headers={"Authorization": f"Bearer {world.a.keys.ingest}"},
        )
        token = made.json()["url"].rsplit("/", 1)[1]
        opened = httpx2.get(f"{base}/r/{token}", follow_redirects=False)
        assert opened.status_code == 200  # the page whose button opens the session
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("/r/[redacted]" in line for line in access), access
    assert all(token[:20] not in r.getMessage() for r in server_records(caplog))
    assert all("127.0.0.1" not in line for line in access)


def test_no_secret_reaches_any_log_line_in_a_whole_session(
    app_client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(app_client, world.a.email(Role.ADMIN), "a wrong password for the log")
    sign_in(app_client, world.a.email(Role.ADMIN))
    created = post_form(app_client, "/admin/keys", {"kind": "ingest"})
    invited = post_form(app_client, "/admin/users", {"email": "new@alpha-zq.example", "role": "executive"})
    link = app_client.post(
        "/api/v1/recipient-links",
        json={"email": world.a.recipient_email},
        headers={"Authorization": f"Bearer {world.a.keys.ingest}"},
    ).json()["url"]
    open_link(app_client, link)
    secrets = [
        PASSWORD,
        "a wrong password for the log",
        TEST_SECRET,
        world.a.keys.ingest,
        world.a.keys.read,
        link.rsplit("/", 1)[1],
        world.a.recipient_email,
        app_client.cookies.get(sessions.COOKIE) or "no session?",
        app_client.cookies.get(csrf_tokens.COOKIE) or "no csrf?",
    ]
    secrets += [t.split('value="')[1].split('"')[0] for t in (created.text, invited.text) if 'class="secret"' in t]
    assert len(secrets) == 11
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_records(caplog))
    for secret in secrets:
        assert secret not in logged
