"""The attribute breakdowns kept by the fold (store/breakdowns.py): equal to a recount from the events
whatever order, duplication or lateness they arrive with; erasure takes a recipient out; retention and
a schema upgrade keep them."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from credlens.domain.issuers import Issuer
from credlens.domain.query import parse_query
from credlens.metrics.cohort import DEFAULT_FUNNEL
from credlens.metrics.runner import compute
from credlens.store import breakdowns
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest, reopened_as_version
from tests.metrics.test_programs_recipients_market import Events, day

ONLY = frozenset(breakdowns.BREAKDOWNS)
DAYS = "SELECT * EXCLUDE (issuer_id, events), sum(events) FROM attribute_days GROUP BY ALL ORDER BY ALL"
CELLS = "SELECT * EXCLUDE (issuer_id) FROM attribute_cells ORDER BY ALL"
DE = {"actor": "public", "country": "DE", "referrer_domain": "linkedin.com"}


def _events() -> list[dict[str, Any]]:
    """Ann holds c1 (p1) and c2 (p2), Bob c3 (p1), Cleo c4 (p2); public views from DE on several days."""
    ev = Events("bd-")
    ev.issue("c1", day(1, 2), "ann", "p1")
    ev.issue("c2", day(1, 2), "ann", "p2")
    ev.issue("c3", day(1, 2), "bob", "p1")
    ev.issue("c4", day(1, 2), "cleo", "p2")
    ev.add("credential.viewed", day(1, 20), "c1", **DE)
    ev.add("credential.viewed", day(1, 3), "c1", **DE)
    ev.add("credential.viewed", day(1, 10), "c1", **DE)
    ev.add("credential.viewed", day(1, 10), "c2", **DE)  # Ann again, by another credential, the same day
    ev.add("credential.viewed", day(1, 10), "c3", **DE)
    ev.add("credential.viewed", day(1, 25), "c4", actor="public")  # no country, no referrer: unknown
    ev.add("credential.viewed", day(1, 11), "c4", actor="owner", country="FR")  # the owner's: not counted
    ev.add("credential.downloaded", day(1, 12), "c1", format="pdf")
    ev.add("credential.downloaded", day(1, 12), "c3", format="pdf")
    ev.add("credential.downloaded", day(1, 13), "c4", format="png")
    ev.add("credential.downloaded", day(1, 13), "c9", format="pdf")  # never issued: in no scope
    ev.add("credential.profile_added", day(1, 14), "c2", platform="xing")
    ev.add("credential.delivery_failed", day(1, 2), "c4", reason="bounced")
    return ev.items


def _store(tmp_path: Path, name: str, batches: list[list[dict[str, Any]]]) -> tuple[Warehouse, Issuer]:
    store = Warehouse(tmp_path / name)
    issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
    store.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", ["ab" * 32])  # the same pseudonyms
    for batch in batches:
        assert ingest(store, issuer, batch).rejections == []
    return store, issuer


def _tables(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    cursor = store.cursor()
    return {"days": cursor.execute(DAYS).fetchall(), "cells": cursor.execute(CELLS).fetchall()}


def _recounted(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """Both tables as a rebuild from `events` and `credentials` counts them."""
    cursor = store.cursor()
    columns = ", ".join(breakdowns.READ)
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE recount AS "
        + breakdowns.days_sql(f"(SELECT {columns} FROM events)", "credentials")
    )
    days = cursor.execute(DAYS.replace("attribute_days", "recount")).fetchall()
    cells = cursor.execute(
        f"SELECT * EXCLUDE (issuer_id) FROM ({breakdowns.cells_sql('recount')}) WHERE recipients <> 0 OR events <> 0"
        " ORDER BY ALL"
    ).fetchall()
    return {"days": days, "cells": cells}


def _cells(store: Warehouse, issuer: Issuer, start: str, end: str, **filters: Any) -> dict[str, list[Any]]:
    query = parse_query("acme", issuer.timezone, date_from=start, date_to=end, today=dt.date(2026, 6, 1), **filters)
    metrics = compute(query, store.tables(issuer.issuer_id), DEFAULT_FUNNEL, ONLY)
    return {m: [(r["key"], r["value"], r["recipients"]) for r in metrics[m]["rows"]] for m in sorted(ONLY)}


def test_hand_counted_cells_for_windows_and_filters(tmp_path: Path) -> None:
    store, issuer = _store(tmp_path, "one", [_events()])
    january = _cells(store, issuer, "2026-01-01", "2026-01-31")
    assert january == {
        "delivery_failures_by_reason": [("bounced", 1, 1)],
        "downloads_by_format": [("pdf", 2, 2), ("png", 1, 1)],
        "profile_adds_by_platform": [("xing", 1, 1)],
        # Ann's four views (three days, two credentials) are one recipient; Cleo's view has no country
        "public_views_by_country": [("DE", 5, 2), ("unknown", 1, 1)],
        "public_views_by_referrer": [("linkedin.com", 5, 2), ("unknown", 1, 1)],
    }
    # from the 5th: Ann's view of the 3rd is out, she still counts once (the 10th and the 20th)
    assert _cells(store, issuer, "2026-01-05", "2026-01-31")["public_views_by_country"] == [
        ("DE", 4, 2),
        ("unknown", 1, 1),
    ]
    # from the 15th: Ann's view of the 20th alone
    assert _cells(store, issuer, "2026-01-15", "2026-01-31")["public_views_by_country"] == [
        ("DE", 1, 1),
        ("unknown", 1, 1),
    ]
    assert _cells(store, issuer, "2026-01-04", "2026-01-09")["public_views_by_country"] == []
    # filtered (attribute_days): p1 is c1 and c3, p2 is c2 and c4
    p1 = _cells(store, issuer, "2026-01-05", "2026-01-31", programs=("p1",))
    assert p1["public_views_by_country"] == [("DE", 3, 2)]
    assert p1["downloads_by_format"] == [("pdf", 2, 2)]
    p2 = _cells(store, issuer, "2026-01-01", "2026-01-31", programs=("p2",))
    assert p2["public_views_by_country"] == [("DE", 1, 1), ("unknown", 1, 1)]
    both = _cells(store, issuer, "2026-01-01", "2026-01-31", programs=("p1", "p2"))
    assert both == january  # Ann in both programs is one recipient
    store.close()


def test_late_duplicated_and_shuffled_events_fold_to_a_recount(tmp_path: Path) -> None:
    events = _events()
    clean, _ = _store(tmp_path, "clean", [events])
    expected = _tables(clean)
    assert expected == _recounted(clean)
    clean.close()
    rng = random.Random(7)
    messy = events + rng.sample(events, 6)  # re-sent events: duplicates
    rng.shuffle(messy)  # out of order: Ann's view of the 3rd may come after the 20th
    for issued in ("bd-0", "bd-3"):  # c1's and c4's events arrive before their issuance
        issuance = next(e for e in messy if e["id"] == issued)
        messy.remove(issuance)
        messy.append(issuance)
    store, _ = _store(tmp_path, "messy", [messy[i : i + 3] for i in range(0, len(messy), 3)])
    assert _tables(store) == expected
    store.close()


def test_erasure_takes_the_recipient_out_at_once(tmp_path: Path) -> None:
    store, issuer = _store(tmp_path, "erased", [_events()])
    without_ann, _ = _store(tmp_path, "never", [[e for e in _events() if e.get("credential_id") not in ("c1", "c2")]])
    cursor = store.cursor()
    ((ann,),) = cursor.execute("SELECT recipient_hash FROM credentials WHERE credential_id = 'c1'").fetchall()
    report = store.erase_person(issuer.issuer_id, email="ann@example.org", actor="cli")
    assert report.credentials == 2
    assert cursor.execute("SELECT count(*) FROM attribute_days WHERE recipient_hash = ?", [ann]).fetchall() == [(0,)]
    assert _tables(store) == _tables(without_ann)
    assert _cells(store, issuer, "2026-01-01", "2026-01-31")["public_views_by_country"] == [
        ("DE", 1, 1),
        ("unknown", 1, 1),
    ]
    store.close()
    without_ann.close()


def test_retention_keeps_the_breakdowns(tmp_path: Path) -> None:
    store, issuer = _store(tmp_path, "kept", [_events()])
    before = (_tables(store), _cells(store, issuer, "2026-01-05", "2026-01-31"))
    filtered = _cells(store, issuer, "2026-01-01", "2026-01-31", programs=("p2",))
    store.set_retention(issuer.issuer_id, 30, actor="cli")
    store.apply_retention(actor="cli")
    left = store.cursor().execute("SELECT count(*) FROM events WHERE credential_id <> 'c9'").fetchall()[0][0]
    assert left == 0  # every raw event of an issued credential is gone
    assert (_tables(store), _cells(store, issuer, "2026-01-05", "2026-01-31")) == before
    assert _cells(store, issuer, "2026-01-01", "2026-01-31", programs=("p2",)) == filtered
    store.close()


def test_a_version_7_file_counts_the_breakdowns_from_its_events(tmp_path: Path) -> None:
    store, _ = _store(tmp_path, "old", [_events()])
    expected = _tables(store)
    store = reopened_as_version(store, tmp_path / "old", 7, "DROP TABLE attribute_days", "DROP TABLE attribute_cells")
    assert _tables(store) == expected
    store.close()
