"""Intervals for rates and differences, checked against published values."""

from __future__ import annotations

import pytest

from credlens.reports.intervals import Sample, mean_difference, mean_interval, rate_difference, wilson


def test_wilson_matches_the_published_example() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662
    interval = wilson(81, 263)
    assert interval is not None
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)


def test_wilson_at_the_edges_and_without_trials() -> None:
    zero = wilson(0, 10)
    assert zero is not None
    assert zero.low == 0.0
    assert round(zero.high, 4) == 0.2775  # Wilson 0/10
    assert wilson(0, 0) is None


def test_newcombe_difference_matches_the_published_example() -> None:
    # Newcombe (1998), table II, example (a): 56/70 − 48/80 -> 0.0524 to 0.3339 (method 10)
    interval = rate_difference((56, 70), (48, 80))
    assert interval is not None
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)
    assert not interval.within_noise


def test_a_small_difference_on_small_groups_is_within_noise() -> None:
    interval = rate_difference((5, 20), (4, 20))
    assert interval is not None
    assert interval.estimate == pytest.approx(0.05)
    assert interval.within_noise
    assert rate_difference((1, 0), (1, 2)) is None


def test_mean_intervals_from_a_rating_distribution() -> None:
    low = Sample({1: 10, 2: 10})  # mean 1.5, sample variance 20 × 0.25 / 19
    high = Sample({4: 10, 5: 10})  # mean 4.5
    interval = mean_interval(low)
    assert interval is not None
    assert interval.estimate == 1.5
    half = 1.959963984540054 * (5 / 19 / 20) ** 0.5
    assert interval.low == pytest.approx(1.5 - half)
    difference = mean_difference(high, low)
    assert difference is not None
    assert difference.estimate == 3.0
    assert not difference.within_noise
    assert mean_difference(Sample({5: 1}), low) is None  # one rating has no variance
