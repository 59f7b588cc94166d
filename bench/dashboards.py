"""Server-side render time of each dashboard (HTML, through the real app) on the medium demo data.

`python bench/dashboards.py [--data-dir bench-data/medium] [--runs 7]`. Builds the medium demo
(`credlens demo --scale medium --no-serve`) when the directory has none, signs in as the first demo
issuer's executive, warms each page once, then prints the median and the spread of `--runs`
renders, and the time of the metric runs alone (`run_for`) for the same state. Executive and
Programs keep their top findings (and Executive its fixed windows) per data version
(web/versioned.py): their `fresh` rows time renders with nothing kept, as after any change of the
data. Figures, never assertions; the target is 150 ms median on the reference machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from credlens.cli.demo import build_demo
from credlens.cli.demo_access import DEV_PASSWORDS, demo_sign_ins
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.metrics.runner import run_for
from credlens.store.warehouse import Warehouse
from credlens.web import versioned
from credlens.web.app import create_app

SECRET = "bench-only-secret-key-6Hq2Lw9Xz4Rt8Mn1Pb5Vc3Jd7"
PAGES = {
    "executive": "period=90d&compare=previous",
    "programs": "period=90d&compare=previous",
    "compare": "period=90d&compare=previous&program={p0}&program={p1}",
    "market": "period=90d&compare=previous",
    "portfolios": "period=90d&compare=previous",
}


def prepare(data_dir: Path, settings: Settings) -> tuple[str, list[str], str]:
    """The demo data (built if missing) and its sign-ins; the first issuer's slug, two programs and
    the recipient link `credlens demo` prints (a holder of several credentials)."""
    store = Warehouse(data_dir)
    try:
        if store.meta("demo_scale") != "medium":
            build_demo(store, "medium")
        issuer = store.issuers()[0]
        lines = demo_sign_ins(store, issuer, settings)
        link = next(line.split()[-1] for line in lines if line.strip().startswith("recipient"))
        programs = [
            p["key"]
            for p in run_for(issuer, store.tables(issuer.issuer_id), period="90d")["metrics"]["programs"]["rows"]
        ]
        return issuer.slug, programs[:2], link
    finally:
        store.close()


def timed(call: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(name: str, times: list[float], size: int | None = None) -> None:
    kib = "" if size is None else f"   {size / 1024:.0f} KiB"
    print(f"{name:<12} {statistics.median(times):>8.0f} {min(times):>8.0f} {max(times):>8.0f}{kib}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data/medium"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, environment="development", secret_key=SECRET)
    slug, programs, link = prepare(args.data_dir, settings)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        page = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        email = f"executive@{slug}.demo"
        signed = client.post(
            "/signin",
            data={"csrf_token": token.group(1), "email": email, "password": DEV_PASSWORDS[Role.EXECUTIVE]},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"dashboards of {slug} ({args.data_dir}), {args.runs} renders each after one warm-up; ms; load {load}")
        print(f"{'page':<12} {'median':>8} {'min':>8} {'max':>8}   html size")
        for name, query in PAGES.items():
            url = f"/dashboards/{name}?" + query.format(p0=programs[0], p1=programs[1])

            def render(url: str = url) -> None:
                response = client.get(url, follow_redirects=False)
                assert response.status_code == 200, (url, response.status_code)

            render()
            times = timed(render, args.runs)
            line(name, times, len(client.get(url).content))
            if name in ("executive", "programs"):

                def fresh(url: str = url) -> None:
                    versioned.FINDINGS.clear()
                    versioned.FIXED_WINDOWS.clear()
                    render(url)

                line("  fresh", timed(fresh, args.runs))
    with TestClient(create_app(settings), base_url="https://testserver") as holder:
        path = "/r/" + link.rsplit("/r/", 1)[1]
        interstitial = holder.get(path)  # the link asks to confirm first (a POST: no sign-in by navigation alone)
        confirm = re.search(r'name="csrf_token" value="([^"]+)"', interstitial.text)
        assert confirm, interstitial.text
        opened = holder.post(path, data={"csrf_token": confirm.group(1)}, follow_redirects=False)
        assert opened.status_code == 303, opened.text

        def recipient() -> None:
            response = holder.get("/recipient", follow_redirects=False)
            assert response.status_code == 200, response.status_code

        recipient()
        times = timed(recipient, args.runs)
        line("recipient", times, len(holder.get("/recipient").content))
    store = Warehouse(args.data_dir)
    try:
        issuer = store.issuers()[0]
        metrics = timed(
            lambda: run_for(issuer, store.tables(issuer.issuer_id), period="90d", compare="previous"), args.runs
        )
        print(f"{'run_for alone (90d, compare previous)':<40} median {statistics.median(metrics):.0f} ms")
        print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    finally:
        store.close()


if __name__ == "__main__":
    main()
