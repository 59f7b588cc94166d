"""The file rewrite: a fresh copy swapped in once readers let go; readers finishing their work are not blocked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from credlens.store import connection
from credlens.store.connection import Connection


@pytest.fixture
def db(tmp_path: Path) -> Connection:
    db = Connection(tmp_path / "credlens.duckdb")
    db.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    db.con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    db.con.execute("INSERT INTO meta VALUES ('purge_pending', '1'), ('kept', 'yes')")
    return db


def test_rewrite_swaps_in_a_copy_without_the_pending_mark(db: Connection) -> None:
    db.path.with_name("credlens.duckdb.rewrite").write_bytes(b"an interrupted copy")
    db.con.execute("DELETE FROM t WHERE i < 500")
    assert db.rewrite()
    assert db.con.execute("SELECT count(*), min(i) FROM t").fetchall() == [(500, 500)]
    assert db.con.execute("SELECT * FROM meta WHERE key <> 'rewrite_id'").fetchall() == [("kept", "yes")]
    assert sorted(p.name for p in db.path.parent.iterdir()) == ["credlens.duckdb"]
    db.close()


def test_a_reader_may_take_a_second_cursor_while_the_swap_waits(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "GAP_WAIT", 0.05)
    reading = threading.Event()
    seen: list[object] = []

    def request() -> None:
        first = db.cursor()
        reading.set()
        time.sleep(0.3)  # meanwhile the rewrite has started holding new readers at the gate
        second = db.cursor()  # not blocked: this thread is still reading
        seen.append(second.execute("SELECT count(*) FROM t").fetchall())
        del first, second  # the request ends

    reader = threading.Thread(target=request)
    reader.start()
    reading.wait()
    assert db.rewrite(drain_timeout=10)
    reader.join()
    assert seen == [[(1000,)]]
    db.close()


def test_a_reader_that_never_lets_go_postpones_the_rewrite(db: Connection) -> None:
    held = db.cursor()
    assert not db.rewrite(drain_timeout=0.2)
    assert held.execute("SELECT count(*) FROM meta").fetchall() == [(2,)]  # the old file, untouched
    assert db.cursor().execute("SELECT 1").fetchall() == [(1,)]  # the gate is open again
    assert not db.path.with_name("credlens.duckdb.rewrite").exists()
    db.close()


def test_a_second_connection_to_the_file_in_this_process_makes_the_rewrite_fail_loudly(db: Connection) -> None:
    other = duckdb.connect(str(db.path))  # the same DuckDB instance: it keeps the old file open
    try:
        with pytest.raises(RuntimeError, match="another connection in this process still holds the old file"):
            db.rewrite()
    finally:
        other.close()
