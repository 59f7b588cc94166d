"""Random draws shared by the demo modules: array types, delays, weighted picks and split rates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ObjArray = NDArray[np.object_]

MINUTE = 60
HOUR = 3_600
DAY = 86_400
NEVER = np.iinfo(np.int64).max


def delays(rng: np.random.Generator, median_s: float | FloatArray, sigma: float | FloatArray, n: int) -> IntArray:
    """Log-normal delays in whole seconds (at least one second) with the given median(s)."""
    draws = median_s * np.exp(sigma * rng.standard_normal(n))
    return np.maximum(draws, 1.0).astype(np.int64)


def pick(rng: np.random.Generator, weights: Sequence[float] | FloatArray, n: int) -> IntArray:
    """Indices into ``weights`` drawn with probability proportional to them."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def pick_rows(rng: np.random.Generator, table: FloatArray, rows: IntArray) -> IntArray:
    """For each entry of ``rows``, a column index of ``table`` drawn with that row's weights."""
    return inverse_cdf_rows(table, rows, rng.random(len(rows)))


def inverse_cdf(weights: FloatArray, u: FloatArray) -> IntArray:
    """The index of ``weights`` each uniform in ``u`` falls on (a weighted pick from given uniforms)."""
    cumulative = np.cumsum(weights) / weights.sum()
    index: IntArray = np.searchsorted(cumulative, u, side="right").astype(np.int64)
    return np.minimum(index, len(weights) - 1)


def inverse_cdf_rows(table: FloatArray, rows: IntArray, u: FloatArray) -> IntArray:
    """Like ``inverse_cdf``, with each uniform using the weights of its row of ``table``."""
    cumulative = np.cumsum(table, axis=1) / table.sum(axis=1, keepdims=True)
    index: IntArray = (u[:, None] >= cumulative[rows]).sum(axis=1).astype(np.int64)
    capped: IntArray = np.minimum(index, table.shape[1] - 1)
    return capped


def labels(values: Sequence[str], index: IntArray) -> ObjArray:
    """The strings of ``values`` at ``index``, as an object array."""
    return np.asarray(values, dtype=object)[index]


def objects(values: Sequence[object]) -> ObjArray:
    """A one-dimensional object array of ``values`` (dicts stay whole)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def constant(value: object, n: int) -> ObjArray:
    """An object array repeating ``value``."""
    return np.full(n, value, dtype=object)


def split_rate(total: FloatArray, group: FloatArray, inside: float) -> tuple[FloatArray, FloatArray]:
    """Per-item probabilities inside and outside a group that keep the overall rate at ``total``.

    ``group`` is each item's probability of being in the group and ``inside`` the share of the
    events expected to fall inside it (e.g. 90 % of shares come after a recorded owner view).
    """
    p_in = np.clip(total * inside / np.maximum(group, 1e-9), 0.0, 1.0)
    p_out = np.clip((total - group * p_in) / np.maximum(1.0 - group, 1e-9), 0.0, 1.0)
    return p_in, p_out


def counts(rng: np.random.Generator, mask: BoolArray, extra_mean: float) -> IntArray:
    """How many times each item happens: 0 outside ``mask``, else 1 plus a geometric extra."""
    extra = rng.geometric(1.0 / (1.0 + extra_mean), len(mask)) - 1
    return np.where(mask, 1 + extra, 0).astype(np.int64)


def expand(rng: np.random.Generator, mask: BoolArray, extra_mean: float) -> tuple[IntArray, BoolArray]:
    """One row per occurrence (see ``counts``): the item index and whether it is the item's first."""
    per_item = counts(rng, mask, extra_mean)
    rows = np.repeat(np.arange(len(mask), dtype=np.int64), per_item)
    first = np.zeros(len(rows), dtype=np.bool_)
    first[(np.cumsum(per_item) - per_item)[per_item > 0]] = True
    return rows, first
