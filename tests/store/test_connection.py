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


def test_a_thread_forking_for_a_live_reader_passes_the_gate_and_a_stranger_waits(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The metric runs read one window on forked cursors in pool threads (store/reader.py):
    a pool thread that holds no cursor itself, asking on behalf of a reader's cursor, is that reader
    finishing its work. Held at the gate, it would stall the request until the rewrite gave up."""
    monkeypatch.setattr(connection, "GAP_WAIT", 0.05)
    request = [db.cursor()]  # the request's cursor, held until the request ends
    swapped = threading.Event()
    stranger_asking = threading.Event()
    got: dict[str, float] = {}

    def rewrite() -> None:
        if db.rewrite(drain_timeout=10):
            swapped.set()

    def pool_thread() -> None:
        second = db.cursor(holder=request[0])  # forked for the request's window
        got["forked"] = time.monotonic()
        second.execute("SELECT count(*) FROM t").fetchall()
        del second

    def stranger() -> None:
        stranger_asking.set()
        db.cursor()  # a new request: waits for the swap
        got["stranger"] = time.monotonic()

    writer = threading.Thread(target=rewrite)
    threads = [threading.Thread(target=pool_thread), threading.Thread(target=stranger)]
    try:
        writer.start()
        deadline = time.monotonic() + 30
        while not db._swapping and time.monotonic() < deadline:  # the copy done, new readers held at the gate
            time.sleep(0.01)
        for thread in threads:
            thread.start()
        threads[0].join(timeout=5)
        assert stranger_asking.wait(timeout=5)
        time.sleep(0.2)  # the stranger has had time to pass, were the gate open
        assert "forked" in got
        assert "stranger" not in got
        assert not swapped.is_set()
    finally:
        request.clear()  # the request ends: the rewrite swaps, then the stranger gets its cursor
        writer.join(timeout=10)
        threads[1].join(timeout=10)
    assert swapped.is_set()
    assert got["stranger"] > got["forked"]
    db.close()


def test_writers_do_not_wait_for_readers_while_the_rewrite_waits_for_them(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: the rewrite held the write lock while it waited for readers, so appends waited for the
    slowest reader (and 30 s for a cursor leaked by a failed request)."""
    monkeypatch.setattr(connection, "GAP_WAIT", 0.05)
    write_lock = threading.Lock()
    held = [db.cursor()]  # a slow reader, done once the writer has had its turn
    done = threading.Event()
    rewriting = threading.Thread(target=lambda: db.rewrite(drain_timeout=10, write_lock=write_lock) and done.set())
    rewriting.start()
    deadline = time.monotonic() + 30
    while not db._swapping and time.monotonic() < deadline:  # the rewrite now waits for the reader
        time.sleep(0.01)
    started = time.monotonic()
    with write_lock:  # a writer's turn
        waited = time.monotonic() - started
    held.clear()
    rewriting.join()
    assert done.is_set()
    assert waited < 2  # it waited for the reader (10 s, the drain timeout) before
    db.close()


def test_a_writer_waiting_at_the_gate_with_the_write_lock_does_not_deadlock_the_rewrite(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "GAP_WAIT", 0.05)
    monkeypatch.setattr(connection, "WRITER_WAIT", 0.1)
    write_lock = threading.Lock()
    held = [db.cursor()]
    seen: list[object] = []

    def writer() -> None:  # takes the write lock, then a cursor (as creating an issuer does)
        with write_lock:
            time.sleep(0.2)  # meanwhile the rewrite holds new readers at the gate
            seen.append(db.cursor().execute("SELECT count(*) FROM t").fetchall())

    thread = threading.Thread(target=writer)
    thread.start()
    threading.Timer(0.1, held.clear).start()
    assert db.rewrite(drain_timeout=10, write_lock=write_lock)
    thread.join()
    assert seen == [[(1000,)]]
    db.close()


def test_rows_appended_during_the_copy_are_copied_before_the_write_lock_is_taken(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 13: the catch-up under the write lock copied every row appended during the
    whole copy (acknowledgements waited 1.3-6.0 s at 10M events); it now finds only those appended
    since a catch-up made beside the writers."""
    copy = Connection._copy
    catch_up = Connection._catch_up
    waiting: list[int] = []

    def copy_then_append(self: Connection, fresh: Path) -> None:
        copy(self, fresh)
        self.con.execute("INSERT INTO t SELECT range FROM range(1000, 1500)")  # a writer, during the copy

    def count_then_catch_up(
        self: Connection, appended: dict[str, str], stable: tuple[str, ...], values: dict[str, str]
    ) -> str:
        fresh = self.path.with_name(self.path.name + connection.REWRITE_SUFFIX)
        self.con.execute(f"ATTACH '{fresh}' AS waiting")
        (rows,) = self.con.execute("SELECT count(*) FROM waiting.t WHERE i >= 1000").fetchall()[0]
        self.con.execute("DETACH waiting")
        waiting.append(500 - rows)  # what the catch-up under the lock still has to copy
        return catch_up(self, appended, stable, values)

    monkeypatch.setattr(Connection, "_copy", copy_then_append)
    monkeypatch.setattr(Connection, "_catch_up", count_then_catch_up)
    assert db.rewrite(appended={"t": "i"})
    assert waiting == [0]
    assert db.con.execute("SELECT count(*), max(i) FROM t").fetchall() == [(1500, 1499)]
    db.close()
