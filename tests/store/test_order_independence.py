"""The derived tables are a function of the SET of events: order, batching and re-sends change nothing."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest, reopened_as_version

SNAPSHOTS = {
    "credentials": "SELECT * EXCLUDE (issuer_id) FROM credentials ORDER BY credential_id",
    "programs": "SELECT * EXCLUDE (issuer_id) FROM programs ORDER BY program_id",
    "recipients": "SELECT * EXCLUDE (issuer_id) FROM recipients ORDER BY recipient_key",
    "verifications": "SELECT * EXCLUDE (issuer_id) FROM verifications ORDER BY verification_id",
    "enrollments": "SELECT * EXCLUDE (issuer_id) FROM enrollments ORDER BY event_id",
    "reported_outcomes": "SELECT * EXCLUDE (issuer_id) FROM reported_outcomes ORDER BY event_id",
    "daily": "SELECT * EXCLUDE (issuer_id, events), sum(events) FROM daily GROUP BY ALL ORDER BY ALL",
    "events": "SELECT * EXCLUDE (issuer_id, seq, received_at) FROM events ORDER BY event_id",
    "holdings": "SELECT * EXCLUDE (issuer_id) FROM holdings ORDER BY ALL",
    "portfolios": "SELECT * EXCLUDE (issuer_id) FROM portfolios ORDER BY ALL",
    "co_holdings": "SELECT * EXCLUDE (issuer_id) FROM co_holdings ORDER BY ALL",
    "enrolled": "SELECT * EXCLUDE (issuer_id) FROM enrolled ORDER BY ALL",
    "cohort_days": "SELECT * EXCLUDE (issuer_id) FROM cohort_days ORDER BY ALL",
    "recipient_days": "SELECT * EXCLUDE (issuer_id) FROM recipient_days ORDER BY ALL",
    "attribute_days": "SELECT * EXCLUDE (issuer_id, events), sum(events) FROM attribute_days GROUP BY ALL ORDER BY ALL",
    "attribute_cells": "SELECT * EXCLUDE (issuer_id) FROM attribute_cells ORDER BY ALL",
}


def at(day: int, hour: int = 12) -> str:
    return f"2026-01-{day:02d}T{hour:02d}:00:00Z"


def stream() -> list[dict[str, Any]]:
    """Two credentials with a bit of everything, a third never issued (orphan), in time order."""
    recipient = {
        "email": "ann@example.org",
        "country": "FR",
        "consent": {"detailed_tracking": True},
        "demographics": {"age_band": "25-34"},
    }
    return [
        {
            "id": "en1",
            "type": "program.enrolled",
            "occurred_at": at(1),
            "program": {"id": "p1"},
            "recipient": {"email": "ann@example.org"},
        },
        {
            "id": "i1",
            "type": "credential.issued",
            "occurred_at": at(2),
            "credential_id": "c1",
            "program": {"id": "p1", "name": "Intro", "department": "Data"},
            "recipient": recipient,
            "expires_at": "2027-01-02T00:00:00Z",
        },
        {"id": "d1", "type": "credential.delivered", "occurred_at": at(2, 13), "credential_id": "c1"},
        {"id": "v1", "type": "credential.viewed", "occurred_at": at(3), "credential_id": "c1", "actor": "owner"},
        {"id": "v2", "type": "credential.viewed", "occurred_at": at(3, 14), "credential_id": "c1", "actor": "owner"},
        {
            "id": "s1",
            "type": "credential.shared",
            "occurred_at": at(4, 3),
            "credential_id": "c1",
            "channel": "linkedin",
        },
        {
            "id": "pv1",
            "type": "credential.viewed",
            "occurred_at": at(5),
            "credential_id": "c1",
            "actor": "public",
            "referrer_domain": "linkedin.com",
            "country": "DE",
        },
        {
            "id": "vf1",
            "type": "credential.verified",
            "occurred_at": at(20),
            "credential_id": "c1",
            "verifier": {"consent": True, "organization": "Globex", "industry": "finance", "size": "51-200"},
        },
        {
            "id": "o1",
            "type": "verification.outcome",
            "occurred_at": at(25),
            "credential_id": "c1",
            "verification_id": "vf1",
            "outcome": "hired",
        },
        {"id": "f1", "type": "recipient.feedback", "occurred_at": at(6), "credential_id": "c1", "rating": 4},
        {
            "id": "ro1",
            "type": "recipient.outcome_reported",
            "occurred_at": at(28),
            "credential_id": "c1",
            "outcome": "new_job",
        },
        {
            "id": "rn1",
            "type": "credential.renewed",
            "occurred_at": at(29),
            "credential_id": "c1",
            "expires_at": "2028-01-02T00:00:00Z",
        },
        {
            "id": "i2",
            "type": "credential.issued",
            "occurred_at": at(10),
            "credential_id": "c2",
            "program": {"id": "p2", "name": "Advanced", "kind": "badge"},
            "recipient": {"id": "E-77"},
        },
        {"id": "dl2", "type": "credential.downloaded", "occurred_at": at(11), "credential_id": "c2", "format": "pdf"},
        {"id": "pa2", "type": "credential.profile_added", "occurred_at": at(12), "credential_id": "c2"},
        {"id": "rf2", "type": "credential.referral_clicked", "occurred_at": at(13), "credential_id": "c2"},
        {
            "id": "cc2",
            "type": "recipient.consent_changed",
            "occurred_at": at(14),
            "recipient": {"id": "E-77"},
            "detailed_tracking": True,
        },
        {"id": "rv2", "type": "credential.revoked", "occurred_at": at(15), "credential_id": "c2", "reason": "fraud"},
        {"id": "x3", "type": "credential.viewed", "occurred_at": at(16), "credential_id": "c3", "actor": "owner"},
    ]


def snapshot(store: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    cursor = store.cursor()
    return {name: cursor.execute(sql).fetchall() for name, sql in SNAPSHOTS.items()}


def build(tmp_path: Path, name: str, batches: list[list[dict[str, Any]]]) -> dict[str, list[tuple[Any, ...]]]:
    store = Warehouse(Path(tempfile.mkdtemp(dir=tmp_path)) / name)
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
        # the same secret in both stores, so the same person gets the same pseudonymous key
        store.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", ["ab" * 32])
        for batch in batches:
            outcome = ingest(store, issuer, batch)
            assert outcome.rejections == []
        return snapshot(store)
    finally:
        store.close()


def test_order_shuffled_duplicated_and_late_issuance_give_identical_tables(tmp_path: Path) -> None:
    events = stream()
    clean = build(tmp_path, "clean", [events])
    rng = random.Random(3)
    messy = events + rng.sample(events, 8)  # re-sent events
    rng.shuffle(messy)
    issuance = next(e for e in messy if e["id"] == "i1")
    messy.remove(issuance)
    messy.append(issuance)  # every event of c1 arrives before its issuance
    batches = [messy[i : i + 4] for i in range(0, len(messy), 4)]
    assert build(tmp_path, "messy", batches) == clean


def test_clean_stream_folds_to_the_expected_credential(tmp_path: Path) -> None:
    state = build(tmp_path, "one", [stream()])
    cursor_rows = {row[1]: row for row in state["credentials"]}
    assert set(cursor_rows) == {"c1", "c2", "c3"}
    store = Warehouse(next(tmp_path.glob("*/one")))
    try:
        row = (
            store.cursor()
            .execute(
                "SELECT issued_at, first_owner_view_at, owner_views, public_views, shares, first_share_linkedin_at,"
                " verifications, rating_sum, expires_at, owner_days, events FROM credentials WHERE credential_id = 'c1'"
            )
            .fetchall()[0]
        )
        orphan = (
            store.cursor().execute("SELECT issued_at, events FROM credentials WHERE credential_id = 'c3'").fetchall()
        )
        daily_c3 = store.cursor().execute("SELECT count(*) FROM daily WHERE day = DATE '2026-01-16'").fetchall()
    finally:
        store.close()
    issued, first_view, owner_views, public_views, shares, linkedin, verifications, rating, expires, days, n = row
    assert (issued.day, first_view.day, owner_views, public_views, shares, linkedin.day) == (2, 3, 2, 1, 1, 4)
    # c1 has 11 events: i1 d1 v1 v2 s1 pv1 vf1 o1 f1 ro1 rn1; the renewal's expiry (2028) wins
    assert (verifications, rating, expires.year, n) == (1, 4, 2028, 11)
    # owner activity on Jan 3 (two views, one day) and Jan 4 (share at 03:00 UTC): two distinct UTC days
    assert [d.day for d in days] == [3, 4]
    assert orphan == [(None, 1)]  # an orphan event is kept, but its credential is not issued ...
    assert daily_c3 == [(0,)]  # ... so it counts nowhere


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), batch_size=st.integers(1, 25), resend=st.integers(0, 10))
def test_any_arrival_order_gives_the_same_tables(tmp_path: Path, seed: int, batch_size: int, resend: int) -> None:
    events = stream()
    rng = random.Random(seed)
    arrivals = events + [rng.choice(events) for _ in range(resend)]
    rng.shuffle(arrivals)
    batches = [arrivals[i : i + batch_size] for i in range(0, len(arrivals), batch_size)]
    assert build(tmp_path, "messy", batches) == build(tmp_path, "clean", [events])


def test_events_appended_but_not_folded_are_folded_once_when_the_store_reopens(tmp_path: Path) -> None:
    clean = build(tmp_path, "clean", [stream()])
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "crashed"
    store = Warehouse(folder)
    issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
    store.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", ["ab" * 32])
    events = stream()
    ingest_decoded(store, issuer, convert_rows(list(enumerate(events[:7]))), fold=False)
    store.fold()
    ingest_decoded(store, issuer, convert_rows(list(enumerate(events[7:]))), fold=False)
    assert store.unfolded() == len(events) - 7
    store.close()  # as if the process died before folding
    reopened = Warehouse(folder)
    try:
        assert reopened.unfolded() == 0
        assert reopened.fold() == 0  # nothing is folded twice
        assert snapshot(reopened) == clean
    finally:
        reopened.close()


def test_a_credential_without_owner_activity_has_no_owner_days_whatever_the_batching(tmp_path: Path) -> None:
    """Two folds that each bring no owner activity leave `owner_days` NULL, as one fold does (DuckDB's
    list_concat of two NULLs is [], which the merge once stored)."""
    events = [
        {
            "id": "i9",
            "type": "credential.issued",
            "occurred_at": at(5),
            "credential_id": "c9",
            "program": {"id": "p1"},
            "recipient": {"email": "bo@example.org"},
        },
        {"id": "pv9", "type": "credential.viewed", "occurred_at": at(6), "credential_id": "c9", "actor": "public"},
        {"id": "pv10", "type": "credential.viewed", "occurred_at": at(7), "credential_id": "c9", "actor": "public"},
    ]
    whole = build(tmp_path, "whole", [events])
    assert build(tmp_path, "split", [[e] for e in events]) == whole
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "upgraded"
    store = Warehouse(folder)
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
        store.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", ["ab" * 32])
        ingest(store, issuer, events)
        # a file of version 4, whose folds stored [] for the same credential: the upgrade makes it NULL
        store = reopened_as_version(store, folder, 4, "UPDATE credentials SET owner_days = [] WHERE owner_days IS NULL")
        assert snapshot(store) == whole
    finally:
        store.close()
