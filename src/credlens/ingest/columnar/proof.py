"""Which rows are provably valid events: every rule of events.md as a predicate over columns.

Conservative by construction: a row is proven only when every field it holds is one its type
names, with a value the field's check accepts, every required field is there, and the cross-field
rules below hold. Anything else (including a row this module is merely unsure of) is left to
msgspec, the only judge of invalid events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import msgspec.inspect as mi
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import EARLIEST, FUTURE_TOLERANCE, CredentialIssued, Event, RecipientRef
from credlens.ingest.columnar import timestamps, values
from credlens.ingest.columnar.contract import LEAF_PATHS, OBJECT_PATHS, SHAPES, TYPE_NAMES, parent
from credlens.ingest.columnar.raw import RawColumns
from credlens.ingest.columnar.timestamps import Mask

# The Structs whose __post_init__ rules are spelled out below (a test keeps this list complete).
CROSS_FIELD_RULES: frozenset[type] = frozenset({Event, CredentialIssued, RecipientRef})


def type_codes(raw: RawColumns) -> np.ndarray:
    """The index of each row's type in TYPE_NAMES; -1 for an unknown or missing type."""
    column = raw.leaf("type")
    if column is None or not pa.types.is_string(column.type):
        return np.full(raw.num_rows, -1)
    codes = pc.fill_null(pc.index_in(column, value_set=pa.array(TYPE_NAMES)), -1)
    return np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)


def _by_type(flags: list[bool], codes: np.ndarray) -> Mask:
    """Look up a per-type flag for each row (False for an unknown type)."""
    table = np.array([*flags, False], dtype=bool)
    looked_up: Mask = table[codes]  # NOTE: code -1 reads the trailing False
    return looked_up


def _checks(path: str) -> Iterator[tuple[mi.Type, list[bool]]]:
    """Each distinct type the field has across event types, with the event types that use it."""
    seen: dict[str, tuple[mi.Type, list[bool]]] = {}
    for index, shape in enumerate(SHAPES):
        leaf = shape.leaves.get(path)
        if leaf is not None:
            _, users = seen.setdefault(repr(leaf.info), (leaf.info, [False] * len(SHAPES)))
            users[index] = True
    yield from seen.values()


def _fields_ok(raw: RawColumns, codes: np.ndarray) -> Mask:
    """Each field allowed by the row's type, each required one given, each value of its type."""
    ok = ~raw.unknown & (codes >= 0)
    for path in (*OBJECT_PATHS, *LEAF_PATHS):
        present = raw.present(path)
        if not present.any() and path not in _REQUIRED_ANYWHERE:
            continue
        enclosing = parent(path)
        given_parent = raw.present(enclosing) if enclosing is not None else np.ones(raw.num_rows, dtype=bool)
        allowed = [path in s.leaves or path in s.objects for s in SHAPES]
        required = [s.leaves[path].required if path in s.leaves else s.objects.get(path, False) for s in SHAPES]
        ok &= ~(present & ~_by_type(allowed, codes))
        ok &= ~(given_parent & ~present & _by_type(required, codes))
        column = raw.leaf(path)
        if column is not None and path not in OBJECT_PATHS:
            for info, users in _checks(path):
                ok &= ~(present & _by_type(users, codes) & ~values.check(info, column))
    return ok


_REQUIRED_ANYWHERE = frozenset(
    p for s in SHAPES for p, req in (*((q, leaf.required) for q, leaf in s.leaves.items()), *s.objects.items()) if req
)


def _cross_field_ok(raw: RawColumns, codes: np.ndarray, now: dt.datetime) -> Mask:
    """The rules of the Structs' __post_init__: time bounds, credential scope, issuance expiry, recipient."""
    occurred_ok, occurred = timestamps.parse(_text(raw, "occurred_at"))
    earliest = pa.scalar(EARLIEST.replace(tzinfo=None), pa.timestamp("us"))
    latest = pa.scalar((now + FUTURE_TOLERANCE).astimezone(dt.UTC).replace(tzinfo=None), pa.timestamp("us"))
    ok = occurred_ok & _np(pc.greater_equal(occurred, earliest)) & _np(pc.less_equal(occurred, latest))
    needs = _by_type([s.cls.needs_credential for s in SHAPES], codes)
    ok &= needs == raw.present("credential_id")
    expires_ok, expires = timestamps.parse(_text(raw, "expires_at"))
    issued = codes == TYPE_NAMES.index("credential.issued")
    later = expires_ok & occurred_ok & _np(pc.greater(expires, occurred))
    ok &= ~(issued & raw.present("expires_at") & ~later)
    named = raw.present("recipient.id") | raw.present("recipient.email")
    ok &= ~(raw.present("recipient") & ~named)
    return ok


def _text(raw: RawColumns, path: str) -> pa.Array:
    column = raw.leaf(path)
    return column if column is not None else pa.nulls(raw.num_rows, pa.string())


def _np(array: pa.Array) -> Mask:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def prove(raw: RawColumns, now: dt.datetime) -> Mask:
    """Where a row is certainly a valid event (msgspec would accept it, judging at ``now`` or later)."""
    if not raw.num_rows:
        return np.zeros(0, dtype=bool)
    codes = type_codes(raw)
    return _fields_ok(raw, codes) & _cross_field_ok(raw, codes, now)
