"""Credential designs (the `design` of credential.issued): one planted difference for insights to find.

SkillStream's "Python for Everyone" is issued in two designs, half each: the Modern design is
shared 3× as often as the Classic one (docs/insights.md, "What the demo shows"), clear at the
small scale's ~250 credentials of each a year; the program's mean share rate is unchanged. A
design is a function of the credential's number, not a draw, so the other issuers' streams are
untouched.
"""

from __future__ import annotations

import numpy as np

from credlens.demo.cohort import Cohort, Setting
from credlens.demo.sampling import FloatArray, IntArray

# program id → its designs: (id, name, share multiplier); each design gets an equal share of the awards.
PLANTED: dict[str, tuple[tuple[str, str, float], ...]] = {
    "ss-python": (("ss-classic", "Classic", 0.5), ("ss-modern", "Modern", 1.5)),
}
_GOLDEN = 0x9E3779B1  # Knuth's multiplicative hash: credential numbers spread evenly over designs


def assigned(setting: Setting, cohort: Cohort) -> IntArray:
    """Each credential's design index in its program's PLANTED list, or -1 without a design."""
    out = np.full(cohort.size, -1, dtype=np.int64)
    serials = np.arange(cohort.first_serial, cohort.first_serial + cohort.size, dtype=np.uint64)
    spread = (serials * np.uint64(_GOLDEN)) % np.uint64(2**32)
    for program, designs in PLANTED.items():
        if program in setting.programs.ids:
            rows = cohort.program == setting.programs.ids.index(program)
            out[rows] = (spread[rows] * np.uint64(len(designs)) >> np.uint64(32)).astype(np.int64)
    return out


def share_multiplier(setting: Setting, cohort: Cohort) -> FloatArray:
    """Each credential's share-rate multiplier from its design (1.0 without one)."""
    index, out = assigned(setting, cohort), np.ones(cohort.size)
    for program, designs in PLANTED.items():
        if program in setting.programs.ids:
            rows = cohort.program == setting.programs.ids.index(program)
            multipliers = np.array([m for _, _, m in designs])
            out[rows] = multipliers[index[rows]]
    return out


def objects_for(setting: Setting, cohort: Cohort) -> list[dict[str, str] | None]:
    """The `design` object of each credential's credential.issued, or None."""
    index = assigned(setting, cohort)
    out: list[dict[str, str] | None] = [None] * cohort.size
    for row in np.flatnonzero(index >= 0).tolist():
        program = setting.programs.ids[int(cohort.program[row])]
        design_id, name, _ = PLANTED[program][int(index[row])]
        out[row] = {"id": design_id, "name": name}
    return out
