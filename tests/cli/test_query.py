"""`credlens query`: the metrics JSON on stdout, or one clear line and a non-zero exit."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.web.test_durability import free_port, start_server

runner = CliRunner()


def store_with_events(tmp_path: Path) -> Path:
    return store_and_read_key(tmp_path)[0]


def store_and_read_key(tmp_path: Path) -> tuple[Path, str]:
    data_dir = tmp_path / "data"
    store = Warehouse(data_dir)
    issuer, keys = store.create_issuer("acme", "Acme", timezone="Europe/Paris")
    ingest(
        store,
        issuer,
        [
            {
                "id": "i1",
                "type": "credential.issued",
                "occurred_at": "2026-02-10T09:00:00Z",
                "credential_id": "c1",
                "program": {"id": "p1"},
                "recipient": {"id": "r1"},
            },
            {
                "id": "i2",
                "type": "credential.issued",
                "occurred_at": "2026-02-11T09:00:00Z",
                "credential_id": "c2",
                "program": {"id": "p1"},
                "recipient": {"id": "r2"},
            },
            {
                "id": "v1",
                "type": "credential.viewed",
                "occurred_at": "2026-02-12T09:00:00Z",
                "credential_id": "c1",
                "actor": "owner",
            },
        ],
    )
    store.close()
    return data_dir, keys.read


def test_query_prints_the_metrics_json(tmp_path: Path) -> None:
    data_dir = store_with_events(tmp_path)
    result = runner.invoke(
        app,
        [
            "query",
            "--issuer",
            "acme",
            "--from",
            "2026-02-01",
            "--to",
            "2026-02-28",
            "--program",
            "p1",
            "--funnel",
            "issued,opened",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["query"]["from"] == "2026-02-01"
    assert body["query"]["program"] == ["p1"]
    assert body["metrics"]["issued"] == {"value": 2}
    assert body["metrics"]["view_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}  # 1 of 2 opened
    assert [s["value"] for s in body["metrics"]["funnel"]["steps"]] == [2, 1]


def test_query_errors_are_one_line(tmp_path: Path) -> None:
    data_dir = str(store_with_events(tmp_path))
    cases = {
        ("--from", "2026-02-30", "--to", "2026-03-01"): "--from: '2026-02-30' is not a date",
        ("--from", "2026-03-01", "--to", "2026-02-01"): "before it starts",
        ("--period", "30d", "--program", "nope"): "unknown program(s) nope",
        ("--period", "forever"): "--period: must be one of",
        ("--period", "30d", "--funnel", "issued,opened,liked"): "--funnel: distinct steps starting with issued",
    }
    for args, expected in cases.items():
        result = runner.invoke(app, ["query", "--issuer", "acme", *args, "--data-dir", data_dir])
        assert result.exit_code == 1, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output


@pytest.mark.slow
def test_query_asks_the_running_server_that_holds_the_database(tmp_path: Path) -> None:
    """Issue 15: with `credlens serve` running, `credlens query` only said the file was held."""
    data_dir, read_key = store_and_read_key(tmp_path)
    alone = runner.invoke(app, ["query", "--issuer", "acme", "--period", "all", "--data-dir", str(data_dir)])
    port = free_port()
    server = start_server(data_dir, port)
    try:
        args = ["query", "--issuer", "acme", "--from", "2026-02-01", "--to", "2026-02-28", "--program", "p1"]
        args += ["--data-dir", str(data_dir)]
        keyless = runner.invoke(app, args, env={"CREDLENS_READ_KEY": ""})
        assert keyless.exit_code == 1
        url = f"http://127.0.0.1:{port}/api/v1/stats?from=2026-02-01&to=2026-02-28&program=p1"
        assert f"held by `credlens serve` at http://127.0.0.1:{port}" in keyless.output
        assert f"Authorization: Bearer $READ_KEY\" '{url}'" in keyless.output  # exactly which call
        answered = runner.invoke(app, [*args, "--read-key", read_key])
        assert answered.exit_code == 0, answered.output
        body = json.loads(answered.stdout)
        assert body["metrics"]["issued"] == {"value": 2}
        assert body["query"]["program"] == ["p1"]
        from_env = runner.invoke(app, args, env={"CREDLENS_READ_KEY": read_key})
        assert json.loads(from_env.stdout)["metrics"] == body["metrics"]
        wrong = runner.invoke(app, [*args, "--read-key", "cl_read_nope_nope"])
        assert wrong.exit_code == 1
        assert "answered 401" in wrong.output
        events = tmp_path / "more.ndjson"
        events.write_text("")
        held = runner.invoke(app, ["import", str(events), "--issuer", "acme", "--data-dir", str(data_dir)])
        assert held.exit_code == 1
        assert f"send the events to its POST /api/v1/events instead (at http://127.0.0.1:{port})" in held.output
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert not (data_dir / "server.json").exists()  # a stopped server withdraws its address
    after = runner.invoke(app, ["query", "--issuer", "acme", "--period", "all", "--data-dir", str(data_dir)])
    assert after.exit_code == 0 == alone.exit_code
