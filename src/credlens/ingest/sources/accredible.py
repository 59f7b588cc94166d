"""Accredible's exports as credlens events (docs/importers.md, "Accredible").

Two kinds of record, told apart by their fields: an analytics event (the public API's
``GET /v1/analytics`` list, or a row of the ``credential_analytics`` data export) has an event name;
a credential (the credentials export, or the API's credential object) has a group and a recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credlens.ingest.sources.foreign import Skipped, Unmappable, event_id, flat, required, text, timestamp

SOURCE = "accredible"
EVENT_FIELDS = ("event_type", "event", "action")
_WHEN_FIELDS = ("created_at", "occurred_at", "timestamp", "date")

# Accredible's event name → (credlens type, its fields). Exact where the name says who acted and what
# happened; the notes of docs/importers.md say what each takes on trust.
ACTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "recipient_view_certificate": ("credential.viewed", {"actor": "owner"}),
    "recipient_view_badge": ("credential.viewed", {"actor": "owner"}),
    "view_certificate": ("credential.viewed", {"actor": "public"}),
    "view_badge": ("credential.viewed", {"actor": "public"}),
    "recipient_download_pdf": ("credential.downloaded", {"format": "pdf", "actor": "owner"}),
    "download_pdf": ("credential.downloaded", {"format": "pdf", "actor": "public"}),
    "recipient_download_badge": ("credential.downloaded", {"format": "png", "actor": "owner"}),
    "download_badge": ("credential.downloaded", {"format": "png", "actor": "public"}),
    "share_linkedin": ("credential.shared", {"channel": "linkedin"}),
    "share_twitter": ("credential.shared", {"channel": "x"}),
    "share_x": ("credential.shared", {"channel": "x"}),
    "share_facebook": ("credential.shared", {"channel": "facebook"}),
    "share_email": ("credential.shared", {"channel": "email"}),
    "share_whatsapp": ("credential.shared", {"channel": "whatsapp"}),
    "share_link": ("credential.shared", {"channel": "link"}),
    "share_embed": ("credential.shared", {"channel": "embed"}),
    "add_to_linkedin_profile": ("credential.profile_added", {"platform": "linkedin"}),
    "verify_credential": ("credential.verified", {"verifier": {}}),
    "referral_click": ("credential.referral_clicked", {}),
}
# Well-formed events with no credlens meaning: counted as skipped, never stored.
SKIPPED = {
    "privacy_change": "a privacy setting changed: credlens has no event for a credential's visibility",
    "recipient_privacy_change": "a privacy setting changed: credlens has no event for a credential's visibility",
}

NAMES = frozenset(ACTIONS) | frozenset(SKIPPED)


def events(record: Any) -> list[dict[str, Any]]:
    """The credlens events of one Accredible record (raises Unmappable or Skipped)."""
    if not isinstance(record, Mapping):
        raise Unmappable("record", "is not an object (an unreadable line?)")
    row = flat(record)
    if text(row, *EVENT_FIELDS) is not None:
        return [_analytics(row, text(row, *EVENT_FIELDS))]
    if text(row, "type") in NAMES:  # NOTE: an event name under `type`: read, as no credlens type is one
        return [_analytics(row, text(row, "type"))]
    if text(row, "group_id", "group_name") is not None:
        return _credential(row)
    raise Unmappable("event_type", "neither an analytics event (no event name) nor a credential (no group_id)")


def _analytics(row: Mapping[str, Any], action: str | None) -> dict[str, Any]:
    if action is None:
        raise Unmappable("event_type", "is required")
    if action in SKIPPED:
        raise Skipped(SKIPPED[action])
    if action not in ACTIONS:
        raise Unmappable("event_type", f"unknown Accredible event {action!r} (the known ones: docs/importers.md)")
    kind, fields = ACTIONS[action]
    credential = required(row, "credential_id")
    when_field = next((f for f in _WHEN_FIELDS if text(row, f)), _WHEN_FIELDS[0])
    occurred = timestamp(required(row, when_field), when_field, day_first=True)
    source_id = text(row, "id")
    # NOTE: without Accredible's own event id, the event is itself its identity: the same row gives
    # the same id, and two identical rows (same credential, event and instant) are one event.
    identity = ("analytics", source_id) if source_id else ("analytics", credential, action, occurred)
    return {
        "id": event_id(SOURCE, *identity),
        "type": kind,
        "occurred_at": occurred,
        "credential_id": credential,
        **{k: dict(v) if isinstance(v, dict) else v for k, v in fields.items()},
        "properties": {"source": SOURCE, "source_event": action},
    }


def _credential(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    if str(row.get("approve", row.get("published", ""))).strip().lower() in ("false", "0", "no"):
        raise Skipped("an unpublished credential (approve: false) was never issued to its recipient")
    credential = required(row, "id", "credential_id")
    program = required(row, "group_id")
    occurred = timestamp(required(row, "issued_on", "issue_date"), "issued_on", day_first=True)
    recipient = {k: v for k, v in (("email", text(row, "recipient_email")), ("id", text(row, "recipient_id"))) if v}
    if not recipient:
        raise Unmappable("recipient", "a recipient e-mail or id is required")
    event: dict[str, Any] = {
        "id": event_id(SOURCE, "credential", credential, "credential.issued"),
        "type": "credential.issued",
        "occurred_at": occurred,
        "credential_id": credential,
        "program": {"id": program, **({"name": name} if (name := text(row, "group_name", "name")) else {})},
        "recipient": recipient,
    }
    expiry = text(row, "expired_on", "expiry_date", "expires_on")
    if expiry:
        event["expires_at"] = timestamp(expiry, "expired_on", day_first=True)
    return [event]
