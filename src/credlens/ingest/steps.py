"""The steps that turn validated events into storable rows, each small and named for what it does.

Personal data stops here: e-mail addresses and earner ids become pseudonymous keys, and a
verifier's organization is dropped unless that verification consented (privacy.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import pyarrow as pa

from credlens.domain.events import (
    AnyEvent,
    CredentialDeliveryFailed,
    CredentialDownloaded,
    CredentialIssued,
    CredentialProfileAdded,
    CredentialRenewed,
    CredentialRevoked,
    CredentialShared,
    CredentialVerified,
    CredentialViewed,
    ProgramEnrolled,
    RecipientConsentChanged,
    RecipientFeedback,
    RecipientOutcomeReported,
    RecipientRef,
    VerificationOutcomeReported,
)
from credlens.privacy.pseudonyms import recipient_key
from credlens.store.schema import EVENT_ARROW_SCHEMA, EVENT_COLUMNS

Row = dict[str, Any]


def utc(value: dt.datetime) -> dt.datetime:
    """Stored timestamps are naive UTC (architecture.md: store UTC only)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def pseudonymize(secret: str, recipient: RecipientRef) -> str:
    return recipient_key(secret, email=recipient.email, earner_id=recipient.id)


def verifier_fields(event: CredentialVerified) -> Row:
    """Keep the organization only when the verifier consented to be named."""
    verifier = event.verifier
    return {
        "verifier_consent": verifier.consent,
        "verifier_organization": verifier.organization if verifier.consent else None,
        "verifier_industry": verifier.industry,
        "verifier_size": verifier.size,
        "verifier_country": verifier.country,
        "result": event.result,
    }


def issued_fields(secret: str, event: CredentialIssued) -> Row:
    program, recipient = event.program, event.recipient
    demographics = recipient.demographics
    row: Row = {
        "program_id": program.id,
        "program_name": program.name,
        "program_kind": program.kind,
        "program_department": program.department,
        "recipient_key": pseudonymize(secret, recipient),
        "recipient_country": recipient.country,
        "detailed_tracking": recipient.consent.detailed_tracking if recipient.consent else None,
        "expires_at": utc(event.expires_at) if event.expires_at else None,
    }
    if demographics is not None:
        row.update(msgspec.structs.asdict(demographics))
    return row


_FIELDS: dict[type[Any], Callable[[str, Any], Row]] = {
    CredentialIssued: issued_fields,
    CredentialViewed: lambda _, e: {"actor": e.actor, "referrer_domain": e.referrer_domain, "country": e.country},
    CredentialShared: lambda _, e: {"actor": e.actor, "channel": e.channel},
    CredentialDownloaded: lambda _, e: {"actor": e.actor, "format": e.format},
    CredentialVerified: lambda _, e: verifier_fields(e),
    VerificationOutcomeReported: lambda _, e: {"verification_id": e.verification_id, "outcome": e.outcome},
    RecipientFeedback: lambda _, e: {"rating": e.rating},
    RecipientOutcomeReported: lambda _, e: {"outcome": e.outcome},
    ProgramEnrolled: lambda s, e: {"program_id": e.program.id, "recipient_key": pseudonymize(s, e.recipient)},
    RecipientConsentChanged: lambda s, e: {
        "recipient_key": pseudonymize(s, e.recipient),
        "detailed_tracking": e.detailed_tracking,
    },
    CredentialRenewed: lambda _, e: {"expires_at": utc(e.expires_at)},
    CredentialRevoked: lambda _, e: {"reason": e.reason},
    CredentialDeliveryFailed: lambda _, e: {"reason": e.reason},
    CredentialProfileAdded: lambda _, e: {"platform": e.platform},
}


def type_fields(secret: str, event: AnyEvent) -> Row:
    """The columns one event type fills besides the envelope (none for delivered, expired, referral)."""
    fill = _FIELDS.get(type(event))
    return fill(secret, event) if fill else {}


def to_table(secret: str, events: Sequence[AnyEvent], received_at: dt.datetime) -> pa.Table:
    """Flatten events into the columns of the ``events`` table (one pass, column lists)."""
    columns: dict[str, list[Any]] = {name: [None] * len(events) for name in EVENT_COLUMNS}
    received = utc(received_at)
    for i, event in enumerate(events):
        columns["event_id"][i] = event.id
        columns["type"][i] = type(event).__struct_config__.tag
        columns["occurred_at"][i] = utc(event.occurred_at)
        columns["received_at"][i] = received
        columns["credential_id"][i] = event.credential_id
        if event.properties is not None:
            columns["properties"][i] = msgspec.json.encode(event.properties).decode()
        for name, value in type_fields(secret, event).items():
            columns[name][i] = value
    return pa.table(columns, schema=EVENT_ARROW_SCHEMA)
