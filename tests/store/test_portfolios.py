"""The portfolio rollups (store/portfolios.py) say what each recipient holds, whatever the batches."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.domain.issuers import Issuer
from credlens.store import portfolios
from credlens.store.schema import SCHEMA_VERSION
from credlens.store.warehouse import StoreError, Warehouse
from tests.conftest import ingest, reopened_as_version

ROLLUPS = {
    "holdings": "SELECT r.recipient_key, h.program_id, h.first_at, h.n, h.recipient_last_at FROM holdings h",
    "portfolios": "SELECT r.recipient_key, h.programs, h.credentials, h.first_at, h.last_at, h.gender"
    " FROM portfolios h",
    "co_holdings": "SELECT r.recipient_key, h.a, h.b, h.a_at, h.b_at, h.recipient_last_at FROM co_holdings h",
    "enrolled": "SELECT r.recipient_key, h.program_id, h.first_at, h.last_at, h.enrollments, h.completed"
    " FROM enrolled h",
}
_WHO = " JOIN recipients r USING (issuer_id, recipient_hash) ORDER BY ALL"


DAYS = "SELECT * EXCLUDE (issuer_id) FROM recipient_days ORDER BY ALL"


def rollups(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    cursor = store.cursor()
    found = {name: cursor.execute(sql + _WHO).fetchall() for name, sql in ROLLUPS.items()}
    return {**found, "recipient_days": cursor.execute(DAYS).fetchall()}


def rebuilt(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """The rollups recomputed for every recipient from `credentials` (what the schema upgrade does)."""
    cursor = store.cursor()
    cursor.execute("BEGIN TRANSACTION")
    portfolios.refresh(cursor, None)
    found = {name: cursor.execute(sql + _WHO).fetchall() for name, sql in ROLLUPS.items()}
    found["recipient_days"] = cursor.execute(DAYS).fetchall()
    cursor.execute("ROLLBACK")
    return found


def issued(event_id: str, credential: str, day: int, program: str, who: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "credential.issued",
        "occurred_at": f"2026-01-{day:02d}T12:00:00Z",
        "credential_id": credential,
        "program": {"id": program},
        "recipient": {"id": who},
    }


def viewed(event_id: str, credential: str, day: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "credential.viewed",
        "occurred_at": f"2026-01-{day:02d}T13:00:00Z",
        "credential_id": credential,
        "actor": "owner",
    }


def enrolled(event_id: str, day: int, program: str, who: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "program.enrolled",
        "occurred_at": f"2026-01-{day:02d}T08:00:00Z",
        "program": {"id": program},
        "recipient": {"id": who},
    }


def jan(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 12)


def test_each_recipient_holds_their_issued_programs(warehouse: Warehouse, issuer: Issuer) -> None:
    events = [
        issued("i1", "c1", 2, "p1", "ann"),
        issued("i2", "c2", 10, "p2", "ann"),
        issued("i3", "c3", 20, "p1", "ann"),  # a second credential of p1: first_at stays Jan 2
        issued("i4", "c4", 5, "p2", "bob"),
        viewed("v9", "c9", 6),  # never issued: held by nobody
        enrolled("n1", 1, "p1", "ann"),
        enrolled("n2", 3, "p3", "bob"),
        enrolled("n3", 7, "p3", "bob"),  # enrolled twice, never awarded p3
    ]
    events[0]["recipient"]["demographics"] = {"gender": "female"}
    assert ingest(warehouse, issuer, events).rejections == []
    ann, bob = (warehouse.recipient_key(issuer.issuer_id, earner_id=who) for who in ("ann", "bob"))
    early = dt.datetime(2026, 1, 1, 8), dt.datetime(2026, 1, 3, 8), dt.datetime(2026, 1, 7, 8)
    assert rollups(warehouse) == {
        "holdings": sorted(
            [(ann, "p1", jan(2), 2, jan(20)), (ann, "p2", jan(10), 1, jan(20)), (bob, "p2", jan(5), 1, jan(5))]
        ),
        "portfolios": sorted([(ann, 2, 3, jan(2), jan(20), "female"), (bob, 1, 1, jan(5), jan(5), None)]),
        "co_holdings": [(ann, "p1", "p2", jan(2), jan(10), jan(20))],  # one row per pair, A < B
        "enrolled": sorted([(ann, "p1", early[0], early[0], 1, True), (bob, "p3", early[1], early[2], 2, False)]),
        # Per day (in New York) and attribute value: recipients first awarded then, and last awarded then.
        "recipient_days": sorted(
            (jan(day).date(), attribute, "female" if attribute == "gender" and day != 5 else None, *counts)
            for day, counts in ((2, (1, 0)), (5, (1, 1)), (20, (0, 1)))  # Ann from the 2nd to the 20th; Bob
            for attribute in ("age_band", "country", "education_level", "employment_status", "gender")
        ),
    }


def test_a_later_issuance_refreshes_the_recipients_rows(warehouse: Warehouse, issuer: Issuer) -> None:
    assert ingest(warehouse, issuer, [issued("i1", "c1", 10, "p2", "ann"), viewed("v1", "c2", 11)]).rejections == []
    ingest(warehouse, issuer, [issued("i2", "c2", 3, "p1", "ann")])  # an earlier award, sent after a view of it
    ann = warehouse.recipient_key(issuer.issuer_id, earner_id="ann")
    found = rollups(warehouse)
    assert found["portfolios"] == [(ann, 2, 2, jan(3), jan(10), None)]  # the earlier award is her first
    assert found["co_holdings"] == [(ann, "p1", "p2", jan(3), jan(10), jan(10))]
    assert found == rebuilt(warehouse)


def stream(rng: random.Random) -> list[dict[str, Any]]:
    """Awards of four programs to six people on random days, each with a view, and enrollments
    (of a seventh person too, who is awarded nothing)."""
    events: list[dict[str, Any]] = []
    for n in range(14):
        credential = f"c{n}"
        events.append(issued(f"i{n}", credential, rng.randint(1, 28), f"p{rng.randint(1, 4)}", f"r{rng.randint(1, 6)}"))
        events.append(viewed(f"v{n}", credential, rng.randint(1, 28)))
        events.append(enrolled(f"n{n}", rng.randint(1, 28), f"p{rng.randint(1, 4)}", f"r{rng.randint(1, 7)}"))
    return events


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), batch_size=st.integers(1, 9))
def test_the_rollups_equal_a_rebuild_whatever_the_batches(tmp_path: Path, seed: int, batch_size: int) -> None:
    rng = random.Random(seed)
    events = stream(rng)
    arrivals = events + rng.sample(events, 4)  # re-sent
    rng.shuffle(arrivals)
    store = Warehouse(Path(tempfile.mkdtemp(dir=tmp_path)) / "store")
    try:
        issuer, _ = store.create_issuer("acme", "Acme")
        for i in range(0, len(arrivals), batch_size):
            assert ingest(store, issuer, arrivals[i : i + batch_size]).rejections == []
        found = rollups(store)
        assert found == rebuilt(store)
        awarded = {e["recipient"]["id"] for e in events if e["type"] == "credential.issued"}
        assert len(found["portfolios"]) == len(awarded)
    finally:
        store.close()


def test_the_upgrade_rebuilds_rollups_an_older_version_left_stale(tmp_path: Path) -> None:
    # An older version opening a version 3 file marks it version 2 and keeps writing without the
    # rollups: here it erased Bob. Upgrading again must not keep his rows (nor his demographics).
    data = tmp_path / "data"
    store = Warehouse(data)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest(store, issuer, [issued("i1", "c1", 2, "p1", "ann"), issued("i2", "c2", 9, "p2", "bob")])
    ingest(store, issuer, [enrolled("n1", 1, "p2", "bob")])
    bob_key = store.recipient_key(issuer.issuer_id, earner_id="bob")
    expected = {name: [row for row in rows if row[0] != bob_key] for name, rows in rollups(store).items()}
    expected["recipient_days"] = [  # Ann's award alone
        (dt.date(2026, 1, 2), attribute, None, 1, 1)
        for attribute in ("age_band", "country", "education_level", "employment_status", "gender")
    ]
    erased = (f"DELETE FROM {table} WHERE recipient_key = '{bob_key}'" for table in ("credentials", "enrollments"))
    store = reopened_as_version(store, data, 2, *erased)  # what the older version's erasure removed
    try:
        assert rollups(store) == expected
        con = store.cursor()
        assert con.execute("SELECT count(*) FROM portfolios").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM enrolled").fetchall() == [(0,)]
    finally:
        store.close()


def test_a_file_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    store.cursor().execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    store.close()
    with pytest.raises(StoreError, match="newer credlens"):
        Warehouse(data)
    Warehouse(data, read_only=True).close()  # reading it still works


def test_a_version_2_file_gets_its_rollups_built(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest(store, issuer, [issued("i1", "c1", 2, "p1", "ann"), issued("i2", "c2", 9, "p2", "ann")])
    expected = rollups(store)
    no_rollups = (f"DROP TABLE {table}" for table in portfolios.ROLLUP_TABLES)  # what version 2 had
    store = reopened_as_version(store, data, 2, *no_rollups)
    try:
        assert rollups(store) == expected
        assert len(expected["co_holdings"]) == 1
    finally:
        store.close()
