"""The outbox and the sender against a real local receiver, in process, on a controlled clock."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from credlens.domain.issuers import Issuer
from credlens.store.warehouse import Warehouse
from credlens.webhooks.sender import Sender
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.subscriptions import SubscriptionError, subscribe
from tests.conftest import ingest
from tests.webhooks.receiver import Receiver

SERVER_SECRET = b"tests-only-webhook-secret-0123456789abcdef"
SETTINGS = WebhookSettings(allow_private=True, poll=3600)  # the product's retry schedule
EMAIL = "ann.person@example.org"


class Clock:
    def __init__(self) -> None:
        # ahead of the real time at which the fold queues deliveries (due at once)
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=5)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender(warehouse: Warehouse, clock: Clock) -> Iterator[Sender]:
    """A sender whose own thread never wakes (poll: an hour): the tests drive ``run_once``."""
    running = Sender(warehouse, SERVER_SECRET, SETTINGS, clock=clock)
    yield running
    running.close()


def issued(n: int, email: str | None = None) -> dict[str, Any]:
    return {
        "id": f"iss-{n}",
        "type": "credential.issued",
        "occurred_at": "2026-03-01T10:00:00Z",
        "credential_id": f"cred-{n}",
        "program": {"id": "intro", "name": "Intro to Data"},
        "recipient": {"email": email or f"person{n}@example.org"},
    }


def viewed(n: int) -> dict[str, Any]:
    return {
        "id": f"view-{n}",
        "type": "credential.viewed",
        "occurred_at": "2026-03-02T10:00:00Z",
        "credential_id": f"cred-{n}",
        "actor": "owner",
    }


def downloaded(n: int) -> dict[str, Any]:
    return {
        "id": f"dl-{n}",
        "type": "credential.downloaded",
        "occurred_at": "2026-03-02T11:00:00Z",
        "credential_id": f"cred-{n}",
        "format": "pdf",
    }


def add(warehouse: Warehouse, issuer: Issuer, url: str, *types: str) -> tuple[str, str]:
    return subscribe(warehouse, SERVER_SECRET, issuer.issuer_id, url, list(types), SETTINGS)


def payloads(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.acknowledged()]


def test_deliveries_are_signed_and_carry_the_pseudonymous_key_never_the_email(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender
) -> None:
    sub_id, secret = add(warehouse, issuer, receiver.url, "credential.issued", "credential.viewed")
    ingest(warehouse, issuer, [issued(1, EMAIL), viewed(1), downloaded(1)])
    assert sender.run_once() == 2
    assert len(receiver.requests) == 2
    verifier = Webhook(secret)
    for request in receiver.requests:
        assert request.path == "/hooks/credlens"
        assert request.headers["content-type"] == "application/json"
        verifier.verify(request.body, request.headers)  # raises if the signature does not verify
        assert request.headers["webhook-id"].startswith(f"msg_{sub_id}_")
        assert EMAIL.encode() not in request.body
        assert b"@" not in request.body
    first, second = payloads(receiver)
    assert first["type"] == "credential.issued"
    assert second["type"] == "credential.viewed"
    assert first["timestamp"] == "2026-03-01T10:00:00.000000Z"
    key = warehouse.recipient_key(issuer.issuer_id, email=EMAIL)
    assert first["data"]["recipient"]["key"] == key
    assert first["data"]["program"] == {"id": "intro", "name": "Intro to Data", "kind": "certificate"}
    assert (first["data"]["id"], first["data"]["credential_id"], first["data"]["issuer"]) == ("iss-1", "cred-1", "acme")
    assert second["data"]["actor"] == "owner"
    assert sender.run_once() == 0  # delivered: gone from the outbox
    assert warehouse.webhooks.pending() == 0


def test_each_event_is_delivered_once_duplicates_and_earlier_events_never(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender
) -> None:
    ingest(warehouse, issuer, [issued(1)])  # before the subscription: not sent
    add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, issuer, [issued(2), issued(2), issued(1)])
    ingest(warehouse, issuer, [issued(2), issued(3)])
    sender.run_once()
    sender.run_once()
    assert sorted(p["data"]["id"] for p in payloads(receiver)) == ["iss-2", "iss-3"]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 2


def test_other_issuers_events_are_not_delivered(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender
) -> None:
    other, _ = warehouse.create_issuer("globex", "Globex")
    add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, other, [issued(7)])
    ingest(warehouse, issuer, [issued(8)])
    sender.run_once()
    assert [p["data"]["id"] for p in payloads(receiver)] == ["iss-8"]


def test_a_failed_delivery_is_retried_with_backoff_under_the_same_id(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender, clock: Clock
) -> None:
    add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, issuer, [issued(1)])
    receiver.status = 503
    assert sender.run_once() == 1
    assert sender.run_once() == 0  # not due before its backoff (5 s)
    clock.advance(seconds=5)
    assert sender.run_once() == 1
    clock.advance(seconds=9)
    assert sender.run_once() == 0  # the second wait is 10 s
    clock.advance(seconds=1)
    receiver.status = 200
    assert sender.run_once() == 1
    assert [r.answered for r in receiver.requests] == [503, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1  # the same bytes each time
    log = warehouse.webhooks.attempts(issuer.issuer_id)
    assert [(a.attempt, a.outcome, a.status) for a in reversed(log)] == [
        (1, "failed", 503),
        (2, "failed", 503),
        (3, "delivered", 200),
    ]
    assert all(a.millis >= 0 for a in log)
    assert warehouse.webhooks.subscriptions(issuer.issuer_id)[0].failing_since is None


def test_a_subscription_failing_for_three_days_is_disabled(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender, clock: Clock
) -> None:
    sub_id, _ = add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, issuer, [issued(1), issued(2)])
    receiver.status = 500
    started = clock.now
    while clock.now - started < dt.timedelta(days=3, minutes=20):
        sender.run_once()
        clock.advance(minutes=30)
    (subscription,) = warehouse.webhooks.subscriptions(issuer.issuer_id)
    assert subscription.sub_id == sub_id
    assert not subscription.active
    assert subscription.disabled_reason is not None
    assert "every delivery failed" in subscription.disabled_reason
    assert warehouse.webhooks.pending() == 0
    attempts = warehouse.webhooks.attempts(issuer.issuer_id, limit=1000)
    assert {a.outcome for a in attempts} <= {"failed", "gave_up"}
    assert any(a.outcome == "gave_up" for a in attempts)
    # retried with growing waits (5 s, 10 s, ... 6 h), not at each of the 145 rounds
    assert 2 * 10 <= len(attempts) < 2 * 40
    first = sorted((a for a in attempts if a.delivery_id == attempts[0].delivery_id), key=lambda a: a.attempt)
    waits = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(first)]
    assert waits == sorted(waits)
    assert waits[-1] >= 6 * 3600
    tried = len(receiver.requests)
    ingest(warehouse, issuer, [issued(3)])  # a disabled subscription queues nothing more
    clock.advance(hours=1)
    sender.run_once()
    assert len(receiver.requests) == tried
    assert warehouse.webhooks.pending() == 0
    assert warehouse.webhooks.enable(issuer.issuer_id, sub_id)
    receiver.status = 200
    ingest(warehouse, issuer, [issued(4)])
    sender.run_once()
    assert [p["data"]["id"] for p in payloads(receiver)] == ["iss-4"]


def test_the_log_and_the_outbox_hold_no_payload(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender, clock: Clock
) -> None:
    add(warehouse, issuer, receiver.url, "credential.issued", "credential.viewed")
    ingest(warehouse, issuer, [issued(1, EMAIL), viewed(1)])
    receiver.status = 500
    sender.run_once()
    clock.advance(minutes=5)
    receiver.status = 200
    sender.run_once()
    ingest(warehouse, issuer, [issued(2)])  # stays in the outbox
    key = warehouse.recipient_key(issuer.issuer_id, email=EMAIL)
    con = warehouse.cursor()
    for table in ("webhook_attempts", "webhook_outbox", "webhook_subscriptions"):
        columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
        assert not {"body", "payload", "data"} & set(columns)
        text = json.dumps(con.execute(f"SELECT * FROM {table}").fetchall(), default=str)
        for secret_thing in (EMAIL, key, "cred-1", "iss-1", "view-1", "Intro to Data", "cred-2"):
            assert secret_thing not in text, (table, secret_thing)
    assert con.execute("SELECT count(*) FROM webhook_attempts").fetchall()[0][0] >= 3


def test_an_erased_recipients_events_are_not_sent(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender
) -> None:
    add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, issuer, [issued(1, EMAIL), issued(2)])
    warehouse.erase_person(issuer.issuer_id, email=EMAIL, actor="test")
    sender.run_once()
    assert [p["data"]["id"] for p in payloads(receiver)] == ["iss-2"]
    assert "gone" in {a.outcome for a in warehouse.webhooks.attempts(issuer.issuer_id)}


def test_a_subscription_names_types_of_the_event_contract_and_an_allowed_url(
    warehouse: Warehouse, issuer: Issuer, tmp_path: Path
) -> None:
    with pytest.raises(SubscriptionError, match=r"unknown event type 'credential\.clicked'"):
        add(warehouse, issuer, "https://hooks.example.org/", "credential.clicked")
    with pytest.raises(SubscriptionError, match="at least one event type"):
        add(warehouse, issuer, "https://hooks.example.org/", " , ")
    strict = WebhookSettings()
    for url in ("file:///etc/passwd", "http://127.0.0.1:8000/", "http://localhost/"):
        with pytest.raises(SubscriptionError):
            subscribe(warehouse, SERVER_SECRET, issuer.issuer_id, url, ["credential.issued"], strict)
    assert warehouse.webhooks.subscriptions(issuer.issuer_id) == []


def test_a_receiver_that_is_down_does_not_hold_up_the_others(
    warehouse: Warehouse, issuer: Issuer, receiver: Receiver, sender: Sender, clock: Clock
) -> None:
    down = Receiver()  # nothing listens on its port
    add(warehouse, issuer, down.url, "credential.issued")
    ingest(warehouse, issuer, [issued(n) for n in range(250)])  # more than one round reads
    add(warehouse, issuer, receiver.url, "credential.issued")
    ingest(warehouse, issuer, [issued(1000)])
    sender.run_once()
    clock.advance(seconds=1)
    sender.run_once()
    assert [p["data"]["id"] for p in payloads(receiver)] == ["iss-1000"]
    refused = [a for a in warehouse.webhooks.attempts(issuer.issuer_id) if a.error == "connection refused"]
    assert len(refused) == 1  # one try, then the down receiver waits for its backoff
