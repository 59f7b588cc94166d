"""Calibration and power of the insight engine over many seeds (issue 16; docs/insights.md).

`python bench/insights.py [--seeds 400]` draws metric results at random, as the fast subset in
tests/insights/test_calibration.py does (40 seeds), and prints:
- calibration: the share of runs reporting any program or change insight when every program, in
  both windows, is drawn from the same rates (5 programs of 200 credentials); target ~5 %;
- power: the share of runs finding share 25 % against 10 % (200 credentials each), with the share
  rate alone and with every other rate drawn alike (12 tests in the correction); target >= 95 %.
Figures with their 95 % Wilson intervals, never assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' result generator

from tests.insights.test_calibration import false_run, planted_found

from credlens.insights.statistics import wilson


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=400)
    seeds = range(parser.parse_args().seeds)
    for label, trial in (
        ("calibration: runs with a false program/change insight", false_run),
        ("power: 25 % vs 10 % found, share rate alone", planted_found),
        ("power: 25 % vs 10 % found, with the other rates", lambda s: planted_found(s, others=True)),
    ):
        start = time.perf_counter()
        hits = sum(trial(seed) for seed in seeds)
        lo, hi = wilson(hits, len(seeds))
        took = time.perf_counter() - start
        print(f"{label}: {hits}/{len(seeds)} = {hits / len(seeds):.1%} (95 % CI {lo:.1%}-{hi:.1%}; {took:.1f} s)")


if __name__ == "__main__":
    main()
