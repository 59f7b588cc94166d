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


def test_the_interval_of_a_mean_rating_stays_within_1_to_5() -> None:
    """Two ratings of 5 and one of 1: the normal interval reaches past 5 (and below 1); clipped, it stays
    within the ratings' bounds."""
    sample = Sample({5: 2, 1: 1})
    raw = mean_interval(sample)
    assert raw is not None
    assert raw.high > 5 or raw.low < 1
    clipped = mean_interval(sample, (1.0, 5.0))
    assert clipped is not None
    assert 1.0 <= clipped.low <= clipped.estimate <= clipped.high <= 5.0


def test_the_compare_page_clips_the_rating_interval() -> None:
    from credlens.reports import compare  # noqa: PLC0415
    from tests.reports.test_compare import _result  # noqa: PLC0415

    a, b = _result(10, 5, {"5": 2, "1": 1}), _result(10, 5, {"5": 2, "1": 1})
    table = compare.build([("a", "A", a), ("b", "B", b)], "program").table("comparison")
    assert table is not None
    rating = next(row for row in table.rows if row[0].text.startswith("Mean rating"))
    low, high = rating[1].low, rating[1].high
    assert low is not None
    assert high is not None
    assert (max(low, 1.0), min(high, 5.0)) == (low, high)
