"""How a metric run reads the store: one snapshot per window, a second cursor for the statements
that run alongside, and the process's one pool of threads, sized to the cores.

A run's window reads on its own cursor (`IssuerTables`), inside a read transaction (`snapshot`);
what it starts alongside (the comparison window, a batch of statements) runs on a fork of that
cursor, which the rewrite gate lets through while the run holds it (connection.py, `cursor`).

TRICKY: one pool serves tasks that wait for other tasks of the same pool (a page's runs wait for
their windows, a window for its batch). A waiter never waits for a task no thread has started: it
takes it back from the pool and runs it itself (`Task.result`), so a busy pool delays and never
deadlocks, whatever its size.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from credlens.store.scope import IssuerTables

T = TypeVar("T")
Rows = list[dict[str, Any]]
POOL = ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="credlens-read")


class Task(Generic[T]):
    """Work handed to the pool; whoever needs its result first runs it when no thread has yet."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work: Callable[[], T] | None = work
        self._lock = threading.Lock()
        self._here: Future[T] | None = None  # the result when a waiter ran it itself
        self._future = POOL.submit(self._run)

    def _run(self) -> T:
        """The work, let go of once it runs: what it holds (a reader's cursor) is not kept with the task."""
        work, self._work = self._work, None
        assert work is not None
        return work()

    def result(self) -> T:
        self.take_back()
        return (self._here or self._future).result()

    def take_back(self) -> None:
        """Run it in this thread if no thread has started it (see the module's TRICKY)."""
        with self._lock:
            if self._here is not None or not self._future.cancel():
                return
            here = self._here = Future()
        here.set_running_or_notify_cancel()
        try:
            here.set_result(self._run())
        except BaseException as exc:
            here.set_exception(exc)

    def settle(self) -> None:
        """Nothing of it runs on after this returns (a failed run leaves no reader behind)."""
        with self._lock:
            if self._here is None and self._future.cancel():  # never to run: let go of its reader
                self._work, self._here = None, Future()
                self._here.cancel()
                return
        wait([self._future])


def submit(work: Callable[[], T]) -> Task[T]:
    return Task(work)


def results(tasks: dict[str, Task[T]]) -> dict[str, T]:
    """Every task's result; when one fails, the others are settled before the error is raised."""
    try:
        return {name: task.result() for name, task in tasks.items()}
    except BaseException:
        for task in tasks.values():
            task.settle()
        raise


@contextmanager
def snapshot(tables: IssuerTables) -> Iterator[None]:
    """The window's statements on this reader read one state of the store (`IssuerTables.snapshot`)."""
    with tables.snapshot():
        yield


class Batch:
    """Statements run one after the other on a fork of a reader while that reader runs others;
    ``rows(name)`` waits for one of them (or runs the batch here, if no thread has started it).

    They must read no temporary table or view of the reader that started them: those are its own.
    """

    def __init__(self, tables: IssuerTables, statements: dict[str, str]) -> None:
        pending: dict[str, Future[Rows]] = {name: Future() for name in statements}
        fork = tables.fork()
        self._pending = pending
        self._task = submit(lambda: _run(fork, statements, pending))  # no cycle back to self: see _run

    def __contains__(self, name: str) -> bool:
        return name in self._pending

    def rows(self, name: str) -> Rows:
        pending = self._pending[name]
        self._task.take_back()  # not started yet: run here; started: wait for this statement only
        return pending.result()

    def settle(self) -> None:
        for pending in self._pending.values():
            pending.cancel()
        self._task.settle()


def _run(tables: IssuerTables, statements: dict[str, str], pending: dict[str, Future[Rows]]) -> None:
    """Each statement's rows or error handed to its future, in order (a reader runs one at a time).

    TRICKY: an error is handed over without its traceback: the traceback's frames hold the reader
    (``tables``), and the future holding the error would keep that cursor alive until the cycle
    collector ran; meanwhile it counts as a reader, which a file rewrite waits for.
    """
    try:
        for name, sql in statements.items():
            if pending[name].set_running_or_notify_cancel():
                try:
                    pending[name].set_result(tables.rows(sql))
                except BaseException as exc:  # handed to whoever waits for the rows, never lost
                    pending[name].set_exception(exc.with_traceback(None))
    finally:
        del tables, pending
