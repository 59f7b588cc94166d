"""The writer's key hashes are the same however they are computed (Python, one SQL statement, the helper)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from credlens.ingest.decode import convert_rows
from credlens.ingest.steps import to_table
from credlens.store.appends import _STORED, HASH_IN_SQL_FROM, WriteRequest, _with_hashes
from credlens.store.keyindex import key_hashes
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.factories import make_event


def test_a_large_batch_hashes_its_keys_in_sql_exactly_as_python_does() -> None:
    events = [make_event("credential.viewed") for _ in range(HASH_IN_SQL_FROM)]
    events += [make_event("program.enrolled")]  # a NULL credential id
    decoded = convert_rows(list(enumerate(events)))
    table = to_table("00" * 32, decoded.events, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    con = duckdb.connect()
    hashed = _with_hashes(con, WriteRequest(3, table, decoded.positions))
    assert hashed.column("id_hash").to_pylist() == key_hashes([e["id"] for e in events]).to_pylist()
    assert hashed.column("cred_hash").to_pylist() == key_hashes([e.get("credential_id") for e in events]).to_pylist()
    assert hashed.column("cred_hash").to_pylist()[-1] is None
    con.close()


def test_the_events_table_has_the_stored_columns_in_order(tmp_path: Path) -> None:
    """The writer appends by position (appends._insert): a column added to `events` must be added to
    appends._STORED at the same place."""
    store = Warehouse(tmp_path / "data")
    con = store.cursor()
    columns = [row[0] for row in con.execute("DESCRIBE events").fetchall()]
    assert columns == list(_STORED)
    del con
    store.close()


def test_an_append_stores_each_value_in_its_own_column(tmp_path: Path) -> None:
    store = Warehouse(tmp_path / "data")
    issuer, _ = store.create_issuer("acme", "Acme")
    event = make_event("credential.viewed", actor="public", country="FR", referrer_domain="example.org")
    assert ingest(store, issuer, [event]).rejections == []
    con = store.cursor()
    row = con.execute("SELECT event_id, type, actor, country, referrer_domain, credential_id FROM events").fetchall()
    assert row == [(event["id"], "credential.viewed", "public", "FR", "example.org", event["credential_id"])]
    del con
    store.close()
