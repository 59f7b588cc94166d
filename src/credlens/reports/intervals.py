"""95 % intervals for rates and for differences of rates or means, and the "within noise" marker.

Rates: the Wilson score interval (good at small counts and near 0 or 1, unlike the normal
approximation). Differences of two rates: Newcombe's hybrid score interval (method 10 of
Newcombe 1998), built from the two Wilson intervals. Means of 1–5 ratings: a normal interval
from the ratings' own variance, and Welch's for a difference. A difference whose interval contains
0 is **within noise**: the data cannot tell the two groups apart at the 95 % level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z = 1.959963984540054  # the 97.5th percentile of the standard normal
WITHIN_NOISE = "within noise"


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def within_noise(self) -> bool:
        """For a difference: its interval contains 0."""
        return self.low <= 0 <= self.high


def wilson(successes: int, trials: int) -> Interval | None:
    """The Wilson score interval of successes / trials; None when there are no trials."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = Z * Z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def rate_difference(group: tuple[int, int], baseline: tuple[int, int]) -> Interval | None:
    """Newcombe's interval for rate(group) − rate(baseline); None if either has no trials."""
    a, b = wilson(*group), wilson(*baseline)
    if a is None or b is None:
        return None
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, low, high)


@dataclass(frozen=True)
class Sample:
    """A distribution of values (e.g. ratings) as {value: count}."""

    counts: dict[int, int]

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        return sum(v * c for v, c in self.counts.items()) / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        mean = self.mean
        if mean is None or self.n < 2:
            return None
        return sum(c * (v - mean) ** 2 for v, c in self.counts.items()) / (self.n - 1)


def mean_interval(sample: Sample, bounds: tuple[float, float] | None = None) -> Interval | None:
    """The normal 95 % interval of the mean, clipped to ``bounds`` when the values have them (a mean
    of 1-5 ratings is never below 1 or above 5, whatever the normal approximation says)."""
    mean, variance = sample.mean, sample.variance
    if mean is None or variance is None:
        return None
    half = Z * math.sqrt(variance / sample.n)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    return Interval(mean, low, high)


def mean_difference(group: Sample, baseline: Sample) -> Interval | None:
    """Welch's interval (normal quantile) for mean(group) − mean(baseline)."""
    if group.mean is None or baseline.mean is None or group.variance is None or baseline.variance is None:
        return None
    d = group.mean - baseline.mean
    half = Z * math.sqrt(group.variance / group.n + baseline.variance / baseline.n)
    return Interval(d, d - half, d + half)
