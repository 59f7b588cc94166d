"""Deadlines of reads (issue 14): a statement past its time limit, of a client that left, or running
when the server stops is interrupted, and the reader stays usable."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from credlens.store import deadlines
from credlens.store.deadlines import Cancelled, Deadline, Reason
from credlens.store.warehouse import Warehouse
from tests.web.endless import ENDLESS


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    store = Warehouse(tmp_path / "data")
    store.create_issuer("acme", "Acme")
    yield store
    store.close()


def test_a_statement_past_the_time_limit_is_interrupted(warehouse: Warehouse) -> None:
    with deadlines.bounded(0.2):
        tables = warehouse.tables(1)
        with tables.snapshot(), pytest.raises(Cancelled) as stopped:  # as a metric run: in a read transaction
            tables.rows(ENDLESS)
    assert stopped.value.reason is Reason.TIMEOUT
    assert "limit of 0.2 s" in str(stopped.value)
    assert warehouse.tables(1).rows("SELECT 1 AS one") == [{"one": 1}]  # no deadline: no limit


def test_a_forked_reader_keeps_the_deadline_and_a_cancel_reaches_it(warehouse: Warehouse) -> None:
    with deadlines.bounded(None) as deadline:
        fork = warehouse.tables(1).fork()
        threading.Timer(0.2, deadline.cancel, [Reason.DISCONNECTED]).start()
        with pytest.raises(Cancelled) as stopped:
            fork.rows(ENDLESS)
        assert stopped.value.reason is Reason.DISCONNECTED
        with pytest.raises(Cancelled):  # later statements of the request are refused
            fork.rows("SELECT 1")


def test_stopping_interrupts_every_read_and_refuses_new_ones(warehouse: Warehouse) -> None:
    failures: list[BaseException] = []

    def read() -> None:
        with deadlines.bounded(60):
            try:
                warehouse.tables(1).rows(ENDLESS)
            except Cancelled as exc:
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    threading.Timer(0.3, deadlines.stop_all).start()
    try:
        for reader in readers:
            reader.join(timeout=10)
        assert [r.is_alive() for r in readers] == [False] * 3
        assert [e.reason for e in failures if isinstance(e, Cancelled)] == [Reason.SHUTDOWN] * 3
        assert Deadline(60).reason is Reason.SHUTDOWN
    finally:
        deadlines.resume()
    assert Deadline(60).reason is None
