"""The admin's Reports section: schedules made on the page (staff recipients only), their last and next
run and their failures, and the server sending them through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import replace

from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.delivery.schedules import Cadence
from credlens.domain.accounts import Role
from credlens.web.app import create_app
from tests.delivery.smtp import SmtpServer, smtp
from tests.web.browser import post_form, sign_in
from tests.web.conftest import BASE_URL, FakeClock
from tests.web.world import World

__all__ = ["smtp"]


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def schedules(client: TestClient, world: World) -> list[object]:
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    return list(warehouse.schedules.schedules(world.a.issuer.issuer_id))


def test_a_non_staff_recipient_is_refused_and_a_failure_is_shown(app_client: TestClient, world: World) -> None:
    assert sign_in(app_client, world.a.email(Role.ADMIN)).status_code == 303
    assert 'href="/admin/reports"' in app_client.get("/admin").text
    page = app_client.get("/admin/reports")
    assert page.status_code == 200
    assert "No report is scheduled yet." in page.text
    for outsider in ("someone@gmail.example", world.b.email(Role.ADMIN)):
        refused = post_form(app_client, "/admin/reports/schedules", {"every": "weekly", "to": outsider})
        assert refused.status_code == 422
        assert f"{outsider} is not a staff user of Alpha-zq Academy" in html.unescape(refused.text)
    bad = post_form(app_client, "/admin/reports/schedules", {"every": "hourly", "to": world.a.email(Role.ADMIN)})
    assert bad.status_code == 422
    assert schedules(app_client, world) == []

    added = post_form(
        app_client,
        "/admin/reports/schedules",
        {
            "every": "monthly",
            "program": "alpha-zq-p1",
            "to": [world.a.email(Role.ADMIN), world.a.email(Role.PROGRAM_MANAGER)],
        },
    )
    assert (added.status_code, added.headers["location"]) == (303, "/admin/reports?done=added")
    [schedule] = schedules(app_client, world)
    # No SMTP server is configured here: the due report fails, and the page says so and when it tries again.
    wait_for(lambda: "no SMTP server is configured" in app_client.get("/admin/reports").text)
    page = html.unescape(app_client.get("/admin/reports").text)
    assert "monthly" in page
    assert "alpha-zq-p1" in page
    assert "1 attempt)" in page
    assert "next attempt" in page

    removed = post_form(app_client, f"/admin/reports/schedules/{schedule.schedule_id}/remove")  # type: ignore[attr-defined]
    assert removed.status_code == 303
    assert schedules(app_client, world) == []
    assert post_form(app_client, f"/admin/reports/schedules/{schedule.schedule_id}/remove").status_code == 404  # type: ignore[attr-defined]
    actions = [e.action for e in app_client.app.state.warehouse.audit_entries(world.a.issuer.issuer_id)]  # type: ignore[attr-defined]
    assert "schedule.created" in actions
    assert "schedule.removed" in actions


def test_only_the_admin_reaches_the_reports_section(app_client: TestClient, world: World) -> None:
    assert sign_in(app_client, world.a.email(Role.EXECUTIVE)).status_code == 303
    assert app_client.get("/admin/reports").status_code == 403
    assert (
        post_form(
            app_client, "/admin/reports/schedules", {"every": "weekly", "to": world.a.email(Role.EXECUTIVE)}
        ).status_code
        == 403
    )


def test_the_server_sends_a_schedule_made_on_the_page(
    settings: Settings, world: World, clock: FakeClock, smtp: SmtpServer
) -> None:
    configured = replace(settings, smtp_url=smtp.url, smtp_from="Credlens <reports@alpha-zq.example>")
    app = create_app(configured, clock=clock, cadence=Cadence(poll=0.1))
    with TestClient(app, base_url=BASE_URL) as client:
        assert sign_in(client, world.a.email(Role.ADMIN)).status_code == 303
        added = post_form(client, "/admin/reports/schedules", {"every": "weekly", "to": world.a.email(Role.EXECUTIVE)})
        assert added.status_code == 303
        wait_for(lambda: len(smtp.inbox.messages) == 1)
        wait_for(lambda: "not yet" not in client.get("/admin/reports").text)
    [(msg, envelope)] = smtp.inbox.messages
    assert envelope == [world.a.email(Role.EXECUTIVE)]
    assert msg["From"] == "Credlens <reports@alpha-zq.example>"
    with TestClient(create_app(configured, clock=clock, cadence=Cadence(poll=0.1)), base_url=BASE_URL) as client:
        runs = client.app.state.reports.runs  # type: ignore[attr-defined]
        wait_for(lambda: client.app.state.reports.runs >= runs + 3)  # type: ignore[attr-defined]
    assert len(smtp.inbox.messages) == 1  # a restarted server does not send it again
