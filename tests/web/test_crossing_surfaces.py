"""One verifier crossing followed across every surface: the stats API, the market page, its `.json`
twin, its `.csv` export and `credlens query` show the same cells, and none of them names or counts a
hidden one (docs/privacy.md, issue 14 item 3)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.domain.accounts import Role
from credlens.privacy.suppression import HIDDEN_CELLS
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.factories import to_body
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL
from tests.web.world import World

WINDOW = "from=2026-01-01&to=2026-03-31"
# finance × 51-200: 4 (shown); healthcare × 1-10 and retail × 5001+: 2 each (hidden: each other's partner)
SEGMENTS = [("finance", "51-200")] * 4 + [("healthcare", "1-10")] * 2 + [("retail", "5001+")] * 2
HIDDEN = ("healthcare", "retail", "1-10", "5001+")


def verifications(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}-ver{n}",
            "type": "credential.verified",
            "occurred_at": f"2026-03-{1 + n:02d}T09:00:00Z",
            "credential_id": f"{prefix}-c{n:03d}",
            "verifier": {"industry": industry, "size": size, "country": "FR"},
        }
        for n, (industry, size) in enumerate(SEGMENTS)
    ]


EXPECTED = [
    {"key": "finance × 51-200", "industry": "finance", "size": "51-200", "value": 4},
    {"key": HIDDEN_CELLS, "value": None, "suppressed": True},
]


def test_a_hidden_segment_is_hidden_and_unnamed_on_every_surface(app_client: TestClient, world: World) -> None:
    ingest_key = {"Authorization": f"Bearer {world.a.keys.ingest}", "Content-Type": "application/json"}
    response = app_client.post("/api/v1/events", content=to_body(verifications("alpha-zq")), headers=ingest_key)
    assert response.status_code == 200, response.text
    app_client.app.state.writer.wait_idle()  # type: ignore[attr-defined]

    read = {"Authorization": f"Bearer {world.a.keys.read}"}
    stats = app_client.get(f"/api/v1/stats?{WINDOW}", headers=read).json()["metrics"]
    assert stats["employer_segments"]["rows"] == EXPECTED
    assert {r["key"]: r["value"] for r in stats["verifications_by_industry"]["rows"]}["healthcare"] == 2  # a margin

    admin = TestClient(app_client.app, base_url=BASE_URL)
    assert sign_in(admin, world.a.email(Role.ADMIN)).status_code == 303
    board = admin.get(f"/dashboards/market.json?{WINDOW}").json()
    table = next(t for s in board["sections"] for t in s["tables"] if t["id"] == "employer_segments")
    assert [(r["key"]["value"], r["value"]["value"], r["value"].get("suppressed", False)) for r in table["rows"]] == [
        ("finance × 51-200", 4, False),
        (HIDDEN_CELLS, None, True),
    ]
    exported = admin.get(f"/dashboards/market.csv?{WINDOW}&table=employer_segments").text
    assert list(csv.reader(io.StringIO(exported)))[1:] == [["finance × 51-200", "4"], [HIDDEN_CELLS, "suppressed"]]
    page = admin.get(f"/dashboards/market?{WINDOW}").text
    html = page[page.index('data-table="employer_segments"') :]
    html = html[: html.index("</table>")]
    assert HIDDEN_CELLS in html
    assert "finance × 51-200" in html
    assert not any(f"{name} ×" in html or f"× {name}" in html for name in HIDDEN)


def test_credlens_query_shows_the_same_cells(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = Warehouse(data_dir)
    issuer, _ = store.create_issuer("acme", "Acme", timezone="UTC")
    issued = [
        {
            "id": f"acme-i{n}",
            "type": "credential.issued",
            "occurred_at": "2026-02-10T09:00:00Z",
            "credential_id": f"acme-c{n:03d}",
            "program": {"id": "p1"},
            "recipient": {"id": f"r{n}"},
        }
        for n in range(len(SEGMENTS))
    ]
    assert ingest(store, issuer, issued + verifications("acme")).rejections == []
    store.close()
    args = ["query", "--issuer", "acme", "--from", "2026-01-01", "--to", "2026-03-31", "--data-dir", str(data_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["employer_segments"]["rows"] == EXPECTED
