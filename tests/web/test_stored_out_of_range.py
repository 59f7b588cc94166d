"""A store written before the door bounded expires_at (issue 14, item 4) may hold year 10000: every page
showing that credential still answers, with the date shown as the last one Python can represent."""

from __future__ import annotations

from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from tests.web.browser import csrf, open_link, post_form
from tests.web.conftest import BASE_URL
from tests.web.test_isolation import link_for
from tests.web.test_privacy_surfaces import LEARNER0, as_role
from tests.web.world import World

CREDENTIAL = "alpha-zq-c000"  # learner0's, who consents to detailed tracking
YEAR_10000 = "TIMESTAMP '10000-01-01 13:59:59'"  # 9999-12-31T23:59:59-14:00 in UTC


def store_year_10000(client: TestClient) -> None:
    """What the door let through before: the folded credential and its stored events hold year 10000."""
    client.app.state.writer.wait_idle()  # type: ignore[attr-defined]
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    warehouse.fold()
    cursor = warehouse.cursor()
    for table in ("events", "credentials"):
        cursor.execute(f"UPDATE {table} SET expires_at = {YEAR_10000} WHERE credential_id = ?", [CREDENTIAL])
        assert cursor.execute(f"SELECT count(*) FROM {table} WHERE year(expires_at) = 10000").fetchall()[0][0] >= 1


def test_the_recipients_pages_answer_with_year_10000_stored(app_client: TestClient, world: World) -> None:
    store_year_10000(app_client)
    holder = TestClient(app_client.app, base_url=BASE_URL)
    assert open_link(holder, link_for(app_client, world.a.keys.ingest, LEARNER0)).status_code == 303
    for path in ("/recipient", "/recipient.csv", "/recipient.json"):
        response = holder.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert "9999-12-31" in response.text


def test_the_staff_timeline_answers_with_year_10000_stored(app_client: TestClient, world: World) -> None:
    store_year_10000(app_client)
    as_role(app_client, world, Role.ADMIN)
    page = post_form(app_client, "/timeline", {"recipient_email": LEARNER0})
    assert page.status_code == 200, page.text[:300]
    assert CREDENTIAL in page.text
    response = app_client.post(
        "/api/v1/recipient-timeline", json={"email": LEARNER0}, headers={"X-CSRF-Token": csrf(app_client)}
    )
    assert response.status_code == 200, response.text[:300]
    (held,) = [c for c in response.json()["credentials"] if c["credential_id"] == CREDENTIAL]
    assert held["expires_at"].startswith("9999-12-31")
