"""The outbox of scheduled reports: one row per (schedule, period), claimed before a send, and what a
restart finds (docs/reports.md, Scheduled e-mail)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credlens.domain.issuers import Issuer
from credlens.domain.periods import Window
from credlens.domain.schedules import DeliveryState, Every
from credlens.store.warehouse import Warehouse

NOW = dt.datetime(2026, 12, 7, 9, 0)
WEEK = Window(dt.date(2026, 11, 30), dt.date(2026, 12, 6))


def test_a_period_is_recorded_once_claimed_once_and_survives_a_restart(tmp_path: Path) -> None:
    store = Warehouse(tmp_path / "data")
    issuer: Issuer = store.create_issuer("acme", "Acme")[0]
    schedule = store.schedules.add(issuer.issuer_id, Every.WEEKLY, [], ["a@acme.example"], WEEK.start, NOW, "cli")
    assert store.schedules.enqueue(schedule, WEEK, "<m1@x>", NOW)
    assert not store.schedules.enqueue(schedule, WEEK, "<m2@x>", NOW)  # already recorded
    [ready] = store.schedules.ready(NOW)
    claimed = store.schedules.claim(ready)
    assert claimed is not None
    assert (claimed.state, claimed.attempts, claimed.message_id) == (DeliveryState.SENDING, 1, "<m1@x>")
    assert store.schedules.claim(ready) is None  # nobody claims it twice
    assert store.schedules.ready(NOW) == []
    store.close()

    store = Warehouse(tmp_path / "data")  # a stop between the claim and the mark
    assert store.schedules.recover_interrupted(NOW) == 1
    [again] = store.schedules.ready(NOW)
    assert (again.state, again.message_id) == (DeliveryState.FAILED, "<m1@x>")
    assert "interrupted" in str(again.reason)
    claimed = store.schedules.claim(again)
    assert claimed is not None
    store.schedules.mark_sent(claimed, NOW, ["b@acme.example is disabled"])
    store.close()

    store = Warehouse(tmp_path / "data")
    assert store.schedules.recover_interrupted(NOW) == 0
    assert store.schedules.ready(NOW + dt.timedelta(days=30)) == []
    [sent] = store.schedules.deliveries(issuer.issuer_id, schedule.schedule_id)
    assert (sent.state, sent.attempts, sent.skipped) == (DeliveryState.SENT, 2, ("b@acme.example is disabled",))
    store.close()


def test_a_failure_waits_for_its_next_attempt_and_removal_takes_the_rows(warehouse: Warehouse, issuer: Issuer) -> None:
    schedule = warehouse.schedules.add(issuer.issuer_id, Every.MONTHLY, ["p1"], ["a@x.example"], WEEK.start, NOW, "cli")
    warehouse.schedules.enqueue(schedule, WEEK, "<m@x>", NOW)
    claimed = warehouse.schedules.claim(warehouse.schedules.ready(NOW)[0])
    assert claimed is not None
    warehouse.schedules.mark_failed(claimed, NOW, "connection refused", NOW + dt.timedelta(minutes=1), [])
    assert warehouse.schedules.ready(NOW) == []
    [retry] = warehouse.schedules.ready(NOW + dt.timedelta(minutes=1))
    assert (retry.reason, retry.failed_at) == ("connection refused", NOW)
    assert warehouse.schedules.retry_failed_now(NOW) == 1  # what a start does: no waiting out the backoff
    assert [d.period for d in warehouse.schedules.ready(NOW)] == [WEEK]
    assert warehouse.schedules.schedule(issuer.issuer_id + 1, schedule.schedule_id) is None  # another issuer's id
    assert not warehouse.schedules.remove(issuer.issuer_id + 1, schedule.schedule_id)
    assert warehouse.schedules.remove(issuer.issuer_id, schedule.schedule_id)
    assert warehouse.schedules.ready(NOW + dt.timedelta(days=1)) == []
