"""An in-memory set of 64-bit key hashes, so that deduplicating a batch costs O(batch), not O(table).

A sorted NumPy array holds the bulk (8 bytes a key: 80 MB for 10M events); recent additions sit in
a Python set until there are enough to merge. A hit is only a *candidate*: the caller confirms it
against the stored strings, so a hash collision can never drop an event.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Hashes = npt.NDArray[np.uint64]
MERGE_AT = 500_000


def key_hash(value: str) -> int:
    """DuckDB's ``md5_number_lower(value)`` computed in Python (tested equal): the folds hash keys in
    SQL, the writer in Python, and both must agree. ~0.9 µs here, against a ~7 ms query per batch."""
    return int.from_bytes(hashlib.md5(value.encode()).digest()[8:], "little")  # noqa: S324 - a key hash, not security


def key_hashes(values: list[str | None]) -> pa.Array:
    """``key_hash`` of each value, NULL for NULL, as a UBIGINT column."""
    return pa.array([None if v is None else key_hash(v) for v in values], pa.uint64())


class HashSet64:
    def __init__(self, initial: Hashes | None = None) -> None:
        self._base: Hashes = np.unique(initial) if initial is not None else np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return len(self._base) + len(self._recent)

    def contains(self, hashes: Hashes) -> npt.NDArray[np.bool_]:
        """A mask: True where the hash may already be stored."""
        hit = np.zeros(len(hashes), dtype=bool)
        if len(self._base):
            pos = np.searchsorted(self._base, hashes).clip(max=len(self._base) - 1)
            hit = self._base[pos] == hashes
        if self._recent:
            recent = self._recent
            hit |= np.fromiter((int(h) in recent for h in hashes), dtype=bool, count=len(hashes))
        return hit

    def add(self, hashes: Hashes) -> None:
        if len(hashes) > MERGE_AT:
            self._merge(hashes)
            return
        self._recent.update(hashes.tolist())
        if len(self._recent) > MERGE_AT:
            self._merge(np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent)))
            self._recent.clear()

    def _merge(self, hashes: Hashes) -> None:
        self._base = np.union1d(self._base, hashes).astype(np.uint64)
