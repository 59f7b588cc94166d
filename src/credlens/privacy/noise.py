"""Laplace noise for the peer benchmarks (privacy.md, Benchmarks across issuers).

NumPy's ``Generator(PCG64)`` seeded with 128 bits from ``secrets`` (the OS's CSPRNG) per draw:
a maintained sampler of known quality, and seedable in a test. OpenDP's floating-point-safe Laplace
was considered; see docs/privacy.md for why this one, and what is done about floating-point attacks.
"""

from __future__ import annotations

import math
import secrets

import numpy as np

# Released values are rounded to this grid: the low-order bits of a floating-point Laplace sample are
# what Mironov's attack (2012) reads, and a grid far coarser than them removes them (privacy.md).
GRID = 1e-4


def generator() -> np.random.Generator:
    """A generator seeded from the OS's CSPRNG: nobody can replay or predict its draws."""
    return np.random.Generator(np.random.PCG64(secrets.randbits(128)))


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The scale b = Δ/ε that makes one release ε-differentially private."""
    if not (sensitivity > 0 and epsilon > 0):
        raise ValueError("sensitivity and epsilon must be positive")
    return sensitivity / epsilon


def noisy_rate(value: float, scale: float, rng: np.random.Generator | None = None) -> float:
    """``value`` plus Laplace(0, scale) noise, clamped to [0, 1] and rounded to GRID (post-processing)."""
    drawn = float((rng or generator()).laplace(0.0, scale))
    return round(round(min(1.0, max(0.0, value + drawn)) / GRID) * GRID, 4)


def half_width95(scale: float) -> float:
    """Half the width of the interval holding the noise with probability 0.95: P(|X| > t) = exp(-t/b)."""
    return scale * math.log(20)
