"""Adding a subscription, the same for `credlens webhook add` and the admin page."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from credlens.domain.events import EVENT_TYPES
from credlens.store.warehouse import Warehouse
from credlens.webhooks import sealing, signing
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.targets import Resolver, TargetRefused, check, system_resolver


class SubscriptionError(ValueError):
    """A refused subscription (bad URL, unknown event type); the message is for the user."""


def event_types(given: Iterable[str]) -> list[str]:
    """The event types named (comma-separated pieces allowed), each one of the event contract's."""
    names = list(dict.fromkeys(t.strip() for piece in given for t in piece.split(",") if t.strip()))
    if not names:
        raise SubscriptionError("name at least one event type, e.g. credential.issued,credential.verified")
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise SubscriptionError(
            f"unknown event type {', '.join(map(repr, unknown))}; the event types are: {', '.join(sorted(EVENT_TYPES))}"
        )
    return names


def subscribe(
    warehouse: Warehouse,
    server_secret: bytes,
    issuer_id: int,
    url: str,
    types: Iterable[str],
    settings: WebhookSettings,
    *,
    resolve: Resolver = system_resolver,
) -> tuple[str, str]:
    """Check and store a subscription; returns its id and its signing secret (shown once)."""
    names = event_types(types)
    try:
        check(url, allow_private=settings.allow_private, resolve=resolve)
    except TargetRefused as exc:
        raise SubscriptionError(str(exc)) from None
    sub_id = "wh_" + secrets.token_hex(8)
    secret = signing.new_secret()
    sealed = sealing.seal(server_secret, sub_id, secret)
    warehouse.webhooks.add(sub_id, issuer_id, url, names, sealed, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return sub_id, secret
