"""Deadlines of reads: a request's (or a command's) statements stop when its time is up, when its
client leaves, or when the server stops, whatever they are doing (docs/deployment.md, "What is bounded").

DuckDB has no statement timeout; a statement stops only when its connection's ``interrupt()`` is
called while it runs. So each statement runs registered with its deadline (``Deadline.running``),
and one watchdog thread interrupts the registered statements of every deadline that has ended.

TRICKY: an ``interrupt()`` that arrives before DuckDB has started the statement is lost (measured
with DuckDB 2.0: the next statement runs to its end). The watchdog therefore interrupts again every
``POLL`` seconds for as long as an ended deadline still has a statement registered.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from typing import Any

import duckdb

POLL = 0.02  # seconds between the watchdog's looks at the running statements


class Reason(Enum):
    TIMEOUT = "timeout"
    DISCONNECTED = "disconnected"  # the HTTP client went away
    SHUTDOWN = "shutdown"  # the server is stopping
    FINISHED = "finished"  # the request answered: anything of it still running is not needed


class Cancelled(Exception):
    """A read stopped by its deadline; ``reason`` says why."""

    def __init__(self, reason: Reason, limit: float | None) -> None:
        message = {
            Reason.TIMEOUT: f"the query ran longer than its limit of {limit:g} s" if limit else "",
            Reason.DISCONNECTED: "the client went away",
            Reason.SHUTDOWN: "the server is stopping",
            Reason.FINISHED: "the request had already been answered",
        }[reason]
        super().__init__(message)
        self.reason = reason
        self.limit = limit


class Deadline:
    """The end of one request's reads: ``seconds`` after its creation (None: no time limit), or
    earlier by ``cancel``. Shared by every reader the request forks (``IssuerTables.fork``)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._due = None if seconds is None else time.monotonic() + seconds
        self._reason: Reason | None = None
        self._running: dict[int, Any] = {}  # id(cursor) -> cursor, while one of its statements runs
        self._lock = threading.Lock()
        _WATCHDOG.add(self)
        if _WATCHDOG.stopping:
            self.cancel(Reason.SHUTDOWN)

    @property
    def reason(self) -> Reason | None:
        """Why this deadline has ended, or None while it runs."""
        if self._reason is None and self._due is not None and time.monotonic() >= self._due:
            self._reason = Reason.TIMEOUT
        return self._reason

    def cancel(self, reason: Reason) -> None:
        """End it now: running statements are interrupted, later ones refused. The first reason stays."""
        with self._lock:
            if self.reason is None:
                self._reason = reason
            running = bool(self._running)
        if running:
            _WATCHDOG.wake()

    def check(self) -> None:
        """Raise Cancelled if the deadline has ended."""
        reason = self.reason
        if reason is not None:
            raise Cancelled(reason, self.seconds)

    @contextmanager
    def running(self, cursor: Any) -> Iterator[None]:
        """Run a statement on ``cursor`` (inside the block) so that it is interrupted once the deadline ends."""
        self.check()
        with self._lock:
            self._running[id(cursor)] = cursor
        _WATCHDOG.wake()
        try:
            yield
        except duckdb.InterruptException:
            raise Cancelled(self.reason or Reason.FINISHED, self.seconds) from None
        finally:
            with self._lock:
                self._running.pop(id(cursor), None)

    def interrupt(self) -> bool:
        """Interrupt its running statements if it has ended; whether some still run (to look again).

        Under the lock: a cursor is interrupted only while its statement is registered, never the
        next statement of that cursor (e.g. the ROLLBACK ending a run's snapshot)."""
        ended = self.reason is not None
        with self._lock:
            if ended:
                for cursor in self._running.values():
                    cursor.interrupt()
            return bool(self._running)


class _Watchdog:
    """The thread that interrupts the statements of ended deadlines (started on first use)."""

    def __init__(self) -> None:
        self.deadlines: weakref.WeakSet[Deadline] = weakref.WeakSet()
        self.stopping = False
        self._lock = threading.Lock()
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._lock:
            self.deadlines.add(deadline)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="credlens-deadlines", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop_all(self) -> None:
        """The server is stopping: end every deadline, now and from now on."""
        self.stopping = True
        with self._lock:
            deadlines = list(self.deadlines)
        for deadline in deadlines:
            deadline.cancel(Reason.SHUTDOWN)

    def _run(self) -> None:
        while True:
            self._wakeup.wait()  # asleep while no statement runs under a deadline
            self._wakeup.clear()
            busy = True
            while busy:
                time.sleep(POLL)
                with self._lock:
                    deadlines = list(self.deadlines)
                busy = False
                for deadline in deadlines:
                    busy = deadline.interrupt() or busy


_WATCHDOG = _Watchdog()
CURRENT: ContextVar[Deadline | None] = ContextVar("credlens_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the request or command running in this context (web middleware, CLI)."""
    return CURRENT.get()


@contextmanager
def bounded(seconds: float | None) -> Iterator[Deadline]:
    """Reads made inside (``Warehouse.tables``) end ``seconds`` from now; anything left is interrupted on exit."""
    deadline = Deadline(seconds)
    token = CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        CURRENT.reset(token)
        deadline.cancel(Reason.FINISHED)


def stop_all() -> None:
    """Interrupt every running read and refuse new ones: the process is stopping."""
    _WATCHDOG.stop_all()


def resume() -> None:
    """Accept reads again (a new server in the same process, as tests start one app after another)."""
    _WATCHDOG.stopping = False
