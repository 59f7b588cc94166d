"""Tenant isolation: every route, probed with issuer B's sessions, keys and links and issuer A's ids, finds
nothing of A and changes nothing of A. The routes come from the app's route table (tests/web/isolation.py).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credlens.access.links import RecipientClaim, make_token
from credlens.access.passwords import hash_password
from credlens.access.tokens import new_token, token_hash
from credlens.access.tracking import make_token as tracking_token
from credlens.domain.accounts import Role
from credlens.domain.schedules import Every
from credlens.privacy.pseudonyms import recipient_key
from credlens.store.warehouse import Warehouse
from credlens.web import sessions
from credlens.web.app import create_app
from credlens.web.deps import ReadIssuer, WarehouseDep
from credlens.web.security.headers import SECURITY_HEADERS
from tests.conftest import ingest
from tests.web.browser import csrf, open_link, sign_in
from tests.web.conftest import BASE_URL
from tests.web.isolation import Fillers, Principal, Probe, Uncovered, endpoints, leaks, run_probes, summary
from tests.web.world import A_ISSUED, PASSWORD, World

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
A_MARKERS = ("alpha-zq",)  # in A's slug, name, program ids and names, credential ids, user e-mails, recipients


def _live(client: TestClient, kind: str) -> bool:
    """Whether the client holds a live session of its own kind ("user" or "recipient"): a probe of
    ``/r/{token}`` replaces any session with a recipient's, a probe of ``/signout`` ends it."""
    token = client.cookies.get(sessions.COOKIE)
    if not token:
        return False
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    session = warehouse.accounts.session(token_hash(token))
    return session is not None and getattr(session, f"{kind}_id" if kind == "user" else "recipient_key") is not None


def _no_session(principal: Principal) -> None:
    """Anonymous and keyed principals hold no session: drop the one a probe of ``/r/{token}`` opened."""
    principal.client.cookies.delete(sessions.COOKIE)


def staff(app: FastAPI, name: str, email: str) -> Principal:
    client = TestClient(app, base_url=BASE_URL)

    def ensure(principal: Principal) -> None:
        if not _live(principal.client, "user"):  # ended by /signout, or replaced by /r/{token}: sign in again
            assert sign_in(principal.client, email).status_code == 303
            principal.csrf = csrf(principal.client)  # tokens are bound to the session

    principal = Principal(name, client, ensure)
    ensure(principal)
    return principal


def recipient(app: FastAPI, name: str, link: str) -> Principal:
    client = TestClient(app, base_url=BASE_URL)

    def ensure(principal: Principal) -> None:
        if not _live(principal.client, "recipient"):
            assert open_link(principal.client, link).status_code == 303
            principal.csrf = csrf(principal.client)

    principal = Principal(name, client, ensure)
    ensure(principal)
    return principal


def keyed(app: FastAPI, name: str, key: str) -> Principal:
    client = TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {key}"})
    return Principal(name, client, _no_session)


def link_for(client: TestClient, ingest_key: str, email: str) -> str:
    response = client.post(
        "/api/v1/recipient-links", json={"email": email}, headers={"Authorization": f"Bearer {ingest_key}"}
    )
    assert response.status_code == 200
    return str(response.json()["url"]).removeprefix(BASE_URL)


def forged_link(b_link: str, a_issuer_id: int, a_recipient_key: str) -> str:
    """A link claiming A's recipient of A's issuer, carrying the signature of B's genuine link."""
    signature = b_link.rsplit(".", 1)[1]
    claim = RecipientClaim(a_issuer_id, a_recipient_key, dt.datetime(2030, 1, 1))
    body = make_token(b"any key but the server's, so the body is well formed", claim).split(".")[0]
    return f"{body}.{signature}"


@dataclass(frozen=True)
class SharedLinks:
    a_ids: list[str]  # A's links (one with a password): B must neither see nor revoke them
    b_token: str  # B's own link, protected by PASSWORD: B's shared-link visitor holds its pass


def shared_links(client: TestClient, world: World) -> SharedLinks:
    """A's and B's shared links, made once per app (the snapshot must see A's before the probes run)."""
    state = client.app.state  # type: ignore[attr-defined]
    if not hasattr(state, "isolation_shares"):
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        until, protected = now + dt.timedelta(days=30), hash_password(PASSWORD)
        a, b = world.a.issuer.issuer_id, world.b.issuer.issuer_id
        a_ids = [
            state.warehouse.shares.create(
                a, token_hash(new_token()), "executive", "period=all", created_by="cli", now=now, expires_at=until,
                password_hash=password_hash,
            ).share_id
            for password_hash in (None, protected)
        ]  # fmt: skip
        b_token = new_token()
        state.warehouse.shares.create(
            b, token_hash(b_token), "executive", "period=all", created_by="cli", now=now, expires_at=until,
            password_hash=protected,
        )  # fmt: skip
        state.isolation_shares = SharedLinks(a_ids, b_token)
    found: SharedLinks = state.isolation_shares
    return found


def share_visitor(app: FastAPI, name: str, token: str) -> Principal:
    """A browser holding the pass of B's protected shared link, and nothing else."""
    client = TestClient(app, base_url=BASE_URL)
    page = client.get(f"/share/{token}")
    assert page.status_code == 401
    form = {"csrf_token": csrf(client, f"/share/{token}"), "password": PASSWORD}
    assert client.post(f"/share/{token}", data=form, follow_redirects=False).status_code == 303
    return Principal(name, client, _no_session)


def snapshot(client: TestClient, world: World) -> dict[str, Any]:
    """Everything of A that B could try to change."""
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    a_webhook(client, world)
    warehouse.fold()
    a = world.a.issuer.issuer_id
    own_pulls = f"key:{world.a.keys.read.split('_')[2]}"
    stats = client.get(
        "/api/v1/stats", params={"period": "all"}, headers={"Authorization": f"Bearer {world.a.keys.read}"}
    ).json()
    stats["query"].pop("generated_at")
    cursor = warehouse.cursor()
    return {
        "stats": stats,
        "users": warehouse.accounts.users(a),
        "keys": warehouse.api_keys(a),
        "schedules": warehouse.schedules.schedules(a),
        # less the exports this snapshot's own pulls of A's stats add (a pull is audited)
        "audit": [(e.actor, e.action, e.detail) for e in warehouse.audit_entries(a) if e.actor != own_pulls],
        "tables": {
            table: cursor.execute(f"SELECT count(*) FROM {table} WHERE issuer_id = ?", [a]).fetchall()
            for table in ("events", "credentials", "daily", "programs", "recipients", "user_programs", "invitations")
        },
        "shared_links": warehouse.shares.links(a),
        "credentials": cursor.execute(
            "SELECT sum(public_views), sum(owner_views), sum(shares) FROM credentials WHERE issuer_id = ?", [a]
        ).fetchall(),
        "webhooks": (warehouse.webhooks.subscriptions(a), warehouse.webhooks.attempts(a)),
    }


def a_schedule_id(client: TestClient, world: World) -> str:
    """A report schedule of A, for the Reports section's routes (made once, before the snapshot)."""
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    existing = warehouse.schedules.schedules(world.a.issuer.issuer_id)
    if existing:
        return str(existing[0].schedule_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    admin = [world.a.email(Role.ADMIN)]
    return str(
        warehouse.schedules.add(world.a.issuer.issuer_id, Every.MONTHLY, [], admin, now.date(), now, "test").schedule_id
    )


def a_webhook(client: TestClient, world: World) -> str:
    """A's webhook subscription (B may not test, remove or enable it), made once, before any snapshot."""
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    a_hook = "wh_isolation0a"
    if warehouse.webhooks.subscription(a_hook) is None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        hook_url, hook_types = "https://hooks.alpha-zq.example/", ["credential.issued"]
        warehouse.webhooks.add(a_hook, world.a.issuer.issuer_id, hook_url, hook_types, "v1:unused", now)
    return a_hook


def fillers(client: TestClient, world: World, b_link: str, shares: SharedLinks) -> Fillers:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    b_manager = world.b.users[Role.PROGRAM_MANAGER]
    b_invitation = new_token()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    warehouse.accounts.create_invitation(
        world.b.issuer.issuer_id, b_manager.user_id, token_hash(b_invitation), now, now + dt.timedelta(days=7)
    )
    a_recipient = recipient_key(warehouse.pseudonym_secret(world.a.issuer.issuer_id), email=world.a.recipient_email)
    a_hook = a_webhook(client, world)
    a_ids = {
        "schedule_id": [a_schedule_id(client, world)],
        "user_id": [u.user_id for u in world.a.users.values()],
        "key_id": world.a.key_ids,
        "program_id": world.a.programs,
        "credential_id": world.a.credentials[:2],
        "share_id": shares.a_ids,
        "sub_id": [a_hook],
    }
    secret: bytes = client.app.state.secret  # type: ignore[attr-defined]
    b_tracking = tracking_token(secret, world.b.issuer.issuer_id, world.b.credentials[0])
    return Fillers(
        path={
            **a_ids,
            # bearer-token routes: B's own genuine link, invitation and shared link, a link forged for A, garbage
            "token": [
                b_link.rsplit("/", 1)[1],
                b_invitation,
                shares.b_token,
                forged_link(b_link, world.a.issuer.issuer_id, a_recipient),
                "x" * 40,
                # tracking tokens (web/routes/tracking.py): B's genuine one, and one naming A's credential
                # that carries the signature of B's
                b_tracking,
                tracking_token(b"not the server's", world.a.issuer.issuer_id, world.a.credentials[0]).split(".")[0]
                + "."
                + b_tracking.split(".")[1],
            ],
            "channel": ["linkedin", "profile_added"],
            "file_format": ["pdf"],
        },
        query={"program": world.a.programs, "credential": world.a.credentials[:2]},
        plain_query={"period": ["all"]},
        form={
            "email": ["intruder@bravo.example"],
            "password": ["correct horse battery staple"],
            "confirm": ["correct horse battery staple"],
            "role": ["executive"],
            "kind": ["read"],
            "page": ["executive"],  # a shared link of A's programs (refused: B knows none of them)
            "days": ["3"],
            "program": world.a.programs,
            "every": ["weekly"],
            "to": [world.a.email(Role.ADMIN)],  # a schedule of B's reports sent to A's admin
            # the erasure and timeline forms: A's recipient (consenting, 4 credentials at A), typed twice
            "recipient_email": [world.a.recipient_email],
            "repeat": [world.a.recipient_email],
            **a_ids,
        },
        json_bodies=[
            {"email": world.a.recipient_email, "credential_id": world.a.credentials[0], "program": world.a.programs[0]},
            {"email": world.a.recipient_email},  # the erasure and timeline APIs take nothing else
            [
                {
                    "id": f"probe-{n}",
                    "type": "credential.viewed",
                    "occurred_at": "2026-02-12T09:00:00Z",
                    "credential_id": credential,
                    "actor": "public",
                }
                for n, credential in enumerate(world.a.credentials[:2])
            ],
        ],
    )


def probe_as_issuer_b(app_client: TestClient, world: World) -> tuple[list[Principal], list[Probe]]:
    """Every route, as each of B's principals, with A's ids and B's own (or forged) tokens."""
    app: FastAPI = app_client.app  # type: ignore[assignment]
    b_link = link_for(app_client, world.b.keys.ingest, world.b.recipient_email)
    shares = shared_links(app_client, world)
    principals = [
        Principal("anonymous", TestClient(app, base_url=BASE_URL), _no_session),
        staff(app, "B admin", world.b.email(Role.ADMIN)),
        staff(app, "B executive", world.b.email(Role.EXECUTIVE)),
        staff(app, "B program manager", world.b.email(Role.PROGRAM_MANAGER)),
        recipient(app, "B recipient link", b_link),
        keyed(app, "B read key", world.b.keys.read),
        keyed(app, "B ingest key", world.b.keys.ingest),
        share_visitor(app, "B shared link", shares.b_token),
    ]
    return principals, run_probes(app, principals, fillers(app_client, world, b_link, shares))


def leaked(probes: list[Probe]) -> dict[tuple[str, str, str, int], list[str]]:
    found = {(p.principal, p.endpoint, p.url, p.status): leaks(p, A_MARKERS, (A_ISSUED,)) for p in probes}
    return {k: v for k, v in found.items() if v}


@pytest.mark.slow
def test_no_route_shows_or_changes_anything_of_another_issuer(
    app_client: TestClient, world: World, record_property: Any
) -> None:
    app: FastAPI = app_client.app  # type: ignore[assignment]
    shares = shared_links(app_client, world)
    a_schedule_id(app_client, world)
    before = snapshot(app_client, world)

    principals, probes = probe_as_issuer_b(app_client, world)

    assert leaked(probes) == {}
    missing_headers = {
        (p.principal, p.endpoint, p.url)
        for p in probes
        if any(p.headers.get(name.lower()) != value for name, value in SECURITY_HEADERS.items())
    }
    assert missing_headers == set()
    assert not [p for p in probes if p.status >= 500]
    assert snapshot(app_client, world) == before
    # each principal kept its own identity on every route (a probe of /r/{token} must not turn B's staff
    # into B's recipient for the routes probed after it)
    status = {(p.principal, p.endpoint): p.status for p in probes}
    for who, endpoint in (("B admin", "GET /admin"), ("B admin", "GET /admin/erasure"), ("B admin", "GET /timeline")):
        assert status[(who, endpoint)] == 200, (who, endpoint)
    assert status[("B program manager", "GET /timeline")] == 200
    assert status[("anonymous", "GET /admin")] == status[("B read key", "GET /admin")] == 303
    # B's admin reached the erasure code with A's recipient (page and API) and erased nothing, at A or B;
    # nobody of B was shown a timeline of A's (consenting) recipient
    warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    b_audit = warehouse.audit_entries(world.b.issuer.issuer_id)
    b_erasures = [e for e in b_audit if e.action == "erasure"]
    assert len(b_erasures) >= 2
    assert all("credentials=0 events=0" in (e.detail or "") for e in b_erasures)
    assert not [e for e in b_audit if e.action == "recipient.timeline_viewed"]
    erased_by_api = [p for p in probes if p.principal == "B admin" and p.endpoint == "POST /api/v1/erasures"]
    assert [p.status for p in erased_by_api].count(200) == 1
    assert all(json.loads(p.text).get("found") is False for p in erased_by_api if p.status == 200)
    probed = {(p.principal, p.endpoint) for p in probes}
    assert probed == {(pr.name, str(e)) for pr in principals for e in endpoints(app)}  # every route, every principal
    # B's principals got real answers too, not only refusals: the probes reached the routes' code
    assert {p.principal for p in probes if p.status == 200} >= {
        "B admin",
        "B executive",
        "B read key",
        "B recipient link",
        "B shared link",
    }
    # B's shared link showed B's view to its visitor; A's links stayed live, unrevoked and unvisited
    shown = [p for p in probes if p.principal == "B shared link" and p.endpoint == "GET /share/{token}"]
    assert [p.url for p in shown if p.status == 200] == [f"/share/{shares.b_token}"]
    assert "Bravo Institute" in next(p.text for p in shown if p.status == 200)
    assert {link.share_id for link in before["shared_links"]} == set(shares.a_ids)
    assert all(link.revoked_at is None and link.last_used_at is None for link in before["shared_links"])

    report = summary(probes, app)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "isolation.json").write_text(json.dumps(report, indent=2) + "\n")
    record_property("isolation_routes", report["routes"])
    record_property("isolation_probes", report["probes"])
    print(
        f"\nisolation: {report['routes']} routes, {report['endpoints']} endpoints, {report['probes']} probes "
        f"by {len(principals)} principals of issuer B; statuses {report['statuses']}"
    )
    assert report["routes"] >= 20


@pytest.mark.slow
def test_the_suite_catches_a_route_that_forgets_the_issuer(app_client: TestClient, world: World) -> None:
    """Mutation check: a route added later that reads programs unscoped is probed unasked and caught."""
    app: FastAPI = app_client.app  # type: ignore[assignment]

    @app.get("/api/v1/careless-programs")
    def careless(issuer: ReadIssuer, warehouse: WarehouseDep) -> list[str]:
        del issuer  # the bug: the key's issuer is ignored
        return [row[0] for row in warehouse.cursor().execute("SELECT program_id FROM programs").fetchall()]

    _, probes = probe_as_issuer_b(app_client, world)
    assert {endpoint for (_, endpoint, _, _) in leaked(probes)} == {"GET /api/v1/careless-programs"}


def test_the_probes_would_see_a_leak(app_client: TestClient, world: World) -> None:
    """The control: A's own principals get answers the same check flags, so a clean run above means something."""
    app: FastAPI = app_client.app  # type: ignore[assignment]
    a_admin = staff(app, "A admin", world.a.email(Role.ADMIN))
    a_holder = recipient(app, "A recipient", link_for(app_client, world.a.keys.ingest, world.a.recipient_email))
    a_reader = keyed(app, "A read key", world.a.keys.read)
    for principal, url in ((a_admin, "/admin"), (a_holder, "/recipient"), (a_reader, "/api/v1/stats?period=all")):
        response = principal.client.get(url)
        probe = Probe(
            principal.name, f"GET {url}", url, response.status_code, response.text, dict(response.headers), ()
        )
        assert response.status_code == 200
        assert leaks(probe, A_MARKERS, (A_ISSUED,)), url


def test_a_route_the_probes_cannot_fill_fails_the_suite(settings: Any, world: World) -> None:
    app = create_app(settings)

    @app.get("/api/v1/mystery/{thing_id}")
    def mystery(thing_id: str) -> dict[str, str]:
        return {"thing": thing_id}

    known = {
        "token": ["x"],
        "user_id": ["u"],
        "key_id": ["k"],
        "channel": ["x"],
        "file_format": ["pdf"],
        "schedule_id": ["s"],
        "share_id": ["s"],
        "sub_id": ["s"],
    }
    with TestClient(app, base_url=BASE_URL), pytest.raises(Uncovered, match="thing_id"):
        run_probes(app, [Principal("anonymous", TestClient(app, base_url=BASE_URL))], Fillers(path=known))


def test_benchmark_surfaces_reveal_no_peer(data_dir: Path, settings: Any, world: World) -> None:
    """A is a peer of B (both Bootcamp): with four more bootcamps B gets a released benchmark; B's
    principals and those of C (another industry) ask every benchmark surface, with A's ids too, and
    find neither A's name, ids or issued count in any answer."""
    store = Warehouse(data_dir)
    for n in range(4):
        issuer, _ = store.create_issuer(f"filler-{n}", f"Filler {n}", industry="Bootcamp")
        events = [
            {"id": f"f{n}-{i}", "type": "credential.issued", "occurred_at": "2026-02-10T09:00:00Z",
             "credential_id": f"f{n}-c{i}", "program": {"id": "fp"}, "recipient": {"id": f"r{i}"}}
            for i in range(60 + n)
        ]  # fmt: skip
        assert ingest(store, issuer, events).rejections == []
    college, c_keys = store.create_issuer("college", "College", industry="Higher Education")
    c_admin = store.accounts.create_user(
        college.issuer_id, "admin@college.example", Role.ADMIN, [], dt.datetime(2026, 1, 1)
    )
    store.accounts.set_password(college.issuer_id, c_admin.user_id, hash_password(PASSWORD))
    store.close()
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        app: FastAPI = client.app  # type: ignore[assignment]
        principals = [
            staff(app, "B admin", world.b.email(Role.ADMIN)),
            staff(app, "B program manager", world.b.email(Role.PROGRAM_MANAGER)),
            keyed(app, "B read key", world.b.keys.read),
            staff(app, "C admin", "admin@college.example"),
            keyed(app, "C read key", c_keys.read),
        ]
        urls = ["/api/v1/benchmarks"] + [
            f"/dashboards/{p}{s}" for p in ("executive", "programs") for s in ("", ".json", ".csv")
        ]
        queries = [{"period": "all"}, {"period": "all", "program": world.b.programs[0]}]
        queries += [{"period": "all", "program": world.a.programs[0]}, {"from": "2026-02-01", "to": "2026-02-28"}]
        probes = []
        for principal in principals:
            for url in urls:
                for query in queries:
                    response = principal.client.get(url, params=query, follow_redirects=False)
                    sent = tuple(str(v) for v in query.values())
                    probes.append(
                        Probe(
                            principal.name, url, url, response.status_code, response.text, dict(response.headers), sent
                        )
                    )
        assert not [p for p in probes if p.status >= 500]
        assert leaked(probes) == {}
        released = [
            p for p in probes if p.principal == "B read key" and p.status == 200 and p.url == "/api/v1/benchmarks"
        ]
        assert any(json.loads(p.text)["benchmarks"]["view_rate"]["peers"] is not None for p in released)
        assert {p.status for p in probes if p.principal.startswith("C")} >= {200}
