"""GET /api/v1/benchmarks: the read key's (or user's) issuer beside its released peer values; no answer
names a peer, counts its credentials, or shows a peer's unnoised value (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from credlens.access.passwords import hash_password
from credlens.config import Settings
from credlens.domain.accounts import Role
from credlens.domain.issuers import Issuer, NewKeys
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.conftest import ingest
from tests.web.browser import sign_in
from tests.web.conftest import BASE_URL

# Peers of "asker" in Bootcamp: (credentials, shared), each count and rate found nowhere else
PEERS = {"zq-peer-one": (53, 17), "zq-peer-two": (57, 23), "zq-peer-three": (61, 29), "zq-peer-four": (67, 13)}
PEERS["zq-peer-five"] = (71, 41)
PEER_RATES = [shared / n for n, shared in PEERS.values()]
PEER_MEAN = sum(PEER_RATES) / len(PEER_RATES)
WINDOW = {"from": "2026-02-01", "to": "2026-02-28"}


def _events(slug: str, issued: int, shared: int) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for n in range(issued):
        cred = f"{slug}-c{n}"
        program = f"{slug}-p{n % 2}"
        events.append(
            {
                "id": f"{slug}-i{n}",
                "type": "credential.issued",
                "occurred_at": "2026-02-10T09:00:00Z",
                "credential_id": cred,
                "program": {"id": program, "name": f"{slug} program"},
                "recipient": {"email": f"r{n}@{slug}.example"},
            }
        )
        if n < shared:
            events.append(
                {
                    "id": f"{slug}-s{n}",
                    "type": "credential.shared",
                    "occurred_at": "2026-02-11T09:00:00Z",
                    "credential_id": cred,
                    "channel": "linkedin",
                }
            )
    return events


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, NewKeys]]]:
    data = tmp_path / "data"
    store = Warehouse(data)
    keys: dict[str, NewKeys] = {}

    def add(slug: str, industry: str, issued: int, shared: int) -> Issuer:
        issuer, keys[slug] = store.create_issuer(slug, f"{slug} name", industry=industry)
        assert ingest(store, issuer, _events(slug, issued, shared)).rejections == []
        return issuer

    asker = add("asker", "Bootcamp", 60, 30)
    for slug, (issued, shared) in PEERS.items():
        add(slug, "Bootcamp", issued, shared)
    add("zq-small", "Bootcamp", 49, 49)  # below 50: not a peer
    add("college", "Higher Education", 80, 8)
    manager = store.accounts.create_user(
        asker.issuer_id, "pm@asker.example", Role.PROGRAM_MANAGER, ["asker-p0"], dt.datetime(2026, 1, 1)
    )
    store.accounts.set_password(asker.issuer_id, manager.user_id, hash_password("correct horse battery staple"))
    store.close()
    with TestClient(create_app(Settings(data_dir=data, environment="development")), base_url=BASE_URL) as client:
        yield client, keys


def _get(client: TestClient, key: str, **params: str) -> Response:
    return client.get("/api/v1/benchmarks", params={**WINDOW, **params}, headers={"Authorization": f"Bearer {key}"})


def _no_peer_revealed(text: str) -> None:
    assert "zq-" not in text  # no peer's slug, name or program
    text = re.sub(r"\d{4}-\d\d-\d\d(T[\d:.+]+Z?)?", "", text)  # dates and times are not counts
    for issued, shared in PEERS.values():
        for count in (issued, shared):  # no peer's counts, as a whole number (53.0 % is a rate)
            assert not re.search(rf"(?<![\d.]){count}(?![\d.])", text), count
    for rate in [*PEER_RATES, PEER_MEAN]:
        assert str(round(rate, 6)) not in text  # no unnoised value (released ones are on a 0.0001 grid)


def test_benchmarks_api_releases_noisy_peer_values_only(world: tuple[TestClient, dict[str, NewKeys]]) -> None:
    client, keys = world
    response = _get(client, keys["asker"].read)
    assert response.status_code == 200, response.text
    body = response.json()
    share = body["benchmarks"]["share_rate"]
    assert share["issuer"] == {"value": 0.5, "numerator": 30, "denominator": 60}
    assert share["peers"]["issuers"] == 5
    assert abs(share["peers"]["value"] - PEER_MEAN) < 0.05
    assert share["published"]["value"] == 0.33
    _no_peer_revealed(response.text)
    again = _get(client, keys["asker"].read).json()
    assert again["benchmarks"] == body["benchmarks"]
    warehouse = client.app.state.warehouse
    asker = warehouse.issuer("asker")
    pulls = [e for e in warehouse.audit_entries(asker.issuer_id) if e.action == "export"]
    assert [e.detail for e in pulls] == ["benchmarks API JSON (2026-02-01 to 2026-02-28)"] * 2


def test_benchmarks_api_probed_by_a_peer_and_another_industry(world: tuple[TestClient, dict[str, NewKeys]]) -> None:
    client, keys = world
    assert _get(client, keys["asker"].read).status_code == 200  # a release exists for the asker
    for slug in ("zq-peer-one", "college"):
        for params in ({}, {"program": "asker-p0"}, {"period": "all"}, {"from": "2026-02-31"}):
            response = _get(client, keys[slug].read, **params)
            assert response.status_code in (200, 400), response.text
            text = response.text.replace("zq-peer-one", "")  # its own slug
            assert "asker name" not in text
            assert "asker program" not in text
            if slug == "college":
                _no_peer_revealed(text)
    peer = _get(client, keys["zq-peer-one"].read).json()["benchmarks"]["share_rate"]
    assert peer["peers"]["issuers"] == 5  # the asker and the four other peers; never itself
    college = _get(client, keys["college"].read).json()
    assert college["industry"] == "Higher Education"
    assert college["benchmarks"]["share_rate"]["peers"] is None
    assert college["benchmarks"]["share_rate"]["published"]["value"] == 0.18


def test_benchmarks_api_refusals(world: tuple[TestClient, dict[str, NewKeys]]) -> None:
    client, keys = world
    assert _get(client, keys["asker"].ingest).status_code == 401
    assert client.get("/api/v1/benchmarks", params={"period": "30d"}).status_code == 401
    bad = _get(client, keys["asker"].read, period="forever")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_query"
    assert sign_in(client, "pm@asker.example").status_code == 303
    refused = client.get("/api/v1/benchmarks", params=WINDOW)
    assert refused.status_code == 403
    mine = client.get("/api/v1/benchmarks", params={**WINDOW, "program": "asker-p0"})
    assert mine.status_code == 200
    share = mine.json()["benchmarks"]["share_rate"]
    assert share["issuer"]["denominator"] == 30  # program asker-p0: every other credential
    assert share["peers"]["issuers"] == 5  # the issuer-level benchmark


def test_benchmarks_panel_on_executive_and_programs_with_twins(world: tuple[TestClient, dict[str, NewKeys]]) -> None:
    client, _ = world
    assert sign_in(client, "pm@asker.example").status_code == 303
    query = "from=2026-02-01&to=2026-02-28&program=asker-p0"
    for page in ("executive", "programs"):
        html = client.get(f"/dashboards/{page}?{query}")
        assert html.status_code == 200, html.text
        assert 'id="benchmarks"' in html.text
        assert "(published)" in html.text  # labelled, never mixed with measured values
        panel = html.text[html.text.index('id="benchmarks"') :]
        _no_peer_revealed(panel[: panel.index("</section>")])
        board = client.get(f"/dashboards/{page}.json?{query}").json()
        table = next(s for s in board["sections"] if s["id"] == "benchmarks")["tables"][0]
        share = next(r for r in table["rows"] if r["metric"]["value"] == "Share rate")
        assert share["yours"]["value"] == 0.5  # 15 of 30: the manager's program only
        assert share["peer_issuers"]["value"] == 5  # beside the issuer-level peer release
        assert share["published"]["value"] == 0.33
        csv_text = client.get(f"/dashboards/{page}.csv?{query}&table=benchmarks").text
        assert csv_text.startswith("metric,yours,peers,peers_noise,peer_issuers,peer_median,band,published,why_not")
        _no_peer_revealed(csv_text)
    # one release per metric for the asker and window, however many pages and twins showed it
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    assert len([r for r in warehouse.benchmark_ledger() if r.metric == "share_rate"]) == 1
