"""An in-memory set of 64-bit key hashes, so that deduplicating a batch costs O(batch), not O(table).

Sorted NumPy runs hold the bulk (8 bytes a key: 80 MB for 10M events); small recent additions (HTTP
batches) sit in a Python set until there are enough to sort. A hit is only a *candidate*: the caller confirms it
against the stored strings, so a hash collision can never drop an event.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Hashes = npt.NDArray[np.uint64]
MERGE_AT = 500_000  # recent additions become a sorted run once there are more than this many
RUN_FROM = 10_000  # an addition at least this large (a bulk chunk) becomes a sorted run


def key_hash(value: str) -> int:
    """DuckDB's ``md5_number_lower(value)`` computed in Python (tested equal): the folds hash keys in
    SQL, the writer in Python for batches below appends.HASH_IN_SQL_FROM (~0.9 µs a key here), and
    both must agree."""
    return int.from_bytes(hashlib.md5(value.encode()).digest()[8:], "little")  # noqa: S324 - a key hash, not security


def key_hashes(values: list[str | None]) -> pa.Array:
    """``key_hash`` of each value, NULL for NULL, as a UBIGINT column.

    # NOTE: each distinct value hashed once (a batch names a credential ~7 times), the digests'
    # lower halves read by NumPy: measured here, 1.6-2.9 → 1.1-1.6 µs an event for both keys.
    """
    encoded = pa.array(values, pa.string()).dictionary_encode()
    md5 = hashlib.md5
    digests = b"".join([md5(v.encode()).digest() for v in encoded.dictionary.to_pylist()])
    lower = pa.array(np.frombuffer(digests, dtype="<u8")[1::2], pa.uint64())
    return lower.take(encoded.indices)


def event_hashes(events: pa.Table) -> tuple[pa.Array, pa.Array]:
    """The hashes stored with each event: of its id (`id_hash`) and of its credential (`cred_hash`)."""
    return key_hashes(events.column("event_id").to_pylist()), key_hashes(events.column("credential_id").to_pylist())


def distinct_sorted(values: Hashes) -> Hashes:
    """The distinct values in ascending order (what ``np.unique`` returns), by a sort and a mask of
    the values that differ from their left neighbour.

    # NOTE: np.unique (NumPy 2.4) took 13-14 s on 10M hashes here, this ~0.65 s (docs/performance.md).
    """
    ordered = np.sort(np.asarray(values, dtype=np.uint64))
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def merge_runs(left: Hashes, right: Hashes) -> Hashes:
    """Two runs (each sorted and distinct) as one, in one pass over both: no sort of the whole."""
    if not len(left) or not len(right):
        return left if len(right) == 0 else right
    at = np.searchsorted(left, right)
    new = left[at.clip(max=len(left) - 1)] != right
    right, at = right[new], at[new]
    at += np.arange(len(right))  # each value of `right` goes after the `left` values below it and its own kind
    merged = np.empty(len(left) + len(right), dtype=np.uint64)
    from_left = np.ones(len(merged), dtype=bool)
    from_left[at] = False
    merged[at] = right
    merged[from_left] = left
    return merged


class HashSet64:
    """Sorted runs of hashes, largest first, plus a Python set of small recent additions.

    A large addition becomes a run of its own; a run is merged into the one before it once it is at
    least half its size (a binary counter's carries). So each hash is merged O(log n) times, at most
    ~log2(n / RUN_FROM) runs are searched, and the largest run (the store's keys, loaded once) is
    merged only once half as many new keys have arrived, not at every pile-up of a few small runs.
    """

    def __init__(self, initial: Hashes | None = None) -> None:
        self._runs: list[Hashes] = [distinct_sorted(initial)] if initial is not None and len(initial) else []
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs) + len(self._recent)

    @property
    def runs(self) -> int:
        return len(self._runs)

    def contains(self, hashes: Hashes) -> npt.NDArray[np.bool_]:
        """A mask: True where the hash may already be stored."""
        hit = np.zeros(len(hashes), dtype=bool)
        for run in self._runs:
            pos = np.searchsorted(run, hashes).clip(max=len(run) - 1)
            hit |= run[pos] == hashes
        if self._recent:  # NOTE: ~0.2 µs a hash; bulk loads add runs and keep this set small
            recent = self._recent
            hit |= np.fromiter((int(h) in recent for h in hashes), dtype=bool, count=len(hashes))
        return hit

    def add(self, hashes: Hashes) -> None:
        """Add hashes that are not in the set yet (the writer adds the keys it has just stored)."""
        if len(hashes) >= RUN_FROM:
            self._add_run(distinct_sorted(hashes))
            return
        self._recent.update(hashes.tolist())
        if len(self._recent) > MERGE_AT:
            self._add_run(distinct_sorted(np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))))
            self._recent.clear()

    def _add_run(self, run: Hashes) -> None:
        runs = self._runs
        runs.append(run)
        while len(runs) > 1 and 2 * len(runs[-1]) >= len(runs[-2]):
            last = runs.pop()
            runs[-1] = merge_runs(runs[-1], last)
