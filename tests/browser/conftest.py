"""A real server on the small demo data, and a real Chromium driving it (Playwright).

The demo is built once per session by the real command (`credlens demo --no-serve`), served by
`credlens serve` in a subprocess on a free port; Chromium is Debian's (`/usr/bin/chromium`; CI
installs it), since `playwright install` cannot download a browser here.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = os.environ.get("CREDLENS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SECRET = "browser-tests-only-4Qm8Zr2Lx7Vn1Kp5Wc9Hd3Tb6Yf0Gs"
CLI = [str(Path(sys.executable).parent / "credlens")]  # the installed command, as users run it


@dataclass
class Demo:
    base: str
    slug: str
    passwords: dict[str, str]  # e-mail -> password, one per role
    recipient_link: str
    programs: list[str] = field(default_factory=list)  # the program manager's

    def email(self, role: str) -> str:
        return next(e for e in self.passwords if e.startswith(role))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _parse(output: str, base: str) -> Demo:
    slug = re.search(r"demo issuer (\S+)", output)
    assert slug, output
    passwords = dict(re.findall(r"^\s+(?:admin|executive|program manager)\s+(\S+) / (\S+)", output, re.M))
    link = re.search(r"^\s+recipient\s+\S+(/r/\S+)", output, re.M)
    programs = re.search(r"programs: (.+)$", output, re.M)
    assert link, output
    assert programs, output
    assert len(passwords) == 3, output
    return Demo(base, slug.group(1), passwords, base + link.group(1), programs.group(1).split(", "))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {**os.environ, "CREDLENS_SECRET_KEY": SECRET, "CREDLENS_ENV": "development", "CREDLENS_PORT": str(port)}
    built = subprocess.run(
        [*CLI, "demo", "--scale", "small", "--no-serve", "--data-dir", str(data), "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*CLI, "serve", "--data-dir", str(data), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(base + "/api/v1/health", server)
        yield _parse(built.stdout, base)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not answer {url} within 60 s")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page and every console error or uncaught exception it had (CSP violations are console errors)."""

    page: Page
    errors: list[str]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_tab(browser: Browser, width: int = 1280) -> Tab:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and "[Violation]" not in message.text:
            errors.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return Tab(page, errors)


def sign_in(tab: Tab, demo: Demo, role: str) -> None:
    email = demo.email(role)
    tab.page.goto(demo.base + "/signin")
    tab.page.get_by_label("E-mail").fill(email)
    tab.page.get_by_label("Password").fill(demo.passwords[email])
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url(lambda url: "/signin" not in url)


@pytest.fixture
def executive(browser: Browser, demo: Demo) -> Iterator[Tab]:
    tab = open_tab(browser)
    sign_in(tab, demo, "executive")
    yield tab
    tab.page.context.close()
