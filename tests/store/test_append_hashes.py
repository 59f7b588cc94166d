"""The writer's key hashes are the same however they are computed (Python, one SQL statement, the helper)."""

from __future__ import annotations

import datetime as dt

import duckdb

from credlens.ingest.decode import convert_rows
from credlens.ingest.steps import to_table
from credlens.store.appends import HASH_IN_SQL_FROM, WriteRequest, _with_hashes
from credlens.store.keyindex import key_hashes
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
