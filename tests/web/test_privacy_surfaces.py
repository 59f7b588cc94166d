"""The privacy operations on the web: erasure from the admin page and the API, recipient timelines for staff.

Through the real app over the two-issuer world (tests/web/world.py). In issuer A ("alpha-zq"),
``learner0`` holds 4 credentials of program p1 and consents to detailed tracking, ``learner1`` holds 4
of p2 and does not, ``learner3`` holds 4 of p2 and consents; the program manager has p1.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from credlens.privacy.consent import REFUSAL
from tests.factories import to_body
from tests.web.browser import csrf, open_link, post_form, sign_in
from tests.web.conftest import BASE_URL
from tests.web.test_isolation import link_for
from tests.web.world import A_ISSUED, World

LEARNER0 = "learner0@alpha-zq.example"  # 4 credentials of p1, consents
LEARNER1 = "learner1@alpha-zq.example"  # 4 credentials of p2, does not consent
LEARNER3 = "learner3@alpha-zq.example"  # 4 credentials of p2, consents
GENDER = "zq-gender-marker"
AGE = "25-34"


def issued(client: TestClient, world: World) -> Any:
    """`issued` of A over all time, read as `credlens query` / a read key reads it."""
    response = client.get(
        "/api/v1/stats", params={"period": "all"}, headers={"Authorization": f"Bearer {world.a.keys.read}"}
    )
    assert response.status_code == 200
    return response.json()["metrics"]["issued"]["value"]


def counts(client: TestClient, world: World) -> tuple[int, int, int]:
    """A's credentials, events and recipients, straight from the store."""
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]
    warehouse.fold()
    a = world.a.issuer.issuer_id
    cursor = warehouse.cursor()
    row = [cursor.execute(f"SELECT count(*) FROM {t} WHERE issuer_id = ?", [a]).fetchall()[0][0] for t in TABLES]
    return row[0], row[1], row[2]


TABLES = ("credentials", "events", "recipients")


def audit(client: TestClient, world: World) -> list[tuple[str, str, str | None]]:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    return [(e.actor, e.action, e.detail) for e in warehouse.audit_entries(world.a.issuer.issuer_id)]


def as_role(client: TestClient, world: World, role: Role) -> TestClient:
    assert sign_in(client, world.a.email(role)).status_code == 303
    return client


def api(client: TestClient, path: str, body: Any, *, token: bool = True) -> Any:
    headers = {"X-CSRF-Token": csrf(client)} if token else {}
    return client.post(path, json=body, headers=headers)


def send(client: TestClient, world: World, events: list[dict[str, Any]]) -> None:
    auth = {"Authorization": f"Bearer {world.a.keys.ingest}", "Content-Type": "application/json"}
    response = client.post("/api/v1/events", content=to_body(events), headers=auth)
    assert response.status_code == 200, response.text
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]


def issuance(event_id: str, credential: str, program: str, recipient: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "credential.issued",
        "occurred_at": "2026-03-01T09:00:00Z",
        "credential_id": credential,
        "program": {"id": program},
        "recipient": recipient,
    }


# -- erasure from the admin page -------------------------------------------------------------------


def test_an_admin_erases_a_recipient_from_the_admin_page_and_metrics_stop_counting_them(
    app_client: TestClient, world: World
) -> None:
    before = counts(app_client, world)
    assert issued(app_client, world) == A_ISSUED
    as_role(app_client, world, Role.ADMIN)
    assert 'href="/admin/erasure"' in app_client.get("/admin").text
    page = app_client.get("/admin/erasure")
    assert page.status_code == 200
    assert 'name="repeat"' in page.text

    typo = post_form(app_client, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": "learner9@alpha-zq.example"})
    assert typo.status_code == 422
    assert "confirmation differs" in typo.text
    assert LEARNER0 not in typo.text  # the form is not refilled with the identifier
    neither = post_form(app_client, "/admin/erasure", {"repeat": LEARNER0})
    both = post_form(app_client, "/admin/erasure", {"recipient_email": LEARNER0, "earner_id": "E-1", "repeat": "E-1"})
    assert neither.status_code == both.status_code == 422
    assert counts(app_client, world) == before  # nothing erased by a refused form

    done = post_form(
        app_client, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": " Learner0@Alpha-ZQ.example"}
    )
    assert done.status_code == 200
    assert "Erased" in done.text
    assert '<th scope="row">credentials</th><td class="num">4</td>' in done.text
    assert "learner0" not in done.text.lower()  # counts only

    assert issued(app_client, world) == A_ISSUED - 4
    credentials, events, recipients = counts(app_client, world)
    assert (credentials, recipients) == (before[0] - 4, before[2] - 1)
    assert events == before[1] - 8  # 4 issuances, and a public view of each (even-numbered credentials)
    erasures = [e for e in audit(app_client, world) if e[1] == "erasure"]
    assert len(erasures) == 1
    actor, _, detail = erasures[0]
    assert actor == "user:admin@alpha-zq.example"
    assert detail is not None
    assert "credentials=4" in detail
    assert "learner0" not in detail.lower()
    # the server keeps working on the rewritten file: sessions, pages, the consent figure
    admin_page = app_client.get("/admin")
    assert admin_page.status_code == 200
    assert f"of {before[2] - 1} recipients opted in" in admin_page.text

    again = post_form(app_client, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": LEARNER0})
    assert again.status_code == 200
    assert "Nothing found" in again.text


def test_the_erasure_page_by_earner_id(app_client: TestClient, world: World) -> None:
    send(app_client, world, [issuance("zq-e1", "zq-earner-cred", "alpha-zq-p1", {"id": "E-77"})])
    assert issued(app_client, world) == A_ISSUED + 1
    as_role(app_client, world, Role.ADMIN)
    assert post_form(app_client, "/admin/erasure", {"earner_id": "E-77", "repeat": "e-77"}).status_code == 422
    done = post_form(app_client, "/admin/erasure", {"earner_id": "E-77", "repeat": "E-77"})
    assert done.status_code == 200
    assert "E-77" not in done.text
    assert issued(app_client, world) == A_ISSUED


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.PROGRAM_MANAGER])
def test_only_admins_erase_from_the_page(app_client: TestClient, world: World, role: Role) -> None:
    before = counts(app_client, world)
    as_role(app_client, world, role)
    assert app_client.get("/admin/erasure").status_code == 403
    refused = post_form(app_client, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": LEARNER0})
    assert refused.status_code == 403
    assert "only an admin" in refused.text
    assert counts(app_client, world) == before
    assert not [e for e in audit(app_client, world) if e[1] == "erasure"]


def test_recipients_and_visitors_cannot_erase(app_client: TestClient, world: World) -> None:
    before = counts(app_client, world)
    visitor = app_client.post(
        "/admin/erasure", data={"csrf_token": csrf(app_client), "recipient_email": LEARNER0, "repeat": LEARNER0}
    )
    assert visitor.history
    assert visitor.history[0].headers["location"] == "/signin"
    holder = TestClient(app_client.app, base_url=BASE_URL)
    assert open_link(holder, link_for(app_client, world.a.keys.ingest, LEARNER1)).status_code == 303
    refused = post_form(holder, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": LEARNER0})
    assert refused.status_code == 403
    assert api(holder, "/api/v1/erasures", {"email": LEARNER0}).status_code == 403
    assert counts(app_client, world) == before


def test_the_erasure_form_needs_its_csrf_token(app_client: TestClient, world: World) -> None:
    before = counts(app_client, world)
    as_role(app_client, world, Role.ADMIN)
    forged = app_client.post("/admin/erasure", data={"recipient_email": LEARNER0, "repeat": LEARNER0})
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    wrong = app_client.post(
        "/admin/erasure", data={"csrf_token": "x" * 40, "recipient_email": LEARNER0, "repeat": LEARNER0}
    )
    assert wrong.status_code == 403
    assert counts(app_client, world) == before


# -- erasure through the API ------------------------------------------------------------------------


def test_an_admin_session_erases_through_the_api(app_client: TestClient, world: World) -> None:
    send(app_client, world, [issuance("zq-e2", "zq-earner-cred-2", "alpha-zq-p2", {"id": "E-88"})])
    as_role(app_client, world, Role.ADMIN)
    by_email = api(app_client, "/api/v1/erasures", {"email": LEARNER0})
    assert by_email.status_code == 202  # hidden from every read now, bytes purged by the deadline
    report = by_email.json()
    assert (report["found"], report["hidden"]) == (True, True)
    assert (report["credentials"], report["recipients"], report["purged"]) == (4, 1, False)
    assert report["purge_due"] is not None
    assert LEARNER0 not in by_email.text
    status = app_client.get("/api/v1/erasures/purge").json()
    assert (status["purge_pending"], status["purge_queued"], status["purge_due"]) == (True, 1, report["purge_due"])
    by_earner = api(app_client, "/api/v1/erasures", {"earner_id": "E-88", "purge_now": True})
    assert (by_earner.status_code, by_earner.json()["credentials"], by_earner.json()["purged"]) == (200, 1, True)
    assert by_earner.json()["purge_due"] is None
    assert app_client.get("/api/v1/erasures/purge").json()["purge_pending"] is False  # the one purge took both
    nobody = api(app_client, "/api/v1/erasures", {"email": "nobody@alpha-zq.example"})
    assert (nobody.status_code, nobody.json()["found"], nobody.json()["credentials"]) == (200, False, 0)
    assert issued(app_client, world) == A_ISSUED - 4
    erasures = [e for e in audit(app_client, world) if e[1] == "erasure"]
    assert len(erasures) == 3
    assert {e[0] for e in erasures} == {"user:admin@alpha-zq.example"}
    assert all("learner0" not in (e[2] or "") and "E-88" not in (e[2] or "") for e in erasures)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        [{"email": LEARNER0}],
        {},
        {"email": LEARNER0, "earner_id": "E-1"},
        {"email": LEARNER0, "credential_id": "alpha-zq-c000"},
        {"email": "no-at-sign"},
        {"earner_id": "  "},
        {"email": 42},
    ],
)
def test_the_erasure_api_refuses_bad_bodies_with_400(app_client: TestClient, world: World, body: Any) -> None:
    before = counts(app_client, world)
    as_role(app_client, world, Role.ADMIN)
    headers = {"X-CSRF-Token": csrf(app_client)}
    if isinstance(body, str):
        response = app_client.post("/api/v1/erasures", content=body, headers=headers)
    else:
        response = app_client.post("/api/v1/erasures", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert counts(app_client, world) == before


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.PROGRAM_MANAGER])
def test_only_admins_erase_through_the_api(app_client: TestClient, world: World, role: Role) -> None:
    as_role(app_client, world, role)
    refused = api(app_client, "/api/v1/erasures", {"email": LEARNER0})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    assert issued(app_client, world) == A_ISSUED


def test_keys_cannot_erase_and_cookies_need_the_csrf_header(app_client: TestClient, world: World) -> None:
    assert app_client.post("/api/v1/erasures", json={"email": LEARNER0}).status_code == 401  # nobody
    assert app_client.post("/api/v1/erasures", content="not json").status_code == 401  # who, before what
    for key in (world.a.keys.read, world.a.keys.ingest):
        keyed = app_client.post(
            "/api/v1/erasures", json={"email": LEARNER0}, headers={"Authorization": f"Bearer {key}"}
        )
        assert (keyed.status_code, keyed.json()["error"]["code"]) == (403, "forbidden")
    bogus = app_client.post("/api/v1/erasures", json={"email": LEARNER0}, headers={"Authorization": "Bearer cl_x_y_z"})
    assert bogus.status_code == 401
    as_role(app_client, world, Role.ADMIN)
    no_token = api(app_client, "/api/v1/erasures", {"email": LEARNER0}, token=False)
    assert (no_token.status_code, no_token.json()["error"]["code"]) == (403, "csrf_failed")
    # an admin's cookie beside a read key: the key decides, and keys do not erase
    both = app_client.post(
        "/api/v1/erasures", json={"email": LEARNER0}, headers={"Authorization": f"Bearer {world.a.keys.read}"}
    )
    assert both.status_code == 403
    assert issued(app_client, world) == A_ISSUED
    assert not [e for e in audit(app_client, world) if e[1] == "erasure"]


# -- recipient timelines ----------------------------------------------------------------------------


def test_an_admin_sees_a_consenting_recipients_timeline_without_demographics(
    app_client: TestClient, world: World
) -> None:
    demographics = {"gender": GENDER, "age_band": AGE}
    recipient = {
        "email": "zq-new@alpha-zq.example",
        "consent": {"detailed_tracking": True},
        "demographics": demographics,
    }
    send(app_client, world, [issuance("zq-d1", "zq-demo-cred", "alpha-zq-p1", recipient)])
    as_role(app_client, world, Role.ADMIN)
    assert app_client.get("/timeline").status_code == 200
    shown = post_form(app_client, "/timeline", {"recipient_email": "zq-new@alpha-zq.example"})
    assert shown.status_code == 200
    assert "zq-demo-cred" in shown.text
    assert "credential.issued" in shown.text
    assert GENDER not in shown.text
    assert AGE not in shown.text
    assert "zq-new@" not in shown.text  # the identifier is not repeated
    as_json = api(app_client, "/api/v1/recipient-timeline", {"email": "zq-new@alpha-zq.example"})
    assert as_json.status_code == 200
    assert [c["credential_id"] for c in as_json.json()["credentials"]] == ["zq-demo-cred"]
    assert GENDER not in as_json.text
    assert "gender" not in as_json.text
    viewed = [e for e in audit(app_client, world) if e[1] == "recipient.timeline_viewed"]
    assert viewed == [("user:admin@alpha-zq.example", "recipient.timeline_viewed", None)] * 2


def test_a_recipient_without_consent_is_refused_with_the_reason_and_not_audited(
    app_client: TestClient, world: World
) -> None:
    as_role(app_client, world, Role.ADMIN)
    for email in (LEARNER1, "nobody@alpha-zq.example"):
        refused = post_form(app_client, "/timeline", {"recipient_email": email})
        assert refused.status_code == 403
        assert "has not opted in to detailed tracking" in refused.text
        assert "alpha-zq-c" not in refused.text  # nothing of the person
        as_json = api(app_client, "/api/v1/recipient-timeline", {"email": email})
        assert as_json.status_code == 403
        assert as_json.json()["error"] == {"code": "consent_required", "message": REFUSAL, "details": []}
    assert not [e for e in audit(app_client, world) if e[1] == "recipient.timeline_viewed"]
    assert post_form(app_client, "/timeline", {}).status_code == 422  # nobody named


def test_a_program_manager_sees_only_recipients_of_their_programs(app_client: TestClient, world: World) -> None:
    # a consenting recipient holding one credential of p1 and one of p2
    mixed = {"email": "zq-mixed@alpha-zq.example", "consent": {"detailed_tracking": True}}
    send(
        app_client,
        world,
        [
            issuance("zq-m1", "zq-mixed-p1", "alpha-zq-p1", mixed),
            issuance("zq-m2", "zq-mixed-p2", "alpha-zq-p2", mixed),
            {
                "id": "zq-m3",
                "type": "credential.shared",
                "occurred_at": "2026-03-02T09:00:00Z",
                "credential_id": "zq-mixed-p2",
                "channel": "linkedin",
            },
        ],
    )
    as_role(app_client, world, Role.PROGRAM_MANAGER)
    mine = post_form(app_client, "/timeline", {"recipient_email": LEARNER0})
    assert mine.status_code == 200
    assert "alpha-zq-c000" in mine.text
    for email in (LEARNER3, LEARNER1):  # p2 only: refused before consent is looked at, whatever it is
        refused = post_form(app_client, "/timeline", {"recipient_email": email})
        assert refused.status_code == 403
        assert "holds no credential of your programs (alpha-zq-p1)" in refused.text
        assert "has not opted in" not in refused.text
        as_json = api(app_client, "/api/v1/recipient-timeline", {"email": email})
        assert (as_json.status_code, as_json.json()["error"]["code"]) == (403, "forbidden")
    narrowed = api(app_client, "/api/v1/recipient-timeline", {"email": "zq-mixed@alpha-zq.example"})
    assert narrowed.status_code == 200
    assert [c["credential_id"] for c in narrowed.json()["credentials"]] == ["zq-mixed-p1"]
    assert [e["event_id"] for e in narrowed.json()["events"]] == ["zq-m1"]
    assert "zq-mixed-p2" not in narrowed.text
    admin = TestClient(app_client.app, base_url=BASE_URL)
    as_role(admin, world, Role.ADMIN)
    whole = api(admin, "/api/v1/recipient-timeline", {"email": "zq-mixed@alpha-zq.example"})
    assert [e["event_id"] for e in whole.json()["events"]] == ["zq-m1", "zq-m2", "zq-m3"]
    viewed = [e[0] for e in audit(app_client, world) if e[1] == "recipient.timeline_viewed"]
    assert sorted(viewed) == ["user:admin@alpha-zq.example"] + ["user:program_manager@alpha-zq.example"] * 2


def test_executives_recipients_and_keys_see_no_timeline(app_client: TestClient, world: World) -> None:
    executive = as_role(TestClient(app_client.app, base_url=BASE_URL), world, Role.EXECUTIVE)
    assert executive.get("/timeline").status_code == 403
    assert 'href="/timeline"' not in executive.get("/").text  # the navigation offers it only where it opens
    manager = as_role(TestClient(app_client.app, base_url=BASE_URL), world, Role.PROGRAM_MANAGER)
    assert 'href="/timeline"' in manager.get("/").text
    page = post_form(executive, "/timeline", {"recipient_email": LEARNER0})
    assert page.status_code == 403
    assert "no recipient-level view" in page.text
    assert "alpha-zq-c000" not in page.text
    assert api(executive, "/api/v1/recipient-timeline", {"email": LEARNER0}).status_code == 403
    holder = TestClient(app_client.app, base_url=BASE_URL)
    open_link(holder, link_for(app_client, world.a.keys.ingest, LEARNER0))
    assert post_form(holder, "/timeline", {"recipient_email": LEARNER0}).status_code == 403
    for key in (world.a.keys.read, world.a.keys.ingest):
        keyed = app_client.post(
            "/api/v1/recipient-timeline", json={"email": LEARNER0}, headers={"Authorization": f"Bearer {key}"}
        )
        assert keyed.status_code == 403
    anonymous = app_client.post("/api/v1/recipient-timeline", json={"email": LEARNER0})
    assert anonymous.status_code == 401
    assert app_client.get("/timeline", follow_redirects=False).headers["location"] == "/signin"
    assert not [e for e in audit(app_client, world) if e[1] == "recipient.timeline_viewed"]


def test_the_timeline_form_and_api_need_csrf(app_client: TestClient, world: World) -> None:
    as_role(app_client, world, Role.ADMIN)
    assert app_client.post("/timeline", data={"recipient_email": LEARNER0}).status_code == 403
    no_header = api(app_client, "/api/v1/recipient-timeline", {"email": LEARNER0}, token=False)
    assert (no_header.status_code, no_header.json()["error"]["code"]) == (403, "csrf_failed")
    assert not [e for e in audit(app_client, world) if e[1] == "recipient.timeline_viewed"]


def test_no_log_line_names_the_person_erased_or_looked_up(
    app_client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    as_role(app_client, world, Role.ADMIN)
    assert post_form(app_client, "/timeline", {"recipient_email": LEARNER0}).status_code == 200
    assert post_form(app_client, "/timeline", {"recipient_email": LEARNER1}).status_code == 403
    assert post_form(app_client, "/admin/erasure", {"recipient_email": LEARNER0, "repeat": LEARNER0}).status_code == 200
    assert api(app_client, "/api/v1/erasures", {"email": LEARNER3}).status_code == 202
    server = [r for r in caplog.records if not r.name.startswith(("httpx2", "httpcore2"))]  # the test client's own
    logged = "\n".join(r.getMessage() for r in server).lower()
    assert all(f"learner{n}" not in logged for n in (0, 1, 3))


# -- one suppressed cell, followed across every surface ---------------------------------------------


def test_a_suppressed_demographic_cell_is_suppressed_on_every_surface(app_client: TestClient, world: World) -> None:
    """Three recipients of a rare gender (below k = 10) and twelve of another, issued in the window:
    the stats API, the portfolios page, its JSON twin and its CSV export hide the same cells (the
    rare one and its complement), and none of them shows a hidden count."""
    events = [
        issuance(f"zq-s{n}", f"zq-s-cred{n}", "alpha-zq-p1", {"id": f"zq-s{n}", "demographics": {"gender": gender}})
        for n, gender in enumerate(["zq-rare"] * 3 + ["zq-common"] * 12)
    ]
    send(app_client, world, events)
    window = "from=2026-01-01&to=2026-03-31"
    read = {"Authorization": f"Bearer {world.a.keys.read}"}
    stats = app_client.get(f"/api/v1/stats?{window}", headers=read).json()["metrics"]["recipient_demographics"]
    hidden = {f"{r['attribute']}: {r['key']}" for r in stats["rows"] if r.get("suppressed")}
    assert "gender: zq-rare" in hidden
    assert len(hidden) >= 2  # complementary suppression: the rare cell alone could be derived from the total
    assert all(r["value"] is None and r.get("recipients") is None for r in stats["rows"] if r.get("suppressed"))

    as_role(app_client, world, Role.ADMIN)
    board = app_client.get(f"/dashboards/portfolios.json?{window}").json()
    table = next(t for s in board["sections"] for t in s["tables"] if t["id"] == "recipient_demographics")
    # the twin holds the label a person reads ("Gender: Zq-rare"), the API the raw attribute and key
    twin = {r["attribute_key"]["value"].lower(): r["value"] for r in table["rows"]}
    assert {key for key, cell in twin.items() if cell.get("suppressed")} == hidden
    assert all(cell["value"] is None for key, cell in twin.items() if key in hidden)

    page = app_client.get(f"/dashboards/portfolios?{window}").text
    html = page[page.index('data-table="recipient_demographics"') :]
    html = html[: html.index("</table>")]
    shown = dict(
        re.findall(
            r'<th scope="row" data-key="attribute_key" data-value="([^"]*)".*?data-key="value" data-value="([^"]*)"',
            html,
            re.S,
        )
    )
    assert {key.lower() for key, value in shown.items() if value == "suppressed"} == hidden

    exported = app_client.get(f"/dashboards/portfolios.csv?{window}&table=recipient_demographics").text
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert {row[0].lower() for row in rows if row[1] == "suppressed"} == hidden
    # no count beside a hidden cell
    assert all(row[1:] == ["suppressed"] * (len(row) - 1) for row in rows if row[0].lower() in hidden)
    assert ">3<" not in html  # the rare cell's count is nowhere in the table (its text is "suppressed")
    common = next(r["value"] for r in stats["rows"] if r["key"] == "zq-common")
    assert common is None or common >= 10
