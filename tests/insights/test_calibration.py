"""Calibration and power on metric results drawn at random (a fixed, fast subset; the full sweep
of 200+ seeds is bench/insights.py)."""

from __future__ import annotations

import numpy as np

from credlens.insights.engine import find
from tests.insights.results import drawn, result

SEEDS = range(40)
FIVE = {f"p{k}": 200 for k in range(5)}
PROGRAM_OR_CHANGE = ("program_above_average", "program_below_average", "changed_since_previous")


def false_run(seed: int) -> bool:
    """Whether a run with no true difference (every program, both windows, the same rates) reports any."""
    rng = np.random.default_rng(seed)
    found = find(result(drawn(rng, FIVE), drawn(rng, FIVE)))
    return any(i["kind"] in PROGRAM_OR_CHANGE for i in found)


def planted_found(seed: int, others: bool = False) -> bool:
    """Whether share 25 % against 10 % (200 credentials each) comes out as an insight about program b:
    the share rate alone, or (``others``) with every other rate drawn alike in both programs, which
    makes 12 tests of the correction instead of 2 (bench/insights.py measures both)."""
    rng = np.random.default_rng(seed)
    base = {} if others else {"opened": 0.0, "shared_linkedin": 0.0, "profile_added": 0.0, "verified": 0.0}
    planted = {"a": {**base, "shared": 0.10}, "b": {**base, "shared": 0.25}}
    now = drawn(rng, {"a": 200, "b": 200}, planted, enrollments=100 if others else 0)
    found = find(result(now))
    return any(i["kind"] == "program_above_average" and i["subject"] == {"program": "b"} for i in found)


def test_calibration_no_true_difference_rarely_reports_one() -> None:
    false = sum(false_run(seed) for seed in SEEDS)
    assert false <= 3  # ≤ 7.5 % of these 40 seeds (bench/insights.py: 200+ seeds, ~5 %)


def test_power_planted_share_difference_is_found() -> None:
    found = sum(planted_found(seed) for seed in SEEDS)
    assert found >= 38  # ≥ 95 %
