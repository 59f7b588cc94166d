"""Verifier crossings cannot be worked out from the released totals (docs/privacy.md, issue 14 item 3).

Every check goes through `tests/privacy/adversary.py`: a reader who sees a release (the crossing and
every margin it shares: by industry, by size, the industry trend, `verifications`) subtracts, and then
computes the least value each hidden cell can have. A hidden cell of fewer than 3 verifications must
be able to be 0 (nobody of that segment need have verified), and no hidden cell may be pinned down.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.cli.demo import build_demo
from credlens.domain.query import Query, parse_query
from credlens.metrics.runner import compute, protect, run
from credlens.privacy.suppression import HIDDEN_CELLS, VERIFIER_CROSSING_MINIMUM
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.privacy.adversary import Cell, lowest, recovered_by_subtraction, seen

# the crossing and every breakdown sharing one of its margins
SHARED = frozenset(
    {
        "employer_segments",
        "verifications_by_industry",
        "verifications_by_size",
        "verifications_by_industry_trend",
        "verifications",
    }
)
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")


def truth_of(metrics: dict[str, Any]) -> dict[Cell, int]:
    """The crossing's cells before suppression."""
    return {(r["industry"], r["size"]): r["value"] for r in metrics["employer_segments"]["rows"]}


def check(release: dict[str, Any], truth: dict[Cell, int]) -> None:
    """No hidden cell of ``truth`` is recovered by subtraction or by any combination of released numbers."""
    shown, named, _ = seen(release)
    assert all(truth[cell] == value for cell, value in shown.items())
    if not shown:
        # nothing of the crossing is released; the margins alone may still give a cell (a window with
        # one verification, or one industry): privacy.md releases them, and says so
        assert [row["key"] for row in release["employer_segments"]["rows"]] == ([HIDDEN_CELLS] if truth else [])
        return
    assert recovered_by_subtraction(release) == []
    for cell, value in truth.items():
        if cell in shown:
            continue
        least = lowest(release, cell)
        if value < VERIFIER_CROSSING_MINIMUM:
            assert least == 0, (cell, value, least)  # it could as well be that nobody of that segment verified
        else:
            assert least < value, (cell, value, least)  # a complementary cell is not pinned down either
    assert not named  # hidden cells are not named: a name says that someone of that segment verified


def check_run(query: Query, warehouse: Warehouse, issuer_id: int) -> tuple[int, int]:
    """The window's release (and its comparison window's) against the unsuppressed crossing; the
    numbers of cells hidden and shown."""
    tables = warehouse.tables(issuer_id)
    result = run(query, tables, only=SHARED)
    windows = [(result["metrics"], query)]
    comparison = query.comparison()
    if comparison is not None:
        windows.append((result["comparison"]["metrics"], comparison))
    hidden = shown = 0
    for release, window in windows:
        truth = truth_of(compute(window, tables, only=SHARED))
        check(release, truth)
        visible = len(seen(release)[0])
        shown, hidden = shown + visible, hidden + len(truth) - visible
    return hidden, shown


# -- the demo issuers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    store = Warehouse(tmp_path_factory.mktemp("demo") / "data")
    build_demo(store, "small", today=dt.date(2026, 3, 1))
    yield store
    store.close()


WINDOWS = [
    {"period": "all"},
    {"period": "12mo", "compare": "year"},
    {"period": "last_quarter", "compare": "previous"},
    {"period": "90d", "compare": "previous"},
    {"date_from": "2025-06-01", "date_to": "2025-06-30", "compare": "previous"},
]


def test_no_demo_issuer_has_a_recoverable_cell(demo: Warehouse) -> None:
    issuers = [demo.issuer(slug) for (slug,) in demo.cursor().execute("SELECT slug FROM issuers").fetchall()]
    assert len(issuers) == 14  # nine industries, and five bootcamp peers of Launchpad
    hidden = shown = 0
    for issuer in issuers:
        assert issuer is not None
        for params in WINDOWS:
            query = parse_query(issuer.slug, issuer.timezone, today=dt.date(2026, 3, 1), **params)  # type: ignore[arg-type]
            h, s = check_run(query, demo, issuer.issuer_id)
            hidden, shown = hidden + h, shown + s
    assert hidden > 100
    assert shown > 100  # the crossing still says something


# -- hand-built tables -----------------------------------------------------------------------------


def release_of(cells: dict[Cell, int]) -> dict[str, Any]:
    """The crossing and its margins as the runner's privacy layer releases them."""
    rows = [
        {"key": f"{i} × {j}", "industry": i, "size": j, "value": v}
        for (i, j), v in sorted(cells.items(), key=lambda c: (-c[1], c[0]))
    ]
    by_industry: Counter[str] = Counter()
    by_size: Counter[str] = Counter()
    for (i, j), v in cells.items():
        by_industry[i] += v
        by_size[j] += v
    metrics = {
        "employer_segments": {"rows": rows},
        "verifications_by_industry": {"rows": [{"key": k, "value": v} for k, v in by_industry.items()]},
        "verifications_by_size": {"rows": [{"key": k, "value": v} for k, v in by_size.items()]},
        "verifications": {"value": sum(cells.values())},
    }
    return protect(metrics, 10)


def test_carepaths_subtraction_no_longer_works() -> None:
    """The issue's case: healthcare × 1-10 = 26 − (6+6+6+4+3) = 1."""
    cells = {("healthcare", s): v for s, v in zip(SIZES, (1, 6, 6, 6, 4, 3), strict=True)}
    cells |= {("education", "51-200"): 3, ("government", "51-200"): 4, ("finance", "11-50"): 2}
    release = release_of(cells)
    check(release, cells)
    assert release["employer_segments"]["rows"][-1] == {"key": HIDDEN_CELLS, "value": None, "suppressed": True}


def test_a_bridge_between_two_hidden_blocks_is_not_left_determined() -> None:
    """Two 2×2 blocks of hidden ones joined by one hidden cell: every row and column holds two or
    more hidden cells (the line rule is satisfied), yet rows A+B less columns 1+2 give the joining
    cell (A, 3) exactly. The partner rule hides more."""
    ones = [("A", "1"), ("A", "2"), ("B", "1"), ("B", "2"), ("C", "3"), ("C", "4"), ("D", "3"), ("D", "4"), ("A", "3")]
    cells: dict[Cell, int] = dict.fromkeys(ones, 1)
    for cell in [("B", "3"), ("B", "4"), ("A", "4"), ("C", "1"), ("C", "2"), ("D", "1"), ("D", "2")]:
        cells[cell] = 50
    check(release_of(cells), cells)


def test_one_industry_alone_hides_the_whole_crossing() -> None:
    """With one industry the crossing is the size breakdown: no partner exists, so nothing is shown."""
    cells = {("retail", "1-10"): 1, ("retail", "51-200"): 9, ("retail", "5001+"): 12}
    assert release_of(cells)["employer_segments"]["rows"] == [{"key": HIDDEN_CELLS, "value": None, "suppressed": True}]


def test_a_crossing_without_small_cells_is_shown_whole() -> None:
    cells = {("retail", "1-10"): 3, ("finance", "51-200"): 9, ("finance", "5001+"): 12}
    release = release_of(cells)
    assert seen(release)[0] == cells
    assert all(not row.get("suppressed") for row in release["employer_segments"]["rows"])


tables = st.dictionaries(
    st.tuples(st.sampled_from("ABCDEF"), st.sampled_from(SIZES)),
    st.one_of(st.integers(1, 3), st.integers(1, 40)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(cells=tables)
def test_random_tables(cells: dict[Cell, int]) -> None:
    check(release_of(cells), cells)


# -- events through the real pipeline --------------------------------------------------------------

verifications = st.lists(
    st.tuples(
        st.sampled_from(["finance", "healthcare", "retail", "tech", None]),
        st.sampled_from([*SIZES[:4], None]),
        st.integers(0, 58),  # day from 1 December: both windows of January with compare=previous
    ),
    min_size=1,
    max_size=60,
)


def verification_events(plan: list[tuple[str | None, str | None, int]]) -> list[dict[str, Any]]:
    """Four credentials issued in November, and one verification per (industry, size, day from 1 December)."""
    start = dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC)
    events: list[dict[str, Any]] = [
        {
            "id": f"i{n}",
            "type": "credential.issued",
            "occurred_at": "2025-11-01T12:00:00Z",
            "credential_id": f"c{n}",
            "program": {"id": "p1"},
            "recipient": {"id": f"r{n}"},
        }
        for n in range(4)
    ]
    for n, (industry, size, day) in enumerate(plan):
        verifier = {"industry": industry, "size": size, "country": "DE"}
        events.append(
            {
                "id": f"v{n}",
                "type": "credential.verified",
                "occurred_at": (start + dt.timedelta(days=day, minutes=n)).isoformat(),
                "credential_id": f"c{n % 4}",
                "verifier": {k: v for k, v in verifier.items() if v is not None},
            }
        )
    return events


JANUARY = {"date_from": "2026-01-01", "date_to": "2026-01-31", "compare": "previous", "today": dt.date(2026, 6, 1)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=verifications)
def test_random_verification_events(plan: list[tuple[str | None, str | None, int]]) -> None:
    store = Warehouse(Path(tempfile.mkdtemp()) / "data")
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone="UTC")
        assert ingest(store, issuer, verification_events(plan)).rejections == []
        check_run(parse_query("acme", "UTC", **JANUARY), store, issuer.issuer_id)  # type: ignore[arg-type]
    finally:
        store.close()


def test_a_change_against_a_hidden_cell_is_unknown(warehouse: Warehouse) -> None:
    """finance × 51-200 is hidden in December (1 verification) and shown in January (4): its change is
    null, not +4 as if December had none; the unnamed row's change is null too; tech × 1-10, shown in
    both, changes by 3 - 4."""
    december = [("finance", "51-200", 3), ("tech", "11-50", 4), *[("tech", "1-10", 5)] * 4]
    january = [
        *[("finance", "51-200", 40)] * 4,
        *[("tech", "1-10", 41)] * 3,
        ("retail", "5001+", 42),
        ("health", "11-50", 43),
    ]
    issuer, _ = warehouse.create_issuer("acme", "Acme", timezone="UTC")
    assert ingest(warehouse, issuer, verification_events(december + january)).rejections == []
    result = run(parse_query("acme", "UTC", **JANUARY), warehouse.tables(issuer.issuer_id))  # type: ignore[arg-type]
    before = {row["key"] for row in result["comparison"]["metrics"]["employer_segments"]["rows"]}
    assert before == {"tech × 1-10", HIDDEN_CELLS}
    changes = {row["key"]: row["change"]["absolute"] for row in result["metrics"]["employer_segments"]["rows"]}
    assert changes == {"finance × 51-200": None, "tech × 1-10": -1, HIDDEN_CELLS: None}
