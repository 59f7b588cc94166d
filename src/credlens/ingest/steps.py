"""The steps that turn validated events into storable rows, by columns rather than event by event.

Personal data stops here: e-mail addresses and earner ids become pseudonymous keys, and a
verifier's organization is dropped unless that verification consented (privacy.md).

# NOTE: measured here, flattening event by event in Python cost ~19 µs an event; msgspec's
# to_builtins plus Arrow's from_pylist and column operations cost ~4 µs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import AnyEvent, RecipientRef
from credlens.privacy.pseudonyms import recipient_key
from credlens.store.schema import EVENT_ARROW_SCHEMA

_S, _B, _TS = pa.string(), pa.bool_(), pa.timestamp("us", tz="UTC")
_DEMOGRAPHICS = pa.struct([(n, _S) for n in ("gender", "age_band", "education_level", "employment_status")])
# Every field of every event type, as to_builtins writes it (properties and recipient ids are handled apart).
INPUT_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("type", _S),
        ("occurred_at", _TS),
        ("credential_id", _S),
        ("program", pa.struct([("id", _S), ("name", _S), ("kind", _S), ("department", _S)])),
        (
            "recipient",
            pa.struct(
                [("country", _S), ("demographics", _DEMOGRAPHICS), ("consent", pa.struct([("detailed_tracking", _B)]))]
            ),
        ),
        ("expires_at", _TS),
        ("design", pa.struct([("id", _S), ("name", _S)])),
        ("reason", _S),
        ("actor", _S),
        ("referrer_domain", _S),
        ("country", _S),
        ("format", _S),
        ("channel", _S),
        ("platform", _S),
        (
            "verifier",
            pa.struct([("consent", _B), ("organization", _S), ("industry", _S), ("size", _S), ("country", _S)]),
        ),
        ("result", _S),
        ("verification_id", _S),
        ("outcome", _S),
        ("rating", pa.int8()),
        ("detailed_tracking", _B),
    ]
)


def pseudonymize(secret: str, recipient: RecipientRef) -> str:
    return recipient_key(secret, email=recipient.email, earner_id=recipient.id)


def recipient_keys(secret: str, events: Sequence[AnyEvent]) -> pa.Array:
    """The pseudonymous key of each event's recipient; the e-mail and earner id go no further."""
    keys = [None if (r := getattr(e, "recipient", None)) is None else pseudonymize(secret, r) for e in events]
    return pa.array(keys, _S)


def properties_json(events: Sequence[AnyEvent]) -> pa.Array:
    """Properties are stored as given, serialized; never interpreted."""
    return pa.array([None if e.properties is None else msgspec.json.encode(e.properties).decode() for e in events], _S)


def consented_organization(consent: pa.Array, organization: pa.Array) -> pa.Array:
    """A verifier's organization survives only where that verification consented to be named
    (privacy.md): the one place both ingestion paths drop it."""
    return pc.if_else(pc.fill_null(consent, False), organization, pa.scalar(None, _S))


def naive_utc(column: pa.Array) -> pa.Array:
    """Stored timestamps are naive UTC (architecture.md: store UTC only)."""
    return column.cast(pa.int64()).cast(pa.timestamp("us"))


def to_table(secret: str, events: Sequence[AnyEvent], received_at: dt.datetime) -> pa.Table:
    """Flatten validated events into the columns of the ``events`` table."""
    rows = msgspec.to_builtins(events, builtin_types=(dt.datetime,))
    for row in rows:  # handled apart: personal (recipient ids) or free-form (properties)
        row.pop("properties", None)
    t = pa.Table.from_pylist(rows, schema=INPUT_SCHEMA)
    program, recipient, verifier = t["program"].combine_chunks(), t["recipient"].combine_chunks(), t["verifier"]
    design = t["design"].combine_chunks()
    demographics = pc.struct_field(recipient, "demographics")
    received = pa.scalar(received_at.astimezone(dt.UTC).replace(tzinfo=None), pa.timestamp("us"))
    columns: dict[str, Any] = {
        "event_id": t["id"],
        "type": t["type"],
        "occurred_at": naive_utc(t["occurred_at"]),
        "received_at": pa.nulls(t.num_rows, pa.timestamp("us")).fill_null(received),
        "credential_id": t["credential_id"],
        "program_id": pc.struct_field(program, "id"),
        "program_name": pc.struct_field(program, "name"),
        "program_kind": pc.struct_field(program, "kind"),
        "program_department": pc.struct_field(program, "department"),
        "recipient_key": recipient_keys(secret, events),
        "recipient_country": pc.struct_field(recipient, "country"),
        **{name: pc.struct_field(demographics, name) for name in _DEMOGRAPHICS.names},
        "detailed_tracking": pc.coalesce(
            pc.struct_field(pc.struct_field(recipient, "consent"), "detailed_tracking"), t["detailed_tracking"]
        ),
        "expires_at": naive_utc(t["expires_at"]),
        **{
            name: t[name]
            for name in (
                "reason",
                "actor",
                "referrer_domain",
                "country",
                "format",
                "channel",
                "platform",
                "result",
                "verification_id",
                "outcome",
                "rating",
            )
        },
        "verifier_consent": pc.struct_field(verifier, "consent"),
        "verifier_organization": consented_organization(
            pc.struct_field(verifier, "consent"), pc.struct_field(verifier, "organization")
        ),
        **{f"verifier_{name}": pc.struct_field(verifier, name) for name in ("industry", "size", "country")},
        "properties": properties_json(events),
        "design_id": pc.struct_field(design, "id"),
        "design_name": pc.struct_field(design, "name"),
    }
    return pa.table({name: columns[name] for name in EVENT_ARROW_SCHEMA.names}, schema=EVENT_ARROW_SCHEMA)
