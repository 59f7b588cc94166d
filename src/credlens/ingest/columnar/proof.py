"""Which rows are provably valid events: every rule of docs/ingestion.md as a predicate over columns.

Conservative by construction: a row is proven only when every field it holds is one its type
names, with a value the field's check accepts, every required field is there, and the cross-field
rules below hold. Anything else (including a row this module is merely unsure of) is left to
msgspec, the only judge of invalid events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec.inspect as mi
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import (
    EARLIEST,
    FUTURE_TOLERANCE,
    LATEST_EXPIRY,
    CredentialIssued,
    CredentialProfileAdded,
    CredentialRenewed,
    CredentialRevoked,
    CredentialViewed,
    Demographics,
    Design,
    Event,
    IssuedProgram,
    ProgramRef,
    RecipientRef,
    VerificationOutcomeReported,
    Verifier,
)
from credlens.ingest.columnar import values
from credlens.ingest.columnar.contract import LEAF_PATHS, OBJECT_PATHS, SHAPES, TYPE_NAMES, parent
from credlens.ingest.columnar.raw import RawColumns
from credlens.ingest.columnar.timestamps import Mask

# The Structs whose __post_init__ rules are spelled out below (a test keeps this list complete). The
# screen of free text and ids (Event, ProgramRef, Demographics, Design, IssuedProgram, Verifier,
# CredentialProfileAdded, VerificationOutcomeReported, CredentialRevoked) is values.may_be_personal,
# applied to every field of the free-text or id pattern.
CROSS_FIELD_RULES: frozenset[type] = frozenset(
    {
        Event,
        CredentialIssued,
        CredentialRenewed,
        CredentialViewed,
        RecipientRef,
        Demographics,
        Design,
        IssuedProgram,
        Verifier,
        CredentialProfileAdded,
        CredentialRevoked,
        ProgramRef,
        VerificationOutcomeReported,
    }
)


def type_codes(raw: RawColumns) -> np.ndarray:
    """The index of each row's type in TYPE_NAMES; -1 for an unknown or missing type."""
    column = raw.leaf("type")
    if column is None or not pa.types.is_string(column.type):
        return np.full(raw.num_rows, -1)
    codes = pc.fill_null(pc.index_in(column, value_set=pa.array(TYPE_NAMES)), -1)
    return np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)


@dataclass(frozen=True)
class _Rule:
    """What the contract says of one path, per event type (indexed by type code; the extra last
    entry stands for an unknown type)."""

    path: str
    enclosing: str | None
    allowed: Mask
    required: Mask
    checks: tuple[tuple[mi.Type, Mask], ...]  # each distinct type of the value, with its event types


def _flags(values: list[bool]) -> Mask:
    return np.array([*values, False], dtype=bool)


def _rule(path: str) -> _Rule:
    groups: dict[str, tuple[mi.Type, list[bool]]] = {}
    for index, shape in enumerate(SHAPES):
        leaf = shape.leaves.get(path)
        if leaf is not None:
            _, users = groups.setdefault(repr(leaf.info), (leaf.info, [False] * len(SHAPES)))
            users[index] = True
    return _Rule(
        path,
        parent(path),
        _flags([path in s.leaves or path in s.objects for s in SHAPES]),
        _flags([s.leaves[path].required if path in s.leaves else s.objects.get(path, False) for s in SHAPES]),
        tuple((info, _flags(users)) for info, users in groups.values()),
    )


RULES: tuple[_Rule, ...] = tuple(_rule(path) for path in (*OBJECT_PATHS, *LEAF_PATHS))
_NEEDS_CREDENTIAL = _flags([s.cls.needs_credential for s in SHAPES])


def _fields_ok(raw: RawColumns, codes: np.ndarray) -> Mask:
    """Each field allowed by the row's type, each required one given, each value of its type."""
    ok = ~raw.unknown & (codes >= 0)
    everywhere = np.ones(raw.num_rows, dtype=bool)
    for rule in RULES:
        given_parent = raw.present(rule.enclosing) if rule.enclosing is not None else everywhere
        if not raw.has(rule.path):
            ok &= ~(given_parent & rule.required[codes])
            continue
        present = raw.present(rule.path)
        ok &= ~(present & ~rule.allowed[codes])
        ok &= ~(given_parent & ~present & rule.required[codes])
        column = raw.leaf(rule.path)
        if column is not None and rule.path not in OBJECT_PATHS:
            for info, users in rule.checks:
                these = present & users[codes]
                if these.any():
                    ok &= ~(these & ~values.check(info, column, raw))
    return ok


def _cross_field_ok(raw: RawColumns, codes: np.ndarray, now: dt.datetime) -> Mask:
    """The rules of the Structs' __post_init__: time bounds, credential scope, issuance expiry, recipient."""
    occurred_ok, occurred = raw.instants("occurred_at")
    earliest = pa.scalar(EARLIEST.replace(tzinfo=None), pa.timestamp("us"))
    latest = pa.scalar((now + FUTURE_TOLERANCE).astimezone(dt.UTC).replace(tzinfo=None), pa.timestamp("us"))
    ok = occurred_ok & _np(pc.greater_equal(occurred, earliest)) & _np(pc.less_equal(occurred, latest))
    needs = _NEEDS_CREDENTIAL[codes]
    ok &= needs == raw.present("credential_id")
    expires_ok, expires = raw.instants("expires_at")
    latest_expiry = pa.scalar(LATEST_EXPIRY.replace(tzinfo=None), pa.timestamp("us"))
    later = expires_ok & occurred_ok & _np(pc.greater(expires, occurred)) & _np(pc.less(expires, latest_expiry))
    ok &= ~(raw.present("expires_at") & ~later)  # credential.issued and credential.renewed
    if (domain := raw.leaf("referrer_domain")) is not None and pa.types.is_string(domain.type):
        ok &= ~values.may_be_personal(domain)  # an IP address is no host name (CredentialViewed)
    named = raw.present("recipient.id") | raw.present("recipient.email")
    ok &= ~(raw.present("recipient") & ~named)
    return ok


def _np(array: pa.Array) -> Mask:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def prove(raw: RawColumns, now: dt.datetime) -> Mask:
    """Where a row is certainly a valid event (msgspec would accept it, judging at ``now`` or later)."""
    if not raw.num_rows:
        return np.zeros(0, dtype=bool)
    codes = type_codes(raw)
    return _fields_ok(raw, codes) & _cross_field_ok(raw, codes, now)
