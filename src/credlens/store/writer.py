"""Group commit: one writer thread folds whatever batches are waiting into one transaction.

Each HTTP request still gets its own all-or-nothing answer, and only once its events are durable;
but concurrent requests share the fixed cost of a transaction (the joins against the derived
tables and the WAL sync), which is what lets one DuckDB writer keep up with many clients.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from credlens.store.warehouse import Warehouse
from credlens.store.writes import WriteRequest, WriteResult

MAX_GROUP_EVENTS = 50_000

_Item = tuple[WriteRequest, "Future[WriteResult]"]


class GroupWriter:
    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="credlens-writer", daemon=True)
        self._thread.start()

    def submit(self, request: WriteRequest) -> Future[WriteResult]:
        future: Future[WriteResult] = Future()
        self._queue.put((request, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = self._drain(first)
            self._commit(group)
            if stop:
                return

    def _drain(self, first: _Item) -> tuple[list[_Item], bool]:
        group, size = [first], first[0].events.num_rows
        while size < MAX_GROUP_EVENTS:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return group, True
            group.append(item)
            size += item[0].events.num_rows
        return group, False

    def _commit(self, group: list[_Item]) -> None:
        try:
            results = self._warehouse.write([request for request, _ in group])
        except Exception as exc:
            for _, future in group:
                future.set_exception(exc)
            return
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)
