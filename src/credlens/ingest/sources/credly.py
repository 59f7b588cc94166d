"""Credly's exports and events as credlens events (docs/importers.md, "Credly").

Two kinds of record: an event of its webhooks and organization event feed (``badge.created``,
``badge.state.changed``, ``badge.deleted``, ``badge.privacy.changed``: ``{id, event_type,
occurred_at, data}``), and a row of its analytics export (the columns of its "Analytics report
glossary", one row per issued badge).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pycountry

from credlens.ingest.sources.foreign import Skipped, Unmappable, event_id, flat, required, text, timestamp

SOURCE = "credly"
# A badge's state after badge.state.changed → the credlens event that says what happened.
STATES = {"accepted": "credential.accepted", "rejected": "credential.declined", "revoked": "credential.revoked"}
EVENT_TYPES = ("badge.created", "badge.state.changed", "badge.deleted", "badge.privacy.changed")


def events(record: Any) -> list[dict[str, Any]]:
    """The credlens events of one Credly record (raises Unmappable or Skipped)."""
    if not isinstance(record, Mapping):
        raise Unmappable("record", "is not an object (an unreadable line?)")
    if "event_type" in record:
        return [_event(record)]
    row = flat(record)
    if "earner_badge_id" in row:
        return _export_row(row)
    raise Unmappable("event_type", "neither a Credly event (no event_type) nor an analytics export row")


def _badge(record: Mapping[str, Any]) -> dict[str, Any]:
    """The issued badge an event is about: ``data.badge`` (or ``data`` itself), flattened."""
    data = record.get("data")
    if not isinstance(data, Mapping):
        raise Unmappable("data", "is required: the badge the event is about")
    badge = data.get("badge", data)
    if not isinstance(badge, Mapping):
        raise Unmappable("data.badge", "is not an object")
    return flat(badge)


def _event(record: Mapping[str, Any]) -> dict[str, Any]:
    kind = required(record, "event_type")
    if kind not in EVENT_TYPES:
        raise Unmappable("event_type", f"unknown Credly event {kind!r}; known: {', '.join(EVENT_TYPES)}")
    if kind == "badge.privacy.changed":
        raise Skipped("a badge's privacy changed: credlens has no event for a credential's visibility")
    source_id = required(record, "id")
    occurred = timestamp(required(record, "occurred_at"), "occurred_at", day_first=False)
    badge = _badge(record)
    credential = required(badge, "id")
    properties = {"source": SOURCE, "source_event": kind}
    if kind == "badge.created":
        issued = text(badge, "issued_at")
        when = timestamp(issued, "data.badge.issued_at", day_first=False) if issued else occurred
        return _issued(event_id(SOURCE, "event", source_id), credential, when, badge) | {"properties": properties}
    common = {
        "id": event_id(SOURCE, "event", source_id),
        "occurred_at": occurred,
        "credential_id": credential,
        "properties": properties,
    }
    if kind == "badge.deleted":
        # NOTE: not exact: a deleted badge is gone rather than revoked; the reason and
        # properties.source_event say which it was (docs/importers.md).
        return {**common, "type": "credential.revoked", "reason": "deleted on Credly"}
    data = flat(record["data"])  # NOTE: the new state in the badge, or beside it
    state = text(badge, "state") or text(data, "state", "new_state", "badge_state")
    if state == "pending":
        raise Skipped("a badge became pending: its issuance (badge.created) already says so")
    if state not in STATES:
        raise Unmappable("data.badge.state", f"unknown badge state {state!r}; known: pending, {', '.join(STATES)}")
    return {**common, "type": STATES[state]}


def _issued(event: str, credential: str, occurred: str, badge: Mapping[str, Any]) -> dict[str, Any]:
    """The issuance of a badge, from an API badge object or an export row (flattened)."""
    program = required(badge, "badge_template_id")
    recipient = {
        k: v
        for k, v in (
            ("email", text(badge, "recipient_email", "issued_to_email", "user_email", "earner_email", "email")),
            ("id", text(badge, "issuer_earner_id")),
        )
        if v
    }
    if not recipient:
        raise Unmappable("recipient_email", "a recipient e-mail or issuer earner id is required")
    country = _country(text(badge, "country", "country_name"))
    if country:
        recipient["country"] = country
    issued: dict[str, Any] = {
        "id": event,
        "type": "credential.issued",
        "occurred_at": occurred,
        "credential_id": credential,
        "program": {"id": program, "kind": "badge"}
        | ({"name": name} if (name := text(badge, "badge_template_name", "badge_name")) else {}),
        "recipient": recipient,
    }
    expiry = text(badge, "expires_at", "expiration_date")
    if expiry and expiry.lower() not in ("false", "null"):  # NOTE: Credly writes `false` for "no expiry"
        issued["expires_at"] = timestamp(expiry, "expires_at", day_first=False)
    return issued


def _export_row(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    credential = required(row, "earner_badge_id")
    occurred = timestamp(required(row, "issue_date", "issued_at"), "Issue Date", day_first=False)
    source = ("badge", credential)
    out = [_issued(event_id(SOURCE, *source, "credential.issued"), credential, occurred, row)]
    accepted = text(row, "accepted_date", "accepted_at", "accepted_on")
    if text(row, "status") == "accepted" and accepted:
        out.append(
            {
                "id": event_id(SOURCE, *source, "credential.accepted"),
                "type": "credential.accepted",
                "occurred_at": timestamp(accepted, "Accepted Date", day_first=False),
                "credential_id": credential,
            }
        )
    return out


@functools.cache
def _country(name: str | None) -> str | None:
    """ISO 3166 alpha-2 of the country an earner gave (a name in the export); unknown names are lost."""
    if not name:
        return None
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None
