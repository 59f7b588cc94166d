"""`credlens webhook add|list|remove|test` against a real local receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.webhooks.receiver import Receiver

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    store = Warehouse(tmp_path / "data")
    store.create_issuer("acme", "Acme")
    store.create_issuer("globex", "Globex")
    store.close()
    return str(tmp_path / "data")


def webhook(data_dir: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["webhook", *args, "--data-dir", data_dir])
    return result.exit_code, result.output


def test_add_prints_id_and_secret_then_list_test_and_remove(data_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDLENS_WEBHOOKS_ALLOW_PRIVATE", "1")
    receiver = Receiver().start()
    try:
        code, output = webhook(
            data_dir,
            "add",
            "--issuer",
            "acme",
            "--url",
            receiver.url,
            "--events",
            "credential.issued,credential.verified",
        )
        assert code == 0, output
        added = json.loads(output)
        assert set(added) == {"id", "secret"}
        assert added["id"].startswith("wh_")
        assert added["secret"].startswith("whsec_")

        code, output = webhook(data_dir, "list", "--issuer", "acme")
        (listed,) = json.loads(output)
        assert listed["id"] == added["id"]
        assert listed["url"] == receiver.url
        assert listed["events"] == ["credential.issued", "credential.verified"]
        assert (listed["status"], listed["pending"]) == ("active", 0)
        assert added["secret"] not in output  # shown once, at add
        assert json.loads(webhook(data_dir, "list", "--issuer", "globex")[1]) == []

        code, output = webhook(data_dir, "test", added["id"])
        assert code == 0, output
        result = json.loads(output)
        assert (result["ok"], result["status"]) == (True, 200)
        (request,) = receiver.requests
        assert Webhook(added["secret"]).verify(request.body, request.headers) == {
            "type": "webhook.test",
            "timestamp": json.loads(request.body)["timestamp"],
            "data": {"subscription": added["id"], "issuer": "acme"},
        }
        assert request.headers["webhook-id"] == result["id"]

        receiver.status = 500
        code, output = webhook(data_dir, "test", added["id"], "--issuer", "acme")
        assert code == 1
        assert json.loads(output)["status"] == 500

        assert webhook(data_dir, "remove", added["id"], "--issuer", "globex")[0] == 1  # not globex's
        assert webhook(data_dir, "remove")[0] == 1  # which one?
        code, output = webhook(data_dir, "remove", "--id", added["id"], "--issuer", "acme")
        assert code == 0
        assert json.loads(output) == {"removed": added["id"]}
        assert json.loads(webhook(data_dir, "list", "--issuer", "acme")[1]) == []
        assert webhook(data_dir, "test", added["id"])[0] == 1
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("file:///etc/passwd", "credential.issued", "only http:// and https://"),
        ("http://127.0.0.1:8080/hook", "credential.issued", "loopback"),
        ("http://localhost:8080/hook", "credential.issued", "loopback"),
        ("https://hooks.example.org/", "credential.clicked", "unknown event type"),
    ],
)
def test_add_refuses_bad_urls_and_event_types_in_one_line(data_dir: str, url: str, events: str, message: str) -> None:
    code, output = webhook(data_dir, "add", "--issuer", "acme", "--url", url, "--events", events)
    assert code == 1
    assert message in output
    assert "Traceback" not in output
    assert json.loads(webhook(data_dir, "list", "--issuer", "acme")[1]) == []


def test_unknown_issuer_is_one_line(data_dir: str) -> None:
    code, output = webhook(
        data_dir, "add", "--issuer", "nope", "--url", "https://x.example/", "--events", "credential.issued"
    )
    assert code == 1
    assert "unknown issuer" in output


def test_a_bad_webhook_setting_stops_serve_with_one_line(data_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDLENS_WEBHOOKS_RETRY_BASE", "-1")
    result = runner.invoke(app, ["serve", "--data-dir", data_dir])
    assert result.exit_code == 1
    assert "CREDLENS_WEBHOOKS_RETRY_BASE must be a positive number of seconds" in result.output
