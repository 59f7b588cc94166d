"""Numbers counted by different statements agree: with a fold committed mid-run, and in a time zone whose
offsets two versions of the time-zone database disagree on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from credlens.domain.query import parse_query
from credlens.metrics.runner import compute
from credlens.store.scope import IssuerTables
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest


def issued(event_id: str, credential: str, who: str, at: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "credential.issued",
        "occurred_at": at,
        "credential_id": credential,
        "program": {"id": "p1", "kind": "badge"},
        "recipient": {"id": who, "country": "FR"},
    }


def test_the_demographics_statements_read_one_state_of_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ann is awarded on Jan 5, Bob on Feb 10; the window is February. A fold awarding Ann again on
    # Mar 1 commits between the two statements of the demographics (recipient_days, then the
    # straddlers among portfolios): read apart, Ann counts as first awarded before the window and
    # last after it in one, but not the other, and February's one recipient (Bob) came out as 0.
    store = Warehouse(tmp_path / "data")
    try:
        issuer, _ = store.create_issuer("x", "X")
        ingest(store, issuer, [issued("i1", "c1", "ann", "2026-01-05T10:00:00Z")])
        ingest(store, issuer, [issued("i2", "c2", "bob", "2026-02-10T10:00:00Z")])
        later = [issued("i3", "c3", "ann", "2026-03-01T10:00:00Z")]
        original = IssuerTables.rows
        pending = {"fold": True}

        def rows(self: IssuerTables, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
            found = original(self, sql, params)
            if pending["fold"] and "recipient_days" in sql:
                pending["fold"] = False
                ingest(store, issuer, later)  # committed while the run is between its statements
            return found

        monkeypatch.setattr(IssuerTables, "rows", rows)
        query = parse_query("x", "UTC", date_from="2026-02-01", date_to="2026-02-28", today=dt.date(2026, 7, 1))
        found = compute(query, store.tables(issuer.issuer_id))
        assert not pending["fold"]  # the fold did happen mid-run
        assert found["unique_recipients"]["value"] == 1
        countries = [r for r in found["recipient_demographics"]["rows"] if r["attribute"] == "country"]
        assert [(r["key"], r["value"]) for r in countries] == [("FR", 1)]
    finally:
        store.close()


def test_windows_and_stored_days_use_the_same_time_zone_data(tmp_path: Path) -> None:
    # Python's zoneinfo (the system's database) and DuckDB's bundled one disagreed here on
    # Casablanca's offset from 2026-09-21 to 2026-10-31. A credential issued at 23:30 UTC on the
    # 20th falls on the 20th or the 21st depending on which one is asked; each window must count it
    # once in all its numbers: those added up by day and those counted from the credentials.
    store = Warehouse(tmp_path / "data")
    try:
        issuer, _ = store.create_issuer("casa", "Casa", timezone="Africa/Casablanca")
        events = [
            issued("i1", "c1", "ann", "2026-09-20T23:30:00Z"),
            {
                "id": "v1",
                "type": "credential.viewed",
                "occurred_at": "2026-09-22T10:00:00Z",
                "credential_id": "c1",
                "actor": "owner",
            },
        ]
        assert ingest(store, issuer, events).rejections == []
        total = 0
        for day in ("2026-09-20", "2026-09-21"):
            query = parse_query("casa", "Africa/Casablanca", date_from=day, date_to=day, today=dt.date(2026, 12, 1))
            found = compute(query, store.tables(issuer.issuer_id))
            issued_count = found["issued"]["value"]
            assert found["unique_recipients"]["value"] == issued_count, day
            assert found["opened"]["value"] == issued_count, day
            assert (found["median_days_to_open"]["value"] is None) == (issued_count == 0), day
            total += issued_count
        assert total == 1
    finally:
        store.close()
