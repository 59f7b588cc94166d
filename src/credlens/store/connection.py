"""The process's one DuckDB connection to the warehouse file, its readers' cursors, and the file
rewrite that makes deleted rows physically gone.

# TRICKY: DuckDB does not overwrite what it deletes. Measured here (uncompressed storage, so a byte
# search is meaningful): after DELETE + CHECKPOINT every deleted value was still in the file (rows stay
# in their row group behind a deletion mark); rewriting the table (CREATE TABLE AS, DROP, CHECKPOINT)
# left them in the freed blocks, and the file doubled. Only a copy of the whole database into a fresh
# file (`COPY FROM DATABASE`, DuckDB's documented way to compact) leaves nothing behind, so that is
# what purges an erasure or a retention run (queued: purges.py): copy, then swap the fresh file in
# (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import itertools
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger("credlens.store")
REWRITE_SUFFIX = ".rewrite"
REWRITE_ALIAS = "credlens_rewrite"
SUPERSEDED_SUFFIX = ".wal.superseded"  # the replaced file's WAL, between the swap's two renames
FREE_STEP = 64 << 20  # bytes of a replaced file given back at a time (``_free``)
# How long a rewrite waits for a moment with no reader holding a cursor before giving up (it is then
# retried by the server's purge job, maintenance.py).
DRAIN_TIMEOUT = 30.0
GAP_WAIT = 1.0  # seconds of waiting for a moment with no reader before holding new ones at the gate
CHECKPOINT_TRIES = 20  # a checkpoint beside other transactions is refused: tried again a moment later
# Before the write lock: passes of copying what was appended since the last (``_append_since``),
# until one takes less than AHEAD_ENOUGH seconds, so that the catch-up under the lock is short.
AHEAD_PASSES = 3
AHEAD_ENOUGH = 0.3
WRITER_WAIT = 2.0  # seconds a rewrite waits for the write lock, readers held, before letting them in again
# DuckDB checkpoints inside the COMMIT that finds its WAL past `checkpoint_threshold` (16 MiB by
# default), or that writes more rows than `auto_checkpoint_skip_wal_threshold` (then straight to the
# file), and every other commit waits for that checkpoint: an append (an acknowledgement) waited
# for a fold's (docs/performance.md). With ``defer_checkpoints`` (the server) commits checkpoint
# only past this limit, a safety net: the server's writer checkpoints when idle or past
# writer.WAL_BOUND. A command (an import) keeps DuckDB's defaults: nobody waits for its commits.
WAL_LIMIT = 1 << 30  # bytes
# The cursors handed out inside the current ``Connection.reading()`` (threads started with a copy
# of the context, as FastAPI's thread pool does, add to the same list).
# Weakly: a cursor dropped before the scope ends is done then, as anywhere else.
_SCOPE: ContextVar[weakref.WeakSet[Any] | None] = ContextVar("credlens_reading", default=None)


class ConnectionLocked(Exception):
    """Another process holds the database file."""


class Connection:
    """Owns the DuckDB connection; ``con`` is for the holder of the write lock, ``cursor()`` for readers.
    A fold makes a connection of its own from ``con`` under the fold lock and closes it before
    releasing the lock (Warehouse.fold); it does not count as a reader."""

    def __init__(
        self, path: Path, *, read_only: bool = False, memory_limit: str | None = None, defer_checkpoints: bool = False
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.defer_checkpoints = defer_checkpoints  # commits never checkpoint (below WAL_LIMIT): the server
        self.memory_limit = memory_limit  # DuckDB's buffer memory (None: its default, 80 % of RAM)
        self._gate = threading.Condition()
        self._swapping = False
        self._openings = 0  # how many times the gate was opened again (``_open_gate``)
        self._readers: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # cursor -> thread
        self._scopes: weakref.WeakKeyDictionary[Any, weakref.WeakSet[Any]] = weakref.WeakKeyDictionary()
        self._copier: Any = None  # the connection of a rewrite's copy under way
        self.con = self._open()

    def interrupt_rewrite(self) -> None:
        """Stop a rewrite's copy under way (the server is stopping): the rewrite fails, nothing changes."""
        copier = self._copier
        if copier is not None:
            copier.interrupt()

    def _open(self) -> Any:
        recover_swap(self.path)
        try:
            con = duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise ConnectionLocked(str(exc)) from exc
            raise
        con.execute("SET enable_progress_bar = false")
        if self.defer_checkpoints and not self.read_only:
            con.execute(f"SET checkpoint_threshold = '{WAL_LIMIT}B'")
            con.execute(f"SET auto_checkpoint_skip_wal_threshold = {2**62}")
        if self.memory_limit:
            # Beyond it DuckDB spills to `<file>.tmp` beside the database (docs/deployment.md).
            con.execute(f"SET memory_limit = '{self.memory_limit}'")  # checked by config.MEMORY
        return con

    def cursor(self, holder: Any = None) -> Any:
        """A connection for one reader; it counts as reading until it is garbage (end of a request).

        While a rewrite waits to swap the file, only a reader finishing its work gets another: a
        thread that still holds a cursor, or any thread asking on behalf of ``holder``, a live cursor
        (a metric run reads its comparison window and its statements aside on forked cursors in
        pool threads: store/reader.py).
        Others wait until the swap is done.
        """
        me = threading.get_ident()
        with self._gate:
            opened = self._openings  # a gate opened again since this thread came lets it through
            while (
                self._swapping
                and self._openings == opened
                and me not in self._readers.values()
                and (holder is None or holder not in self._readers)
            ):
                self._gate.wait()
            cursor = self.con.cursor()
            self._readers[cursor] = me
            scope = _SCOPE.get()
            if scope is None and holder is not None:
                scope = self._scopes.get(holder)
            if scope is not None:
                scope.add(cursor)
                self._scopes[cursor] = scope
        return cursor

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Close every cursor handed out inside (and their forks) when it ends, however it ends.

        TRICKY: a cursor counts as reading until it is garbage, and an error's traceback holds the
        frames that hold it: a failed request's traceback sits in a reference cycle until the cycle
        collector runs, and every file rewrite waited for it meanwhile (issue 14, item 2). A request
        (web/readers.py) is one such scope, so its end releases its readers, not the collector.
        """
        cursors: weakref.WeakSet[Any] = weakref.WeakSet()
        token = _SCOPE.set(cursors)
        try:
            yield
        finally:
            _SCOPE.reset(token)
            self.release(cursors)

    def release(self, scope: weakref.WeakSet[Any]) -> None:
        """Close the cursors of a scope still alive and stop counting them as readers (they are done)."""
        cursors = list(scope)
        scope.clear()
        for cursor in cursors:
            with contextlib.suppress(duckdb.Error):  # e.g. one of a connection a rewrite replaced
                cursor.close()
        with self._gate:
            for cursor in cursors:
                self._readers.pop(cursor, None)
            self._gate.notify_all()

    def close(self) -> None:
        self.con.close()

    def wal_size(self) -> int:
        """Bytes in the write-ahead log: what the next checkpoint writes into the file (about)."""
        try:
            return self.path.with_name(self.path.name + ".wal").stat().st_size
        except FileNotFoundError:
            return 0

    def rewrite(
        self,
        drain_timeout: float | None = None,
        *,
        write_lock: threading.Lock | None = None,
        appended: dict[str, str] | None = None,
        stable: tuple[str, ...] = (),
        meta: dict[str, str] | None = None,
    ) -> bool:
        """Copy every table into a fresh file and put it in place of this one; False if readers never
        let go within ``drain_timeout`` (the copy is then discarded and nothing changes).

        The bulk of the copy runs while writers go on: only its end holds ``write_lock`` (the lock
        every writer of ``con`` takes; none given: the caller holds it), once no reader holds a
        cursor (``_hold``). There, the copy catches up:
        the rows of each ``appended`` table (name → its increasing sequence column) past those
        copied, and again every table not ``stable``. ``stable`` tables must not change meanwhile
        (the caller holds the lock their writers take, the fold lock) — checked by their row counts.
        The caller also keeps any other connection off the file being replaced. The copy leaves out
        ``meta.purge_pending`` and ``meta.purge_queued`` (the purge owed, purges.py), the original keeps them;
        it gets the ``meta`` values given.
        """
        fresh = self.path.with_name(self.path.name + REWRITE_SUFFIX)
        remove_leftovers(self.path)
        started = time.perf_counter()
        self._copy(fresh)
        copied = time.perf_counter()
        passes = []
        for _ in range(AHEAD_PASSES):  # each pass copies what arrived during the one before: fewer rows
            ahead = time.perf_counter()
            self._append_since(fresh, appended or {})
            passes.append(time.perf_counter() - ahead)
            if passes[-1] < AHEAD_ENOUGH:
                break
        log.info("file rewrite: rows appended during the copy copied in %s s", " + ".join(f"{p:.2f}" for p in passes))
        copied = time.perf_counter()
        if not self._hold(write_lock, DRAIN_TIMEOUT if drain_timeout is None else drain_timeout):
            remove_leftovers(self.path)
            return False
        held = time.perf_counter()
        superseded: list[int] = []
        try:
            try:
                token = self._catch_up(appended or {}, stable, meta or {})
            except BaseException:
                remove_leftovers(self.path)
                raise
            steps = [time.perf_counter()]
            self._close_superseded()
            superseded = _keep_open(self.path)
            steps.append(time.perf_counter())
            try:
                self._swap_in(fresh)
            finally:
                steps.append(time.perf_counter())
                self.con = self._open()  # the fresh file, or the old one if the swap failed
            steps.append(time.perf_counter())
            log.info(
                "file rewrite, under the write lock: catch-up %.2f s, closing the old file %.2f s, "
                "renaming %.2f s, opening the fresh file %.2f s",
                steps[0] - held,
                *(after - before for before, after in itertools.pairwise(steps)),
            )
            self._check_swapped(token)
        finally:
            self._open_gate()
            if write_lock is not None:
                write_lock.release()
            swapped = time.perf_counter()
            _free(superseded)
        log.info(
            "file rewritten: %.1f s copying, %.2f s waiting for readers and writers, %.2f s catching up and "
            "swapping; the replaced file freed in %.2f s after",
            copied - started,
            held - copied,
            swapped - held,
            time.perf_counter() - swapped,
        )
        return True

    def _close_superseded(self) -> None:
        """Close the file being replaced without checkpointing it: the fresh copy holds everything
        its WAL holds, and every commit waits for a checkpoint, here under the write lock
        (docs/performance.md). Its WAL stays until ``_swap_in`` sets it aside."""
        self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
        self.con.close()

    def _swap_in(self, fresh: Path) -> None:
        """Put the fresh copy in place of the (closed) file, and its WAL out of the way.

        TRICKY: the old WAL must never sit beside the fresh file (DuckDB refuses to open it: the WAL
        does not match) nor be lost while the old file is still in place (its acknowledged appends).
        So it is renamed aside first, the fresh file renamed in, and only then deleted;
        ``recover_swap`` (run by ``_open``) completes or undoes this after a failure or a crash, by
        whether the fresh copy is still beside. Under an exclusive lock on the directory, which a
        second process's recovery takes too.
        """
        wal, aside = _wal(self.path), _superseded(self.path)
        with _directory_lock(self.path.parent):
            if wal.exists():
                os.replace(wal, aside)
                _sync_directory(self.path.parent)
            os.replace(fresh, self.path)
            _sync_directory(self.path.parent)
            _remove(aside)

    def _hold(self, write_lock: threading.Lock | None, timeout: float) -> bool:
        """Hold readers at the gate (``_hold_readers``), then take the write lock; False if either
        could not be had within ``timeout``.

        Readers first, so that appends never wait for a reader to finish: only for the catch-up and
        the swap. A writer that holds the write lock may itself be waiting at the gate for a cursor,
        so the lock is waited for a short while only, and the gate opened again before the next try.
        """
        deadline = time.monotonic() + timeout
        while True:
            if not self._hold_readers(max(deadline - time.monotonic(), 0.0)):
                return False
            if write_lock is None or write_lock.acquire(timeout=WRITER_WAIT):
                return True
            self._open_gate()
            if time.monotonic() >= deadline:
                log.warning("file rewrite postponed: the write lock stayed held for %.0f s", timeout)
                return False

    def _open_gate(self) -> None:
        with self._gate:
            self._swapping = False
            self._openings += 1
            self._gate.notify_all()

    def _copy(self, fresh: Path) -> None:
        """The bulk of the copy, on a connection of its own while writers go on with ``con`` (which
        refuses a second caller: only the write lock's holder may use it)."""
        copier = self._copier = self.con.cursor()
        try:
            (name,) = copier.execute("SELECT current_database()").fetchall()[0]
            copier.execute(f"ATTACH '{fresh}' AS {REWRITE_ALIAS}")
            try:
                copier.execute(f"COPY FROM DATABASE {name} TO {REWRITE_ALIAS}")
            finally:
                copier.execute(f"DETACH {REWRITE_ALIAS}")  # checkpoints the copy: no WAL is left beside it
        finally:
            self._copier = None
            copier.close()  # NOTE: a connection left open would keep the file that is replaced

    def _append_since(self, fresh: Path, appended: dict[str, str]) -> None:
        """Before the write lock is taken: copy the rows appended during the copy (``appended``, as in
        ``rewrite``), so that the catch-up under the lock copies only those appended since this.
        Acknowledgements waited for all of them there (1.3-6.0 s at 10M events, docs/performance.md)."""
        if not appended:
            return
        copier = self._copier = self.con.cursor()
        try:
            copier.execute(f"ATTACH '{fresh}' AS {REWRITE_ALIAS}")
            try:
                for table, column in appended.items():
                    copied = f"{REWRITE_ALIAS}.{table}"
                    (last,) = copier.execute(f"SELECT max({column}) FROM {copied}").fetchall()[0]
                    copier.execute(
                        f"INSERT INTO {copied} SELECT * FROM {table} WHERE {column} > ? OR ? IS NULL", [last, last]
                    )
            finally:
                copier.execute(f"DETACH {REWRITE_ALIAS}")
        finally:
            self._copier = None
            copier.close()

    def _catch_up(self, appended: dict[str, str], stable: tuple[str, ...], values: dict[str, str]) -> str:
        """Bring the fresh copy up to this file (no writer runs); returns the copy's ``rewrite_id``."""
        fresh = self.path.with_name(self.path.name + REWRITE_SUFFIX)
        token = secrets.token_hex(8)
        tables = [
            str(row[0])
            for row in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
            ).fetchall()
        ]
        self.con.execute(f"ATTACH '{fresh}' AS {REWRITE_ALIAS}")
        try:
            for table in tables:
                copied = f"{REWRITE_ALIAS}.{table}"
                if table in appended:
                    column = appended[table]
                    (last,) = self.con.execute(f"SELECT max({column}) FROM {copied}").fetchall()[0]
                    self.con.execute(
                        f"INSERT INTO {copied} SELECT * FROM {table} WHERE {column} > ? OR ? IS NULL", [last, last]
                    )
                    continue
                if table in stable and _count(self.con, table) == _count(self.con, copied):
                    continue
                # NOTE: two statements, not one transaction: a key deleted and inserted again in one
                # transaction may be refused; a failure here only discards the copy.
                self.con.execute(f"DELETE FROM {copied}")
                self.con.execute(f"INSERT INTO {copied} SELECT * FROM {table}")
            meta = f"{REWRITE_ALIAS}.meta"
            self.con.execute(f"DELETE FROM {meta} WHERE key IN ('purge_pending', 'purge_queued')")
            for key, value in {**values, "rewrite_id": token}.items():
                self.con.execute(f"INSERT OR REPLACE INTO {meta} VALUES (?, ?)", [key, value])
        finally:
            self.con.execute(f"DETACH {REWRITE_ALIAS}")
        return token

    def _check_swapped(self, token: str) -> None:
        """DuckDB shares one instance per file within a process: had anything else in this process kept
        the old file open, we would now be writing to it, unlinked. Fail loudly instead."""
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'rewrite_id'").fetchall()
        if rows != [(token,)]:
            raise RuntimeError(
                f"{self.path} was replaced by a rewritten copy, but another connection in this process still "
                "holds the old file; only the Warehouse may open the database"
            )

    def _hold_readers(self, timeout: float) -> bool:
        """Keep new readers waiting once the ones reading now are done; False (and readers let through
        again) if some still hold a cursor after ``timeout``.

        First, for up to GAP_WAIT, wait for a moment with no reader at all (nobody waits then); under
        steady load there may be none, so then new readers are held at the gate while the current ones
        finish (see ``cursor``).
        """
        gap_until = time.monotonic() + min(GAP_WAIT, timeout)
        collected = False
        while time.monotonic() < gap_until:
            with self._gate:
                if not len(self._readers):
                    self._swapping = True
                    return True
            if not collected:  # a cursor held only by garbage in a reference cycle (see ``reading``)
                gc.collect()
                collected = True
                continue
            time.sleep(0.002)
        deadline = time.monotonic() + timeout
        with self._gate:
            self._swapping = True
            while len(self._readers):  # NOTE: polled: a cursor's end is a garbage collection, not a signal
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._swapping = False
                    self._openings += 1
                    self._gate.notify_all()
                    log.warning("file rewrite postponed: readers still held cursors after %.0f s", timeout)
                    return False
                self._gate.wait(min(0.002, remaining))
        return True


def recover_swap(path: Path) -> None:
    """Finish a swap a crash interrupted (``Connection._swap_in``), before DuckDB opens the file: the
    old file's WAL set aside goes back beside it if the fresh copy was not yet renamed in, else away."""
    aside = _superseded(path)
    with _directory_lock(path.parent):
        if not aside.exists():
            return
        if path.with_name(path.name + REWRITE_SUFFIX).exists():
            os.replace(aside, _wal(path))
        else:
            _remove(aside)
        _sync_directory(path.parent)


def remove_leftovers(path: Path) -> None:
    """The fresh copy of an interrupted rewrite (the original file was never touched)."""
    fresh = path.with_name(path.name + REWRITE_SUFFIX)
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        _remove(leftover)


def _keep_open(path: Path) -> list[int]:
    """Descriptors on the file and WAL about to be replaced, so that the renames, under the write
    lock, do not free their blocks (a rename over the last name of a file frees them in the rename,
    for as long as the file is large: docs/performance.md). ``_free`` frees them after the lock."""
    kept = []
    for name in (path, _wal(path)):
        with contextlib.suppress(FileNotFoundError):
            kept.append(os.open(name, os.O_RDWR))
    return kept


def _free(kept: list[int]) -> None:
    """Give back the blocks of the replaced files a step at a time, each synced, so that no append's
    sync waits for all of them at once; a file still in place (the swap failed) is only closed."""
    for fd in kept:
        try:
            stat = os.fstat(fd)
            size = stat.st_size if stat.st_nlink == 0 else 0
            while size > 0:
                size = max(0, size - FREE_STEP)
                os.ftruncate(fd, size)
                os.fsync(fd)
        except OSError:
            log.exception("freeing the replaced database file a step at a time failed; closing it frees the rest")
        finally:
            os.close(fd)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _superseded(path: Path) -> Path:
    return path.with_name(path.name + SUPERSEDED_SUFFIX)


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the data directory (flock: between processes and within one)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _count(con: Any, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX: the directory entry is only on disk once the directory is synced)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
