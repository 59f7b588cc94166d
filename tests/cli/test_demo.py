"""`credlens demo`: the demo goes through the real pipeline and the derived tables add up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from credlens.cli.demo import build_demo
from credlens.store.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    store = Warehouse(tmp_path_factory.mktemp("demo") / "data")
    outcome = build_demo(store, "small", today=dt.date(2026, 3, 1))
    assert (outcome.accepted > 100_000, outcome.rejections) == (True, [])
    yield store
    store.close()


def one(store: Warehouse, sql: str) -> object:
    return store.cursor().execute(sql).fetchall()[0][0]


def test_every_event_is_folded_and_every_credential_event_counted_once_in_daily(demo_store: Warehouse) -> None:
    assert demo_store.unfolded() == 0
    assert one(demo_store, "SELECT value FROM meta WHERE key = 'folded_seq'") == str(
        one(demo_store, "SELECT max(seq) FROM events")
    )
    # every event of an issued credential is in daily once; enrollments and consent changes are not credential events
    counted = one(
        demo_store,
        """
        SELECT count(*) FROM events e JOIN credentials c USING (issuer_id, credential_id)
        WHERE c.issued_at IS NOT NULL""",
    )
    assert one(demo_store, "SELECT sum(events) FROM daily") == counted
    assert one(demo_store, "SELECT count(*) FROM credentials WHERE issued_at IS NOT NULL") == one(
        demo_store, "SELECT count(*) FROM events WHERE type = 'credential.issued'"
    )


def test_nine_issuers_with_their_calibrated_view_rates(demo_store: Warehouse) -> None:
    rows = dict(
        demo_store.cursor()
        .execute("""
        SELECT i.slug, avg((first_owner_view_at IS NOT NULL)::INT) FROM credentials c JOIN issuers i USING (issuer_id)
        WHERE issued_at IS NOT NULL GROUP BY 1""")
        .fetchall()
    )
    assert len(rows) == 14  # the nine of nine industries and five bootcamp peers (benchmarks)
    assert 0.60 < rows["launchpad"] < 0.76  # bootcamp: 68 % published
    assert 0.40 < rows["open-civic"] < 0.54  # events: 47 % published


def test_no_personal_data_reaches_the_store(demo_store: Warehouse) -> None:
    assert (
        one(demo_store, "SELECT count(*) FROM events WHERE verifier_organization IS NOT NULL AND NOT verifier_consent")
        == 0
    )
    for table, column in (("events", "recipient_key"), ("recipients", "recipient_key")):
        assert one(demo_store, f"SELECT count(*) FROM {table} WHERE {column} LIKE '%@%'") == 0
