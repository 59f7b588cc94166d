"""`credlens schedule add`, then `credlens serve` as a real process with CREDLENS_SMTP_URL: the due report
arrives once, and a restarted server does not send it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.domain.accounts import Role
from tests.delivery.smtp import SmtpServer, free_port, smtp
from tests.web.world import World, build_world

__all__ = ["smtp"]
CREDLENS = str(Path(sys.executable).with_name("credlens"))


def serve(data_dir: Path, smtp_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CREDLENS_ENV": "development",
        "CREDLENS_SMTP_URL": smtp_url,
        "CREDLENS_SMTP_FROM": "reports@alpha-zq.example",
    }
    with log.open("ab") as sink:
        return subprocess.Popen(
            [CREDLENS, "serve", "--port", str(free_port()), "--data-dir", str(data_dir)],
            env=env,
            stdout=sink,
            stderr=sink,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.slow
def test_the_server_sends_a_due_report_once_across_a_restart(tmp_path: Path, smtp: SmtpServer) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    world: World = build_world(data_dir)
    added = CliRunner().invoke(
        app,
        [
            "schedule",
            "add",
            "--issuer",
            "alpha-zq",
            "--every",
            "weekly",
            "--to",
            "executive@alpha-zq.example",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert added.exit_code == 0, added.stderr
    schedule_id = json.loads(added.stdout)["id"]

    process = serve(data_dir, smtp.url, log)
    try:
        deadline = time.monotonic() + 120
        while not smtp.inbox.messages:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        stop(process)
    [(msg, envelope)] = smtp.inbox.messages
    assert envelope == [world.a.email(Role.EXECUTIVE)]
    assert msg["Message-ID"].startswith(f"<report.{schedule_id}.")
    [attachment] = msg.iter_attachments()
    assert attachment.get_content().startswith(b"%PDF")

    process = serve(data_dir, smtp.url, log)  # started again: the period is recorded as sent
    try:
        time.sleep(15)  # well past its start and first poll (the scheduler looks at once)
        assert process.poll() is None, log.read_text()
    finally:
        stop(process)
    assert len(smtp.inbox.messages) == 1
    listed = CliRunner().invoke(app, ["schedule", "list", "--issuer", "alpha-zq", "--data-dir", str(data_dir)])
    [shown] = json.loads(listed.stdout)
    assert shown["last_run"]["sent_at"] is not None
    assert shown["failures"] == []
