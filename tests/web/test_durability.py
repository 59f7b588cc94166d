"""A 200 means durable: SIGKILL the real server right after it answers, restart, find every event."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from credlens.store.warehouse import Warehouse

pytestmark = pytest.mark.slow

CREDLENS = str(Path(sys.executable).with_name("credlens"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    log = data_dir.parent / "server.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [CREDLENS, "serve", "--port", str(port), "--data-dir", str(data_dir)], stdout=sink, stderr=sink
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start: {log.read_text()}")


@pytest.fixture
def server_dir(tmp_path: Path) -> tuple[Path, str]:
    data_dir = tmp_path / "data"
    store = Warehouse(data_dir)
    _, keys = store.create_issuer("acme", "Acme")
    store.close()
    return data_dir, keys.ingest


def batch(start: int, size: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n in range(start, start + size, 2):
        events.append(
            {
                "id": f"i{n}",
                "type": "credential.issued",
                "occurred_at": "2026-02-01T09:00:00Z",
                "credential_id": f"c{n}",
                "program": {"id": "p1"},
                "recipient": {"id": f"r{n}"},
            }
        )
        events.append(
            {
                "id": f"v{n}",
                "type": "credential.viewed",
                "occurred_at": "2026-02-02T09:00:00Z",
                "credential_id": f"c{n}",
                "actor": "owner",
            }
        )
    return events


def test_acknowledged_events_survive_sigkill(server_dir: tuple[Path, str]) -> None:
    data_dir, key = server_dir
    port = free_port()
    server = start_server(data_dir, port)
    acknowledged = 0
    try:
        headers = {"Authorization": f"Bearer {key}"}
        # the first request can take several seconds on a loaded machine (httpx2 gives up after 5 s)
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
            for start in range(0, 3000, 1000):
                response = http.post("/api/v1/events", json=batch(start, 1000))
                assert response.status_code == 200
                acknowledged += response.json()["accepted"]
            os.kill(server.pid, signal.SIGKILL)  # right after the last 200
    finally:
        server.kill()
        server.wait()
    assert acknowledged == 3000
    # restart the real server on the same files, then read what it stored
    restarted = start_server(data_dir, port)
    restarted.send_signal(signal.SIGTERM)
    restarted.wait(timeout=30)
    store = Warehouse(data_dir)
    try:
        cursor = store.cursor()
        assert cursor.execute("SELECT count(*) FROM events").fetchall() == [(3000,)]
        assert cursor.execute("SELECT count(*), sum(owner_views) FROM credentials").fetchall() == [(1500, 1500)]
    finally:
        store.close()
