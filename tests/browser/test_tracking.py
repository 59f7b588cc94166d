"""The tracking script in a real Chromium (docs/tracking.md): an issuer's credential pages, served by a
local test server, include credlens.js from a real `credlens serve`; a view, an owner view, a share
click, a download and a verification each store exactly one event; reloads within 30 minutes count
once; a forged token is refused; and after a burst of hits neither the database nor its WAL holds the
client's address or user agent.

The client's address is set with ``X-Forwarded-For`` (uvicorn trusts it from loopback, as it would
from a reverse proxy), so the address credlens sees is a distinctive one to search for.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from playwright.sync_api import Browser, Route

from tests.browser.conftest import CLI, SECRET, _free_port, _wait_for

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Zq7Probe/4"
CLIENT_IP = "203.0.113.77"
BURST = [f"burst-{n}" for n in range(8)]
NEEDLES = (CLIENT_IP, "127.0.0.1", "Zq7Probe", AGENT)


@dataclass
class Site:
    """The issuer's own site (a local test server) and the credlens server its pages report to."""

    site: str
    credlens: str
    data: Path
    links: dict[str, dict[str, Any]]  # credential id -> `credlens tracking-links` JSON
    server: subprocess.Popen[bytes]

    def page(self, credential: str, *, owner: bool = False, token: str | None = None) -> str:
        query = "?as=owner" if owner else ""
        if token is not None:
            query = "?token=" + token
        return f"{self.site}/credentials/{credential}{query}"


def _issuer_site(links: dict[str, dict[str, Any]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path.startswith("/credentials/"):
                body = _credential_page(links[parts.path.rsplit("/", 1)[1]], query)
            else:  # a file or the issuer's verification page
                body = f"<!doctype html><title>issuer</title><p id=where>{parts.path}</p>"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _credential_page(links: dict[str, Any], query: dict[str, list[str]]) -> str:
    """The issuer's credential page: the script tag, and the tracked links as plain anchors."""
    token = query.get("token", [links["token"]])[0]
    owner = ""
    if query.get("as") == ["owner"]:  # the recipient's own link: the issuer's site adds data-owner
        owner = f' data-owner="{links["owner_view"].rsplit("/", 1)[1]}"'
    return (
        "<!doctype html><title>Credential</title><h1>Credential</h1>"
        f'<a id=share href="{links["share"]["linkedin"]}">Share on LinkedIn</a> '
        f'<a id=download href="{links["download"]["pdf"]}">Download PDF</a> '
        f'<a id=verify href="{links["verify"]}">Verify</a>'
        f'<script src="{links["script"]}" data-token="{token}"{owner} async></script>'
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("tracking")
    port = _free_port()
    env = {**os.environ, "CREDLENS_SECRET_KEY": SECRET, "CREDLENS_ENV": "development", "CREDLENS_PORT": str(port)}

    def cli(*args: str) -> str:
        done = subprocess.run(
            [*CLI, *args, "--data-dir", str(data)], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = cli("issuer", "create", "acme", "--name", "Acme Academy")
    ingest = re.search(r"ingest key: (\S+)", created)
    assert ingest, created
    # the command gives one credential's links; the server's API, once it runs, the burst's
    links = {"cred-1": json.loads(cli("tracking-links", "--issuer", "acme", "--credential", "cred-1"))}
    issuer_site = _issuer_site(links)
    # NOTE: `localhost`, not 127.0.0.1: the settings are stored, and the byte search looks for 127.0.0.1.
    here = f"http://localhost:{issuer_site.server_address[1]}"
    cli(
        "issuer",
        "set-tracking",
        "acme",
        "--page-url",
        here + "/credentials/{credential_id}",
        "--download-url",
        here + "/files/{credential_id}.{format}",
        "--verify-url",
        here + "/verify/{credential_id}",
    )
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*CLI, "serve", "--data-dir", str(data), "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    try:
        _wait_for(base + "/api/v1/health", server)
        for credential in BURST:
            request = urllib.request.Request(
                base + "/api/v1/tracking-links",
                json.dumps({"credential_id": credential}).encode(),
                {"Authorization": f"Bearer {ingest.group(1)}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                links[credential] = json.loads(answer.read())
        assert links["burst-0"].keys() == links["cred-1"].keys()
        yield Site(here, base, data, links, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
        issuer_site.shutdown()
        issuer_site.server_close()


def _events(data: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(data / "credlens.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT type, credential_id, actor, channel, format, verifier_consent, verifier_organization, "
            "verifier_industry, verifier_size, verifier_country FROM events ORDER BY seq"
        ).fetchall()


def _every_value(data: Path) -> str:
    with duckdb.connect(str(data / "credlens.duckdb"), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return "\n".join(repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)


def _stored_bytes(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data.iterdir() if p.is_file() and p.name.startswith("credlens.duckdb"))


@pytest.mark.slow
def test_a_credential_page_reports_each_action_once(browser: Browser, site: Site) -> None:
    context = browser.new_context(user_agent=AGENT, extra_http_headers={"X-Forwarded-For": CLIENT_IP})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    linkedin: list[str] = []

    def network(route: Route) -> None:  # the share target is LinkedIn: answered here, never fetched
        linkedin.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>LinkedIn</title>")

    context.route("https://www.linkedin.com/**", network)

    def visit(url: str, expected: int = 204) -> None:
        with page.expect_response(lambda r: "/t/p/" in r.url) as hit:
            page.goto(url)
        assert hit.value.status == expected, url

    # a view, then two reloads within 30 minutes: one event
    visit(site.page("cred-1"))
    for _ in range(2):
        with page.expect_response(lambda r: "/t/p/" in r.url) as hit:
            page.reload()
        assert hit.value.status == 204
    # the owner's own view, then the owner's share: the script gave the links the owner's token
    visit(site.page("cred-1", owner=True))
    assert site.links["cred-1"]["token"] not in (page.get_attribute("#share", "href") or "")
    page.click("#share")
    page.wait_for_url("https://www.linkedin.com/**")
    assert parse_qs(urlsplit(linkedin[-1]).query)["url"] == [f"{site.site}/credentials/cred-1"]
    # a visitor's download, then a verification with the organization given and consented
    visit(site.page("cred-1"))  # within the window: not counted again
    page.click("#download")
    page.wait_for_url(f"{site.site}/files/cred-1.pdf")
    visit(site.page("cred-1"))
    page.click("#verify")
    page.wait_for_url(f"{site.credlens}/t/v/**")
    page.get_by_label("Your organization's industry").select_option("finance")
    page.get_by_label("Its size (people)").select_option("201-1000")
    page.get_by_label("Its country").select_option("NL")
    page.get_by_label("Your organization's name").fill("Contoso Systems")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Continue to verification").click()
    page.wait_for_url(f"{site.site}/verify/cred-1")
    # a forged token: the page's script gets a 404, and so does a direct hit
    token = site.links["cred-1"]["token"]
    body, _, signature = token.partition(".")
    forged = body[:-2] + ("AA" if not body.endswith("AA") else "BB") + "." + signature
    visit(site.page("cred-1", token=forged), expected=404)
    assert page.goto(f"{site.credlens}/t/s/{forged}/linkedin") is not None
    assert "/t/s/" in page.url  # refused, not redirected
    # a burst: every burst credential's page, each reloaded three times
    for credential in BURST:
        visit(site.page(credential))
        for _ in range(3):
            with page.expect_response(lambda r: "/t/p/" in r.url):
                page.reload()
    # while the server runs, the file and its WAL, byte for byte (the WAL holds the rows as written:
    # the consented organization is there, so the search sees stored text)
    assert (site.data / "credlens.duckdb.wal").stat().st_size > 0
    stored = _stored_bytes(site.data)
    assert b"Contoso Systems" in stored
    for needle in NEEDLES:
        assert needle.encode() not in stored, needle
        assert needle.encode("utf-16-le") not in stored, needle
    site.server.terminate()
    site.server.wait(timeout=30)
    context.close()
    # after it stops: the checkpointed file's bytes, and every value of every table (DuckDB may compress
    # strings in the file, so the values are searched as text too)
    stored = _stored_bytes(site.data)
    values = _every_value(site.data)
    assert "Contoso Systems" in values
    for needle in NEEDLES:
        assert needle.encode() not in stored, needle
        assert needle not in values, needle

    events = _events(site.data)
    ours = [e for e in events if e[1] == "cred-1"]
    assert ours == [
        ("credential.viewed", "cred-1", "public", None, None, None, None, None, None, None),
        ("credential.viewed", "cred-1", "owner", None, None, None, None, None, None, None),
        ("credential.shared", "cred-1", "owner", "linkedin", None, None, None, None, None, None),
        ("credential.downloaded", "cred-1", "public", None, "pdf", None, None, None, None, None),
        ("credential.verified", "cred-1", None, None, None, True, "Contoso Systems", "finance", "201-1000", "NL"),
    ]
    assert sorted(e[1] for e in events if e[1] != "cred-1") == BURST  # one view each
    assert errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"] * 2
