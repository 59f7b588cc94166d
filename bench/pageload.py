"""How long a cold executive page takes in a real Chromium, against `credlens serve` on the demo.

`python bench/pageload.py [--data-dir bench-data/small] [--scale small] [--runs 5]`. Builds the demo
(`credlens demo --no-serve`) when the directory has none, serves it on a free port, signs in as the
first demo issuer's executive once, then opens /dashboards/executive in `--runs` fresh browser
contexts (empty cache: cold) and once more in the last one (warm). Prints, per load: the document's
load event, the moment every chart is drawn, and what the static files cost on the wire. Figures,
never assertions; the target is a cold page under 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

SECRET = "bench-only-secret-key-6Hq2Lw9Xz4Rt8Mn1Pb5Vc3Jd7"
CHROMIUM = os.environ.get("CREDLENS_CHROMIUM", "/usr/bin/chromium")
CLI = str(Path(sys.executable).parent / "credlens")
DRAWN = "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.rendered)"
TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const statics = performance.getEntriesByType('resource').filter(r => r.name.includes('/static/'));
  return {
    load: nav.loadEventEnd, html: nav.responseEnd,
    paint: (performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime,
    static_wire: statics.reduce((s, r) => s + r.transferSize, 0),
    static_bytes: statics.reduce((s, r) => s + r.decodedBodySize, 0),
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _executive(output: str) -> tuple[str, str]:
    found = re.search(r"^\s+executive\s+(\S+) / (\S+)", output, re.M)
    assert found, output
    return found.group(1), found.group(2)


def _load(browser: Browser, url: str, state: Any, warm_also: bool) -> list[dict[str, float]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, storage_state=state)
    page = context.new_page()
    loads = []
    for _ in range(2 if warm_also else 1):
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(DRAWN, timeout=30_000)
        drawn = (time.perf_counter() - start) * 1000
        loads.append({**page.evaluate(TIMING), "drawn": drawn})
    context.close()
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data/small"))
    parser.add_argument("--scale", default="small")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "CREDLENS_SECRET_KEY": SECRET, "CREDLENS_ENV": "development"}
    demo = [CLI, "demo", "--scale", args.scale, "--no-serve", "--data-dir", str(args.data_dir), "--port", str(port)]
    output = subprocess.run(demo, env=env, capture_output=True, text=True, check=True, timeout=1800).stdout
    email, password = _executive(output)
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [CLI, "serve", "--data-dir", str(args.data_dir), "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/signin")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/signin" not in url)
            state = context.storage_state()
            context.close()
            url = base + "/dashboards/executive?period=90d&compare=previous"
            cold: list[dict[str, float]] = []
            warm: list[dict[str, float]] = []
            for run in range(args.runs):
                loads = _load(browser, url, state, warm_also=run == args.runs - 1)
                cold.append(loads[0])
                warm.extend(loads[1:])
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"executive page, {args.scale} demo, {args.runs} cold loads (fresh context each), then 1 warm")
    for name, key in (
        ("html received", "html"),
        ("first paint", "paint"),
        ("load event", "load"),
        ("charts drawn", "drawn"),
    ):
        values = [load[key] for load in cold]
        spread = f"(min {min(values):.0f}, max {max(values):.0f})"
        print(f"  cold {name:14s} median {statistics.median(values):7.0f} ms  {spread}")
    wire, size = cold[0]["static_wire"] / 1024, cold[0]["static_bytes"] / 1024
    print(f"  cold static files: {wire:.0f} kB on the wire for {size:.0f} kB")
    for load in warm:
        wire = load["static_wire"] / 1024
        drawn = f"charts drawn {load['drawn']:.0f} ms"
        print(f"  warm load event {load['load']:.0f} ms, {drawn}, static on the wire {wire:.1f} kB")


if __name__ == "__main__":
    main()
