"""The writer's key hashes and hash sets."""

from __future__ import annotations

import tracemalloc

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.store.keyindex import RUN_FROM, HashSet64, distinct_sorted, key_hash, key_hashes, merge_runs


@given(st.lists(st.text(min_size=1, max_size=128), min_size=1, max_size=50))
@settings(deadline=None)  # a DuckDB query per example: 200 ms is too tight on a loaded machine
def test_key_hash_equals_duckdbs_md5_number_lower(values: list[str]) -> None:
    con = duckdb.connect()
    expected = [row[0] for row in con.execute("SELECT md5_number_lower(v) FROM unnest(?) t(v)", [values]).fetchall()]
    assert [key_hash(v) for v in values] == expected
    con.close()


def test_key_hashes_keep_nulls() -> None:
    assert key_hashes(["a", None]).to_pylist() == [key_hash("a"), None]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "é", ""]), st.text(max_size=20)), max_size=40))
def test_key_hashes_of_a_batch_with_repeats_are_each_values_hash(values: list[str | None]) -> None:
    hashes = key_hashes(values)
    assert hashes.type == pa.uint64()
    assert hashes.to_pylist() == [None if v is None else key_hash(v) for v in values]


def test_hash_set_finds_what_was_added_in_bulk_and_one_by_one() -> None:
    index = HashSet64(np.array([5, 1, 3], dtype=np.uint64))
    index.add(np.array([7], dtype=np.uint64))
    index.add(np.arange(1000, 600_000, dtype=np.uint64))  # large: merged into the sorted base
    probe = np.array([1, 2, 3, 7, 8, 1000, 599_999, 600_000], dtype=np.uint64)
    assert index.contains(probe).tolist() == [True, False, True, True, False, True, True, False]
    assert len(index) == 3 + 1 + 599_000


def test_hash_set_keeps_bulk_chunks_as_runs_and_merges_them() -> None:
    index = HashSet64()
    chunks = [np.arange(i * 20_000, (i + 1) * 20_000, dtype=np.uint64) for i in range(12)]
    for chunk in chunks:
        index.add(chunk)
    index.add(np.array([10**9], dtype=np.uint64))
    probe = np.array([0, 239_999, 240_000, 10**9, 10**9 + 1], dtype=np.uint64)
    assert index.contains(probe).tolist() == [True, True, False, True, False]
    assert len(index) == 240_001


_HASHES = st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=300)


@given(_HASHES)
def test_distinct_sorted_is_what_np_unique_returned(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    result = distinct_sorted(array)
    assert result.dtype == np.uint64
    assert result.tolist() == np.unique(array).tolist()


@given(_HASHES, _HASHES)
def test_merge_runs_is_the_distinct_sorted_union(left: list[int], right: list[int]) -> None:
    a, b = np.unique(np.array(left, dtype=np.uint64)), np.unique(np.array(right, dtype=np.uint64))
    assert merge_runs(a, b).tolist() == np.unique(np.concatenate([a, b])).tolist()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5_000), max_size=40), max_size=30))
def test_hash_set_holds_exactly_what_was_added(additions: list[list[int]]) -> None:
    index = HashSet64(np.array(additions[0], dtype=np.uint64)) if additions else HashSet64()
    added = set(additions[0]) if additions else set()
    for values in additions[1:]:
        # the writer adds keys it did not store yet; a large addition becomes a run, a small one
        # joins the recent set: make both kinds
        hashes = np.array([v for v in dict.fromkeys(values) if v not in added], dtype=np.uint64)
        if len(values) % 2:
            hashes = np.concatenate([hashes, np.arange(10**12, 10**12 + RUN_FROM, dtype=np.uint64) + len(added)])
        index.add(hashes)
        added |= set(hashes.tolist())
    probe = np.array([*added, 1, 2, 3, 5_001, 2**64 - 2], dtype=np.uint64)
    assert index.contains(probe).tolist() == [int(h) in added for h in probe]
    assert len(index) == len(added)
    assert index.runs <= max(1, len(added) // RUN_FROM).bit_length() + 1


def test_adding_small_runs_does_not_rebuild_the_stored_keys() -> None:
    """Issue 14: each pile-up of runs re-sorted every stored key, in the writer's thread (seconds at
    10M). Adding runs now moves memory in proportion to them, not to the set; NumPy's buffers are
    traced, so the peak of traced memory shows a copy of the 16 MB of stored keys."""
    index = HashSet64(np.arange(0, 4_000_000, 2, dtype=np.uint64) * 7_919)
    runs = [np.arange(1, 2 * RUN_FROM, 2, dtype=np.uint64) * 7_919 + i * 10**9 for i in range(12)]
    tracemalloc.start()
    try:
        for run in runs:
            index.add(run)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000
    assert len(index) == 2_000_000 + 12 * RUN_FROM
    assert index.contains(runs[-1]).all()
