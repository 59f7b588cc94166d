"""The body of a delivery: one event, in the Standard Webhooks shape ``{"type", "timestamp", "data"}``.

Built from the stored row at each attempt, with a canonical JSON encoding, so every attempt of a
delivery sends the same bytes. It carries what the store holds: the recipient's pseudonymous key,
never an e-mail (none is stored). The sensitive demographics (gender, age band, education,
employment) are left out: they are kept apart from credentials (docs/privacy.md) and a webhook is not
the place to spread them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

# Columns of `events` a payload reads (store/schema.py EVENT_FIELDS), grouped as the event contract does.
EVENT_COLUMNS = (
    "event_id",
    "type",
    "occurred_at",
    "received_at",
    "credential_id",
    "program_id",
    "program_name",
    "program_kind",
    "program_department",
    "recipient_key",
    "recipient_country",
    "detailed_tracking",
    "expires_at",
    "reason",
    "actor",
    "referrer_domain",
    "country",
    "format",
    "channel",
    "platform",
    "verifier_consent",
    "verifier_organization",
    "verifier_industry",
    "verifier_size",
    "verifier_country",
    "result",
    "verification_id",
    "outcome",
    "rating",
    "properties",
)
_GROUPS = {
    "program": {"program_id": "id", "program_name": "name", "program_kind": "kind", "program_department": "department"},
    "recipient": {"recipient_key": "key", "recipient_country": "country", "detailed_tracking": "detailed_tracking"},
    "verifier": {
        "verifier_consent": "consent",
        "verifier_organization": "organization",
        "verifier_industry": "industry",
        "verifier_size": "size",
        "verifier_country": "country",
    },
}
_TOP: tuple[str, ...] = ("credential_id", "expires_at", "reason", "actor", "referrer_domain", "country", "format")
_TOP += ("channel", "platform", "result", "verification_id", "outcome", "rating")
TEST_TYPE = "webhook.test"


def _instant(value: dt.datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _value(value: Any) -> Any:
    return _instant(value) if isinstance(value, dt.datetime) else value


def event_data(row: dict[str, Any]) -> dict[str, Any]:
    """The event as the payload's ``data``: absent fields left out."""
    data: dict[str, Any] = {
        "id": row["event_id"],
        "type": row["type"],
        "issuer": row["issuer"],
        "occurred_at": _instant(row["occurred_at"]),
        "received_at": _instant(row["received_at"]),
    }
    for name in _TOP:
        if row.get(name) is not None:
            data[name] = _value(row[name])
    for group, fields in _GROUPS.items():
        values = {key: _value(row[column]) for column, key in fields.items() if row.get(column) is not None}
        if values:
            data[group] = values
    if row.get("properties") is not None:
        data["properties"] = json.loads(row["properties"])
    return data


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_body(row: dict[str, Any]) -> bytes:
    data = event_data(row)
    return encode({"type": data["type"], "timestamp": data["occurred_at"], "data": data})


def test_body(sub_id: str, issuer: str, now: dt.datetime) -> bytes:
    """What `credlens webhook test` and the admin page's Test button send."""
    stamp = _instant(now)
    return encode({"type": TEST_TYPE, "timestamp": stamp, "data": {"subscription": sub_id, "issuer": issuer}})
