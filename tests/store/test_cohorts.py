"""The cohort counters (store/cohorts.py) count the issued credentials per issue day, whatever the batches."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.domain.events import CHANNELS
from credlens.store import cohorts
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest, reopened_as_version

ROWS = "SELECT * EXCLUDE (issuer_id) FROM cohort_days ORDER BY ALL"


def stored(store: Warehouse) -> list[tuple[Any, ...]]:
    return store.cursor().execute(ROWS).fetchall()


def recounted(store: Warehouse) -> list[tuple[Any, ...]]:
    """The table recounted from `credentials` (what the schema upgrade does)."""
    cursor = store.cursor()
    cursor.execute("BEGIN TRANSACTION")
    for statement in cohorts.rebuild_sql():
        cursor.execute(statement)
    found = cursor.execute(ROWS).fetchall()
    cursor.execute("ROLLBACK")
    return found


def event(event_id: str, kind: str, credential: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": f"credential.{kind}", "occurred_at": at, "credential_id": credential, **fields}


def row(store: Warehouse, day: str) -> dict[str, Any]:
    cursor = store.cursor()
    cursor.execute("SELECT * FROM cohort_days WHERE day = ?", [day])
    names = [c[0] for c in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, found
    return dict(zip(names, found[0], strict=True))


def test_a_credential_counts_on_its_local_issue_day_and_stops_on_its_revocation_day(tmp_path: Path) -> None:
    store = Warehouse(tmp_path / "data")
    try:
        # Kolkata is UTC+5:30: issued 2026-01-01 20:00 UTC is 2026-01-02 01:30 there.
        issuer, _ = store.create_issuer("k", "K", timezone="Asia/Kolkata")
        issued = event(
            "i1", "issued", "c1", "2026-01-01T20:00:00Z", program={"id": "p1", "kind": "badge"}, recipient={"id": "a"}
        )
        later = [
            event("v1", "viewed", "c1", "2026-01-03T10:00:00Z", actor="owner"),
            event("v2", "viewed", "c1", "2026-02-10T10:00:00Z", actor="owner"),  # 38 days later: re-engaged
            event("s1", "shared", "c1", "2026-01-04T10:00:00Z", channel="linkedin"),
            event("s2", "shared", "c1", "2026-01-05T10:00:00Z", channel="linkedin"),
            event("p1", "viewed", "c1", "2026-01-06T10:00:00Z", actor="public"),
            event("r1", "revoked", "c1", "2026-03-01T19:00:00Z"),  # 2026-03-02 00:30 in Kolkata
        ]
        # The engagement arrives before the issuance, in two batches.
        ingest(store, issuer, later[:3])
        ingest(store, issuer, later[3:])
        assert stored(store) == []  # never issued: counts nowhere
        ingest(store, issuer, [issued])
        day = row(store, "2026-01-02")
        assert (day["program_id"], day["kind"], day["issued"], day["stopped"]) == ("p1", "badge", 1, 0)
        assert (day["opened"], day["shared"], day["shared_linkedin"], day["shared_x"]) == (1, 1, 1, 0)
        assert (day["opened_and_shared"], day["opened_shared_verified"], day["reengaged"]) == (1, 0, 1)
        # opened 1.6 days after its issuance: within 7 and 30 days
        assert (day["opened_within_7d_count"], day["opened_within_30d_count"]) == (1, 1)
        assert (day["share_events"], day["public_views"]) == (2, 1)
        assert day["owner_active_days_total"] == 4  # 2 views and 2 shares, on 4 days
        revoked = row(store, "2026-03-02")
        assert (revoked["issued"], revoked["opened"], revoked["stopped"]) == (0, 0, 1)
        assert stored(store) == recounted(store)
    finally:
        store.close()


def stream(rng: random.Random, *, kind_per_program: bool = False) -> list[dict[str, Any]]:
    """Ten credentials of three programs and both kinds (one per program, or any), four recipients,
    with random engagement, verification, feedback and ends, and events of a credential never issued."""
    events: list[dict[str, Any]] = []
    for n in range(10):
        c = f"c{n}"

        def at(lo: int = 1, hi: int = 28) -> str:
            return f"2026-{rng.randint(1, 3):02d}-{rng.randint(lo, hi):02d}T{rng.randint(0, 23):02d}:30:00Z"

        number = rng.randint(1, 3)
        kind = ("certificate", "badge")[number % 2] if kind_per_program else rng.choice(["certificate", "badge"])
        program = {"id": f"p{number}", "kind": kind}
        expiry = {"expires_at": f"2026-04-{rng.randint(1, 9):02d}T06:00:00Z"} if rng.random() < 0.3 else {}
        recipient = {"id": f"r{rng.randint(1, 4)}"}
        events.append(event(f"i{n}", "issued", c, at(), program=program, recipient=recipient, **expiry))
        for k in range(rng.randint(0, 6)):
            choice = rng.randint(0, 7)
            eid = f"e{n}-{k}"
            if choice == 0:
                events.append(event(eid, "viewed", c, at(), actor=rng.choice(["owner", "public"])))
            elif choice == 1:
                events.append(event(eid, "shared", c, at(), channel=rng.choice(CHANNELS)))
            elif choice == 2:
                events.append(event(eid, "downloaded", c, at(), format="pdf"))
            elif choice == 3:
                events.append(event(eid, "profile_added", c, at()))
            elif choice == 4:
                events.append(event(eid, "verified", c, at(), verifier={"consent": False, "industry": "finance"}))
            elif choice == 5:
                end = rng.choice(["revoked", "expired", "renewed"])
                more = {"expires_at": f"2027-0{rng.randint(1, 9)}-01T00:00:00Z"} if end == "renewed" else {}
                events.append(event(eid, end, c, at(), **more))
            elif choice == 6:
                events.append(event(eid, "delivered", c, at()))
            else:
                events.append(
                    {"id": eid, "type": "recipient.feedback", "occurred_at": at(), "credential_id": c, "rating": 4}
                )
    events.append(event("orphan", "viewed", "never-issued", "2026-01-05T00:00:00Z", actor="owner"))
    return events


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), batch_size=st.integers(3, 20), zone=st.sampled_from(["UTC", "Asia/Kolkata"]))
def test_the_counters_equal_a_recount_whatever_the_batches_and_after_an_erasure(
    tmp_path: Path, seed: int, batch_size: int, zone: str
) -> None:
    rng = random.Random(seed)
    events = stream(rng)
    arrivals = events + rng.sample(events, 5)  # re-sent
    rng.shuffle(arrivals)
    store = Warehouse(Path(tempfile.mkdtemp(dir=tmp_path)) / "store")
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone=zone)
        for i in range(0, len(arrivals), batch_size):
            assert ingest(store, issuer, arrivals[i : i + batch_size]).rejections == []
        found = stored(store)
        assert found == recounted(store)
        assert sum(r[3] for r in found) == 10  # `issued`, the first counter: every credential once
        store.erase_person(issuer.issuer_id, earner_id="r1", actor="test")
        assert stored(store) == recounted(store)
    finally:
        store.close()


def test_a_version_3_file_gets_its_counters_built(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    issuer, _ = store.create_issuer("acme", "Acme")
    ingest(store, issuer, stream(random.Random(7)))
    expected = stored(store)
    store = reopened_as_version(store, data, 3, "DROP TABLE cohort_days")  # what version 3 had
    try:
        assert stored(store) == expected
        assert expected
    finally:
        store.close()
