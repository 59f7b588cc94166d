"""The store's one pool of reading threads (store/reader.py): nested waits never deadlock."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

import pytest

from credlens.store import reader


def test_tasks_waiting_for_tasks_of_the_same_pool_finish_when_it_is_full() -> None:
    """More waiting tasks than threads: each waiter runs what no thread has started itself."""
    release = threading.Event()

    def inner(n: int) -> int:
        return n * 2

    def outer(n: int) -> int:
        release.wait(5)
        return reader.submit(lambda: inner(n)).result() + 1

    tasks = {str(n): reader.submit(lambda n=n: outer(n)) for n in range(reader.POOL._max_workers * 3)}
    release.set()
    assert reader.results(tasks) == {str(n): n * 2 + 1 for n in range(reader.POOL._max_workers * 3)}


def test_a_failed_task_settles_the_others_and_a_settled_task_never_runs() -> None:
    ran: list[str] = []

    def fail() -> None:
        raise ValueError("broken")

    gate = threading.Event()
    blockers = [reader.submit(lambda: gate.wait(5)) for _ in range(reader.POOL._max_workers)]
    later = reader.submit(lambda: ran.append("later"))  # queued behind the blockers
    later.settle()
    gate.set()
    for blocker in blockers:
        blocker.result()
    with pytest.raises(CancelledError):
        later.result()
    assert ran == []
    with pytest.raises(ValueError, match="broken"):
        reader.results({"fail": reader.submit(fail), "ok": reader.submit(lambda: ran.append("ok"))})
