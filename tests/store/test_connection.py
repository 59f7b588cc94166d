"""The file rewrite: a fresh copy swapped in once readers let go; readers finishing their work are not blocked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

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


def _counting(waiting: list[int]) -> Any:
    """`Connection._catch_up` that first notes how many of the 500 rows appended at 1000 and over the
    fresh file still lacks: what the catch-up under the lock has to copy."""
    catch_up = Connection._catch_up

    def count_then_catch_up(
        self: Connection, appended: dict[str, str], stable: tuple[str, ...], values: dict[str, str]
    ) -> str:
        fresh = self.path.with_name(self.path.name + connection.REWRITE_SUFFIX)
        self.con.execute(f"ATTACH '{fresh}' AS waiting")
        (rows,) = self.con.execute("SELECT count(*) FROM waiting.t WHERE i >= 1000").fetchall()[0]
        self.con.execute("DETACH waiting")
        waiting.append(500 - rows)
        return catch_up(self, appended, stable, values)

    return count_then_catch_up


def test_rows_appended_during_the_copy_are_copied_before_the_write_lock_is_taken(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 13: the catch-up under the write lock copied every row appended during the
    whole copy (acknowledgements waited 1.3-6.0 s at 10M events); it now finds only those appended
    since a catch-up made beside the writers."""
    copy = Connection._copy
    waiting: list[int] = []

    def copy_then_append(self: Connection, fresh: Path) -> None:
        copy(self, fresh)
        self.con.execute("INSERT INTO t SELECT range FROM range(1000, 1500)")  # a writer, during the copy

    monkeypatch.setattr(Connection, "_copy", copy_then_append)
    monkeypatch.setattr(Connection, "_catch_up", _counting(waiting))
    assert db.rewrite(appended={"t": "i"})
    assert waiting == [0]
    assert db.con.execute("SELECT count(*), max(i) FROM t").fetchall() == [(1500, 1499)]
    db.close()


def test_the_file_being_replaced_is_never_checkpointed(db: Connection) -> None:
    """Issue 14, item 13: the old file's close checkpointed its WAL under the write lock (3.7 s at 10M
    events), and the copy's own CHECKPOINT beside the appends held them too (2.0-2.3 s): every
    acknowledgement waited. The fresh copy holds all the WAL holds, so the old file is closed as it is."""
    db.con.execute("PRAGMA force_compression = 'uncompressed'")
    db.con.execute("CHECKPOINT")
    db.con.execute("CREATE TABLE notes (note VARCHAR)")
    db.con.execute("INSERT INTO notes VALUES ('appended-only-to-the-wal')")  # in the WAL, not the file
    old = os.open(db.path, os.O_RDONLY)  # the replaced file, read after the swap
    try:
        assert db.rewrite()
        replaced = os.pread(old, os.fstat(old).st_size, 0)
    finally:
        os.close(old)
    assert b"appended-only-to-the-wal" not in replaced
    assert b"appended-only-to-the-wal" in db.path.read_bytes()  # positive control: the fresh file has it
    assert db.con.execute("SELECT note FROM notes").fetchall() == [("appended-only-to-the-wal",)]
    db.close()


def test_rows_only_in_the_wal_of_the_replaced_file_survive_a_restart(tmp_path: Path) -> None:
    """The old WAL is set aside, never checkpointed: reopened, the fresh file has every row, and no
    WAL of the old file sits beside it (DuckDB refuses to open a file with a WAL that is not its own)."""
    db = Connection(tmp_path / "credlens.duckdb", defer_checkpoints=True)
    db.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    db.con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    db.con.execute("CHECKPOINT")
    db.con.execute("INSERT INTO t SELECT range FROM range(1000, 1200)")  # in the WAL only
    assert db.wal_size() > 0
    assert db.rewrite(appended={"t": "i"})
    db.con.execute("INSERT INTO t SELECT range FROM range(1200, 1300)")  # the fresh file's own WAL
    db.con.execute("PRAGMA disable_checkpoint_on_shutdown")  # as a crash would leave it
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credlens.duckdb", "credlens.duckdb.wal"]
    again = Connection(tmp_path / "credlens.duckdb")
    assert again.con.execute("SELECT count(*), max(i) FROM t").fetchall() == [(1300, 1299)]
    again.close()


def _crashed_with_the_wal_set_aside(tmp_path: Path) -> Path:
    """A store whose process died in the swap (``_swap_in``) just after setting the old WAL aside."""
    db = Connection(tmp_path / "credlens.duckdb", defer_checkpoints=True)
    db.con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    db.con.execute("CHECKPOINT")
    db.con.execute("INSERT INTO t SELECT range FROM range(1000, 1200)")  # acknowledged: in the WAL only
    db.con.execute("PRAGMA disable_checkpoint_on_shutdown")
    db.close()
    wal = tmp_path / "credlens.duckdb.wal"
    os.replace(wal, tmp_path / ("credlens.duckdb" + connection.SUPERSEDED_SUFFIX))
    return tmp_path / "credlens.duckdb"


def test_a_swap_interrupted_before_the_fresh_file_was_renamed_in_gives_the_old_file_its_wal(tmp_path: Path) -> None:
    path = _crashed_with_the_wal_set_aside(tmp_path)
    path.with_name("credlens.duckdb" + connection.REWRITE_SUFFIX).write_bytes(b"the fresh copy, not yet in place")
    db = Connection(path)
    assert db.con.execute("SELECT count(*) FROM t").fetchall() == [(1200,)]  # nothing acknowledged is lost
    assert not path.with_name("credlens.duckdb" + connection.SUPERSEDED_SUFFIX).exists()
    db.close()


def test_a_swap_interrupted_after_the_fresh_file_was_renamed_in_drops_the_old_wal(tmp_path: Path) -> None:
    path = _crashed_with_the_wal_set_aside(tmp_path)
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    fresh.execute("CREATE TABLE t AS SELECT range AS i FROM range(1200)")  # the fresh copy: all 1,200 rows
    fresh.close()
    os.replace(tmp_path / "fresh.duckdb", path)
    db = Connection(path)  # DuckDB would refuse it beside the old file's WAL
    assert db.con.execute("SELECT count(*) FROM t").fetchall() == [(1200,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credlens.duckdb"]
    db.close()


def test_a_swap_that_fails_after_setting_the_wal_aside_keeps_the_old_file_whole(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.con.execute("CHECKPOINT")
    db.con.execute("INSERT INTO t SELECT range FROM range(1000, 1200)")  # in the WAL only
    replace = os.replace

    def fail_on_the_fresh_file(source: Path, target: Path) -> None:
        if Path(source).name.endswith(connection.REWRITE_SUFFIX):
            raise OSError("disk gone")
        replace(source, target)

    monkeypatch.setattr(connection.os, "replace", fail_on_the_fresh_file)
    with pytest.raises(OSError, match="disk gone"):
        db.rewrite()
    assert db.con.execute("SELECT count(*) FROM t").fetchall() == [(1200,)]
    db.con.execute("INSERT INTO t VALUES (1200)")
    db.close()
    monkeypatch.setattr(connection.os, "replace", replace)
    again = Connection(db.path)
    assert again.con.execute("SELECT count(*) FROM t").fetchall() == [(1201,)]
    again.close()


def test_rows_appended_during_the_first_catch_up_beside_the_writers_are_copied_by_another(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up beside the writers that took long (4 s at 10M events under load) let as many
    seconds of appends wait for the catch-up under the write lock; passes repeat while they take long."""
    monkeypatch.setattr(connection, "AHEAD_ENOUGH", 0.0)  # every pass counts as long
    append_since = Connection._append_since
    passes: list[int] = []
    waiting: list[int] = []

    def append_since_then_write(self: Connection, fresh: Path, appended: dict[str, str]) -> None:
        append_since(self, fresh, appended)
        if not passes:
            self.con.execute("INSERT INTO t SELECT range FROM range(1000, 1500)")  # during the first pass
        passes.append(1)

    monkeypatch.setattr(Connection, "_append_since", append_since_then_write)
    monkeypatch.setattr(Connection, "_catch_up", _counting(waiting))
    assert db.rewrite(appended={"t": "i"})
    assert len(passes) == connection.AHEAD_PASSES
    assert waiting == [0]
    assert db.con.execute("SELECT count(*), max(i) FROM t").fetchall() == [(1500, 1499)]
    db.close()


def test_the_replaced_file_is_freed_after_the_write_lock_is_released(
    db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 13: renaming the fresh file over the old one freed the old file's blocks under the
    write lock (0.4-0.7 s for 1.2 GB). The old file is kept open through the swap and given back after."""
    write_lock = threading.Lock()
    truncate = os.ftruncate
    appended_meanwhile: list[bool] = []

    def truncate_while_appending(fd: int, length: int) -> None:
        assert os.fstat(fd).st_nlink == 0  # only a file no longer in place
        free = write_lock.acquire(timeout=5)  # an append's turn while the old file is freed
        if free:
            db.con.execute("INSERT INTO t VALUES (1000)")
            write_lock.release()
        appended_meanwhile.append(free)
        truncate(fd, length)

    monkeypatch.setattr(connection.os, "ftruncate", truncate_while_appending)
    assert db.rewrite(write_lock=write_lock)
    assert appended_meanwhile
    assert all(appended_meanwhile)
    assert db.con.execute("SELECT count(*) FROM t").fetchall() == [(1000 + len(appended_meanwhile),)]
    db.close()


# A process that rewrites its store and is killed (SIGKILL) in the middle of the swap: just before
# the fresh file is renamed in, or just after.
_KILLED_IN_THE_SWAP = """
import os, signal, sys
from pathlib import Path
from credlens.store import connection
from credlens.store.connection import Connection

path, stage = Path(sys.argv[1]), sys.argv[2]
db = Connection(path, defer_checkpoints=True)
db.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
db.con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
db.con.execute("CHECKPOINT")
db.con.execute("INSERT INTO t SELECT range FROM range(1000, 1200)")  # acknowledged: in the WAL only
replace = os.replace

def replace_then_die(source, target):
    fresh = str(source).endswith(connection.REWRITE_SUFFIX)
    if fresh and stage == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    replace(source, target)
    if fresh and stage == "after":
        os.kill(os.getpid(), signal.SIGKILL)

os.replace = replace_then_die
db.rewrite(appended={"t": "i"})
"""


@pytest.mark.parametrize("stage", ["before", "after"])
def test_a_process_killed_in_the_swap_loses_nothing_acknowledged(tmp_path: Path, stage: str) -> None:
    path = tmp_path / "credlens.duckdb"
    killed = subprocess.run([sys.executable, "-c", _KILLED_IN_THE_SWAP, str(path), stage], check=False, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert path.with_name("credlens.duckdb" + connection.SUPERSEDED_SUFFIX).exists()  # the WAL was set aside
    db = Connection(path)
    assert db.con.execute("SELECT count(*), max(i) FROM t").fetchall() == [(1200, 1199)]
    assert not path.with_name("credlens.duckdb" + connection.SUPERSEDED_SUFFIX).exists()
    db.close()
