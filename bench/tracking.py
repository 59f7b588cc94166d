"""What a tracking hit costs against `credlens serve`: counted views, repeats, share clicks (docs/tracking.md).

`python bench/tracking.py [--hits 2000] [--clients 4]`. Creates a fresh store with one issuer and its
tracking targets, serves it on a free port, then sends, from ``--clients`` threads: ``--hits`` views
of distinct visitors (each counted: an event), the same views again (repeats within 30 minutes: no
event), and ``--hits`` share clicks (an event each). Prints requests per second and latency
percentiles per kind, and the memory of the visitor windows is bounded by Visits.max_entries.
Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

SECRET = "bench-only-secret-key-8Tn3Kq6Wy1Zr5Lm9Xb2Hc7Jf4"
CLI = str(Path(sys.executable).parent / "credlens")
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(urls: list[str], clients: int, follow: bool) -> tuple[float, list[float]]:
    def one(index_url: tuple[int, str]) -> float:
        index, url = index_url
        headers = {
            "User-Agent": AGENT,
            "X-Forwarded-For": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}",
        }
        started = time.perf_counter()
        response = client.get(url, headers=headers, follow_redirects=follow)
        assert response.status_code in (204, 303), (response.status_code, response.text[:200])
        return time.perf_counter() - started

    with httpx2.Client(timeout=60) as client, ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        latencies = list(pool.map(one, enumerate(urls)))
        return time.perf_counter() - started, latencies


def _report(kind: str, elapsed: float, latencies: list[float]) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{kind:<16} {len(ms):>6} hits  {len(ms) / elapsed:>7.0f}/s  "
        f"p50 {statistics.median(ms):6.1f} ms  p99 {p99:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "CREDLENS_SECRET_KEY": SECRET, "CREDLENS_ENV": "development", "CREDLENS_PORT": str(port)}
    with tempfile.TemporaryDirectory() as tmp:
        data = ["--data-dir", tmp]
        created = subprocess.run(
            [CLI, "issuer", "create", "bench", "--name", "Bench", *data],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        key = re.search(r"ingest key: (\S+)", created).group(1)  # type: ignore[union-attr]
        page = "https://bench.example/c/{credential_id}"
        subprocess.run(
            [CLI, "issuer", "set-tracking", "bench", "--page-url", page, *data],
            env=env,
            check=True,
            capture_output=True,
        )
        # one credential per 20 hits of a kind: the per-token rate limit (60 at once) is not what is measured
        credentials = [f"c-{n}" for n in range(max(1, args.hits // 20))]
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([CLI, "serve", *data], env=env, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    with urllib.request.urlopen(base + "/api/v1/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            tokens = [_token(base, key, c) for c in credentials]
            views = [f"{base}/t/p/{tokens[n % len(tokens)]}" for n in range(args.hits)]
            shares = [f"{base}/t/s/{tokens[n % len(tokens)]}/linkedin" for n in range(args.hits)]
            print(f"{args.hits} hits per kind over {len(tokens)} credentials, {args.clients} clients")
            _report("view (counted)", *_run(views, args.clients, False))
            _report("view (repeat)", *_run(views, args.clients, False))
            _report("share click", *_run(shares, args.clients, False))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _token(base: str, key: str, credential: str) -> str:
    request = urllib.request.Request(
        base + "/api/v1/tracking-links",
        json.dumps({"credential_id": credential}).encode(),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        token: str = json.loads(answer.read())["token"]
        return token


if __name__ == "__main__":
    main()
