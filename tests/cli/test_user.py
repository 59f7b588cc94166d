"""`credlens user` and `credlens recipient-link`: accounts and links made on the command line work in the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.config import Settings
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.web.browser import csrf, open_link, sign_in
from tests.web.world import World, build_world

runner = CliRunner()
DEV = {"CREDLENS_ENV": "development", "CREDLENS_SECRET_KEY": None, "CREDLENS_PUBLIC_URL": None}


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)], input=stdin, env=DEV)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def world_dir(tmp_path: Path) -> tuple[Path, World]:
    data_dir = tmp_path / "data"
    return data_dir, build_world(data_dir)


def web(data_dir: Path) -> TestClient:
    """The server on the same data directory, with the same (development) secret as the CLI."""
    return TestClient(create_app(Settings(data_dir=data_dir)), base_url="https://testserver")


def test_user_create_prints_an_invitation_link_that_sets_the_password(world_dir: tuple[Path, World]) -> None:
    data_dir, _ = world_dir
    code, out, _ = cli(
        data_dir, "user", "create", "--issuer", "bravo", "--email", "Kim@Bravo.example", "--role", "admin"
    )
    assert code == 0
    link = re.search(r"http://127\.0\.0\.1:8000(/invite/\S+)", out)
    assert link, out
    with web(data_dir) as client:
        path = link.group(1)
        done = client.post(
            path,
            data={
                "csrf_token": csrf(client, path),
                "password": "kims own passphrase",
                "confirm": "kims own passphrase",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert sign_in(client, "kim@bravo.example", "kims own passphrase").headers["location"] == "/admin"


def test_user_create_with_a_typed_password_list_and_disable(world_dir: tuple[Path, World]) -> None:
    data_dir, _ = world_dir
    typed = "a typed passphrase 7\na typed passphrase 7\n"
    code, out, _ = cli(
        data_dir, "user", "create", "--issuer", "bravo", "--email", "pm@bravo.example", "--role", "program_manager",
        "--program", "bravo-p2", "--set-password", stdin=typed,
    )  # fmt: skip
    assert code == 0
    assert "can sign in now" in out
    code, out, _ = cli(data_dir, "user", "list", "--issuer", "bravo")
    assert "pm@bravo.example  program_manager  active  programs: bravo-p2" in out
    assert "alpha-zq" not in out  # another issuer's users are not listed
    code, out, _ = cli(data_dir, "user", "disable", "--issuer", "bravo", "pm@bravo.example")
    assert code == 0
    assert "pm@bravo.example  program_manager  disabled" in cli(data_dir, "user", "list", "--issuer", "bravo")[1]
    store = Warehouse(data_dir)
    try:
        actions = [(e.actor, e.action, e.detail) for e in store.audit_entries(2)]
    finally:
        store.close()
    assert ("cli", "user.disabled", "pm@bravo.example") in actions
    assert ("cli", "user.created", "pm@bravo.example as program_manager") in actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--email", "x@bravo.example", "--role", "boss"), "unknown role 'boss'"),
        (("--email", "admin@bravo.example", "--role", "admin"), "already exists"),
        (("--email", "not-an-email", "--role", "admin"), "is not an e-mail address"),
        (("--email", "y@bravo.example", "--role", "program_manager", "--program", "alpha-zq-p1"), "unknown program"),
    ],
)
def test_user_create_refusals_are_one_line(world_dir: tuple[Path, World], args: tuple[str, ...], message: str) -> None:
    data_dir, _ = world_dir
    code, _, err = cli(data_dir, "user", "create", "--issuer", "bravo", *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_recipient_link_from_the_cli_opens_the_recipients_page(world_dir: tuple[Path, World]) -> None:
    data_dir, world = world_dir
    code, out, _ = cli(
        data_dir, "recipient-link", "--issuer", "bravo", "--email", world.b.recipient_email, "--days", "3"
    )
    assert code == 0
    assert "1 credential(s)" in out  # learner0 of bravo holds credential 0 (6 credentials, 40 learners)
    path = re.search(r"http://127\.0\.0\.1:8000(/r/\S+)", out)
    assert path, out
    with web(data_dir) as client:
        assert open_link(client, path.group(1)).headers["location"] == "/recipient"
        page = client.get("/recipient")
        assert "Bravo Institute Program 1" in page.text
        assert "alpha-zq" not in page.text.lower()
    code, _, err = cli(data_dir, "recipient-link", "--issuer", "bravo")
    assert (code, "--email or --earner-id" in err) == (1, True)


def test_issuer_create_records_its_keys_by_id_never_the_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code, out, _ = cli(data_dir, "issuer", "create", "initech", "--name", "Initech")
    assert code == 0
    keys = re.findall(r"(cl_(?:ingest|read)_\S+)", out)
    assert len(keys) == 2
    store = Warehouse(data_dir)
    try:
        entries = [(e.actor, e.action, e.detail) for e in store.audit_entries(1)]
    finally:
        store.close()
    assert sorted(entries) == sorted(
        ("cli", "key.created", f"{key.split('_')[1]} key {key.split('_')[2]}") for key in keys
    )
