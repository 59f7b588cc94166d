"""The admin page: invitations, programs, disabling, keys shown once then working or revoked, audit, consent."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import csrf, post_form, sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World

NEW_PASSWORD = "a long new passphrase 42"


def shown_once(response_text: str) -> str:
    match = re.search(r'id="secret" class="secret" type="text" readonly value="([^"]+)"', response_text)
    assert match, response_text
    return match.group(1)


def audit(client: TestClient, world: World) -> list[tuple[str, str, str | None]]:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    return [(e.actor, e.action, e.detail) for e in warehouse.audit_entries(world.a.issuer.issuer_id)]


def admin(client: TestClient, world: World) -> TestClient:
    assert sign_in(client, world.a.email(Role.ADMIN)).status_code == 303
    return client


def test_invite_a_program_manager_who_sets_a_password_once_and_signs_in(app_client: TestClient, world: World) -> None:
    admin(app_client, world)
    created = post_form(
        app_client,
        "/admin/users",
        {"email": "Pat@Alpha-zq.example", "role": "program_manager", "program": "alpha-zq-p2"},
    )
    assert created.status_code == 200
    link = shown_once(created.text)
    assert link.startswith(f"{BASE_URL}/invite/")
    assert link not in app_client.get("/admin").text  # shown once, only then
    invitee = TestClient(app_client.app, base_url=BASE_URL)
    page = invitee.get(link)
    assert page.status_code == 200
    assert "pat@alpha-zq.example" in page.text
    short = post_form_at(invitee, link, {"password": "short", "confirm": "short"})
    assert (short.status_code, "at least 12 characters" in short.text) == (422, True)
    done = post_form_at(invitee, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (done.status_code, done.headers["location"]) == (303, "/signin?welcome=1")
    assert invitee.get(link).status_code == 404  # a link works once
    assert sign_in(invitee, "pat@alpha-zq.example", NEW_PASSWORD).status_code == 303
    scoped = invitee.get("/api/v1/stats", params={"period": "all", "program": "alpha-zq-p2"})
    assert scoped.status_code == 200
    assert invitee.get("/api/v1/stats", params={"period": "all", "program": "alpha-zq-p1"}).status_code == 403
    entries = audit(app_client, world)
    assert ("user:admin@alpha-zq.example", "user.created", "pat@alpha-zq.example as program_manager") in entries
    assert ("user:pat@alpha-zq.example", "user.password_set", None) in entries
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    stored = str(warehouse.cursor().execute("SELECT * FROM invitations").fetchall())
    assert link.rsplit("/", 1)[1] not in stored  # only the hash is kept


def post_form_at(client: TestClient, url: str, data: dict[str, str]) -> object:
    return client.post(url, data={"csrf_token": csrf(client, url), **data}, follow_redirects=False)


def test_programs_of_a_manager_are_assigned_from_the_issuers_programs(app_client: TestClient, world: World) -> None:
    admin(app_client, world)
    manager = world.a.users[Role.PROGRAM_MANAGER]
    url = f"/admin/users/{manager.user_id}/programs"
    saved = post_form(app_client, url, {"program": ["alpha-zq-p1", "alpha-zq-p2"]})
    assert (saved.status_code, saved.headers["location"]) == (303, "/admin?done=programs")
    assert "Programs saved." in app_client.get(saved.headers["location"]).text
    unknown = post_form(app_client, url, {"program": "bravo-p1"})  # another issuer's program id
    assert unknown.status_code == 422
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    assert warehouse.accounts.user(world.a.issuer.issuer_id, manager.user_id).programs == ("alpha-zq-p1", "alpha-zq-p2")
    assert (
        "user:admin@alpha-zq.example",
        "user.programs_changed",
        "program_manager@alpha-zq.example: alpha-zq-p1, alpha-zq-p2",
    ) in audit(app_client, world)


def test_disabling_a_user_ends_their_sessions_and_is_audited(app_client: TestClient, world: World) -> None:
    executive = TestClient(app_client.app, base_url=BASE_URL)
    sign_in(executive, world.a.email(Role.EXECUTIVE))
    assert executive.get("/").status_code == 200
    admin(app_client, world)
    me = world.a.users[Role.ADMIN]
    assert post_form(app_client, f"/admin/users/{me.user_id}/disable").status_code == 422  # not yourself
    done = post_form(app_client, f"/admin/users/{world.a.users[Role.EXECUTIVE].user_id}/disable")
    assert done.status_code == 303
    assert executive.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert ("user:admin@alpha-zq.example", "user.disabled", "executive@alpha-zq.example") in audit(app_client, world)


def test_a_new_key_is_shown_once_stored_hashed_works_and_stops_when_revoked(
    app_client: TestClient, world: World
) -> None:
    admin(app_client, world)
    created = post_form(app_client, "/admin/keys", {"kind": "read"})
    key = shown_once(created.text)
    key_id = key.split("_")[2]
    assert key.startswith("cl_read_")
    page = app_client.get("/admin").text
    assert key_id in page
    assert key not in page
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    assert key not in str(warehouse.cursor().execute("SELECT * FROM api_keys").fetchall())
    reader = TestClient(app_client.app, base_url=BASE_URL, headers={"Authorization": f"Bearer {key}"})
    assert reader.get("/api/v1/stats", params={"period": "30d"}).status_code == 200
    revoked = post_form(app_client, f"/admin/keys/{key_id}/revoke")
    assert (revoked.status_code, revoked.headers["location"]) == (303, "/admin?done=revoked")
    assert reader.get("/api/v1/stats", params={"period": "30d"}).status_code == 401
    assert post_form(app_client, f"/admin/keys/{key_id}/revoke").status_code == 404  # already revoked
    entries = audit(app_client, world)
    assert ("user:admin@alpha-zq.example", "key.created", f"read key {key_id}") in entries
    assert ("user:admin@alpha-zq.example", "key.revoked", f"key {key_id}") in entries
    assert all(key not in str(entry) for entry in entries)


def test_the_audit_log_is_a_page_and_a_csv_download_which_is_itself_audited(
    app_client: TestClient, world: World
) -> None:
    admin(app_client, world)
    page = app_client.get("/admin/audit")
    assert page.status_code == 200
    assert "signin" in page.text
    download = app_client.get("/admin/audit.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["at_utc", "actor", "action", "detail"]
    assert rows[1][1:] == ["user:admin@alpha-zq.example", "export", "audit log CSV"]  # newest first
    assert ["user:admin@alpha-zq.example", "signin", ""] in [r[1:] for r in rows]
    assert all("bravo" not in cell for row in rows for cell in row)


def test_the_admin_sees_how_many_recipients_opted_in(app_client: TestClient, world: World) -> None:
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    opted, total = (
        warehouse.cursor()
        .execute(
            "SELECT count(*) FILTER (WHERE detailed_tracking), count(*) FROM recipients WHERE issuer_id = ?",
            [world.a.issuer.issuer_id],
        )
        .fetchall()[0]
    )
    assert 0 < opted < total == 40  # 40 learners, some of them opted in
    admin(app_client, world)
    text = app_client.get("/admin").text
    assert f'<strong class="figure">{opted}</strong> of {total} recipients opted in' in text


def test_the_admin_chooses_the_industry_from_the_list(app_client: TestClient, world: World) -> None:
    admin(app_client, world)
    page = app_client.get("/admin").text
    assert "Your industry: <strong>Bootcamp</strong>" in page
    assert '<option value="Software/IT">' in page
    saved = post_form(app_client, "/admin/industry", {"industry": "higher education"})
    assert saved.status_code == 303
    assert "Industry saved" in app_client.get(saved.headers["location"]).text
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    assert warehouse.issuer_by_id(world.a.issuer.issuer_id).industry == "Higher Education"
    assert ("admin@alpha-zq.example", "industry.set", "Higher Education") in [
        (actor.removeprefix("user:"), action, detail) for actor, action, detail in audit(app_client, world)
    ]
    refused = post_form(app_client, "/admin/industry", {"industry": "Knitting"})
    assert refused.status_code == 422
    assert "choose one of: Awarding Body" in refused.text
    # an issuer of an older version whose free text matched no name is asked to choose
    warehouse.cursor().execute(
        "UPDATE issuers SET industry = 'basket weaving' WHERE issuer_id = ?", [world.a.issuer.issuer_id]
    )
    page = app_client.get("/admin").text
    assert "Unset — choose one" in page
    assert "basket weaving" in page
