"""Delivering the outbox: one thread of the server polls it and posts each due delivery.

An attempt resolves the target again, checks every address (targets.py) and connects to the one it
checked; it never follows a redirect. Only a 2xx answer acknowledges a delivery: until then its
outbox row stays (a restart resumes it with the same delivery id), retried after
``WebhookSettings.backoff``, given up once the next attempt would fall beyond ``give_up`` (3 days)
after it was queued. A subscription whose attempts all failed for ``give_up`` is disabled.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from credlens.store.warehouse import Warehouse
from credlens.store.webhooks import Attempt, Due, Subscription
from credlens.webhooks import payloads, signing
from credlens.webhooks.sealing import SealError, unseal
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.targets import Resolver, Target, TargetRefused, check, system_resolver

log = logging.getLogger("credlens.webhooks")
Clock = Callable[[], dt.datetime]
BATCH = 200  # due deliveries read per look at the outbox
FLUSH_EVERY = 25  # attempts recorded per transaction: a crash may repeat at most these (same delivery ids)
ERROR_LENGTH = 200
FORGET_EVERY = dt.timedelta(hours=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Answer:
    status: int | None
    millis: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to ``host`` made at one checked address (no second resolution)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, address: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
    """POST ``body`` to ``target`` at ``address``; the HTTP status (a redirect is just a status)."""
    kind = _PinnedTLS if target.tls else _Pinned
    connection = kind(target.host, target.port, address, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # drained, never stored
        return int(response.status)
    finally:
        connection.close()


def send(
    settings: WebhookSettings,
    url: str,
    secret: str,
    delivery_id: str,
    body: bytes,
    *,
    resolve: Resolver = system_resolver,
    now: Callable[[], float] = time.time,
) -> Answer:
    """One signed attempt; never raises for the receiver's faults (they are the Answer's error)."""
    started = time.perf_counter()
    try:
        target, addresses = check(url, allow_private=settings.allow_private, resolve=resolve)
    except TargetRefused as exc:
        return Answer(None, _ms(started), f"refused: {exc}"[:ERROR_LENGTH])
    headers = signing.headers(secret, delivery_id, int(now()), body)
    error = "no address"
    for address in addresses:
        try:
            status = post(target, address, headers, body, settings.timeout)
        except TimeoutError:
            error = f"no answer within {settings.timeout:g} s"
        except ConnectionRefusedError:
            error = "connection refused"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            return Answer(status, _ms(started), None if 200 <= status < 300 else f"HTTP {status}")
    return Answer(None, _ms(started), error[:ERROR_LENGTH])


def send_test(
    warehouse: Warehouse,
    server_secret: bytes,
    subscription: Subscription,
    issuer_slug: str,
    settings: WebhookSettings,
    *,
    resolve: Resolver = system_resolver,
) -> Attempt:
    """A signed ``webhook.test`` delivery, now; logged like any attempt (outcome ``test``)."""
    at = utcnow()
    delivery_id = f"msg_test_{subscription.sub_id}_{int(at.timestamp() * 1000)}"
    try:
        secret = unseal(server_secret, subscription.sub_id, subscription.secret_sealed)
    except SealError as exc:
        answer = Answer(None, 0.0, str(exc))
    else:
        body = payloads.test_body(subscription.sub_id, issuer_slug, at)
        answer = send(settings, subscription.url, secret, delivery_id, body, resolve=resolve)
    attempt = Attempt(
        subscription.issuer_id,
        subscription.sub_id,
        delivery_id,
        1,
        at,
        answer.status,
        answer.millis,
        "test",
        answer.error,
    )
    warehouse.webhooks.log_test(attempt)
    return attempt


class Sender:
    """The server's delivery thread (started and stopped by the app's lifespan)."""

    def __init__(
        self,
        warehouse: Warehouse,
        server_secret: bytes,
        settings: WebhookSettings,
        *,
        clock: Clock = utcnow,
        resolve: Resolver = system_resolver,
    ) -> None:
        self._warehouse = warehouse
        self._secret = server_secret
        self._settings = settings
        self._clock = clock
        self._resolve = resolve
        self._stop = threading.Event()
        self._failures: dict[str, int] = {}  # consecutive failed attempts per subscription (in memory)
        self._paused: dict[str, dt.datetime] = {}  # a failing subscription's next attempt, any delivery
        self._forgot = dt.datetime.min
        self._results: list[tuple[Attempt, dt.datetime | None]] = []  # attempts not recorded yet
        self.rounds = 0
        self._thread = threading.Thread(target=self._run, name="credlens-webhooks", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop after the attempt under way (at most one receiver timeout)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._settings.poll):
            try:
                self.run_once()
            except Exception:
                log.exception("webhook round failed; the outbox is tried again at the next round")
            self.rounds += 1

    def run_once(self) -> int:
        """Disable failing subscriptions, then attempt every due delivery; returns how many were attempted."""
        now = self._clock()
        store = self._warehouse.webhooks
        for sub_id in store.disable_failing(now, self._settings.give_up_after):
            log.warning("webhook subscription %s disabled: every delivery failed for too long", sub_id)
            self._paused.pop(sub_id, None)
            self._failures.pop(sub_id, None)
        if now - self._forgot > FORGET_EVERY:
            store.forget_attempts(now)
            self._forgot = now
        tried = 0
        waiting = [sub_id for sub_id, until in self._paused.items() if until > now]
        try:
            for due in store.due(now, BATCH, payloads.EVENT_COLUMNS, waiting):
                if self._stop.is_set():
                    break
                sub_id = due.subscription.sub_id
                if self._paused.get(sub_id, dt.datetime.min) > self._clock():
                    continue  # it failed a moment ago: its other deliveries wait for its backoff too
                self._attempt(due)
                tried += 1
                if len(self._results) >= FLUSH_EVERY:
                    self._flush()
        finally:
            self._flush()
        return tried

    def _flush(self) -> None:
        results, self._results = self._results, []
        self._warehouse.webhooks.record(results)

    def _attempt(self, due: Due) -> None:
        """One attempt; its result waits in ``_results`` for the round's next flush."""
        sub = due.subscription
        number = due.attempts + 1
        at = self._clock()
        if due.event is None:  # erased or retired before it was delivered
            gone = Attempt(sub.issuer_id, sub.sub_id, due.delivery_id, number, at, None, 0.0, "gone", None)
            self._results.append((gone, None))
            return
        try:
            secret = unseal(self._secret, sub.sub_id, sub.secret_sealed)
        except SealError as exc:
            answer = Answer(None, 0.0, str(exc))
        else:
            body = payloads.event_body(due.event)
            answer = send(self._settings, sub.url, secret, due.delivery_id, body, resolve=self._resolve)
        if answer.ok:
            self._failures.pop(sub.sub_id, None)
            self._paused.pop(sub.sub_id, None)
            delivered = Attempt(
                sub.issuer_id, sub.sub_id, due.delivery_id, number, at, answer.status, answer.millis, "delivered", None
            )
            self._results.append((delivered, None))
            return
        failures = self._failures[sub.sub_id] = self._failures.get(sub.sub_id, 0) + 1
        self._paused[sub.sub_id] = self._clock() + self._settings.backoff(failures)
        retry_at: dt.datetime | None = at + self._settings.backoff(number)
        if retry_at is not None and retry_at - due.created_at > self._settings.give_up_after:
            retry_at = None
        outcome = "failed" if retry_at is not None else "gave_up"
        attempt = Attempt(
            sub.issuer_id, sub.sub_id, due.delivery_id, number, at, answer.status, answer.millis, outcome, answer.error
        )
        self._results.append((attempt, retry_at))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
