"""Valid example events of every type in events.md, for tests to start from and break one rule at a time.

``make_event("credential.viewed", actor="public")`` returns a complete, valid event dict; overrides
replace top-level keys and ``DROP`` removes one (``make_event("credential.viewed", actor=DROP)``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Any, Final

import msgspec


class _Drop:
    """Marker: an override with this value removes the key from the event."""

    def __repr__(self) -> str:
        return "DROP"


DROP: Final = _Drop()

_counter = itertools.count(1)

# The extra fields of each type, besides the envelope (id, type, occurred_at, credential_id).
# Required fields are always filled; optional ones are left out so that tests can add them.
_EXTRAS: Final[dict[str, dict[str, Any]]] = {
    "credential.issued": {
        "program": {"id": "prog-1", "name": "Data Analytics Bootcamp", "kind": "certificate"},
        "recipient": {"email": "ada@example.com"},
    },
    "program.enrolled": {
        "program": {"id": "prog-1"},
        "recipient": {"email": "ada@example.com"},
    },
    "credential.delivered": {},
    "credential.delivery_failed": {"reason": "bounced"},
    "credential.viewed": {"actor": "owner"},
    "credential.downloaded": {"format": "pdf"},
    "credential.shared": {"channel": "linkedin"},
    "credential.profile_added": {},
    "credential.referral_clicked": {},
    "credential.accepted": {},
    "credential.declined": {},
    "credential.verified": {"verifier": {}},
    "verification.outcome": {"verification_id": "ver-1", "outcome": "hired"},
    "recipient.feedback": {"rating": 5},
    "recipient.outcome_reported": {"outcome": "new_job"},
    "recipient.consent_changed": {"recipient": {"email": "ada@example.com"}, "detailed_tracking": True},
    "credential.renewed": {"expires_at": "2028-01-15T10:00:00Z"},
    "credential.expired": {},
    "credential.revoked": {},
}

EVENT_TYPES: Final[tuple[str, ...]] = tuple(_EXTRAS)
NO_CREDENTIAL_TYPES: Final[frozenset[str]] = frozenset({"program.enrolled", "recipient.consent_changed"})
CREDENTIAL_TYPES: Final[tuple[str, ...]] = tuple(t for t in EVENT_TYPES if t not in NO_CREDENTIAL_TYPES)


def make_event(type: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid event of ``type`` with every required field filled; ``overrides`` replace top-level keys."""
    if type not in _EXTRAS:
        raise KeyError(f"no example for event type {type!r}; known: {', '.join(EVENT_TYPES)}")
    n = next(_counter)
    event: dict[str, Any] = {
        "id": f"evt-{n}",
        "type": type,
        "occurred_at": f"2026-01-{(n % 28) + 1:02d}T10:00:00Z",
    }
    if type not in NO_CREDENTIAL_TYPES:
        event["credential_id"] = "cred-1"
    event.update(copy.deepcopy(_EXTRAS[type]))
    for key, value in overrides.items():
        if value is DROP:
            event.pop(key, None)
        else:
            event[key] = value
    return event


def to_body(events: Iterable[Any]) -> bytes:
    """A JSON array request body, as a client would POST it."""
    return msgspec.json.encode(list(events))
