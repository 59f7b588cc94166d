"""Proven rows → the columns of the ``events`` table, exactly as steps.to_table stores a decoded event.

Defaults come from the contract (``actor`` of a download is ``owner`` when absent), personal data
stops here as in steps.py: e-mails and earner ids become pseudonymous keys, a verifier's
organization survives only where that verification consented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credlens.ingest.columnar.contract import SHAPES, parent
from credlens.ingest.columnar.proof import type_codes
from credlens.ingest.columnar.raw import LEAF_TYPES, RawColumns
from credlens.ingest.steps import consented_organization
from credlens.privacy.pseudonyms import keyed_digests
from credlens.store.schema import EVENT_ARROW_SCHEMA

_S = pa.string()
# Stored columns that are a field of the event under another name (the rest keep their name).
RENAMED = {
    "event_id": "id",
    "program_id": "program.id",
    "program_name": "program.name",
    "program_kind": "program.kind",
    "program_department": "program.department",
    "design_id": "design.id",
    "design_name": "design.name",
    "recipient_country": "recipient.country",
    "gender": "recipient.demographics.gender",
    "age_band": "recipient.demographics.age_band",
    "education_level": "recipient.demographics.education_level",
    "employment_status": "recipient.demographics.employment_status",
    "verifier_consent": "verifier.consent",
    "verifier_industry": "verifier.industry",
    "verifier_size": "verifier.size",
    "verifier_country": "verifier.country",
}


def value(raw: RawColumns, codes: np.ndarray, path: str) -> pa.Array:
    """The field at ``path`` of each row, or its default where the row's type has one and the
    enclosing object is given; null elsewhere."""
    column = raw.leaf(path)
    arrow = LEAF_TYPES.get(path, _S)
    # NOTE: a column of another type (a Parquet column of strings for a boolean) is null in every
    # proven row, since a present value of the wrong type is never proven.
    result = column if column is not None and column.type == arrow else pa.nulls(raw.num_rows, arrow)
    enclosing = parent(path)
    given = raw.present(enclosing) if enclosing is not None else np.ones(raw.num_rows, dtype=bool)
    for index, shape in enumerate(SHAPES):
        leaf = shape.leaves.get(path)
        if leaf is not None and leaf.default is not None:
            fill = pa.array(given & (codes == index))
            result = pc.if_else(pc.and_(fill, result.is_null()), pa.scalar(leaf.default, arrow), result)
    return result


def recipient_keys(secret: str, raw: RawColumns, codes: np.ndarray) -> pa.Array:
    """As privacy.recipient_key: the e-mail wins; proven e-mails are ASCII without spaces, so
    lower-casing is the whole normalization."""
    email, earner = value(raw, codes, "recipient.email"), value(raw, codes, "recipient.id")
    by_id = pc.binary_join_element_wise(pa.scalar("id:"), earner, "")
    material = pc.if_else(email.is_valid(), pc.ascii_lower(email), by_id)
    # NOTE: each distinct person hashed once (an issuance and its enrollment name the same one).
    encoded = pc.dictionary_encode(material)
    keys = pa.array(keyed_digests(secret, encoded.dictionary.to_pylist()), _S)
    return pc.take(keys, encoded.indices)


def _naive(raw: RawColumns, path: str) -> pa.Array:
    column = raw.leaf(path)
    if column is None:
        return pa.nulls(raw.num_rows, pa.timestamp("us"))
    ok, instants = raw.instants(path)
    return pc.if_else(pa.array(ok), instants, pa.scalar(None, pa.timestamp("us")))


def to_events(raw: RawColumns, secret: str, received_at: dt.datetime) -> pa.Table:
    """The rows of EVENT_ARROW_SCHEMA for proven rows (callers pass proven rows only)."""
    codes = type_codes(raw)
    received = pa.scalar(received_at.astimezone(dt.UTC).replace(tzinfo=None), pa.timestamp("us"))
    consent = value(raw, codes, "verifier.consent")
    tracking = value(raw, codes, "recipient.consent.detailed_tracking")
    columns: dict[str, Any] = {
        "type": value(raw, codes, "type"),
        "occurred_at": _naive(raw, "occurred_at"),
        "received_at": pa.nulls(raw.num_rows, pa.timestamp("us")).fill_null(received),
        "expires_at": _naive(raw, "expires_at"),
        "recipient_key": recipient_keys(secret, raw, codes),
        "detailed_tracking": pc.coalesce(tracking, value(raw, codes, "detailed_tracking")),
        "verifier_consent": consent,
        "verifier_organization": consented_organization(consent, value(raw, codes, "verifier.organization")),
        "rating": value(raw, codes, "rating").cast(pa.int8()),
        "properties": pa.nulls(raw.num_rows, _S),  # rows with properties are never proven
    }
    for name in EVENT_ARROW_SCHEMA.names:
        if name not in columns:
            columns[name] = value(raw, codes, RENAMED.get(name, name))
    return pa.table({name: columns[name] for name in EVENT_ARROW_SCHEMA.names}, schema=EVENT_ARROW_SCHEMA)
