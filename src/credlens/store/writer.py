"""Group commit: one writer thread appends whatever batches are waiting in one transaction; a fold
thread folds them into the derived tables when the writer is idle or enough have piled up.

Each HTTP request still gets its own all-or-nothing answer, and only once its events are durable;
concurrent requests share the fixed cost of a transaction, and the fold (the expensive part)
runs over many requests at once, on its own connection, while the writer goes on appending.

# NOTE: measured here, folding in the writer's thread held every acknowledgement for the length of
# a fold (1-2 s at each 200,000 events of a sustained load: 500,000 events at 4 clients ran at
# 31,000/s, with a p99 latency of 1.9 s); see docs/performance.md for the figures since.

# NOTE: measured here, an append costs ~5-6 ms of CPU whatever its size (a 10-event append: the
# INSERT ~2.3 ms, COMMIT, BEGIN, screening): per event 11-15 µs in groups of one 1,000-event request
# against 6-9 µs in groups of four. The decoding helper releases requests one at a time, so under load
# the writer found one request per group; it now waits briefly for requests still being decoded
# (GATHER_*), but only while enough are, so that a waiting group never leaves the helper idle.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from credlens.store.appends import WriteRequest, WriteResult
from credlens.store.schema import EVENT_ARROW_SCHEMA
from credlens.store.warehouse import Warehouse

MAX_GROUP_EVENTS = 50_000
FOLD_AT = 200_000  # start a fold even under sustained load once this many events wait
FOLD_WHEN_IDLE_FOR = 0.2  # seconds without a new batch: a client sending back to back is not idle
FOLD_RETRY_AFTER = 30.0  # seconds before a failed fold is tried again, new batches or not
GATHER_WHILE_DECODING = 2  # wait for more requests only while at least this many are being decoded
GATHER_FOR = 0.015  # seconds a group waits at most for them (about one request's decoding)
GATHER_REQUESTS = 4  # requests in a group beyond which it does not wait
# Every append waits for a checkpoint (DuckDB), and no commit runs one (connection.WAL_LIMIT): the
# fold thread checkpoints once the writer has appended nothing for CHECKPOINT_IDLE_FOR and the WAL
# holds more than CHECKPOINT_IDLE_FROM, or whatever the load after a fold that left it past
# WAL_BOUND, which bounds the WAL (its replay at the next start, DuckDB's memory for what it holds).
CHECKPOINT_IDLE_FOR = 2.0  # seconds without appends: longer than a loaded client's pause between batches
CHECKPOINT_IDLE_FROM = 16 << 20  # bytes: DuckDB's own threshold
WAL_BOUND = 256 << 20  # bytes

log = logging.getLogger("credlens.writer")
_EMPTY = EVENT_ARROW_SCHEMA.empty_table()
_Item = tuple[WriteRequest, "Future[WriteResult]"]


class GroupWriter:
    def __init__(
        self, warehouse: Warehouse, decoding: Callable[[], int] = lambda: 0, gather_for: float = GATHER_FOR
    ) -> None:
        """``decoding`` tells how many requests are on their way to the writer (being decoded)."""
        self._warehouse = warehouse
        self._decoding = decoding
        self._gather_for = gather_for
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._fold_wanted = threading.Event()
        self._stopping = False
        self._appended_at = 0.0  # time.monotonic() of the last append
        self._folder = threading.Thread(target=self._fold_when_wanted, name="credlens-fold", daemon=True)
        self._thread = threading.Thread(target=self._run, name="credlens-writer", daemon=True)
        self._folder.start()
        self._thread.start()

    def submit(self, request: WriteRequest) -> Future[WriteResult]:
        future: Future[WriteResult] = Future()
        self._queue.put((request, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            self._warehouse.load_key_indexes()
        except Exception:  # NOTE: not fatal: the writer then loads them when it first needs them
            log.exception("loading the key indexes failed")
        pending = 0
        while True:
            try:
                first = self._queue.get(timeout=FOLD_WHEN_IDLE_FOR if pending else None)
            except queue.Empty:
                self._fold_wanted.set()
                pending = 0
                continue
            if first is None:
                break
            group, stop = self._drain(first)
            pending += self._commit(group)
            if stop:
                break
            if pending >= FOLD_AT:
                self._fold_wanted.set()
                pending = 0
        self._stopping = True
        self._fold_wanted.set()
        self._folder.join()
        self._fold()  # what was appended since the fold thread's last fold

    def _fold_when_wanted(self) -> None:
        """The fold thread: one fold per wake-up (a fold takes every event appended before it starts,
        so wake-ups during a fold need only one more), and a retry after a failed one; a checkpoint
        once the writer has been idle for CHECKPOINT_IDLE_FOR, or after a fold that left the WAL past
        WAL_BOUND."""
        failed = False
        while True:
            owed = not failed and self._warehouse.wal_size() > CHECKPOINT_IDLE_FROM
            woken = self._fold_wanted.wait(FOLD_RETRY_AFTER if failed else CHECKPOINT_IDLE_FOR if owed else None)
            self._fold_wanted.clear()
            if self._stopping:
                return
            if owed and not woken:
                if self._queue.empty() and time.monotonic() - self._appended_at >= CHECKPOINT_IDLE_FOR:
                    self._checkpoint(over=CHECKPOINT_IDLE_FROM)
                continue
            failed = not self._fold()
            if not failed:
                self._checkpoint(over=WAL_BOUND)

    def _checkpoint(self, *, over: int) -> None:
        try:
            self._warehouse.checkpoint(over=over)
        except Exception:
            log.exception("checkpoint failed; the WAL keeps the appended events, and it is tried again")

    def wait_idle(self) -> None:
        """Block until every batch submitted before this call is appended and folded (tests).

        An empty request queued behind them is the barrier for the appends; the fold is then run
        here (after any the fold thread is running), because that thread folds only once the writer
        has been idle for a moment.
        """
        done: Future[WriteResult] = Future()
        self._queue.put((WriteRequest(0, _EMPTY, []), done))
        done.result()
        self._warehouse.fold()

    def _fold(self) -> bool:
        try:
            self._warehouse.fold()
        except Exception:
            log.exception("folding appended events failed; they stay appended and are folded at the next try")
            return False
        return True

    def _drain(self, first: _Item) -> tuple[list[_Item], bool]:
        group, size = [first], first[0].events.num_rows
        deadline = time.monotonic() + self._gather_for
        while size < MAX_GROUP_EVENTS:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                wait = deadline - time.monotonic()
                if wait <= 0 or len(group) >= GATHER_REQUESTS or self._decoding() < GATHER_WHILE_DECODING:
                    break
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    break
            if item is None:
                return group, True
            group.append(item)
            size += item[0].events.num_rows
        return group, False

    def _commit(self, group: list[_Item]) -> int:
        """Append the group; returns how many events were stored."""
        try:
            results = self._warehouse.write([request for request, _ in group])
        except Exception as exc:
            for _, future in group:
                future.set_exception(exc)
            return 0
        self._appended_at = time.monotonic()
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)
        return sum(result.accepted for result in results)
