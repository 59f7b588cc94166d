"""Erasing a recipient leaves the store as if their events had never arrived, and their bytes gone."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from credlens.domain.issuers import Issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.store import connection, erasure, purges
from credlens.store.erasure import ErasureReport
from credlens.store.warehouse import StoreError, Warehouse
from tests.conftest import ingest
from tests.people import (
    ANN_CREDENTIALS,
    ANN_EMAIL,
    ANN_EVENT_IDS,
    BOB_EARNER_ID,
    BOB_EVENT_IDS,
    ann_events,
    ann_late_issuance,
    bob_events,
)
from tests.privacy.test_ingest_privacy import file_bytes
from tests.store.test_order_independence import SNAPSHOTS

# Everything but `programs` (the issuer's catalogue, not the person's) must match a store that never saw Ann.
COMPARED = {name: sql for name, sql in SNAPSHOTS.items() if name != "programs"}
ANN_REPORT = ErasureReport(
    credentials=2,
    events=11,  # 10 in the first batch and the late issuance
    tombstones=0,
    verifications=1,  # the verification and its outcome are one row
    reported_outcomes=1,
    enrollments=1,
    recipients=1,
    daily_events=9,  # every event of her two credentials; not the enrollment nor the consent change
    daily_unattributed=0,
    purged=True,
)


def load(store: Warehouse, issuer: Issuer, *, with_ann: bool = True) -> None:
    if with_ann:
        ingest(store, issuer, ann_events())
    ingest(store, issuer, bob_events())
    if with_ann:
        ingest(store, issuer, ann_late_issuance())


def snapshot(store: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    return {name: store.cursor().execute(sql).fetchall() for name, sql in COMPARED.items()}


def ann_key(store: Warehouse, issuer: Issuer) -> str:
    return store.recipient_key(issuer.issuer_id, email=ANN_EMAIL)


def test_erasure_leaves_the_store_as_if_ann_never_was(warehouse: Warehouse, issuer: Issuer, tmp_path: Path) -> None:
    load(warehouse, issuer)
    assert warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli") == ANN_REPORT

    never = Warehouse(tmp_path / "never")
    try:
        other, _ = never.create_issuer("acme", "Acme Academy", timezone="America/New_York")
        secret = warehouse.pseudonym_secret(issuer.issuer_id)  # the same recipient keys in both stores
        never.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", [secret])
        load(never, other, with_ann=False)
        assert snapshot(warehouse) == snapshot(never)
    finally:
        never.close()
    # the issuer's programs stay, named as Ann's issuances named them, but no longer pointing at those events
    programs = warehouse.cursor().execute("SELECT program_id, name, name_src, kind_src FROM programs ORDER BY 1")
    assert programs.fetchall() == [("p1", "Intro", "", "bob-evt-issue"), ("p2", "Advanced", "", "")]


def test_erasure_subtracts_shared_daily_rows_down_to_bobs_share(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    sql = "SELECT sum(events) FROM daily WHERE day = DATE '2026-01-01' AND type = 'credential.issued'"
    assert warehouse.cursor().execute(sql).fetchall() == [(2,)]  # Ann's and Bob's issuances, one New York day
    warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert warehouse.cursor().execute(sql).fetchall() == [(1,)]
    # rows reaching 0 are gone, not kept at 0; the rest is compacted to one row per key
    rows = warehouse.cursor().execute("SELECT count(*), min(events), count(DISTINCT type) FROM daily").fetchall()
    assert rows == [(6, 1, 6)]  # Bob: issued, viewed, shared, verified, outcome, outcome_reported


def test_events_appended_but_not_folded_are_erased_too(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    late = [
        {
            "id": "ann-evt-late-view",
            "type": "credential.viewed",
            "occurred_at": "2026-02-01T10:00:00Z",
            "credential_id": "ann-cred-alpha",
            "actor": "public",
        }
    ]
    ingest_decoded(warehouse, issuer, convert_rows(list(enumerate(late))), fold=False)
    assert warehouse.unfolded() == 1

    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")

    assert (report.events, report.daily_events) == (12, 10)  # folded first, then erased with the rest
    assert warehouse.unfolded() == 0
    assert warehouse.cursor().execute("SELECT count(*) FROM events WHERE event_id LIKE 'ann-%'").fetchall() == [(0,)]


def test_the_erased_bytes_are_gone_from_the_file_and_its_wal(warehouse: Warehouse, issuer: Issuer) -> None:
    # NOTE: uncompressed, so that a value absent from the bytes is absent from the store (see the controls).
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    load(warehouse, issuer)
    key = ann_key(warehouse, issuer)
    bob = warehouse.recipient_key(issuer.issuer_id, earner_id=BOB_EARNER_ID)
    ann_values = [key, *ANN_CREDENTIALS, *ANN_EVENT_IDS, "Ann Employer Org", "ann-private-note"]
    bob_values = [bob, "bob-cred-gamma", *BOB_EVENT_IDS, "Bob Employer Org", "bob-visible-note"]
    before = file_bytes(warehouse.path.parent)
    assert warehouse.path.with_name("credlens.duckdb.wal").exists()  # the rows are still in the WAL here
    for value in ann_values:
        assert value.encode() in before, value  # the search can see each of them

    assert warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli").purged

    after = file_bytes(warehouse.path.parent)
    for value in ann_values:
        assert value.encode() not in after, value
    for value in bob_values:
        assert value.encode() in after, value  # positive control: stored text is visible to the search
    assert [p.name for p in warehouse.path.parent.iterdir()] == ["credlens.duckdb"]


def test_the_audit_log_says_an_erasure_happened_never_who(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    key = ann_key(warehouse, issuer)
    warehouse.erase_recipient(issuer.issuer_id, key, actor="user:admin@acme.example")
    (entry,) = warehouse.audit_entries(issuer.issuer_id)
    assert (entry.actor, entry.action) == ("user:admin@acme.example", "erasure")
    assert entry.detail == (
        "credentials=2 events=11 tombstones=0 verifications=1 reported_outcomes=1 enrollments=1 "
        "recipients=1 sessions=0 daily_events=9 daily_unattributed=0"
    )
    assert key not in str(entry)
    assert "ann" not in str(entry).lower()


def test_erasing_someone_unknown_changes_nothing_but_is_audited(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    before = snapshot(warehouse)
    report = warehouse.erase_person(issuer.issuer_id, email="nobody@example.org", actor="cli")
    assert report == ErasureReport()
    assert not report.found
    assert snapshot(warehouse) == before
    assert [e.action for e in warehouse.audit_entries(issuer.issuer_id)] == ["erasure"]


def test_a_recipient_is_named_by_exactly_one_valid_identifier(warehouse: Warehouse, issuer: Issuer) -> None:
    for kwargs in ({}, {"email": ANN_EMAIL, "earner_id": "x"}, {"email": "not-an-address"}, {"earner_id": " "}):
        with pytest.raises(StoreError):
            warehouse.erase_person(issuer.issuer_id, actor="cli", **kwargs)


def test_erasure_is_per_issuer(warehouse: Warehouse, issuer: Issuer) -> None:
    other, _ = warehouse.create_issuer("globex", "Globex", timezone="America/New_York")
    load(warehouse, issuer)
    load(warehouse, other)
    before = warehouse.cursor().execute("SELECT count(*) FROM events WHERE issuer_id = ?", [other.issuer_id]).fetchall()
    assert warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli") == ANN_REPORT
    after = warehouse.cursor().execute("SELECT count(*) FROM events WHERE issuer_id = ?", [other.issuer_id]).fetchall()
    assert before == after == [(len(ANN_EVENT_IDS) + len(BOB_EVENT_IDS),)]


def test_events_sent_again_after_an_erasure_are_stored_again(warehouse: Warehouse, issuer: Issuer) -> None:
    # Erasure forgets the event ids too: an issuer that keeps sending a person's events re-creates them.
    load(warehouse, issuer)
    warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    again = ingest(warehouse, issuer, ann_events() + ann_late_issuance())
    assert (again.accepted, again.duplicates, again.rejections) == (11, 0, [])
    assert warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli") == ANN_REPORT


def test_erasure_after_retention_leaves_older_daily_counts_anonymous(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    # 2026-01-05T00:00Z is 30 days before: events before it are retired (Ann: enrolment, issuance, view, share)
    warehouse.apply_retention(now=dt.datetime(2026, 2, 4), actor="cli")
    before = warehouse.cursor().execute("SELECT sum(events) FROM daily").fetchall()[0][0]

    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")

    assert (report.events, report.tombstones) == (7, 4)  # her retained raw events, and the retired ones' tombstones
    assert (report.daily_events, report.daily_unattributed) == (6, 3)  # issuance, view, share: no longer locatable
    assert warehouse.cursor().execute("SELECT sum(events) FROM daily").fetchall() == [(before - 6,)]
    ids = warehouse.cursor().execute("SELECT event_id FROM event_tombstones ORDER BY 1").fetchall()
    assert ids == [("bob-evt-enrol",), ("bob-evt-issue",), ("bob-evt-share",), ("bob-evt-view",)]


def test_a_tombstone_whose_hash_another_credential_shares_is_kept(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    warehouse.apply_retention(now=dt.datetime(2026, 2, 4), actor="cli")
    # Forge a 64-bit collision: Bob's credential now has the hash of Ann's first credential.
    warehouse.cursor().execute(
        "UPDATE credentials SET cred_hash = md5_number_lower('ann-cred-alpha') WHERE credential_id = 'bob-cred-gamma'"
    )
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert report.tombstones == 2  # her enrolment and issuance (they carry her key); her view and share stay


def test_the_rewrite_waits_for_readers_and_is_retried_at_the_next_start(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    load(warehouse, issuer)
    monkeypatch.setattr(connection, "DRAIN_TIMEOUT", 0.3)
    reader = warehouse.cursor()  # a request still reading
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert (report.credentials, report.purged) == (2, False)
    assert reader.execute("SELECT count(*) FROM credentials").fetchall() == [(2,)]  # it read on, undisturbed
    assert b"ann-cred-alpha" in file_bytes(warehouse.path.parent)  # deleted, not yet overwritten
    del reader

    data_dir = warehouse.path.parent
    warehouse.close()
    monkeypatch.setattr(purges, "PURGE_WITHIN", dt.timedelta(0))
    reopened = Warehouse(data_dir)  # the start rewrites what an erasure left owed, once due
    try:
        assert b"ann-cred-alpha" not in file_bytes(data_dir)
        assert reopened.meta("purge_pending") is None
    finally:
        reopened.close()


def test_readers_released_in_time_let_the_rewrite_through(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    holder: list[object] = [warehouse.cursor()]
    threading.Timer(0.2, holder.clear).start()  # the request ends 0.2 s into the erasure's wait
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert report.purged
    assert warehouse.cursor().execute("SELECT count(*) FROM credentials").fetchall() == [(2,)]  # Bob's and nobody's


def test_a_failed_rewrite_leaves_the_store_working_and_the_rewrite_owed(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(warehouse, issuer)

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(connection.os, "replace", full_disk)
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert (report.credentials, report.purged) == (2, False)
    assert warehouse.meta("purge_pending") is not None
    assert warehouse.cursor().execute("SELECT count(*) FROM credentials").fetchall() == [(2,)]  # Bob's, the orphan
    assert [p.name for p in warehouse.path.parent.iterdir() if "rewrite" in p.name] == []

    monkeypatch.undo()
    assert warehouse.purge()  # the purge job (or `credlens purge`) tries again and does the rewrite
    assert warehouse.meta("purge_pending") is None


def test_erasure_ends_the_recipients_signed_in_sessions(warehouse: Warehouse, issuer: Issuer) -> None:
    load(warehouse, issuer)
    now = dt.datetime(2026, 6, 1)
    later = now + dt.timedelta(days=1)
    warehouse.accounts.create_session(
        "ann-link", issuer.issuer_id, now, later, recipient_key=ann_key(warehouse, issuer)
    )
    bob = warehouse.recipient_key(issuer.issuer_id, email="bob@example.org")
    warehouse.accounts.create_session("bob-link", issuer.issuer_id, now, later, recipient_key=bob)
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli")
    assert report.sessions == 1
    assert warehouse.accounts.session("ann-link") is None
    assert warehouse.accounts.session("bob-link") is not None


def test_an_erasure_hides_at_once_and_its_queued_purge_lets_writers_on_during_the_copy(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 13: the purge rewrote the whole file holding the write lock; now only its catch-up does."""
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    load(warehouse, issuer)
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli", purge=False)
    assert (report.credentials, report.purged) == (2, False)
    assert report.purge_due is not None
    key = ann_key(warehouse, issuer)
    assert warehouse.cursor().execute("SELECT count(*) FROM credentials WHERE recipient_key = ?", [key]).fetchall() == [
        (0,)
    ]  # hidden from every read at once
    assert b"ann-cred-alpha" in file_bytes(warehouse.path.parent)  # not yet purged
    status = warehouse.purge_status()
    assert (status.pending, status.queued) == (True, 1)

    during = {
        "id": "bob-evt-during-purge",
        "type": "credential.viewed",
        "occurred_at": "2026-02-01T00:00:00Z",
        "credential_id": "bob-cred-gamma",
        "actor": "owner",
    }
    copy = connection.Connection._copy
    writers: list[bool] = []

    def copy_then_write(self: connection.Connection, fresh: Path) -> None:
        copy(self, fresh)

        def write() -> None:  # appends and an audit entry, after the copy, before the catch-up
            ingest_decoded(warehouse, issuer, convert_rows([(0, during)]), fold=False)
            warehouse.audit(issuer.issuer_id, "cli", "written.during.purge")

        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=60)
        writers.append(not writer.is_alive())  # it was not held while the purge ran

    monkeypatch.setattr(connection.Connection, "_copy", copy_then_write)
    assert warehouse.purge()
    assert writers == [True]
    assert b"ann-cred-alpha" not in file_bytes(warehouse.path.parent)
    assert warehouse.purge_status().pending is False
    assert warehouse.purge_status().last is not None
    stored = warehouse.cursor().execute("SELECT count(*) FROM events WHERE event_id = 'bob-evt-during-purge'")
    assert stored.fetchall() == [(1,)]  # the catch-up brought it into the fresh file
    assert warehouse.audit_entries(issuer.issuer_id)[0].action == "written.during.purge"
    warehouse.fold()
    views = warehouse.cursor().execute("SELECT owner_views FROM credentials WHERE credential_id = 'bob-cred-gamma'")
    assert views.fetchall() == [(2,)]


def test_appends_are_acknowledged_while_an_erasure_deletes(
    warehouse: Warehouse, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 13: the deletion held the write lock, so every acknowledgement waited for it
    (1-4 s at 10M events). It now runs beside the appends; what they append after its snapshot is
    not its to erase, and stays."""
    load(warehouse, issuer)
    during = {
        "id": "bob-evt-during-erasure",
        "type": "credential.viewed",
        "occurred_at": "2026-02-01T00:00:00Z",
        "credential_id": "bob-cred-gamma",
        "actor": "owner",
    }
    subtract = erasure._subtract_daily
    acknowledged: list[bool] = []

    def subtract_while_writing(con: object, issuer_id: int) -> tuple[int, int]:
        writer = threading.Thread(
            target=lambda: ingest_decoded(warehouse, issuer, convert_rows([(0, during)]), fold=False)
        )
        writer.start()
        writer.join(timeout=10)
        acknowledged.append(not writer.is_alive())
        return subtract(con, issuer_id)

    monkeypatch.setattr(erasure, "_subtract_daily", subtract_while_writing)
    report = warehouse.erase_person(issuer.issuer_id, email=ANN_EMAIL, actor="cli", purge=False)
    assert acknowledged == [True]
    assert report.credentials == 2
    warehouse.fold()
    views = warehouse.cursor().execute("SELECT owner_views FROM credentials WHERE credential_id = 'bob-cred-gamma'")
    assert views.fetchall() == [(2,)]
    assert warehouse.cursor().execute(
        "SELECT count(*) FROM credentials WHERE credential_id LIKE 'ann-%'"
    ).fetchall() == [(0,)]
