"""Webhooks from a real `credlens serve`: the receiver is down for a while and the server is SIGKILLed
and restarted meanwhile; every event arrives once it is back, each under one delivery id, acknowledged
once. A subscription whose receiver keeps failing is disabled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx2
import pytest
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.webhooks.receiver import Receiver, free_port

pytestmark = pytest.mark.slow

CREDLENS = str(Path(sys.executable).with_name("credlens"))
FAST = {  # seconds, so that retries and disabling happen within the test
    "CREDLENS_WEBHOOKS_ALLOW_PRIVATE": "1",
    "CREDLENS_WEBHOOKS_POLL": "0.1",
    "CREDLENS_WEBHOOKS_RETRY_BASE": "0.2",
    "CREDLENS_WEBHOOKS_RETRY_CAP": "1",
}


def start_server(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = data_dir.parent / "server.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [CREDLENS, "serve", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=sink,
            stderr=sink,
            env={**os.environ, **env},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start: {log.read_text()}")


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def events(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}-{n}",
            "type": "credential.issued",
            "occurred_at": "2026-03-01T10:00:00Z",
            "credential_id": f"{prefix}-cred-{n}",
            "program": {"id": "intro"},
            "recipient": {"email": f"{prefix}{n}@example.org"},
        }
        for n in range(count)
    ]


def setup(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    data_dir = tmp_path / "data"
    store = Warehouse(data_dir)
    _, keys = store.create_issuer("acme", "Acme")
    store.close()
    monkeypatch.setenv("CREDLENS_WEBHOOKS_ALLOW_PRIVATE", "1")
    result = CliRunner().invoke(
        app,
        [
            "webhook",
            "add",
            "--issuer",
            "acme",
            "--url",
            url,
            "--events",
            "credential.issued",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    return data_dir, keys.ingest, json.loads(result.output)["secret"]


def post(port: int, key: str, batch: list[dict[str, Any]], *, accepted: int | None = None) -> None:
    response = httpx2.post(
        f"http://127.0.0.1:{port}/api/v1/events", json=batch, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == (len(batch) if accepted is None else accepted), response.text


def test_a_receiver_down_gets_every_event_once_back_across_a_killed_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver()  # its port is known, nothing listens yet: connection refused
    data_dir, key, secret = setup(tmp_path, receiver.url, monkeypatch)
    port = free_port()
    server = start_server(data_dir, port, FAST)
    try:
        post(port, key, events("a", 30))
        time.sleep(1.5)  # folded, queued, attempted against the dead receiver
        kill(server)
        server = start_server(data_dir, port, FAST)
        post(port, key, events("b", 30))
        post(port, key, events("a", 30), accepted=0)  # a re-send: duplicates, never delivered again
        kill(server)  # right after the 200s: these may not even be folded yet
        server = start_server(data_dir, port, FAST)
        post(port, key, events("c", 30))
        time.sleep(1.0)
        receiver.start()
        received = receiver.wait_for(90, timeout=60)
        time.sleep(1.5)  # would anything come twice?
        received = receiver.acknowledged()
    finally:
        receiver.stop()
        stop(server)
    verifier = Webhook(secret)
    ids_of_event: dict[str, set[str]] = defaultdict(set)
    for request in received:
        payload = verifier.verify(request.body, request.headers)
        ids_of_event[payload["data"]["id"]].add(request.headers["webhook-id"])
    expected = {f"{prefix}-{n}" for prefix in "abc" for n in range(30)}
    assert set(ids_of_event) == expected  # nothing lost
    assert all(len(ids) == 1 for ids in ids_of_event.values())  # one delivery id per event
    delivery_ids = [r.headers["webhook-id"] for r in received]
    assert len(delivery_ids) == len(set(delivery_ids)) == 90  # nothing acknowledged twice
    store = Warehouse(data_dir)
    try:
        assert store.webhooks.pending() == 0
        attempts = store.webhooks.attempts(1, limit=10_000)
        assert any(a.error == "connection refused" for a in attempts)  # it was down, and tried
        assert sum(a.outcome == "delivered" for a in attempts) == 90
    finally:
        store.close()


def test_a_failing_subscription_is_disabled_by_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver(status=500).start()
    data_dir, key, _ = setup(tmp_path, receiver.url, monkeypatch)
    port = free_port()
    server = start_server(data_dir, port, {**FAST, "CREDLENS_WEBHOOKS_GIVE_UP": "2"})
    try:
        post(port, key, events("a", 3))
        deadline = time.monotonic() + 30
        count = -1
        while time.monotonic() < deadline:  # until the server stops trying
            time.sleep(1.5)
            if len(receiver.requests) == count:
                break
            count = len(receiver.requests)
        assert count > 3  # retried before giving up
        post(port, key, events("b", 3))
        time.sleep(1.0)
        assert len(receiver.requests) == count  # disabled: nothing more is sent
    finally:
        receiver.stop()
        stop(server)
    store = Warehouse(data_dir)
    try:
        (subscription,) = store.webhooks.subscriptions(1)
        assert subscription.disabled_at is not None
        assert subscription.disabled_reason is not None
        assert "every delivery failed" in subscription.disabled_reason
        assert store.webhooks.pending() == 0
    finally:
        store.close()
