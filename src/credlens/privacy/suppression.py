"""Small-cell suppression (privacy.md), as pure functions over breakdown rows.

The metrics runner applies these to every result through ONE function before any surface sees it,
so the screen, the API, the CLI and every export carry exactly the same suppressed cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

Row = dict[str, Any]
Cell = tuple[Any, Any]  # a crossing's cell: its value on each of the two axes

DEFAULT_K = 10
MINIMUM_K = 5  # an issuer may raise k, never lower it below this
VERIFIER_CROSSING_MINIMUM = 3
HIDDEN_CELLS = "other segments"  # the one row standing for a crossing's hidden cells, which are not named


class Rule(Enum):
    NONE = "none"
    SENSITIVE = "sensitive"  # cells of fewer than k distinct recipients, plus the complementary cell
    VERIFIER_CROSSING = "verifier crossing"  # verifier attributes crossed: cells below 3 verifications, complements


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
    event totals), so one hidden cell could otherwise be recovered by subtraction. Hidden cells keep
    their names, so each holds at least 1: hidden cells of 1 recipient each would be given by their
    sum (the total less the shown cells), and the next-smallest is hidden until they are not.
    """
    out: list[Row] = []
    for group in _groups(rows):
        small = {i for i, row in enumerate(group) if row["recipients"] < k}
        others = sorted(
            (i for i in range(len(group)) if i not in small),
            key=lambda i: (group[i]["recipients"], group[i]["value"], str(group[i]["key"])),
        )
        while others and (len(small) == 1 or (small and sum(group[i]["recipients"] for i in small) == len(small))):
            small.add(others.pop(0))
        out += [suppressed(row) if i in small else row for i, row in enumerate(group)]
    return out


def suppress_crossing(rows: list[Row], axes: tuple[str, str], minimum: int = VERIFIER_CROSSING_MINIMUM) -> list[Row]:
    """A crossing of two verifier attributes (``axes``, each row's value on them) with its hidden
    cells left out, and one row `HIDDEN_CELLS` (no number) standing for them when there are any.

    Hidden cells are not named: a name would say that someone of that segment verified, and would
    tell a reader that every other unshown segment is 0. Which cells are hidden: `hide_crossing`.
    """
    values = {(row[axes[0]], row[axes[1]]): int(row["value"]) for row in rows}
    hidden = hide_crossing(values, minimum)
    shown = [row for row in rows if (row[axes[0]], row[axes[1]]) not in hidden]
    return shown + ([{"key": HIDDEN_CELLS, "value": None, "suppressed": True}] if hidden else [])


def hide_crossing(values: dict[Cell, int], minimum: int = VERIFIER_CROSSING_MINIMUM) -> set[Cell]:
    """The cells of a two-way table of counts to hide, knowing that its margins are released (the
    rows' totals, the columns' totals, the grand total: by industry, by size, `verifications`) and
    that hidden cells are not named.

    Cells below ``minimum`` are hidden (primary). Then every hidden cell (a, b) gets hidden *partners*
    (a', b'), in another row and another column, whose corners (a, b') and (a', b) show no number
    either, holding together at least its value if it is primary, at least 1 otherwise; a missing
    partner is made by hiding the fewest counts. Moving that much from (a, b) and from the partners
    to the corners gives another table that agrees with every released number: a primary cell could
    as well be 0, no hidden cell is pinned down (docs/privacy.md). The rule "a line with one hidden
    cell hides another" is not needed on top: a cell's partner puts a second unshown position with
    something left in each of its lines. When a cell cannot get partners (every other cell lies in
    its row or its column), every cell is hidden: the crossing then tells nothing the margins do not.
    """
    primary = {cell for cell, value in values.items() if value < minimum}
    hidden = set(primary)
    changed = bool(hidden)
    while changed:  # hiding a partner's corners may hide cells that need partners in turn
        changed = False
        for cell in sorted(hidden, key=lambda c: (values[c], str(c))):
            while not _covered(values, hidden, cell, values[cell] if cell in primary else 1):
                extra = _cheapest_partner(values, hidden, cell)
                if extra is None:
                    return set(values)
                hidden |= extra
                changed = True
    return hidden


def _unshown(values: dict[Cell, int], hidden: set[Cell], cell: Cell) -> bool:
    """Whether a reader sees no number for this position (a hidden cell, or no cell at all)."""
    return cell not in values or cell in hidden


def _covered(values: dict[Cell, int], hidden: set[Cell], cell: Cell, need: int) -> bool:
    """Whether ``need`` of ``cell``'s count can move to unshown corners through hidden partners."""
    a, b = cell
    held = 0
    for pa, pb in hidden:
        if pa != a and pb != b and _unshown(values, hidden, (a, pb)) and _unshown(values, hidden, (pa, b)):
            held += values[(pa, pb)]
            if held >= need:
                return True
    return False


def _cheapest_partner(values: dict[Cell, int], hidden: set[Cell], cell: Cell) -> set[Cell] | None:
    """The shown cells to hide so that one more cell becomes ``cell``'s partner, fewest counts first."""
    a, b = cell
    best: tuple[tuple[int, int, str], set[Cell]] | None = None
    for pa, pb in values:
        if pa == a or pb == b:
            continue
        need = {c for c in ((pa, pb), (a, pb), (pa, b)) if c in values and c not in hidden}
        if not need:  # a partner already (counted by _covered)
            continue
        cost = (sum(values[c] for c in need), len(need), str((pa, pb)))
        if best is None or cost < best[0]:
            best = (cost, need)
    return None if best is None else best[1]


def _groups(rows: Iterable[Row]) -> list[list[Row]]:
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.get("attribute"), []).append(row)
    return list(groups.values())
