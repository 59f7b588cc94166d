"""Sensitive breakdowns keep their hidden cells' names, so each hidden cell holds at least 1 recipient:
hidden cells of 1 each would be given by the total less the shown cells (issue 14, a sibling of item 3)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from credlens.privacy.suppression import suppress_sensitive


def gender(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"attribute": "gender", "key": key, "value": n, "recipients": n} for key, n in counts.items()]


def hidden_range(counts: dict[str, int], k: int) -> tuple[int, int, int]:
    """What a reader knows of the hidden cells: how many, and the range [1, most] of each one."""
    rows = suppress_sensitive(gender(counts), k)
    shown = sum(r["value"] for r in rows if not r.get("suppressed"))
    hidden = sum(1 for r in rows if r.get("suppressed"))
    rest = sum(counts.values()) - shown  # `unique_recipients` is released
    return hidden, 1, rest - (hidden - 1)


def test_two_hidden_cells_of_one_recipient_are_not_given_by_the_total() -> None:
    hidden, least, most = hidden_range({"female": 20, "male": 12, "non_binary": 1, "zq-rare": 1}, 10)
    assert hidden == 3  # male is hidden too
    assert most > least


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(1, 30), min_size=2, max_size=6))
def test_no_hidden_sensitive_cell_is_pinned_down(counts: dict[str, int]) -> None:
    hidden, least, most = hidden_range(counts, 10)
    assert hidden != 1
    if hidden and hidden < len(counts):
        assert most > least
