"""A reader who knows only what a release of the metrics shows, trying to work out a verifier crossing.

Written from docs/privacy.md, independently of the suppression code: the reader sees the crossing's
shown cells, its hidden cells' names if the release names them, and every released margin of the same
window (by industry, by size, the industry trend's totals, `verifications`). From those it computes,
for each cell it cannot see, the smallest value that every released number allows (a maximum flow:
the table is a transportation problem, whose bounds are exact in integers).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

Cell = tuple[str, str]
SEP = " × "


def margins(metrics: dict[str, Any]) -> tuple[dict[str, int], dict[str, int], int]:
    """The released margins of industry × size: by industry (the breakdown and the trend's totals
    must agree), by size, and the grand total (which must agree with both)."""
    rows = {r["key"]: r["value"] for r in metrics["verifications_by_industry"]["rows"]}
    if "verifications_by_industry_trend" in metrics:
        trend = {r["key"]: r["value"] for r in metrics["verifications_by_industry_trend"]["rows"]}
        assert trend == rows
    columns = {r["key"]: r["value"] for r in metrics["verifications_by_size"]["rows"]}
    total = metrics["verifications"]["value"]
    assert sum(rows.values()) == sum(columns.values()) == total
    return rows, columns, total


def seen(metrics: dict[str, Any]) -> tuple[dict[Cell, int], set[Cell], bool]:
    """The crossing's shown cells, its hidden cells named by the release, and whether some hidden
    cells go unnamed (a reader must then consider every position it sees no number for)."""
    shown: dict[Cell, int] = {}
    named: set[Cell] = set()
    unnamed = False
    for row in metrics["employer_segments"]["rows"]:
        if SEP not in row["key"]:
            assert row.get("suppressed"), row  # the row standing for unnamed cells
            assert row["value"] is None, row
            unnamed = True
            continue
        industry, size = row["key"].split(SEP)
        if row.get("suppressed"):
            assert row["value"] is None, row
            assert set(row) <= {"key", "value", "suppressed", "change"}, row
            named.add((industry, size))
        else:
            shown[(industry, size)] = row["value"]
    return shown, named, unnamed


def lowest(metrics: dict[str, Any], cell: Cell) -> int:
    """The smallest count of ``cell`` consistent with every released number of ``metrics``."""
    rows, columns, _ = margins(metrics)
    shown, named, unnamed = seen(metrics)
    if cell in shown:
        return shown[cell]
    # positions that may hold verifications: named hidden cells (at least 1 each: a name says so) and,
    # when some hidden cells go unnamed, every position the reader sees no number for (at least 0)
    floor = dict.fromkeys(named, 1)
    if unnamed:
        for position in ((i, j) for i in rows for j in columns):
            if position not in shown:
                floor.setdefault(position, 0)
    if cell not in floor:
        return 0  # neither shown nor possible: the release says it is 0
    left_rows = {i: rows[i] - sum(v for (a, _), v in shown.items() if a == i) for i in rows}
    left_columns = {j: columns[j] - sum(v for (_, b), v in shown.items() if b == j) for j in columns}
    for (i, j), least in floor.items():
        left_rows[i] -= least
        left_columns[j] -= least
    needed = sum(left_rows.values())
    assert needed == sum(left_columns.values())
    assert min([*left_rows.values(), *left_columns.values(), 0]) == 0
    graph = nx.DiGraph()
    for i, amount in left_rows.items():
        graph.add_edge("source", ("row", i), capacity=amount)
    for j, amount in left_columns.items():
        graph.add_edge(("column", j), "sink", capacity=amount)
    for i, j in floor:
        if (i, j) != cell:
            graph.add_edge(("row", i), ("column", j), capacity=needed)
    graph.add_nodes_from(["source", "sink"])
    # what cannot go around the cell must go through it
    return floor[cell] + needed - int(nx.maximum_flow_value(graph, "source", "sink"))


def recovered_by_subtraction(metrics: dict[str, Any]) -> list[tuple[Cell, int]]:
    """Cells a reader gets by subtracting a line's shown cells from its released total, when exactly
    one position of that line can hold the rest (a named hidden cell, or an unshown position whose
    other line has something left)."""
    rows, columns, _ = margins(metrics)
    shown, named, unnamed = seen(metrics)
    left_rows = {i: rows[i] - sum(v for (a, _), v in shown.items() if a == i) for i in rows}
    left_columns = {j: columns[j] - sum(v for (_, b), v in shown.items() if b == j) for j in columns}
    found = []
    for axis, totals, others in ((0, left_rows, left_columns), (1, left_columns, left_rows)):
        for line, rest in totals.items():
            if rest <= 0:
                continue
            candidates = [c for c in named if c[axis] == line]
            if unnamed:
                candidates = [
                    (line, o) if axis == 0 else (o, line)
                    for o, left in others.items()
                    if left > 0 and ((line, o) if axis == 0 else (o, line)) not in shown
                ]
            if len(candidates) == 1:
                found.append((candidates[0], rest))
    return found
