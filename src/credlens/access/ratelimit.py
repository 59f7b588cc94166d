"""Sign-in rate limits, in memory: failed attempts per account and over the whole server.

Nothing here knows where a request came from: limits are per account (the e-mail typed, whether
or not it exists, so a refusal tells nothing about which accounts exist) and overall; no IP address
is kept (privacy.md). Memory is bounded: old entries are pruned and at most ``max_accounts`` kept.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass, field

from credlens.domain.accounts import normalize_email


@dataclass(frozen=True)
class Limits:
    per_account: int = 5  # failed attempts per account within the window
    overall: int = 100  # failed attempts over all accounts within the window
    window: dt.timedelta = dt.timedelta(minutes=15)
    max_accounts: int = 10_000


@dataclass
class SignInLimiter:
    limits: Limits = field(default_factory=Limits)
    _failures: dict[str, deque[dt.datetime]] = field(default_factory=dict)
    _overall: deque[dt.datetime] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, email: str, now: dt.datetime) -> int | None:
        """Seconds until this account may try again, or None when an attempt is allowed now."""
        with self._lock:
            self._prune(now)
            account = self._failures.get(normalize_email(email), deque())
            waits = []
            if len(account) >= self.limits.per_account:
                waits.append(account[0] + self.limits.window - now)
            if len(self._overall) >= self.limits.overall:
                waits.append(self._overall[0] + self.limits.window - now)
            if not waits:
                return None
            return max(1, int(max(waits).total_seconds()) + 1)

    def failed(self, email: str, now: dt.datetime) -> None:
        with self._lock:
            key = normalize_email(email)
            if key not in self._failures and len(self._failures) >= self.limits.max_accounts:
                self._failures.pop(next(iter(self._failures)))  # the oldest entry goes first
            self._failures.setdefault(key, deque()).append(now)
            self._overall.append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(normalize_email(email), None)

    def _prune(self, now: dt.datetime) -> None:
        cutoff = now - self.limits.window
        while self._overall and self._overall[0] <= cutoff:
            self._overall.popleft()
        for key in [k for k, times in self._failures.items() if times[-1] <= cutoff]:
            del self._failures[key]
        for times in self._failures.values():
            while times and times[0] <= cutoff:
                times.popleft()
