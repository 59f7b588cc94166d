"""Value checks by columns, translated from msgspec's type information (contract.py).

Each check returns where a present value satisfies the type; a type or constraint without a
translation here checks as False, so its rows take the msgspec path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec.inspect as mi
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import ID_PATTERN
from credlens.domain.screen import SAFE_TEXT_PATTERN
from credlens.ingest.columnar.timestamps import Mask

if TYPE_CHECKING:
    from credlens.ingest.columnar.raw import RawColumns

# Python patterns of events.py → RE2 patterns accepting at most the same strings (RE2's `$` without
# the multi-line flag is the end of the text, like Python's `\Z`).
# TRICKY: the e-mail pattern is narrowed to printable ASCII without spaces: Python's `\s` is Unicode
# whitespace, and an address that needs no trimming or Unicode lower-casing gets the same
# pseudonym from Arrow's ascii_lower as from Python's str.strip().lower() (rows.py).
RE2_PATTERNS = {
    r"^[A-Za-z0-9._:\-]{1,128}\Z": r"^[A-Za-z0-9._:\-]{1,128}$",
    r"^[A-Z]{2}\Z": r"^[A-Z]{2}$",
    r"^[A-Za-z0-9.\-]{1,253}\Z": r"^[A-Za-z0-9.\-]{1,253}$",
    r"^\s*[^@\s]+@[^@\s]+\s*\Z": r"^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+$",
    SAFE_TEXT_PATTERN: r"^[^\x00-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}]*$",
}
# Free text (SAFE_TEXT_PATTERN) and ids (ID_PATTERN) are proven only when it holds nothing that might be an e-mail or IP
# address: an "@", two colons, or four dotted numbers; domain/screen.py judges the rest.
MAY_BE_PERSONAL = r"(?s)@|:.*:|\d\.\d+\.\d+\.\d"


def _np(array: pa.Array | pa.ChunkedArray) -> Mask:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def may_be_personal(column: pa.Array) -> Mask:
    """Where a string might hold an e-mail or IP address (a superset of what screen.py refuses)."""
    return _np(pc.match_substring_regex(column, MAY_BE_PERSONAL))


def _none(column: pa.Array) -> Mask:
    return np.zeros(len(column), dtype=bool)


def _string(info: mi.StrType, column: pa.Array) -> Mask:
    if not pa.types.is_string(column.type):
        return _none(column)
    ok = np.ones(len(column), dtype=bool)
    if info.pattern is not None:
        pattern = RE2_PATTERNS.get(info.pattern)
        if pattern is None:
            return _none(column)
        ok &= _np(pc.match_substring_regex(column, pattern))
        if info.pattern in (SAFE_TEXT_PATTERN, ID_PATTERN):
            ok &= ~may_be_personal(column)
    if info.min_length is not None or info.max_length is not None:
        length = np.asarray(pc.fill_null(pc.utf8_length(column), 0).to_numpy(zero_copy_only=False))
        ok &= (length >= (info.min_length or 0)) & (length <= (info.max_length or np.iinfo(np.int64).max))
    return ok


def _literal(info: mi.LiteralType, column: pa.Array) -> Mask:
    if not pa.types.is_string(column.type) or not all(isinstance(v, str) for v in info.values):
        return _none(column)
    return _np(pc.is_in(column, value_set=pa.array(info.values, pa.string())))


def _integer(info: mi.IntType, column: pa.Array) -> Mask:
    if not pa.types.is_int64(column.type) or info.multiple_of is not None:
        return _none(column)
    values = np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False))
    ok = np.ones(len(column), dtype=bool)
    for bound, holds in ((info.ge, values.__ge__), (info.le, values.__le__), (info.gt, values.__gt__)):
        if bound is not None:
            ok &= holds(bound)
    if info.lt is not None:
        ok &= values < info.lt
    return ok


def check(info: mi.Type, column: pa.Array, raw: RawColumns) -> Mask:
    """Where a non-null value of ``column`` is one msgspec accepts for ``info`` (nulls: unspecified)."""
    if isinstance(info, mi.StrType):
        return _string(info, column)
    if isinstance(info, mi.LiteralType):
        return _literal(info, column)
    if isinstance(info, mi.IntType):
        return _integer(info, column)
    if isinstance(info, mi.BoolType):
        return np.full(len(column), pa.types.is_boolean(column.type))
    if isinstance(info, mi.DateTimeType) and info.tz is True:
        return raw.instants_of(column)[0]  # parsed once per column (raw.py)
    return _none(column)
