"""Counting visits without identifying visitors: a 30-minute window per visitor and credential, a bot
filter and per-token rate limits, all in memory (docs/tracking.md, docs/privacy.md).

- A visitor is a keyed hash of (IP address, user agent, issuer, credential, actor) under a random key
  made per UTC day and never written anywhere: the hash cannot be recomputed once the day's key is
  dropped, and the address and user agent themselves are not kept even in memory (only the digest).
  At the day's turn the key and every window are forgotten, so a visitor cannot be followed across days.
- Known crawlers are recognized by their user agent with the ``crawlerdetect`` list (a pinned PyPI
  package, maintained from the PHP CrawlerDetect project); a request without a user agent is a bot.
- Rate limits are a token bucket per token hash: a page that is hammered (a script, a loop) stops
  counting after a burst, without affecting other credentials.

Memory is bounded: at most ``max_entries`` windows and buckets (oldest dropped first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from crawlerdetect.crawlerdetect import get_compiled_crawler_regex, get_compiled_exclusions_regex

WINDOW = dt.timedelta(minutes=30)


def is_bot(user_agent: str) -> bool:
    """True for known crawlers, link previewers, monitors and HTTP libraries, and for no user agent."""
    agent = get_compiled_exclusions_regex().sub("", user_agent.strip()[:1000])
    return not agent or get_compiled_crawler_regex().search(agent) is not None


@dataclass
class Visits:
    """Which visitors were already counted for a credential in the last ``window``."""

    window: dt.timedelta = WINDOW
    max_entries: int = 200_000
    _day: dt.date | None = None
    _key: bytes = b""
    _seen: OrderedDict[bytes, dt.datetime] = field(default_factory=OrderedDict)  # oldest first
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, ip: str, user_agent: str, credential: str, now: dt.datetime) -> bytes | None:
        """The visitor's window key when this view counts (its first in the window), else None.

        ``credential`` names issuer, credential and actor; the returned key is the start of an event
        id (web/routes/tracking.py) and is worthless without the day's key.
        """
        with self._lock:
            if now.date() != self._day:  # a new UTC day: forget the key and every window
                self._day, self._key = now.date(), secrets.token_bytes(32)
                self._seen.clear()
            visitor = hashlib.blake2b(
                "\x1f".join((ip, user_agent, credential)).encode(), key=self._key, digest_size=16
            ).digest()
            first = self._seen.get(visitor)
            if first is not None and now - first < self.window:
                return None
            self._seen.pop(visitor, None)
            while len(self._seen) >= self.max_entries or (
                self._seen and now - next(iter(self._seen.values())) >= self.window
            ):
                self._seen.popitem(last=False)
            self._seen[visitor] = now
            return hashlib.blake2b(visitor + now.isoformat().encode(), key=self._key, digest_size=12).digest()


@dataclass
class TokenLimiter:
    """A token bucket per tracking token: ``burst`` hits at once, refilled at ``per_minute``."""

    burst: int = 60
    per_minute: float = 60.0
    max_entries: int = 100_000
    _buckets: OrderedDict[bytes, tuple[float, dt.datetime]] = field(default_factory=OrderedDict)
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, token: str, now: dt.datetime) -> bool:
        with self._lock:
            name = hashlib.blake2b(token.encode(), key=self._key, digest_size=16).digest()
            level, at = self._buckets.pop(name, (float(self.burst), now))
            elapsed = max(0.0, (now - at).total_seconds())
            level = min(float(self.burst), level + elapsed * self.per_minute / 60.0)
            allowed = level >= 1.0
            if len(self._buckets) >= self.max_entries:
                self._buckets.popitem(last=False)
            self._buckets[name] = (level - 1.0 if allowed else level, max(now, at))
            return allowed
