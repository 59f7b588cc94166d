"""The server's daily maintenance: a thread that applies every issuer's raw-event retention.

It goes through the warehouse like an erasure (the write and fold locks), so ingestion waits while it deletes
and rewrites the file, and requests that read keep reading until the file swap (store/connection.py).
"""

from __future__ import annotations

import logging
import threading

from credlens.store.warehouse import Warehouse

log = logging.getLogger("credlens.maintenance")
DAY = 24 * 3600.0
FIRST_RUN_AFTER = 60.0  # seconds after start: not while the server is still warming up


class RetentionJob:
    """Runs ``Warehouse.apply_retention`` after ``first_run_after`` seconds, then every ``interval``."""

    def __init__(
        self, warehouse: Warehouse, *, interval: float = DAY, first_run_after: float = FIRST_RUN_AFTER
    ) -> None:
        self._warehouse = warehouse
        self._interval = interval
        self._first = first_run_after
        self._stop = threading.Event()
        self.runs = 0
        self._thread = threading.Thread(target=self._run, name="credlens-retention", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop; a run under way finishes first."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        delay = self._first
        while not self._stop.wait(delay):
            try:
                run = self._warehouse.apply_retention(actor="server")
                deleted = sum(r.deleted for r in run.issuers)
                if deleted:
                    log.info("retention: %d raw events deleted, file rewritten: %s", deleted, run.purged)
            except Exception:
                log.exception("retention run failed; it is tried again at the next run")
            self.runs += 1
            delay = self._interval
