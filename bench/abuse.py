"""The worst a read key can ask of a real server, and how fast that server stops (issue 14).

`python bench/abuse.py --data-dir bench-data/10000000 --issuer bench` (the store that
`bench/metrics.py --events 10M` builds) copies the store (the original is never opened), starts
`credlens serve` on the copy, and prints, for the heaviest stats queries the bounds allow (the
widest window at each interval, with its comparison window), the time of each (median and worst of
`--runs`) and the server's peak memory (VmHWM, Linux); then the time from SIGTERM to the process's
exit while such a query runs. Figures, never assertions; targets (docs/performance.md): worst query
<= 2 s, peak <= 1 GB, SIGTERM to exit <= 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2

from credlens.domain.issuers import KeyKind
from credlens.domain.query import MAX_BUCKETS
from credlens.store.warehouse import Warehouse

CREDLENS = str(Path(sys.executable).with_name("credlens"))
MB = 1024 * 1024


def worst_queries(today: dt.date) -> dict[str, str]:
    """The widest window each interval allows, ending today, compared with the window before (the
    comparison doubles the work); and the widest window of all, by month."""
    day_from = today - dt.timedelta(days=MAX_BUCKETS - 1)
    week_from = today - dt.timedelta(weeks=MAX_BUCKETS - 2)
    return {
        f"day x {MAX_BUCKETS}, compare=previous": f"from={day_from}&to={today}&interval=day&compare=previous",
        f"week x ~{MAX_BUCKETS}, compare=previous": f"from={week_from}&to={today}&interval=week&compare=previous",
        "month, 2000-01-01 to today+366 d": f"from=2000-01-01&to={today + dt.timedelta(days=366)}&interval=month",
        "period=all, interval=month": "period=all&interval=month",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_key(data_dir: Path, slug: str) -> str:
    store = Warehouse(data_dir)
    try:
        issuer = store.issuer(slug)
        if issuer is None:
            raise SystemExit(f"no issuer {slug!r} in {data_dir}")
        return store.create_key(issuer.issuer_id, KeyKind.READ)[1]
    finally:
        store.close()


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [CREDLENS, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx2.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def memory_mb(pid: int, field: str) -> float:
    """VmHWM (peak resident memory) or VmRSS of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ask(http: httpx2.Client, params: str) -> tuple[int, float, int]:
    started = time.perf_counter()
    response = http.get(f"/api/v1/stats?{params}")
    return response.status_code, time.perf_counter() - started, len(response.content)


def bench_queries(http: httpx2.Client, pid: int, runs: int) -> None:
    today = dt.datetime.now(dt.UTC).date()
    print(f"server after start: rss {memory_mb(pid, 'VmRSS'):.0f} MB, peak {memory_mb(pid, 'VmHWM'):.0f} MB")
    attack = "from=2000-01-01&to=2999-12-31&interval=day"
    for when in ("first request", "again"):
        status, took, size = ask(http, attack)
        print(f"issue 14's request ({attack}), {when}: {status} in {took * 1000:.0f} ms, {size} bytes")
    ordinary = [ask(http, "period=last_quarter&compare=previous")[1] for _ in range(runs + 1)][1:]
    baseline = statistics.median(ordinary)
    print(f"{'ordinary: period=last_quarter, compare':40s} median {baseline:6.2f} s (the yardstick)")
    worst = 0.0
    for name, params in worst_queries(today).items():
        times, size = [], 0
        for _ in range(runs):
            status, took, size = ask(http, params)
            if status != 200:
                raise SystemExit(f"{name}: {status}")
            times.append(took)
        worst = max(worst, *times)
        print(
            f"{name:40s} median {statistics.median(times):6.2f} s ({statistics.median(times) / baseline:4.1f}x), "
            f"worst {max(times):6.2f} s, {size / MB:5.1f} MB answer; server peak {memory_mb(pid, 'VmHWM'):.0f} MB"
        )
    peak = memory_mb(pid, "VmHWM")
    print(f"worst query {worst:.2f} s (target <= 2 s), server peak memory {peak:.0f} MB (target <= 1024 MB)")


def bench_sigterm(data_dir: Path, key: str, params: str) -> None:
    """SIGTERM while the heaviest query runs: seconds until the process has exited."""
    port = free_port()
    server = start(data_dir, port)
    answers: list[str] = []

    def heavy() -> None:
        try:
            with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as h:
                answers.append(str(h.get(f"/api/v1/stats?{params}", timeout=120).status_code))
        except httpx2.TransportError as exc:
            answers.append(type(exc).__name__)

    asking = threading.Thread(target=heavy)
    asking.start()
    time.sleep(0.5)  # the query is running (it takes longer than this)
    started = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        print("SIGTERM: still running after 120 s; killed")
        return
    took = time.perf_counter() - started
    asking.join()
    print(f"SIGTERM to exit while the query ran: {took:.2f} s (target <= 5 s); the client got {answers}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data/10000000"))
    parser.add_argument("--issuer", default="bench")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.data_dir.parent, prefix="abuse-") as scratch:
        data_dir = Path(scratch) / "data"
        shutil.copytree(args.data_dir, data_dir)
        key = read_key(data_dir, args.issuer)
        port = free_port()
        server = start(data_dir, port)
        try:
            headers = {"Authorization": f"Bearer {key}"}
            with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=300) as http:
                bench_queries(http, server.pid, args.runs)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait()
        today = dt.datetime.now(dt.UTC).date()
        bench_sigterm(data_dir, key, next(iter(worst_queries(today).values())))
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
