"""Rows of a source as columns: dotted leaf columns, the presence of each nested object, and which rows
hold anything the contract does not name (those are never proven).

JSON documents are read by ``pyarrow.json`` with the contract's types declared, so a value of
another JSON type fails the read instead of being converted; Parquet columns are read as they
are, with the import's conventions (dotted names nest, an empty string is an absent field).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import msgspec.inspect as mi
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from credlens.ingest.columnar import timestamps
from credlens.ingest.columnar.contract import OBJECT_PATHS, SHAPES
from credlens.ingest.columnar.timestamps import Mask


@dataclass
class RawColumns:
    num_rows: int
    leaves: dict[str, pa.Array]
    objects: dict[str, Mask]
    unknown: Mask  # the row holds a field outside the contract (or of a kind this path cannot read)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def leaf(self, path: str) -> pa.Array | None:
        return self.leaves.get(path)

    def has(self, path: str) -> bool:
        return path in self.leaves or path in self.objects

    def present(self, path: str) -> Mask:
        """Where the leaf or object at ``path`` is given (in JSON: given and not null)."""
        if path in self.objects:
            return self.objects[path]
        key = "present:" + path
        if key not in self._memo:
            column = self.leaves.get(path)
            self._memo[key] = np.zeros(self.num_rows, dtype=bool) if column is None else _valid(column)
        found: Mask = self._memo[key]
        return found

    def instants(self, path: str) -> tuple[Mask, pa.Array]:
        """timestamps.parse of the leaf at ``path`` (no instants when absent), computed once."""
        column = self.leaves.get(path)
        return self.instants_of(column if column is not None else pa.nulls(self.num_rows, pa.string()))

    def instants_of(self, column: pa.Array) -> tuple[Mask, pa.Array]:
        key = f"instants:{id(column)}"
        if key not in self._memo:
            self._memo[key] = (column, timestamps.parse(column))  # NOTE: holding the column keeps its id
        parsed: tuple[Mask, pa.Array] = self._memo[key][1]
        return parsed

    def parsed(self, path: str) -> tuple[Mask, pa.Array] | None:
        """The instants of the leaf at ``path`` if they were computed already."""
        column = self.leaves.get(path)
        memo = None if column is None else self._memo.get(f"instants:{id(column)}")
        return None if memo is None else memo[1]

    def keep_parsed(self, path: str, parsed: tuple[Mask, pa.Array]) -> None:
        """Record the instants of the leaf at ``path``, computed from the rows it was made of."""
        column = self.leaves[path]
        self._memo[f"instants:{id(column)}"] = (column, parsed)

    def take(self, rows: Mask) -> RawColumns:
        """The rows where ``rows`` is set; instants already parsed go with them (not parsed twice)."""
        picked = pa.array(rows)
        taken = RawColumns(
            int(rows.sum()),
            {p: c.filter(picked) for p, c in self.leaves.items()},
            {p: m[rows] for p, m in self.objects.items()},
            self.unknown[rows],
        )
        for path in self.leaves:
            if (parsed := self.parsed(path)) is not None:
                taken.keep_parsed(path, (parsed[0][rows], parsed[1].filter(picked)))
        return taken


def _arrow_type(info: mi.Type) -> pa.DataType | None:
    if isinstance(info, mi.StrType | mi.LiteralType | mi.DateTimeType):
        return pa.string()
    if isinstance(info, mi.BoolType):
        return pa.bool_()
    if isinstance(info, mi.IntType):
        return pa.int64()
    return None


def _declared() -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {"type": pa.string()}
    for shape in SHAPES:
        for path, leaf in shape.leaves.items():
            arrow = _arrow_type(leaf.info)
            if arrow is not None and types.setdefault(path, arrow) != arrow:
                raise TypeError(f"{path} has two Arrow types across event types")
    return types


LEAF_TYPES = _declared()


def _schema(prefix: str) -> list[pa.Field]:
    fields = []
    for path, arrow in LEAF_TYPES.items():
        if path.startswith(prefix) and "." not in path[len(prefix) :]:
            fields.append(pa.field(path[len(prefix) :], arrow))
    for path in OBJECT_PATHS:
        if path.startswith(prefix) and "." not in path[len(prefix) :]:
            fields.append(pa.field(path[len(prefix) :], pa.struct(_schema(path + "."))))
    return fields


JSON_SCHEMA = pa.schema(_schema(""))
_THREADED_FROM = 4 << 20
_PARSE = pj.ParseOptions(explicit_schema=JSON_SCHEMA, unexpected_field_behavior="infer")


def _valid(array: pa.Array) -> Mask:
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _combined(column: pa.ChunkedArray) -> pa.Array:
    return pa.concat_arrays(column.chunks) if column.num_chunks else pa.array([], column.type)


def _collect(raw: RawColumns, prefix: str, name: str, array: pa.Array) -> None:
    path = prefix + name
    if "." in name or not name:  # a key with a dot would pass for a nested path
        raw.unknown |= _valid(array)
    elif pa.types.is_struct(array.type) and path in OBJECT_PATHS:
        raw.objects[path] = _valid(array)
        for child, values in zip(array.type, array.flatten(), strict=True):
            _collect(raw, path + ".", child.name, values)
    elif path in LEAF_TYPES and not pa.types.is_struct(array.type):
        raw.leaves[path] = array
    else:
        raw.unknown |= _valid(array)


def from_json(data: bytes, rows: int) -> RawColumns:
    """``rows`` JSON objects separated by whitespace; raises ``pa.ArrowInvalid`` when any does not read."""
    # NOTE: measured here, threads cost more than they give below a few MiB (3.2 vs 5.0 µs an
    # event); above, blocks of 1 MiB are read in parallel (documents hold no newline but their last).
    threads = len(data) > _THREADED_FROM
    table = pj.read_json(
        io.BytesIO(data),
        read_options=pj.ReadOptions(block_size=1 << 20 if threads else len(data) + 1, use_threads=threads),
        parse_options=_PARSE,
    )
    if table.num_rows != rows:
        raise pa.ArrowInvalid(f"{table.num_rows} objects read from {rows} documents")
    raw = RawColumns(rows, {}, {}, np.zeros(rows, dtype=bool))
    for name, column in zip(table.column_names, table.columns, strict=True):
        _collect(raw, "", name, _combined(column))
    return raw


def _normalized(column: pa.Array) -> pa.Array:
    """A Parquet column as the JSON reader would give it; an empty string is an absent field."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.dictionary_decode(), column.type.value_type
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        column, kind = column.cast(pa.string()), pa.string()
    if pa.types.is_string(kind):
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    if pa.types.is_integer(kind) and not pa.types.is_int64(kind):
        try:
            return column.cast(pa.int64())
        except pa.ArrowInvalid:
            return column
    return column


def from_flat(table: pa.Table | pa.RecordBatch) -> RawColumns:
    """Rows of a tabular file whose columns are dotted paths (``program.id``)."""
    raw = RawColumns(table.num_rows, {}, {}, np.zeros(table.num_rows, dtype=bool))
    if len(set(table.column_names)) != len(table.column_names):
        raw.unknown[:] = True
        return raw
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = _combined(column) if isinstance(column, pa.ChunkedArray) else column
        if name in LEAF_TYPES:
            raw.leaves[name] = _normalized(array)
        else:
            raw.unknown |= _valid(_normalized(array))
    for path in OBJECT_PATHS:
        present = np.zeros(table.num_rows, dtype=bool)
        for leaf, column in raw.leaves.items():
            if leaf.startswith(path + "."):
                present |= _valid(column)
        raw.objects[path] = present
    return raw
