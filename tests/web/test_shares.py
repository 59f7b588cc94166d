"""Shared links (``/share/{token}``): made on the admin page, listed, revoked and audited; a visitor sees
the executive's numbers for the link's fixed filters and nothing else (no filter, page, export or
other issuer), a password is asked once per link and browser, and an expired or revoked link is gone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credlens.access.shares import cookie_name
from credlens.access.tokens import token_hash
from credlens.domain.accounts import Role
from credlens.web.security.logs import redact
from tests.web.browser import csrf, post_form, sign_in
from tests.web.conftest import BASE_URL, FakeClock
from tests.web.world import World

FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28", "compare": "previous"}  # the world's events: 10-11 Feb
SHARE_PASSWORD = "a long shared secret 42"
_TILE = re.compile(r'<div class="tile" data-metric="([^"]+)" data-period="([^"]*)" data-value="([^"]*)"')
_CELL = re.compile(r'data-key="([^"]+)" data-value="([^"]*)"')
_TABLE = re.compile(r'<(?:table|p class="empty-table") data-table="([^"]+)"')


def signed_in(app_client: TestClient, email: str) -> TestClient:
    client = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(client, email).status_code == 303
    return client


def visitor(app_client: TestClient) -> TestClient:
    return TestClient(app_client.app, base_url=BASE_URL)


def create(admin: TestClient, **fields: Any) -> str:
    """Make a shared link on the admin page; its path (``/share/<token>``), read from the shown-once page."""
    data: dict[str, Any] = {"page": "executive", "days": "30", **fields}
    page = post_form(admin, "/admin/shares", data)
    assert page.status_code == 200, page.text[:500]
    found = re.search(r'value="https://testserver(/share/[^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def tiles(html: str) -> list[tuple[str, str, str]]:
    return _TILE.findall(html)


def tables(html: str) -> dict[str, list[tuple[str, str]]]:
    """Each table's cells (key, raw value) in page order, by table id."""
    parts = _TABLE.split(html)
    return {parts[i]: _CELL.findall(parts[i + 1].split("</table>")[0]) for i in range(1, len(parts), 2)}


def unlock(client: TestClient, path: str, password: str = SHARE_PASSWORD) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, path), "password": password}, follow_redirects=False)


def share_id(app_client: TestClient, path: str) -> str:
    link = app_client.app.state.warehouse.shares.by_token(token_hash(path.rsplit("/", 1)[1]))  # type: ignore[attr-defined]
    assert link is not None
    return str(link.share_id)


def audit(app_client: TestClient, world: World, action: str) -> list[Any]:
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    return [e for e in warehouse.audit_entries(world.a.issuer.issuer_id) if e.action == action]


def test_share_shows_the_executive_numbers_for_its_fixed_filters(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    program = world.a.programs[0]
    path = create(admin, program=program, **FEBRUARY)

    shared = visitor(app_client).get(path)
    executive = signed_in(app_client, world.a.email(Role.EXECUTIVE))
    screen = executive.get("/dashboards/executive", params={**FEBRUARY, "program": program}, follow_redirects=True)

    assert shared.status_code == screen.status_code == 200
    assert tiles(shared.text) == tiles(screen.text)
    # the same tables, cell by cell, less the links of the top findings to the pages showing them
    unlinked = {
        t: [(k, "" if v.startswith("/dashboards/") else v) for k, v in cells]
        for t, cells in tables(screen.text).items()
    }
    assert tables(shared.text) == unlinked
    assert any(v.startswith("/dashboards/") for cells in tables(screen.text).values() for _, v in cells)
    assert tiles(shared.text)  # the comparison above compared something
    # 137 credentials alternate between two programs: the first holds 69, issued on 10 February
    assert ("issued", "", "69") in tiles(shared.text)
    everything = executive.get("/dashboards/executive", params=FEBRUARY, follow_redirects=True)
    assert ("issued", "", "137") in tiles(everything.text)
    assert "<dd>Alpha-zq Academy Program 1</dd>" in shared.text  # the state line names the fixed program


def test_query_strings_change_nothing(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, program=world.a.programs[0], **FEBRUARY)
    client = visitor(app_client)
    bare = client.get(path)

    for query in (
        {"period": "all"},
        {"program": world.a.programs[1]},
        {"from": "2026-01-01", "to": "2026-12-31", "compare": "year", "kind": "badge", "interval": "day"},
        {"page": "programs", "table": "programs"},
    ):
        moved = client.get(path, params=query, follow_redirects=False)
        assert moved.status_code == 303
        assert moved.headers["location"] == path  # the address holds no filter
        assert tiles(client.get(path, params=query).text) == tiles(bare.text)


def test_share_page_has_no_way_out(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    html = visitor(app_client).get(create(admin, page="programs", period="all")).text

    links = re.findall(r'(?:href|action|src)="([^"]*)"', html)
    assert links
    assert all(url.startswith("/static/") or url == "#main" for url in links), links  # assets, the skip link
    assert "<form" not in html
    assert "Menu" not in html
    assert "/dashboards/" not in html  # not even as a value (the top findings' links are dropped)
    assert "CSV" not in html


def test_password_is_asked_once_per_link(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, password=SHARE_PASSWORD, **FEBRUARY)
    other = create(admin, password=SHARE_PASSWORD, period="all")
    client = visitor(app_client)

    asked = client.get(path)
    assert asked.status_code == 401
    assert 'name="password"' in asked.text
    assert not tiles(asked.text)

    wrong = unlock(client, path, "not the password at all")
    assert wrong.status_code == 401
    assert "Wrong password." in wrong.text
    assert not tiles(wrong.text)
    assert len(audit(app_client, world, "share.password_failed")) == 1

    right = unlock(client, path)
    assert right.status_code == 303
    assert right.headers["location"] == path
    cookie = right.headers["set-cookie"]
    name = cookie_name(share_id(app_client, path))
    assert cookie.startswith(f"{name}=")
    assert name.startswith("__Host-")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure", "Max-Age=43200"):
        assert attribute in cookie
    assert "Domain" not in cookie
    shown = client.get(path)
    assert shown.status_code == 200
    assert tiles(shown.text)

    # the pass opens this link only: not the other one, even under the other one's cookie name
    assert client.get(other).status_code == 401
    value = client.cookies.get(name)
    client.cookies.set(cookie_name(share_id(app_client, other)), value or "")
    assert client.get(other).status_code == 401


def test_password_attempts_are_rate_limited(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, password=SHARE_PASSWORD, period="all")
    client = visitor(app_client)
    for _ in range(5):  # access/ratelimit.py: 5 free failures, then a wait
        assert unlock(client, path, "guess guess guess").status_code == 401

    refused = unlock(client, path)  # the right password, but the link must wait now
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 60
    assert client.get(path).status_code == 401


def test_expired_link_and_pass_stop_working(app_client: TestClient, world: World, clock: FakeClock) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, days="1", period="all")
    protected = create(admin, days="2", password=SHARE_PASSWORD, period="all")
    client = visitor(app_client)
    assert unlock(client, protected).status_code == 303
    assert client.get(path).status_code == client.get(protected).status_code == 200

    clock.advance(hours=13)  # a pass holds 12 hours
    assert client.get(protected).status_code == 401
    clock.advance(hours=11, seconds=1)  # the first link is one day and a second old
    gone = client.get(path)
    assert gone.status_code == 410
    assert "has expired" in gone.text
    assert not tiles(gone.text)
    assert "<a " not in gone.text.split('<main id="main"')[1]  # a plain page: no link anywhere
    assert client.get(path, params={"period": "7d"}).status_code == 410
    gone_post = client.post(path, data={"csrf_token": csrf(client), "password": SHARE_PASSWORD})
    assert gone_post.status_code == 410
    listed = signed_in(app_client, world.a.email(Role.ADMIN)).get("/admin/shares")  # the old session idled out
    assert listed.text.count('data-status="expired"') == 1


def test_revoked_link_is_gone_and_only_its_admin_revokes(app_client: TestClient, world: World) -> None:
    a_admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(a_admin, period="all")
    share = share_id(app_client, path)

    for who in (world.b.email(Role.ADMIN), world.a.email(Role.EXECUTIVE)):
        assert post_form(signed_in(app_client, who), f"/admin/shares/{share}/revoke").status_code in (403, 404)
    assert visitor(app_client).get(path).status_code == 200

    revoked = post_form(a_admin, f"/admin/shares/{share}/revoke")
    assert revoked.status_code == 303
    gone = visitor(app_client).get(path)
    assert gone.status_code == 410
    assert "was revoked" in gone.text
    assert not tiles(gone.text)
    assert post_form(a_admin, f"/admin/shares/{share}/revoke").status_code == 404  # once
    entries = audit(app_client, world, "share.revoked")
    assert [(e.actor, e.detail) for e in entries] == [(f"user:{world.a.email(Role.ADMIN)}", f"shared link {share}")]


def test_unknown_token_is_a_plain_404(app_client: TestClient) -> None:
    client = visitor(app_client)
    for path in ("/share/" + "x" * 43, "/share/" + "y" * 500, "/share/short"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "no shared link at this address" in answer.text
        assert "<a " not in answer.text.split('<main id="main"')[1]
    assert client.post("/share/unknown", data={"csrf_token": csrf(client), "password": "x"}).status_code == 404


def test_token_and_pass_reach_nothing_else(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, password=SHARE_PASSWORD, program=world.a.programs[0], **FEBRUARY)
    token = path.rsplit("/", 1)[1]
    client = visitor(app_client)
    assert unlock(client, path).status_code == 303
    assert client.get(path).status_code == 200

    # other pages and twins, other filters, the API and the admin: as for anyone without a session
    for url in (
        "/",
        "/dashboards/executive",
        "/dashboards/programs?period=all",
        "/admin",
        "/admin/shares",
        "/timeline",
    ):
        answer = client.get(url, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/signin"), url
    for url in (
        "/dashboards/executive.json?period=all",
        "/dashboards/executive.csv?period=all",
        "/dashboards/executive.pdf?period=all",
        "/dashboards/programs.xlsx?period=all",
        "/api/v1/stats?period=all",
        "/api/v1/insights?period=all",
        "/recipient",
        "/recipient.json",
    ):
        assert client.get(url).status_code in (401, 403), url
    for suffix in (".json", ".csv", ".pdf", ".xlsx", "/executive", ".json?period=all", "/../../dashboards/executive"):
        assert client.get(path + suffix, follow_redirects=False).status_code in (303, 404), suffix
    # the token is no key
    bearer = {"Authorization": f"Bearer {token}"}
    assert visitor(app_client).get("/api/v1/stats?period=all", headers=bearer).status_code == 401
    assert visitor(app_client).get("/dashboards/executive.json?period=all", headers=bearer).status_code == 401


def test_links_stay_with_their_issuer(app_client: TestClient, world: World) -> None:
    a_path = create(signed_in(app_client, world.a.email(Role.ADMIN)), password=SHARE_PASSWORD, period="all")
    b_admin = signed_in(app_client, world.b.email(Role.ADMIN))
    b_path = create(b_admin, password=SHARE_PASSWORD, period="all")
    client = visitor(app_client)
    assert unlock(client, b_path).status_code == 303

    b_view = client.get(b_path)
    assert b_view.status_code == 200
    assert "Bravo Institute" in b_view.text
    assert "alpha-zq" not in b_view.text.lower()
    assert client.get(a_path).status_code == 401  # B's pass is no pass for A's link
    # B's admin neither lists nor revokes A's links, and A's program cannot be put in B's link
    assert share_id(app_client, a_path) not in b_admin.get("/admin/shares").text
    refused = post_form(b_admin, "/admin/shares", {"page": "executive", "days": "3", "program": world.a.programs[0]})
    assert refused.status_code == 422


def test_links_are_listed_and_audited(app_client: TestClient, world: World, clock: FakeClock) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(
        admin, page="market", program=world.a.programs[1], kind="badge", period="last_quarter", compare="previous"
    )
    share = share_id(app_client, path)
    listed = admin.get("/admin/shares").text
    row = listed.split(f'data-share="{share}"')[1].split("</tr>")[0]
    assert "Verification &amp; market" in row
    assert "Last quarter; compared with previous window; Alpha-zq Academy Program 2; badges" in row
    assert world.a.email(Role.ADMIN) in row
    assert "never" in row
    assert 'data-status="live"' in row

    clock.advance(minutes=5)
    client = visitor(app_client)
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    row = admin.get("/admin/shares").text.split(f'data-share="{share}"')[1].split("</tr>")[0]
    assert clock.now.strftime("%Y-%m-%d %H:%M") in row
    assert "never" not in row

    created = audit(app_client, world, "share.created")
    assert [(e.actor, e.detail) for e in created] == [
        (
            f"user:{world.a.email(Role.ADMIN)}",
            f"shared link {share}: Verification & market "
            f"(period=last_quarter&program={world.a.programs[1]}&kind=badge&compare=previous), 30 days",
        )
    ]
    viewed = audit(app_client, world, "share.viewed")
    assert len(viewed) == 2
    assert {e.actor for e in viewed} == {f"share:{share}"}
    # only the token's hash is stored
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    stored = warehouse.cursor().execute("SELECT * FROM shared_links").fetchall()
    assert path.rsplit("/", 1)[1] not in repr(stored)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"page": "compare"}, "choose a view to share"),
        ({"page": "insights"}, "choose a view to share"),
        ({"days": "0"}, "1 to 365 days"),
        ({"days": "366"}, "1 to 365 days"),
        ({"password": "short"}, "at least 12 characters"),
        ({"program": "alpha-zq-nope"}, "no program alpha-zq-nope"),
        ({"period": "", "from": "2026-03-01", "to": "2026-02-01"}, "before it starts"),
        ({"period": "", "from": "2026-02-30", "to": "2026-03-01"}, "is not a date"),
        ({"period": "fortnight"}, "period"),
        ({"kind": "diploma"}, "kind"),
    ],
)
def test_creation_refuses_what_would_not_work(
    app_client: TestClient, world: World, fields: dict[str, str], reason: str
) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    refused = post_form(admin, "/admin/shares", {"page": "executive", "days": "30", "period": "30d", **fields})
    assert refused.status_code == 422
    assert reason in refused.text
    assert app_client.app.state.warehouse.shares.links(world.a.issuer.issuer_id) == []  # type: ignore[attr-defined]


def test_only_admins_manage_links(app_client: TestClient, world: World) -> None:
    for role in (Role.EXECUTIVE, Role.PROGRAM_MANAGER):
        client = signed_in(app_client, world.a.email(role))
        assert client.get("/admin/shares").status_code == 403
        assert post_form(client, "/admin/shares", {"page": "executive", "period": "all"}).status_code == 403
    assert visitor(app_client).get("/admin/shares", follow_redirects=False).status_code == 303
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    assert 'href="/admin/shares"' in admin.get("/admin").text


def test_access_log_hides_share_tokens() -> None:
    assert redact("GET /share/Q7DANyud-NX_IW5w?period=all HTTP/1.1") == "GET /share/[redacted]?period=all HTTP/1.1"


def test_a_link_without_a_window_takes_the_pages_default(app_client: TestClient, world: World) -> None:
    admin = signed_in(app_client, world.a.email(Role.ADMIN))
    path = create(admin, period="", compare="")  # "Custom dates" with none given, no comparison
    links = app_client.app.state.warehouse.shares.links(world.a.issuer.issuer_id)  # type: ignore[attr-defined]
    assert [link.filters for link in links] == ["period=90d"]
    assert visitor(app_client).get(path).status_code == 200
