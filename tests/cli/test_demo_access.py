"""`credlens demo` prints one sign-in per role and a recipient link, and they work."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from credlens.cli.demo_access import DEV_PASSWORDS, demo_sign_ins
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.conftest import ingest
from tests.factories import make_event
from tests.web.browser import open_link, sign_in


def issued(n: int, recipient: dict[str, str], program: str) -> dict[str, object]:
    return {
        "id": f"i{n}",
        "type": "credential.issued",
        "occurred_at": "2026-02-10T09:00:00Z",
        "credential_id": f"c{n}",
        "program": {"id": program, "name": f"Program {program}"},
        "recipient": recipient,
    }


def demo_store(data_dir: Path) -> Warehouse:
    """A demo issuer with the generator's recipient naming: learner<N>@example.org."""
    store = Warehouse(data_dir)
    issuer, _ = store.create_issuer("carepath", "CarePath Continuing Education")
    ingest(store, issuer, [issued(1, {"email": "learner7@example.org"}, "cp-acls"), issued(2, {"id": "x"}, "cp-wound")])
    return store


def test_development_demo_sign_ins_work_for_every_role_and_the_recipient(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = Settings(data_dir=data_dir)
    store = demo_store(data_dir)
    try:
        issuer = store.issuer("carepath")
        assert issuer is not None
        lines = demo_sign_ins(store, issuer, config)
        again = demo_sign_ins(store, issuer, config)  # re-running keeps the printed passwords valid
    finally:
        store.close()
    text = "\n".join(lines)
    assert lines[:4] == again[:4]  # the link differs only by its expiry second
    assert "admin            admin@carepath.demo / demo-admin-password" in text
    assert "program manager  program-manager@carepath.demo / demo-manager-password  programs: cp-acls, cp-wound" in text
    link = re.search(r"recipient\s+http://127\.0\.0\.1:8000(/r/\S+)", text)
    assert link, text
    with TestClient(create_app(config), base_url="https://testserver") as client:
        for role, password in DEV_PASSWORDS.items():
            email = f"{role.value.replace('_', '-')}@carepath.demo"
            assert sign_in(client, email, password).status_code == 303, role
            client.cookies.clear()
        open_link(client, link.group(1))
        assert "Program cp-acls" in client.get("/recipient").text


def test_outside_development_demo_passwords_are_random_and_printed_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = Settings(data_dir=data_dir, environment="production", secret_key="prod-9fK2xQ7vLp3mZ8rT1wB6nH4jD0sY5gCq")
    store = demo_store(data_dir)
    try:
        issuer = store.issuer("carepath")
        assert issuer is not None
        first = "\n".join(demo_sign_ins(store, issuer, config))
        second = "\n".join(demo_sign_ins(store, issuer, config))
    finally:
        store.close()
    assert all(password not in first for password in DEV_PASSWORDS.values())
    assert first.count(" / ") == len(Role)
    assert second.count("password printed when it was created") == len(Role)


def test_the_demo_recipient_link_opens_a_recipient_with_views_shares_and_a_verification(tmp_path: Path) -> None:
    """Issue 15: the link opened the first learner holding anything, whose page showed only zeros."""
    data_dir = tmp_path / "data"
    config = Settings(data_dir=data_dir)
    store = demo_store(data_dir)  # learner7 holds c1, with nothing happening to it
    try:
        issuer = store.issuer("carepath")
        assert issuer is not None
        ingest(
            store,
            issuer,
            [
                issued(3, {"email": "learner9@example.org"}, "cp-acls"),
                make_event("credential.viewed", id="v3", credential_id="c3", actor="public"),
                make_event("credential.shared", id="s3", credential_id="c3"),
                make_event("credential.verified", id="f3", credential_id="c3"),
            ],
        )
        store.fold()
        lines = demo_sign_ins(store, issuer, config)
    finally:
        store.close()
    link = re.search(r"recipient\s+http://127\.0\.0\.1:8000(/r/\S+)", "\n".join(lines))
    assert link
    with TestClient(create_app(config), base_url="https://testserver") as client:
        open_link(client, link.group(1))
        page = client.get("/recipient.json").json()
    tiles = {t["metric"]: t["value"] for t in page["sections"][0]["tiles"]}
    assert tiles["credentials_held"] == 1
    assert tiles["views"] == tiles["shares"] == tiles["verifications"] == 1, tiles
