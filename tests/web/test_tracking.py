"""The tracking script and links (docs/tracking.md), in process: tokens, the visitor window, the bot
filter, rate limits, each /t/ route's event and redirect, and the JSON of both link-giving surfaces.
The same in a real Chromium: tests/browser/test_tracking.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credlens.access.tokens import b64decode, b64encode
from credlens.access.tracking import (
    DOWNLOAD_FORMATS,
    SHARE_CHANNELS,
    TrackingError,
    make_token,
    read_token,
)
from credlens.access.visits import TokenLimiter, Visits, is_bot
from credlens.cli.main import app as cli_app
from credlens.config import Settings
from credlens.domain.issuers import NewKeys
from credlens.store.targets import save_targets
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.web.browser import open_link
from tests.web.conftest import BASE_URL, TEST_SECRET, FakeClock
from tests.web.world import World

SECRET = TEST_SECRET.encode()
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
KEYS = {"token", "script", "view", "owner_view", "share", "download", "verify"}


# -- tokens -----------------------------------------------------------------------------------


def test_a_token_names_its_issuer_and_credential_and_the_owner_token_is_apart() -> None:
    public, owner = make_token(SECRET, 7, "cred-1"), make_token(SECRET, 7, "cred-1", owner=True)
    assert public != owner
    assert read_token(SECRET, public) == read_token(SECRET, owner).__class__(7, "cred-1", False)
    assert read_token(SECRET, owner).owner


def _tampered(token: str, **changes: Any) -> str:
    body, _, signature = token.partition(".")
    payload = json.loads(b64decode(body)) | changes
    return b64encode(json.dumps(payload, separators=(",", ":")).encode()) + "." + signature


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: _tampered(t, c="cred-2"),  # another credential
        lambda t: _tampered(t, i=8),  # another issuer
        lambda t: _tampered(t, o=1),  # the public token made the owner's
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
        lambda t: t.partition(".")[0],  # no signature
        lambda t: make_token(b"another-secret-of-another-instance-00", 7, "cred-1"),
        lambda t: "x" * 700,
        lambda t: "not-a-token",
    ],
)
def test_a_forged_or_altered_token_is_refused(forge: Any) -> None:
    with pytest.raises(TrackingError):
        read_token(SECRET, forge(make_token(SECRET, 7, "cred-1")))


def test_a_token_needs_a_contract_credential_id() -> None:
    with pytest.raises(TrackingError):
        make_token(SECRET, 7, "has space")


# -- the visitor window, bots, rate limits ----------------------------------------------------

T0 = dt.datetime(2026, 3, 2, 10, 0)


def test_a_visitor_counts_once_per_30_minutes_per_credential() -> None:
    visits = Visits()
    first = visits.count("203.0.113.9", BROWSER, "1\x1fcred-1\x1fpublic", T0)
    assert first is not None
    assert visits.count("203.0.113.9", BROWSER, "1\x1fcred-1\x1fpublic", T0 + dt.timedelta(minutes=29)) is None
    assert visits.count("203.0.113.9", BROWSER, "1\x1fcred-2\x1fpublic", T0 + dt.timedelta(minutes=1)) is not None
    assert visits.count("203.0.113.9", BROWSER + "x", "1\x1fcred-1\x1fpublic", T0) is not None
    assert visits.count("203.0.113.10", BROWSER, "1\x1fcred-1\x1fpublic", T0) is not None
    again = visits.count("203.0.113.9", BROWSER, "1\x1fcred-1\x1fpublic", T0 + dt.timedelta(minutes=30))
    assert again is not None
    assert again != first  # a new window, a new event id


def test_the_window_keys_are_forgotten_at_the_days_turn() -> None:
    visits = Visits()
    late = dt.datetime(2026, 3, 2, 23, 50)
    assert visits.count("203.0.113.9", BROWSER, "c", late) is not None
    key = visits._key
    assert visits.count("203.0.113.9", BROWSER, "c", late + dt.timedelta(minutes=20)) is not None
    assert visits._key != key
    assert len(visits._seen) == 1
    # neither the address nor the user agent is held, only keyed digests
    assert all(b"203.0.113.9" not in k and BROWSER.encode() not in k for k in visits._seen)


def test_memory_is_bounded() -> None:
    visits = Visits(max_entries=10)
    for n in range(100):
        visits.count(f"198.51.100.{n}", BROWSER, "c", T0)
    assert len(visits._seen) == 10


@pytest.mark.parametrize(
    ("agent", "bot"),
    [
        (BROWSER, False),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Safari", False),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", True),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", True),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36", True),
        ("python-requests/2.32", True),
        ("", True),
    ],
)
def test_known_bots_are_recognized(agent: str, bot: bool) -> None:
    assert is_bot(agent) is bot


def test_a_token_is_rate_limited_and_refilled() -> None:
    limiter = TokenLimiter(burst=3, per_minute=60)
    assert [limiter.allow("t", T0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("u", T0)  # another token has its own bucket
    assert limiter.allow("t", T0 + dt.timedelta(seconds=1))
    assert not limiter.allow("t", T0 + dt.timedelta(seconds=1))


# -- the routes -------------------------------------------------------------------------------

PAGE = "https://academy.example/credentials/{credential_id}"
DOWNLOAD = "https://academy.example/files/{credential_id}.{format}"
VERIFY = "https://academy.example/verify/{credential_id}"


@pytest.fixture
def tracked(settings: Settings, keys: dict[str, NewKeys], clock: FakeClock) -> Iterator[TestClient]:
    store = Warehouse(settings.data_dir)
    try:
        issuer = store.issuer("acme")
        assert issuer is not None
        changes = {"page_url": PAGE, "download_url": DOWNLOAD, "verify_url": VERIFY}
        save_targets(store, issuer.issuer_id, dict(changes), actor="test")
    finally:
        store.close()
    with TestClient(create_app(settings, clock=clock), base_url=BASE_URL, headers={"User-Agent": BROWSER}) as client:
        yield client


def _links(client: TestClient, key: str, credential: str = "cred-1") -> dict[str, Any]:
    response = client.post(
        "/api/v1/tracking-links", json={"credential_id": credential}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _events(client: TestClient) -> list[dict[str, Any]]:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    cursor = warehouse.cursor()
    rows = cursor.execute(
        "SELECT event_id, type, credential_id, actor, channel, format, platform, referrer_domain, "
        "verifier_consent, verifier_organization, verifier_industry, verifier_size, verifier_country "
        "FROM events ORDER BY seq"
    )
    names = [d[0] for d in rows.description]
    return [dict(zip(names, row, strict=True)) for row in rows.fetchall()]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_api_gives_every_link_as_json(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    body = _links(tracked, keys["acme"].ingest)
    assert set(body) == KEYS
    token = body["token"]
    assert body["script"] == f"{BASE_URL}/t/credlens.js"
    assert body["view"] == f"{BASE_URL}/t/p/{token}"
    owner = body["owner_view"].rsplit("/", 1)[1]
    assert owner != token
    assert read_token(SECRET, owner).owner
    assert not read_token(SECRET, token).owner
    assert body["share"] == {c: f"{BASE_URL}/t/s/{token}/{c}" for c in SHARE_CHANNELS}
    assert body["download"] == {f: f"{BASE_URL}/t/d/{token}/{f}" for f in DOWNLOAD_FORMATS}
    assert body["verify"] == f"{BASE_URL}/t/v/{token}"


def test_the_api_needs_the_ingest_key_and_a_valid_id(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    refused = tracked.post("/api/v1/tracking-links", json={"credential_id": "c"})
    assert refused.status_code == 401
    read = tracked.post(
        "/api/v1/tracking-links", json={"credential_id": "c"}, headers={"Authorization": f"Bearer {keys['acme'].read}"}
    )
    assert read.status_code == 401
    bad = tracked.post(
        "/api/v1/tracking-links",
        json={"credential_id": "not valid"},
        headers={"Authorization": f"Bearer {keys['acme'].ingest}"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_credential"
    for body in ({}, {"credential_id": "a", "credential": "b"}):
        refused = tracked.post(
            "/api/v1/tracking-links", json=body, headers={"Authorization": f"Bearer {keys['acme'].ingest}"}
        )
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_credential")
    named = tracked.post(
        "/api/v1/tracking-links",
        json={"credential": "cred-1"},
        headers={"Authorization": f"Bearer {keys['acme'].ingest}"},
    )
    assert named.json()["token"] == _links(tracked, keys["acme"].ingest)["token"]


def test_the_command_gives_the_same_json(settings: Settings, keys: dict[str, NewKeys]) -> None:
    env = {"CREDLENS_DATA_DIR": str(settings.data_dir), "CREDLENS_SECRET_KEY": TEST_SECRET}
    result = CliRunner().invoke(cli_app, ["tracking-links", "--issuer", "acme", "--credential", "cred-1"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == KEYS
    assert set(body["share"]) == set(SHARE_CHANNELS)
    assert set(body["download"]) == set(DOWNLOAD_FORMATS)
    assert body["view"].endswith("/t/p/" + body["token"])
    store = Warehouse(settings.data_dir)
    try:
        issuer = store.issuer("acme")
        assert issuer is not None
        assert read_token(SECRET, body["token"]).issuer_id == issuer.issuer_id
    finally:
        store.close()
    unknown = CliRunner().invoke(cli_app, ["tracking-links", "--issuer", "nobody", "--credential", "c"], env=env)
    assert unknown.exit_code != 0


def test_set_tracking_checks_its_templates(settings: Settings, keys: dict[str, NewKeys]) -> None:
    env = {"CREDLENS_DATA_DIR": str(settings.data_dir), "CREDLENS_SECRET_KEY": TEST_SECRET}
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["issuer", "set-tracking", "acme", "--page-url", PAGE], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["page_url"] == PAGE
    for bad in ("javascript:alert(1)", "https://x.example/{user}", "/relative/{credential_id}"):
        refused = runner.invoke(cli_app, ["issuer", "set-tracking", "acme", "--verify-url", bad], env=env)
        assert refused.exit_code == 1, bad
    shown = runner.invoke(cli_app, ["issuer", "set-tracking", "acme"], env=env)
    assert json.loads(shown.output) == {"page_url": PAGE, "download_url": None, "verify_url": None}


def test_the_script_is_small_cached_and_javascript(tracked: TestClient) -> None:
    response = tracked.get("/t/credlens.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=604800"
    assert len(response.content) < 4096
    assert "set-cookie" not in response.headers


def test_views_count_once_per_visitor_and_window(
    tracked: TestClient, keys: dict[str, NewKeys], clock: FakeClock
) -> None:
    links = _links(tracked, keys["acme"].ingest)
    clock.advance(minutes=-45)
    for _ in range(3):  # a page and two reloads
        assert tracked.get(_path(links["view"]) + "?ref=www.LinkedIn.com").status_code == 204
    assert tracked.get(_path(links["owner_view"])).status_code == 204
    clock.advance(minutes=31)
    assert tracked.get(_path(links["view"])).status_code == 204  # a new window
    assert tracked.get(_path(links["view"]), headers={"User-Agent": BROWSER + " Edg/131"}).status_code == 204
    views = [(e["actor"], e["referrer_domain"]) for e in _events(tracked)]
    assert views == [("public", "www.linkedin.com"), ("owner", None), ("public", None), ("public", None)]
    assert len({e["event_id"] for e in _events(tracked)}) == 4


def test_bots_are_not_counted(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    links = _links(tracked, keys["acme"].ingest)
    for agent in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "LinkedInBot/1.0", ""):
        assert tracked.get(_path(links["view"]), headers={"User-Agent": agent}).status_code == 204
        share = tracked.get(_path(links["share"]["linkedin"]), headers={"User-Agent": agent}, follow_redirects=False)
        assert share.status_code == 303  # the click still leads on
    assert _events(tracked) == []


def test_a_forged_token_is_refused_and_records_nothing(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    links = _links(tracked, keys["acme"].ingest)
    forged = _tampered(links["token"], c="cred-2")
    owner_forged = _tampered(links["token"], o=1)
    for url in (
        f"/t/p/{forged}",
        f"/t/p/{owner_forged}",
        f"/t/s/{forged}/linkedin",
        f"/t/d/{forged}/pdf",
        f"/t/v/{forged}",
        f"/t/v/{forged}/continue",
    ):
        response = tracked.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "invalid_token"
        assert "set-cookie" not in response.headers
    assert _events(tracked) == []


def test_share_download_and_verify_record_one_event_per_click(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    links = _links(tracked, keys["acme"].ingest)
    page = "https://academy.example/credentials/cred-1"
    expected = {
        "linkedin": ("www.linkedin.com", "/sharing/share-offsite/", {"url": [page]}),
        "facebook": ("www.facebook.com", "/sharer/sharer.php", {"u": [page]}),
        "link": ("academy.example", "/credentials/cred-1", {}),
    }
    for channel, (host, path, query) in expected.items():
        response = tracked.get(_path(links["share"][channel]), follow_redirects=False)
        assert response.status_code == 303
        target = urlsplit(response.headers["location"])
        assert (target.hostname, target.path) == (host, path)
        assert {k: v for k, v in parse_qs(target.query).items() if k in query} == query
    added = tracked.get(_path(links["share"]["profile_added"]), follow_redirects=False)
    target = urlsplit(added.headers["location"])
    assert (target.hostname, target.path) == ("www.linkedin.com", "/profile/add")
    assert parse_qs(target.query)["startTask"] == ["CERTIFICATION_NAME"]
    assert parse_qs(target.query)["certUrl"] == [page]
    mail = tracked.get(_path(links["share"]["email"]), follow_redirects=False)
    assert mail.headers["location"].startswith("mailto:?subject=")
    download = tracked.get(_path(links["download"]["pdf"]), follow_redirects=False)
    assert download.headers["location"] == "https://academy.example/files/cred-1.pdf"
    owner = links["owner_view"].rsplit("/", 1)[1]
    tracked.get(f"/t/d/{owner}/png", follow_redirects=False)
    tracked.get(_path(links["share"]["linkedin"]), follow_redirects=False)  # a second click, a second event
    events = _events(tracked)
    assert [(e["type"], e["channel"] or e["format"] or e["platform"], e["actor"]) for e in events] == [
        ("credential.shared", "linkedin", "public"),
        ("credential.shared", "facebook", "public"),
        ("credential.shared", "link", "public"),
        ("credential.profile_added", "linkedin", None),
        ("credential.shared", "email", "public"),
        ("credential.downloaded", "pdf", "public"),
        ("credential.downloaded", "png", "owner"),
        ("credential.shared", "linkedin", "public"),
    ]
    assert len({e["event_id"] for e in events}) == len(events)


def test_the_verification_page_keeps_an_organization_only_with_consent(
    tracked: TestClient, keys: dict[str, NewKeys]
) -> None:
    links = _links(tracked, keys["acme"].ingest)
    page = tracked.get(_path(links["verify"]))
    assert page.status_code == 200
    assert 'name="consent"' in page.text
    assert "form-action 'self' https://academy.example" in page.headers["content-security-policy"]
    assert "set-cookie" not in page.headers
    go = _path(links["verify"]) + "/continue"
    fields = {"industry": "finance", "size": "51-200", "country": "DE", "organization": "Northwind Capital"}
    without = tracked.get(go, params=fields, follow_redirects=False)
    assert without.status_code == 303
    assert without.headers["location"] == "https://academy.example/verify/cred-1"
    tracked.get(go, params=fields | {"consent": "1"}, follow_redirects=False)
    tracked.get(go, follow_redirects=False)  # nothing given
    bad = tracked.get(go, params={"size": "huge"}, follow_redirects=False)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_verifier"
    events = _events(tracked)
    assert [
        (e["verifier_consent"], e["verifier_organization"], e["verifier_industry"], e["verifier_size"]) for e in events
    ] == [
        (False, None, "finance", "51-200"),
        (True, "Northwind Capital", "finance", "51-200"),
        (False, None, None, None),
    ]
    assert {e["verifier_country"] for e in events} == {"DE", None}


def test_unconfigured_targets_and_unknown_channels_are_refused(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    links = _links(tracked, keys["globex"].ingest)  # globex has set no target
    assert tracked.get(_path(links["share"]["linkedin"]), follow_redirects=False).status_code == 409
    assert tracked.get(_path(links["download"]["pdf"]), follow_redirects=False).status_code == 409
    assert tracked.get(_path(links["verify"]), follow_redirects=False).status_code == 409
    acme = _links(tracked, keys["acme"].ingest)
    assert tracked.get(f"/t/s/{acme['token']}/myspace", follow_redirects=False).status_code == 404
    assert tracked.get(f"/t/d/{acme['token']}/docx", follow_redirects=False).status_code == 404
    assert _events(tracked) == []


def test_a_hammered_token_is_rate_limited(tracked: TestClient, keys: dict[str, NewKeys]) -> None:
    links = _links(tracked, keys["acme"].ingest)
    statuses = [tracked.get(_path(links["share"]["link"]), follow_redirects=False).status_code for _ in range(70)]
    assert statuses.count(303) == 60
    assert statuses[-1] == 429
    assert len(_events(tracked)) == 60
    other = _links(tracked, keys["acme"].ingest, "cred-2")
    assert tracked.get(_path(other["share"]["link"]), follow_redirects=False).status_code == 303


def test_no_tracking_route_sets_a_cookie_or_keeps_the_client(
    tracked: TestClient, keys: dict[str, NewKeys], settings: Settings
) -> None:
    links = _links(tracked, keys["acme"].ingest)
    urls = [links["script"], links["view"], links["owner_view"], links["verify"], links["verify"] + "/continue"]
    urls += [*links["share"].values(), *links["download"].values()]
    agent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 TrackedClientUA-7Q3Z"
    for url in urls:
        response = tracked.get(_path(url), headers={"User-Agent": agent}, follow_redirects=False)
        assert response.status_code in (200, 204, 303), url
        assert "set-cookie" not in response.headers, url
    assert len(_events(tracked)) == 2 + 1 + len(SHARE_CHANNELS) + len(DOWNLOAD_FORMATS)
    stored = b"".join(p.read_bytes() for p in Path(settings.data_dir).iterdir() if p.is_file())
    assert b"TrackedClientUA-7Q3Z" not in stored
    assert b"testclient" not in stored  # TestClient's client address


def test_the_recipients_own_page_hands_out_the_owner_token(
    app_client: TestClient, world: World, clock: FakeClock
) -> None:
    """The recipient link (/r/…) is the recipient's own: its page links each credential's page with
    the owner's token, and only there; without a page URL set it shows none."""
    clock.now = dt.datetime(2026, 3, 1, 12, 0)
    made = app_client.post(
        "/api/v1/recipient-links",
        json={"email": "learner0@alpha-zq.example"},
        headers={"Authorization": f"Bearer {world.a.keys.ingest}"},
    )
    holder = TestClient(app_client.app, base_url=BASE_URL)
    open_link(holder, made.json()["url"])
    assert "credlens_owner" not in holder.get("/recipient").text
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    save_targets(warehouse, world.a.issuer.issuer_id, {"page_url": PAGE}, actor="test")
    page = holder.get("/recipient").text
    owners = re.findall(r'href="https://academy\.example/credentials/([^"?]+)\?credlens_owner=([^"]+)"', page)
    assert len(owners) == 4  # learner0 holds four credentials
    for credential, token in owners:
        claim = read_token(SECRET, token)
        assert (claim.issuer_id, claim.credential_id, claim.owner) == (world.a.issuer.issuer_id, credential, True)
