"""What Executive and Programs keep per store data version (web/versioned.py), their top findings
and Executive's fixed windows: a later render reuses them, with the same numbers as a fresh one, and
any change of the data (an erasure, new events folded) is seen by the very next render. And their
Benchmarks panel reads the page's own run."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from credlens.domain.accounts import Role
from credlens.insights import engine
from credlens.reports.benchmarks import Privacy, benchmarks, window_of
from credlens.store.warehouse import Warehouse
from credlens.web.versioned import Versioned
from tests.store.test_writer import request
from tests.web.test_export_audit import staff
from tests.web.world import World

WINDOW = "period=all"
ERASED = "learner0@alpha-zq.example"  # holds 4 of the 137 credentials of issuer A (tests/web/world.py)


@pytest.fixture
def finds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the insight engine's runs of ``find`` (a cached render makes none)."""
    calls: list[int] = []
    real = engine.find

    def counted(result: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append(1)
        return real(result)

    monkeypatch.setattr(engine, "find", counted)
    return calls


def top(body: dict[str, Any]) -> list[str]:
    """The findings table of a dashboard's JSON (its first section), one finding text a row."""
    section = body["sections"][0]
    assert section["id"] in ("insights", "findings")  # the Insights page's own list: all of them
    return [row["finding"]["value"] for row in section["tables"][0]["rows"]]


def timeless(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "query": {k: v for k, v in body["query"].items() if k != "generated_at"}}


def all_time_issued(body: dict[str, Any]) -> int:
    """The "All time" row of Executive's fixed windows."""
    table = next(t for section in body["sections"] for t in section["tables"] if t["id"] == "issued_windows")
    return int(next(r["value"]["value"] for r in table["rows"] if r["key"]["value"] == "All time"))


def delivery(findings: list[str]) -> str:
    """The delivery finding: the world's credentials, none of them delivered."""
    return next(f for f in findings if "were delivered" in f)


def test_a_cached_render_equals_a_fresh_one(app_client: TestClient, world: World, finds: list[int]) -> None:
    executive = staff(app_client, world, Role.EXECUTIVE)
    for name in ("executive", "programs"):
        first = executive.get(f"/dashboards/{name}.json?{WINDOW}")
        calls = len(finds)
        again = executive.get(f"/dashboards/{name}.json?{WINDOW}")
        assert (first.status_code, again.status_code) == (200, 200)
        assert len(finds) == calls, name  # no new find: the kept findings
        assert timeless(again.json()) == timeless(first.json()), name  # every number, findings and the rest
        assert top(first.json()), name


def test_an_erased_recipient_leaves_the_cached_findings_at_once(
    app_client: TestClient, world: World, finds: list[int]
) -> None:
    executive = staff(app_client, world, Role.EXECUTIVE)
    body = executive.get(f"/dashboards/executive.json?{WINDOW}").json()
    assert all_time_issued(body) == 137
    before = delivery(top(body))
    assert "(0 of 137)" in before  # learner0's 4 credentials among them
    assert delivery(top(executive.get(f"/dashboards/programs.json?{WINDOW}").json())) == before
    calls = len(finds)

    warehouse: Warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    report = warehouse.erase_person(world.a.issuer.issuer_id, email=ERASED, actor="user:admin@alpha-zq.example")
    assert report.credentials == 4

    pages = {name: executive.get(f"/dashboards/{name}.json?{WINDOW}").json() for name in ("executive", "programs")}
    for name, body in pages.items():
        after = delivery(top(body))
        assert "(0 of 133)" in after, name
    assert all_time_issued(pages["executive"]) == 133  # Executive's fixed windows, kept too, counted again
    assert len(finds) == calls + 1  # found again once, then kept for the other page
    fresh = executive.get(f"/dashboards/insights.json?{WINDOW}").json()  # never cached
    assert delivery(top(fresh)) == after


def test_new_events_reach_the_cached_findings(app_client: TestClient, world: World) -> None:
    executive = staff(app_client, world, Role.EXECUTIVE)
    before = delivery(top(executive.get(f"/dashboards/executive.json?{WINDOW}").json()))
    assert "(0 of 137)" in before
    issued = [
        {"id": f"late-{n}", "type": "credential.issued", "occurred_at": "2026-02-12T09:00:00Z",
         "credential_id": f"late-c{n}", "program": {"id": "alpha-zq-p1"}, "recipient": {"email": f"late{n}@x.example"}}
        for n in range(3)
    ]  # fmt: skip
    sent = app_client.post("/api/v1/events", json=issued, headers={"Authorization": f"Bearer {world.a.keys.ingest}"})
    assert sent.status_code == 200, sent.text
    app_client.app.state.writer.wait_idle()  # type: ignore[attr-defined]
    after = delivery(top(executive.get(f"/dashboards/executive.json?{WINDOW}").json()))
    assert "(0 of 140)" in after


def test_an_append_alone_keeps_the_cached_pages_and_its_fold_ends_them(
    app_client: TestClient, world: World, finds: list[int]
) -> None:
    """No metric reads the raw events: appended events change no number until they are folded, so
    the kept values stay valid; the fold changes the data version and the next render counts them."""
    executive = staff(app_client, world, Role.EXECUTIVE)
    body = executive.get(f"/dashboards/executive.json?{WINDOW}").json()
    assert all_time_issued(body) == 137
    calls = len(finds)

    warehouse: Warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    version = warehouse.data_version
    late = [
        {"id": f"late-{n}", "type": "credential.issued", "occurred_at": "2026-02-12T09:00:00Z",
         "credential_id": f"late-c{n}", "program": {"id": "alpha-zq-p1"}, "recipient": {"email": f"late{n}@x.example"}}
        for n in range(3)
    ]  # fmt: skip
    # appended beside the server's writer, which therefore does not fold them
    assert warehouse.write([request(warehouse, world.a.issuer, late)])[0].accepted == 3
    assert (warehouse.data_version, warehouse.unfolded()) == (version, 3)
    again = executive.get(f"/dashboards/executive.json?{WINDOW}").json()
    assert len(finds) == calls  # kept: nothing a metric reads has changed
    assert timeless(again) == timeless(body)

    assert warehouse.fold() == 3
    assert warehouse.data_version != version
    folded = executive.get(f"/dashboards/executive.json?{WINDOW}").json()
    assert len(finds) == calls + 1  # found again
    assert all_time_issued(folded) == 140  # the fixed windows too
    assert "(0 of 140)" in delivery(top(folded))


def test_a_program_managers_findings_are_their_own(app_client: TestClient, world: World) -> None:
    executive = staff(app_client, world, Role.EXECUTIVE)
    everyone = top(executive.get(f"/dashboards/programs.json?{WINDOW}").json())  # all programs, kept
    manager = staff(app_client, world, Role.PROGRAM_MANAGER)
    scope = f"{WINDOW}&program=alpha-zq-p1"
    mine = top(manager.get(f"/dashboards/programs.json?{scope}").json())
    assert mine != everyone
    assert mine == top(manager.get(f"/dashboards/insights.json?{scope}").json())[: len(mine)]


def test_only_the_newest_version_is_kept() -> None:
    kept: Versioned[list[dict[str, str]]] = Versioned(size=2)
    kept.put(5, "a", [{"id": "x"}])
    got = kept.get(5, "a")
    assert got == [{"id": "x"}]
    got[0]["id"] = "changed by a page"
    assert kept.get(5, "a") == [{"id": "x"}]  # copies: a render cannot change another's
    assert kept.get(6, "a") is None  # the data changed since
    kept.put(6, "b", [])
    assert kept.get(5, "a") is None  # dropped with its version
    kept.put(5, "a", [{"id": "stale"}])  # read before the newest change: not kept
    assert kept.get(5, "a") is None
    assert kept.get(6, "b") == []
    kept.put(6, "c", [])
    kept.put(6, "d", [])
    assert kept.get(6, "b") is None  # the least recently used, past the size


def test_the_benchmarks_panel_reads_the_pages_run(app_client: TestClient, world: World) -> None:
    """Its own values come from the page's run of the same query, equal to a run of their own."""
    executive = staff(app_client, world, Role.EXECUTIVE)
    warehouse: Warehouse = app_client.app.state.warehouse  # type: ignore[attr-defined]
    for state in ("period=all", "period=90d&compare=previous", "period=all&program=alpha-zq-p1"):
        params = dict(pair.split("=") for pair in state.split("&"))
        query = window_of(
            world.a.issuer, programs=[params["program"]] if "program" in params else None, period=params["period"]
        )
        alone = benchmarks(warehouse, world.a.issuer, query, Privacy(1.0, 10.0))["benchmarks"]  # its own run
        for name in ("executive", "programs"):
            body = executive.get(f"/dashboards/{name}.json?{state}").json()
            panel = next(s for s in body["sections"] if s["id"] == "benchmarks")["tables"][0]["rows"]
            yours = [row["yours"]["value"] for row in panel]
            assert yours == [entry["issuer"]["value"] for entry in alone.values()], (name, state)
