"""The writer's key hashes and hash sets."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from credlens.store.keyindex import HashSet64, key_hash, key_hashes


@given(st.lists(st.text(min_size=1, max_size=128), min_size=1, max_size=50))
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
    chunks = [np.arange(i * 20_000, (i + 1) * 20_000, dtype=np.uint64) for i in range(12)]  # > MAX_RUNS
    for chunk in chunks:
        index.add(chunk)
    index.add(np.array([10**9], dtype=np.uint64))
    probe = np.array([0, 239_999, 240_000, 10**9, 10**9 + 1], dtype=np.uint64)
    assert index.contains(probe).tolist() == [True, True, False, True, False]
    assert len(index) == 240_001
