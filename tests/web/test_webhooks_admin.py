"""Admin → Webhooks: add (secret shown once), test, deliveries with status and timing, a failing
subscription disabled and shown with why, enable again, remove; admins of the issuer only."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.web.app import create_app
from credlens.webhooks.settings import WebhookSettings
from tests.web.browser import post_form, sign_in
from tests.web.conftest import BASE_URL, FakeClock
from tests.web.test_admin import shown_once
from tests.web.world import World
from tests.webhooks.receiver import Receiver

FAST = WebhookSettings(allow_private=True, poll=0.1, retry_base=0.2, retry_cap=0.5, give_up=2)


@pytest.fixture
def hooks_client(settings: Settings, world: World, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock, webhook_settings=FAST), base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def wait_until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_an_admin_manages_webhooks_and_sees_deliveries_and_disabling(
    hooks_client: TestClient, world: World, receiver: Receiver
) -> None:
    client = hooks_client
    assert sign_in(client, world.a.email(Role.ADMIN)).status_code == 303
    assert 'href="/admin/webhooks"' in client.get("/admin").text
    assert "No subscriptions yet" in client.get("/admin/webhooks").text

    refused = post_form(client, "/admin/webhooks", {"url": "file:///etc/passwd", "event": "credential.issued"})
    assert refused.status_code == 422
    assert "only http:// and https://" in refused.text
    refused = post_form(client, "/admin/webhooks", {"url": receiver.url, "event": "credential.clicked"})
    assert refused.status_code == 422
    assert "unknown event type" in refused.text

    created = post_form(
        client, "/admin/webhooks", {"url": receiver.url, "event": ["credential.issued", "credential.viewed"]}
    )
    assert created.status_code == 200
    secret = shown_once(created.text)
    assert secret.startswith("whsec_")
    page = client.get("/admin/webhooks").text
    assert receiver.url in page
    assert secret not in page
    sub_id = re.search(r"<code>(wh_[0-9a-f]+)</code>", page).group(1)  # type: ignore[union-attr]

    tested = post_form(client, f"/admin/webhooks/{sub_id}/test")
    assert tested.status_code == 200
    assert "HTTP 200" in tested.text
    (request,) = receiver.requests
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"

    event = {
        "id": "hook-evt-1",
        "type": "credential.issued",
        "occurred_at": "2026-03-01T10:00:00Z",
        "credential_id": "hook-cred-1",
        "program": {"id": "alpha-zq-p1"},
        "recipient": {"email": "new.person@alpha-zq.example"},
    }
    headers = {"Authorization": f"Bearer {world.a.keys.ingest}"}
    assert client.post("/api/v1/events", json=[event], headers=headers).status_code == 200
    wait_until(lambda: len(receiver.acknowledged()) == 2)
    delivered = receiver.acknowledged()[1]
    assert Webhook(secret).verify(delivered.body, delivered.headers)["data"]["id"] == "hook-evt-1"
    assert b"new.person" not in delivered.body
    wait_until(lambda: "delivered" in client.get("/admin/webhooks").text)

    receiver.status = 500
    assert (
        client.post(
            "/api/v1/events", json=[{**event, "id": "hook-evt-2", "credential_id": "hook-cred-2"}], headers=headers
        ).status_code
        == 200
    )
    wait_until(lambda: "every delivery failed" in client.get("/admin/webhooks").text)
    page = client.get("/admin/webhooks").text
    assert "every delivery failed" in page
    assert "HTTP 500" in page
    assert "Enable again" in page
    assert "hook-evt" not in page
    assert "hook-cred" not in page

    # another issuer's admin cannot touch it; an executive cannot see the page
    other = TestClient(client.app, base_url=BASE_URL)
    assert sign_in(other, world.b.email(Role.ADMIN)).status_code == 303
    assert post_form(other, f"/admin/webhooks/{sub_id}/remove").status_code == 404
    assert sub_id not in other.get("/admin/webhooks").text
    executive = TestClient(client.app, base_url=BASE_URL)
    assert sign_in(executive, world.a.email(Role.EXECUTIVE)).status_code == 303
    assert executive.get("/admin/webhooks").status_code == 403

    assert post_form(client, f"/admin/webhooks/{sub_id}/enable").status_code == 303
    assert "Enable again" not in client.get("/admin/webhooks").text
    assert post_form(client, f"/admin/webhooks/{sub_id}/remove").status_code == 303
    assert "No subscriptions yet" in client.get("/admin/webhooks").text
    actions = [e.action for e in client.app.state.warehouse.audit_entries(world.a.issuer.issuer_id)]  # type: ignore[attr-defined]
    assert {"webhook.added", "webhook.enabled", "webhook.removed"} <= set(actions)
