"""Sign-in throttling, in memory: a backoff per account, and a server-wide budget that slows, never locks.

- Per account (the e-mail typed, whether or not it exists, so a refusal tells nothing about which
  accounts exist): the first ``free`` failures cost nothing; each one after that makes the account wait
  ``base`` seconds, doubling per failure, at most ``cap``. Failures on one account hold that account
  only, so made-up e-mails cannot lock a real user out (OWASP ASVS 2.2.1). A success, or ``forget``
  without a failure, clears the count.
- Server-wide: a token bucket of failures (``burst``, refilled at ``burst`` per ``refill``). While it
  is empty every attempt, right password or not, first waits ``slow_down`` seconds: a flood of guesses
  is slowed down, and the real user still gets in after that bounded wait.

No IP address is used (privacy.md: none is kept; behind the reverse proxy every request would come
from the proxy, so a per-address limit would become a global lock again). Accounts are keyed by a
keyed hash (a random key per process) of the normalized e-mail: people type passwords into the
e-mail field, so the typed text is not kept even in memory. Memory is bounded: entries are dropped
``forget`` after their last failure, and at most ``max_accounts`` are kept (least recently failed
dropped first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from credlens.domain.accounts import normalize_email


@dataclass(frozen=True)
class Limits:
    free: int = 5  # failed attempts per account before it must wait
    base: dt.timedelta = dt.timedelta(minutes=1)  # the first wait; it doubles with each further failure
    cap: dt.timedelta = dt.timedelta(minutes=15)  # the longest wait of an account
    forget: dt.timedelta = dt.timedelta(hours=24)  # an account's count ends this long after its last failure
    burst: int = 100  # failures over all accounts before every attempt is slowed
    refill: dt.timedelta = dt.timedelta(minutes=15)  # the time to refill the whole burst
    slow_down: float = 2.0  # seconds every attempt waits while the burst is spent
    max_accounts: int = 100_000

    def wait_after(self, failures: int) -> dt.timedelta:
        """How long an account waits after its ``failures``-th consecutive failure."""
        if failures < self.free:
            return dt.timedelta(0)
        doublings = min(failures - self.free, 30)  # 2**30 minutes is past any cap
        wait: dt.timedelta = self.base * (1 << doublings)
        return min(self.cap, wait)


@dataclass
class _Account:
    failures: int
    last: dt.datetime


@dataclass
class SignInLimiter:
    limits: Limits = field(default_factory=Limits)
    _accounts: OrderedDict[bytes, _Account] = field(default_factory=OrderedDict)  # least recently failed first
    _tokens: float | None = None  # the server-wide bucket; None until the first failure (full)
    _filled_at: dt.datetime | None = None
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, email: str, now: dt.datetime) -> int | None:
        """Seconds until this account may try again, or None when an attempt is allowed now."""
        with self._lock:
            self._prune(now)
            account = self._accounts.get(self._hash(email))
            if account is None:
                return None
            left = account.last + self.limits.wait_after(account.failures) - now
            if left <= dt.timedelta(0):
                return None
            return max(1, math.ceil(left.total_seconds()))

    def slow_down(self, now: dt.datetime) -> float:
        """Seconds any attempt waits now: 0 while the server-wide budget lasts."""
        with self._lock:
            return self.limits.slow_down if self._level(now) < 1 else 0.0

    def failed(self, email: str, now: dt.datetime) -> None:
        with self._lock:
            key = self._hash(email)
            account = self._accounts.pop(key, None) or _Account(0, now)
            account.failures, account.last = account.failures + 1, now
            if len(self._accounts) >= self.limits.max_accounts:
                self._accounts.popitem(last=False)
            self._accounts[key] = account
            self._tokens = max(0.0, self._level(now) - 1)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._accounts.pop(self._hash(email), None)

    def _hash(self, email: str) -> bytes:
        return hashlib.blake2b(normalize_email(email).encode(), key=self._key, digest_size=16).digest()

    def _level(self, now: dt.datetime) -> float:
        """The bucket's tokens at ``now`` (refilled since it was last read); the lock is held."""
        burst = float(self.limits.burst)
        if self._tokens is None or self._filled_at is None:
            self._tokens, self._filled_at = burst, now
        elapsed = max(0.0, (now - self._filled_at).total_seconds())
        self._tokens = min(burst, self._tokens + elapsed * burst / self.limits.refill.total_seconds())
        self._filled_at = max(now, self._filled_at)
        return self._tokens

    def _prune(self, now: dt.datetime) -> None:
        cutoff = now - self.limits.forget
        while self._accounts:
            oldest = next(iter(self._accounts.values()))
            if oldest.last > cutoff:
                break
            self._accounts.popitem(last=False)
