"""The tests insights use, all from SciPy (docs/insights.md, "Statistics"): no hand-written p-values.

Two proportions: Fisher's exact test when an expected cell of the 2×2 table is below 5 (where the
chi-square approximation is poor), else Pearson's chi-square without continuity correction, which
is accurate there and costs the same at a million credentials as at a hundred. Its statistic is
summed here as `chi2_contingency` sums it and its p-value is the same SciPy function's
(`special.chdtrc`): equal to the last bit (tests/insights/test_statistics.py), without the
per-call array checks that made it most of a dashboard's `find` (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy.special import chdtrc
from scipy.stats import binomtest, false_discovery_control, fisher_exact

SMALL_EXPECTED = 5


def two_proportions(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value that x1/n1 and x2/n2 come from one rate; None when both rates are 0 (or both
    1): nothing can differ, so it is no test, and the correction does not count it."""
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    total, hits = n1 + n2, x1 + x2
    if hits in (0, total):
        return None
    expected = min(n * share for n in (n1, n2) for share in (hits / total, 1 - hits / total))
    if expected < SMALL_EXPECTED:
        return float(fisher_exact(table).pvalue)
    return pearson(table)


def pearson(table: list[list[int]]) -> float:
    """``chi2_contingency(table, correction=False).pvalue`` of a 2×2 table with no empty row or
    column: the sum of (observed − expected)² / expected over its cells, in its order, and the
    chi-square survival function at 1 degree of freedom."""
    rows = [sum(row) for row in table]
    columns = [table[0][j] + table[1][j] for j in (0, 1)]
    total = float(sum(rows))
    statistic = 0.0
    for row, count in zip(table, rows, strict=True):
        for observed, column in zip(row, columns, strict=True):
            expected = count * column / total
            statistic += (observed - expected) * (observed - expected) / expected
    return float(chdtrc(1, statistic))


def two_counts(now: int, before: int, days_now: int, days_before: int) -> float:
    """Two-sided p-value that two Poisson counts over windows of these lengths share one daily rate:
    conditional on their sum, the first is binomial with the first window's share of the days."""
    total = now + before
    if total == 0:
        return 1.0
    return float(binomtest(now, total, days_now / (days_now + days_before)).pvalue)


def at_least(x: int, n: int, rate: float) -> float:
    """One-sided p-value that x of n is below ``rate`` by chance (small x: evidence the true rate is lower)."""
    return float(binomtest(x, n, rate, alternative="less").pvalue)


def above_chance(x: int, n: int, rate: float) -> float:
    """One-sided p-value that x of n is above ``rate`` by chance."""
    return float(binomtest(x, n, rate, alternative="greater").pvalue)


def wilson(x: int, n: int) -> list[float]:
    """The 95 % Wilson score interval of x / n, rounded like every rate (6 places). It depends on
    x and n alone; the test is asked at p = x / n, whose p-value (1) costs one probability instead
    of a search."""
    interval = binomtest(x, n, x / n if n > 0 else 0.5).proportion_ci(confidence_level=0.95, method="wilson")
    return [round(float(interval.low), 6), round(float(interval.high), 6)]


def adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg q-values of one run's tests, taken together."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(list(p_values), method="bh")]


@dataclass(frozen=True)
class Interval:
    """The 95 % Wilson interval of x / n, computed only for the findings kept (``binomtest`` computes a
    p-value with it: ~2 ms each, most of a run's time when every candidate had one). With
    ``days`` (window, comparison window), x / n is the window's share of two counts, and the bounds
    become the ratio of the two daily rates."""

    x: int
    n: int
    days: tuple[int, int] | None = None

    def bounds(self) -> list[float | None]:
        low, high = wilson(self.x, self.n)
        if self.days is None:
            return [low, high]
        now, before = self.days
        return [round(v / (1 - v) * before / now, 6) if v < 1 else None for v in (low, high)]
