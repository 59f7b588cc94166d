"""`credlens schedule add|list|remove`: JSON out, staff-only recipients, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.domain.accounts import Role
from credlens.store.warehouse import Warehouse
from tests.delivery.smtp import SmtpServer, smtp
from tests.web.world import World, build_world

__all__ = ["smtp"]

runner = CliRunner()


def cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def world_dir(tmp_path: Path) -> tuple[Path, World]:
    data_dir = tmp_path / "data"
    return data_dir, build_world(data_dir)


def test_add_list_and_remove_a_schedule(world_dir: tuple[Path, World]) -> None:
    data_dir, world = world_dir
    admin, executive = world.a.email(Role.ADMIN), world.a.email(Role.EXECUTIVE)
    code, out, err = cli(
        data_dir,
        "schedule",
        "add",
        "--issuer",
        "alpha-zq",
        "--every",
        "weekly",
        "--to",
        admin,
        "--to",
        executive.upper(),
    )
    assert code == 0, err
    added = json.loads(out)
    assert (added["every"], added["programs"], added["recipients"]) == ("weekly", [], [admin, executive])
    assert added["last_run"] is None
    assert added["failures"] == []
    code, out, _ = cli(
        data_dir,
        "schedule",
        "add",
        "--issuer",
        "alpha-zq",
        "--every",
        "monthly",
        "--program",
        "alpha-zq-p2",
        "--to",
        admin,
    )
    assert code == 0
    monthly = json.loads(out)["id"]

    code, out, _ = cli(data_dir, "schedule", "list", "--issuer", "alpha-zq")
    assert code == 0
    assert [(s["id"], s["every"], s["programs"]) for s in json.loads(out)] == [
        (added["id"], "weekly", []),
        (monthly, "monthly", ["alpha-zq-p2"]),
    ]
    assert (
        json.loads(cli(data_dir, "schedule", "list", "--issuer", "bravo")[1]) == []
    )  # another issuer's are not listed
    code, _, err = cli(data_dir, "schedule", "remove", "--issuer", "bravo", added["id"])
    assert code == 1
    assert "bravo has no schedule" in err
    code, out, _ = cli(data_dir, "schedule", "remove", "--issuer", "alpha-zq", added["id"])
    assert (code, json.loads(out)) == (0, {"id": added["id"], "removed": True})
    assert [s["id"] for s in json.loads(cli(data_dir, "schedule", "list", "--issuer", "alpha-zq")[1])] == [monthly]


REFUSED = [
    (("--every", "weekly", "--to", "someone@gmail.example"), "someone@gmail.example is not a staff user of"),
    (("--every", "weekly", "--to", "admin@bravo.example"), "admin@bravo.example is not a staff user of"),
    (("--every", "weekly", "--to", "program_manager@alpha-zq.example"), "program manager of alpha-zq-p1"),
    (("--every", "daily", "--to", "admin@alpha-zq.example"), "--every: must be weekly or monthly"),
    (("--every", "weekly", "--program", "bravo-p1", "--to", "admin@alpha-zq.example"), "unknown program(s) bravo-p1"),
]


def test_a_recipient_who_is_not_staff_is_refused(world_dir: tuple[Path, World]) -> None:
    data_dir, _ = world_dir
    for args, message in REFUSED:
        code, out, err = cli(data_dir, "schedule", "add", "--issuer", "alpha-zq", *args)
        assert (code, out) == (1, ""), args
        assert message in " ".join(err.split())
    assert json.loads(cli(data_dir, "schedule", "list", "--issuer", "alpha-zq")[1]) == []


def test_report_send_to_mails_it_now_to_staff_only(world_dir: tuple[Path, World], smtp: SmtpServer) -> None:
    data_dir, world = world_dir
    window = ("--issuer", "alpha-zq", "--from", "2026-02-09", "--to", "2026-02-15")
    env = {"CREDLENS_SMTP_URL": smtp.url, "CREDLENS_SMTP_FROM": "reports@alpha-zq.example"}

    def report(*args: str, **extra: str | None) -> tuple[int, str]:
        result = runner.invoke(app, ["report", *window, *args, "--data-dir", str(data_dir)], env=env | extra)
        return result.exit_code, " ".join(result.stderr.split())

    assert report("--send-to", "someone@gmail.example") == (
        1,
        "error: someone@gmail.example is not a staff user of Alpha-zq Academy; invite them on the admin page first",
    )
    code, err = report("--send-to", "admin@alpha-zq.example", CREDLENS_SMTP_URL=None)
    assert (code, "no SMTP server is configured" in err) == (1, True)
    assert smtp.inbox.messages == []

    code, err = report("--send-to", world.a.email(Role.EXECUTIVE), "--program", "alpha-zq-p1")
    assert code == 0, err
    assert err == "sent the report of alpha-zq to executive@alpha-zq.example"
    [(msg, envelope)] = smtp.inbox.messages
    assert envelope == ["executive@alpha-zq.example"]
    assert "2026-02-09" in msg["Subject"]
    body = msg.get_body(("plain",))
    assert body is not None
    assert "of those downloaded" in body.get_content()
    [attachment] = msg.iter_attachments()
    assert attachment.get_content().startswith(b"%PDF")
    store = Warehouse(data_dir)
    try:
        actions = [e.action for e in store.audit_entries(world.a.issuer.issuer_id)]
    finally:
        store.close()
    assert "report.sent" in actions


def test_serve_refuses_a_bad_smtp_url_at_start(tmp_path: Path) -> None:
    env = {"CREDLENS_SMTP_URL": "mail.example.org:587", "CREDLENS_ENV": "development"}
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path / "data")], env=env)
    assert result.exit_code == 1
    assert "CREDLENS_SMTP_URL must start with smtp:// or smtps://" in result.stderr
