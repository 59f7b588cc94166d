"""Small-cell suppression (privacy.md), as pure functions over breakdown rows.

The metrics runner applies these to every result through ONE function before any surface sees it,
so the screen, the API, the CLI and every export carry exactly the same suppressed cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

Row = dict[str, Any]

DEFAULT_K = 10
MINIMUM_K = 5  # an issuer may raise k, never lower it below this
VERIFIER_CROSSING_MINIMUM = 3


class Rule(Enum):
    NONE = "none"
    SENSITIVE = "sensitive"  # cells of fewer than k distinct recipients, plus the complementary cell
    VERIFIER_CROSSING = "verifier crossing"  # verifier attributes crossed: cells of fewer than 3 verifications


def check_k(k: int) -> int:
    if k < MINIMUM_K:
        raise ValueError(f"the suppression threshold k must be at least {MINIMUM_K} (privacy.md), not {k}")
    return k


def suppressed(row: Row) -> Row:
    """The row as every surface shows a hidden cell: its key, no number."""
    kept: Row = {name: row[name] for name in ("key", "attribute", "name") if name in row}
    return {**kept, "value": None, "suppressed": True}


def suppress_sensitive(rows: list[Row], k: int) -> list[Row]:
    """Hide cells with fewer than ``k`` distinct recipients (``row["recipients"]``).

    Rows sharing an ``attribute`` form one breakdown. When exactly one cell of a breakdown is
    hidden, its next-smallest cell is hidden too: the total is shown elsewhere (unique recipients,
    event totals), so one hidden cell could otherwise be recovered by subtraction.
    """
    out: list[Row] = []
    for group in _groups(rows):
        small = {i for i, row in enumerate(group) if row["recipients"] < k}
        if len(small) == 1 and len(group) > 1:
            others = [i for i in range(len(group)) if i not in small]
            small.add(min(others, key=lambda i: (group[i]["recipients"], group[i]["value"], str(group[i]["key"]))))
        out += [suppressed(row) if i in small else row for i, row in enumerate(group)]
    return out


def suppress_small(rows: list[Row], minimum: int = VERIFIER_CROSSING_MINIMUM) -> list[Row]:
    """Hide cells of fewer than ``minimum`` events, so one verifier cannot be singled out."""
    return [suppressed(row) if row["value"] < minimum else row for row in rows]


def _groups(rows: Iterable[Row]) -> list[list[Row]]:
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.get("attribute"), []).append(row)
    return list(groups.values())
