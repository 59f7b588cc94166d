"""The two-proportion test's chi-square branch equals `scipy.stats.chi2_contingency` to the last bit."""

from __future__ import annotations

import random

from scipy.stats import binomtest, chi2_contingency

from credlens.insights.statistics import pearson, two_proportions, wilson


def test_pearson_equals_chi2_contingency_to_the_last_bit() -> None:
    rng = random.Random(15)
    sizes = ((30, 200), (30, 5_000), (1_000, 10_000_000))
    tested = 0
    while tested < 3_000:
        n1, n2 = (rng.randint(*rng.choice(sizes)) for _ in range(2))
        x1, x2 = rng.randint(0, n1), rng.randint(0, n2)
        if x1 + x2 in (0, n1 + n2):
            continue  # an empty column: no test (two_proportions returns None)
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        assert pearson(table) == float(chi2_contingency(table, correction=False).pvalue), table
        tested += 1


def test_two_proportions_takes_the_chi_square_where_every_expected_cell_is_5_or_more() -> None:
    table = [[30, 70], [45, 55]]
    assert two_proportions(30, 100, 45, 100) == float(chi2_contingency(table, correction=False).pvalue)
    assert two_proportions(0, 40, 0, 50) is None


def test_the_wilson_interval_is_binomtests_whatever_the_tested_rate() -> None:
    rng = random.Random(16)
    for _ in range(500):
        n = rng.randint(1, 100_000)
        x = rng.randint(0, n)
        interval = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson(x, n) == [round(float(interval.low), 6), round(float(interval.high), 6)], (x, n)
