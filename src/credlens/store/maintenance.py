"""The server's maintenance threads: one applies every issuer's raw-event retention daily, one runs
the purges that erasures and retention runs queue (store/purges.py).

Both go through the warehouse like an erasure (the fold lock, then the write lock while they delete
and at the end of a file rewrite), so ingestion waits only for those moments, and requests that read
keep reading until the file swap (store/connection.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

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


PURGE_CHECK_EVERY = 60.0  # seconds between looks at the queued purge (a purge asked for wakes it at once)
PURGE_RETRY_AFTER = 60.0  # seconds after a postponed or failed purge before it is tried again
PURGE_LEAD = dt.timedelta(hours=1)  # start a purge this long before its deadline: room for retries


class PurgeJob:
    """Runs the purge that erasures and retention runs queue (store/purges.py): when it is due (with
    ``PURGE_LEAD`` to spare), when enough deletions wait, or at once when asked (``request``); a purge
    that is postponed or fails is tried again every ``retry_after`` seconds until it succeeds."""

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        check_every: float = PURGE_CHECK_EVERY,
        retry_after: float = PURGE_RETRY_AFTER,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None),
    ) -> None:
        self._warehouse = warehouse
        self._check_every = check_every
        self._retry_after = retry_after
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = False
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="credlens-purge", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Purge now whatever is queued (the admin asked for it)."""
        self._wake.set()

    def close(self) -> None:
        """Stop; a purge under way is interrupted (it stays queued, for the next start)."""
        self._stopping = True
        self._wake.set()
        self._warehouse.interrupt_purge()
        self._thread.join()

    def _run(self) -> None:
        asked = False
        while not self._stopping:
            delay = self._check_every
            try:
                status = self._warehouse.purge_status()
                if status.pending and (asked or status.wanted(self._clock(), PURGE_LEAD)):
                    if self._warehouse.purge():
                        log.info("purge: the file was rewritten without %d deletions' rows", status.queued)
                    else:
                        self.failures += 1
                        delay = self._retry_after
                        log.warning("purge postponed; tried again in %.0f s", delay)
            except Exception:
                self.failures += 1
                delay = self._retry_after
                log.exception("purge failed; tried again in %.0f s", delay)
            asked = self._wake.wait(delay)
            self._wake.clear()
