"""How the sender paces itself and which targets it may reach, read from the environment.

Defaults are the product's (docs/webhooks.md); tests and single-host setups change them through the
same variables, so a real `credlens serve` retries in seconds instead of hours.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

DAY = 86400.0


class WebhookSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class WebhookSettings:
    allow_private: bool = False  # CREDLENS_WEBHOOKS_ALLOW_PRIVATE=1: loopback and private targets allowed
    poll: float = 1.0  # seconds between looks at the outbox
    retry_base: float = 5.0  # seconds before the first retry; doubled after each failure
    retry_cap: float = 6 * 3600.0  # the longest wait between two attempts
    give_up: float = 3 * DAY  # a delivery is retried this long; a subscription failing this long is disabled
    timeout: float = 10.0  # seconds a receiver has to answer

    @property
    def give_up_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.give_up)

    def backoff(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt (1, 2, ...): exponential, capped."""
        return dt.timedelta(seconds=min(self.retry_base * 2 ** min(max(attempts - 1, 0), 60), self.retry_cap))

    @classmethod
    def from_env(cls) -> WebhookSettings:
        """``CREDLENS_WEBHOOKS_ALLOW_PRIVATE``, ``CREDLENS_WEBHOOKS_POLL``, ``CREDLENS_WEBHOOKS_RETRY_BASE``,
        ``CREDLENS_WEBHOOKS_RETRY_CAP``, ``CREDLENS_WEBHOOKS_GIVE_UP``, ``CREDLENS_WEBHOOKS_TIMEOUT`` (seconds)."""
        env = os.environ
        numbers: dict[str, float] = {}
        for field in ("poll", "retry_base", "retry_cap", "give_up", "timeout"):
            name = f"CREDLENS_WEBHOOKS_{field.upper()}"
            if name not in env:
                continue
            try:
                value = float(env[name])
            except ValueError as exc:
                raise WebhookSettingsError(f"{name} must be a number of seconds, not {env[name]!r}") from exc
            if not value > 0:
                raise WebhookSettingsError(f"{name} must be a positive number of seconds")
            numbers[field] = value
        return cls(allow_private=env.get("CREDLENS_WEBHOOKS_ALLOW_PRIVATE", "") == "1", **numbers)
