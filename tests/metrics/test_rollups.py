"""Metrics read from the fold's recipient rollups (store/portfolios.py) equal the same counted from
`credentials` and `enrollments`: the portfolio metrics (rollups for an unfiltered scope, counted for a
filtered one: metrics/inputs.py) and enrollments with completions, for windows that cut through them."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.domain.query import parse_query
from credlens.metrics.runner import compute, run
from credlens.metrics.statements import Statements
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

PROGRAMS = ("p0", "p1", "p2", "p3")
GENDERS = ("female", "male", "non_binary")  # the latest award's wins: a recipient's may change
# Read from the rollups for an unfiltered scope, counted from `credentials` for a filtered one.
PORTFOLIO = ("credentials_per_recipient", "co_held_programs", "program_sequences")
SWITCHED = (*PORTFOLIO, "new_recipients", "recipient_demographics", "unique_recipients")
WINDOWS = (  # (from, to): before any award, mid-stream (recipients awarded later are recounted), after all
    ("2025-12-01", "2025-12-31"),
    ("2026-01-01", "2026-01-31"),
    ("2026-02-01", "2026-02-15"),
    ("2026-03-01", "2026-06-30"),
)
awards = st.lists(  # (program, recipient, day of 2026, hour)
    st.tuples(st.sampled_from(PROGRAMS), st.integers(0, 5), st.integers(0, 100), st.integers(0, 23)),
    min_size=1,
    max_size=25,
)


def events_of(plan: list[tuple[str, int, int, int]]) -> list[dict[str, Any]]:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return [
        {
            "id": f"i{n}",
            "type": "credential.issued",
            "occurred_at": (start + dt.timedelta(days=day, hours=hour)).isoformat(),
            "credential_id": f"c{n}",
            "program": {"id": program},
            "recipient": {"id": f"r{who}", "demographics": {"gender": GENDERS[(who + n) % 3]}},
        }
        for n, (program, who, day, hour) in enumerate(plan)
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=awards, seed=st.integers(0, 999), timezone=st.sampled_from(["UTC", "Asia/Kolkata"]))
def test_rollups_and_credentials_give_the_same_recipient_metrics(
    plan: list[tuple[str, int, int, int]], seed: int, timezone: str
) -> None:
    # In UTC, awards at hour 0 fall exactly on a window's (exclusive) end.
    events = events_of(plan)
    rng = random.Random(seed)
    rng.shuffle(events)
    size = rng.randint(1, 6)
    store = Warehouse(Path(tempfile.mkdtemp()) / "data")
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone=timezone)
        for i in range(0, len(events), size):  # several folds: the rollups are refreshed recipient by recipient
            assert ingest(store, issuer, events[i : i + size]).rejections == []
        held = tuple(sorted({program for program, *_ in plan}))  # every program awarded: the same credentials
        tables = store.tables(issuer.issuer_id)
        for date_from, date_to in WINDOWS:
            found = []
            for programs in ((), held):
                query = parse_query(
                    "acme", timezone, date_from=date_from, date_to=date_to, programs=programs,
                    today=dt.date(2026, 7, 1),
                )  # fmt: skip
                metrics = compute(query, tables, only=frozenset(SWITCHED))  # before suppression
                tiles = compute(query, tables, only=frozenset({"unique_recipients"}))  # the cohort's alone
                found.append({**metrics, "tiles": tiles})
            rolled_up, counted = found
            assert rolled_up == counted, (date_from, date_to)
    finally:
        store.close()


def test_a_window_ending_before_later_awards_recounts_their_recipients(warehouse: Warehouse, issuer: Any) -> None:
    # Ann: p1 on Jan 5, p2 on Feb 10, p3 on Mar 1; Bob: p2 on Jan 20. A window ending Jan 31 sees Ann
    # with p1 only and Bob with p2: no pair; one ending Feb 28 sees Ann's p1 → p2 after 36 days.
    plan = [("p1", 0, 4, 0), ("p2", 0, 40, 0), ("p3", 0, 59, 0), ("p2", 1, 19, 0)]
    assert ingest(warehouse, issuer, events_of(plan)).rejections == []
    tables = warehouse.tables(issuer.issuer_id)

    def portfolio(date_to: str) -> dict[str, Any]:
        query = parse_query("acme", "UTC", date_from="2026-01-01", date_to=date_to, today=dt.date(2026, 7, 1))
        return run(query, tables, k=5, only=frozenset(PORTFOLIO))["metrics"]

    january = portfolio("2026-01-31")
    assert [r["value"] for r in january["credentials_per_recipient"]["rows"]] == [2, 0, 0, 0, 0]
    assert january["co_held_programs"]["rows"] == []
    february = portfolio("2026-02-28")
    assert [r["value"] for r in february["credentials_per_recipient"]["rows"]] == [1, 1, 0, 0, 0]
    assert [(r["key"], r["value"]) for r in february["co_held_programs"]["rows"]] == [("p1 + p2", 1)]
    assert [(r["key"], r["median_days"]) for r in february["program_sequences"]["rows"]] == [("p1 → p2", 36.0)]
    march = portfolio("2026-03-31")
    assert [r["value"] for r in march["credentials_per_recipient"]["rows"]] == [1, 0, 1, 0, 0]
    assert len(march["program_sequences"]["rows"]) == 3  # p1 → p2, p1 → p3, p2 → p3
    # February alone: Ann's first award is before it and her last after it; only her third (Feb 10)
    # places her in it. Bob's only award is in January.
    query = parse_query("acme", "UTC", date_from="2026-02-01", date_to="2026-02-28", today=dt.date(2026, 7, 1))
    m = compute(query, tables, only=frozenset({"new_recipients", "recipient_demographics", "unique_recipients"}))
    assert (m["unique_recipients"]["value"], m["new_recipients"]["value"]) == (1, 0)
    assert [(r["attribute"], r["value"]) for r in m["recipient_demographics"]["rows"]] == [
        ("gender", 1), ("age_band", 1), ("education_level", 1), ("employment_status", 1), ("country", 1)
    ]  # fmt: skip


enrollment_plan = st.lists(  # (program, recipient, day of 2026)
    st.tuples(st.sampled_from(PROGRAMS), st.integers(0, 3), st.integers(0, 100)), min_size=1, max_size=30
)
COUNTED = """
    WITH pairs AS (
        SELECT DISTINCT recipient_hash, program_id FROM enrollments
        WHERE enrolled_at >= $start AND enrolled_at < $end)
    SELECT program_id, count(*) AS enrollments,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM credentials c WHERE c.issued_at IS NOT NULL
               AND c.recipient_hash = pairs.recipient_hash AND c.program_id = pairs.program_id)) AS completions
    FROM pairs GROUP BY ALL ORDER BY ALL"""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(enrolled=enrollment_plan, awarded=awards, seed=st.integers(0, 999))
def test_enrollments_and_completions_from_the_rollup_equal_a_count_of_enrollments(
    enrolled: list[tuple[str, int, int]], awarded: list[tuple[str, int, int, int]], seed: int
) -> None:
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    events = events_of([(program, who, day, hour) for program, who, day, hour in awarded if who < 4])
    events += [
        {
            "id": f"n{n}",
            "type": "program.enrolled",
            "occurred_at": (start + dt.timedelta(days=day)).isoformat(),
            "program": {"id": program},
            "recipient": {"id": f"r{who}"},
        }
        for n, (program, who, day) in enumerate(enrolled)
    ]
    rng = random.Random(seed)
    rng.shuffle(events)
    size = rng.randint(1, 8)
    store = Warehouse(Path(tempfile.mkdtemp()) / "data")
    try:
        issuer, _ = store.create_issuer("acme", "Acme")
        for i in range(0, len(events), size):
            assert ingest(store, issuer, events[i : i + size]).rejections == []
        tables = store.tables(issuer.issuer_id)
        for date_from, date_to in WINDOWS:
            query = parse_query("acme", "UTC", date_from=date_from, date_to=date_to, today=dt.date(2026, 7, 1))
            found = run(query, tables, only=frozenset({"programs", "enrollments", "completions"}))["metrics"]
            bounds = dict(zip(("start", "end"), query.window.utc_bounds("UTC"), strict=True))
            counted = store.cursor().execute(COUNTED, bounds).fetchall()
            per_program = [(r["key"], r["enrollments"], r["completions"]) for r in found["programs"]["rows"]]
            assert sorted(p for p in per_program if p[1]) == counted, (date_from, date_to)
            assert found["enrollments"]["value"] == sum(n for _, n, _ in counted)
            assert found["completions"]["value"] == sum(n for _, _, n in counted)
    finally:
        store.close()


def test_a_pair_enrolled_before_inside_and_after_a_window_counts_once(warehouse: Warehouse, issuer: Any) -> None:
    # r0 enrolled in p1 on Jan 10, Feb 10 and Mar 20: its first and last enrollments are outside
    # February, the one inside it only `enrollments` knows; r1 on Jan 10 and Mar 20 only.
    days = [("r0", 9), ("r0", 40), ("r0", 78), ("r1", 9), ("r1", 78)]
    events = [
        {
            "id": f"n{n}",
            "type": "program.enrolled",
            "occurred_at": (dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=day)).isoformat(),
            "program": {"id": "p1"},
            "recipient": {"id": who},
        }
        for n, (who, day) in enumerate(days)
    ]
    events.append(events_of([("p1", 0, 100, 0)])[0])  # r0 earns p1 in April: completed
    assert ingest(warehouse, issuer, events).rejections == []
    tables = warehouse.tables(issuer.issuer_id)

    def enrolled(date_from: str, date_to: str) -> tuple[int, int]:
        query = parse_query("acme", "UTC", date_from=date_from, date_to=date_to, today=dt.date(2026, 7, 1))
        m = run(query, tables, only=frozenset({"enrollments", "completions"}))["metrics"]
        return m["enrollments"]["value"], m["completions"]["value"]

    assert enrolled("2026-02-01", "2026-02-28") == (1, 1)  # r0 only, by its Feb 10 enrollment
    assert enrolled("2026-02-15", "2026-03-01") == (0, 0)  # between r0's enrollments: none
    assert enrolled("2026-01-01", "2026-01-31") == (2, 1)  # both first enrollments


def test_an_award_committed_during_a_run_is_not_half_seen(
    warehouse: Warehouse, issuer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dan holds p1 and p2, Eve p1. Between the run's statements the writer commits a fold awarding
    # Dan p3: the statements that read the rollups apart (holders per program, then the pairs) must
    # both see the store before it (a pair with p3 and no holders of p3 failed here) or both after.
    assert ingest(warehouse, issuer, events_of([("p1", 0, 1, 0), ("p2", 0, 4, 0), ("p1", 1, 2, 0)])).rejections == []
    rows = Statements.rows
    fired: list[str] = []

    def award_meanwhile(self: Statements, name: str, build: Any) -> list[dict[str, Any]]:
        found = rows(self, name, build)
        if name == "portfolio" and not fired:
            fired.append(name)
            later = events_of([("p1", 0, 1, 0), ("p2", 0, 4, 0), ("p1", 1, 2, 0), ("p3", 0, 40, 0)])[-1]
            assert ingest(warehouse, issuer, [later]).rejections == []
        return found

    monkeypatch.setattr(Statements, "rows", award_meanwhile)
    tables = warehouse.tables(issuer.issuer_id)
    for period in ("all", "30d"):  # a window ending after the award, and one ending before it
        fired.clear()
        query = parse_query("acme", "UTC", period=period, today=dt.date(2026, 1, 31))
        m = compute(query, tables, only=frozenset(PORTFOLIO))
        assert fired
        assert [r["value"] for r in m["credentials_per_recipient"]["rows"]] == [1, 1, 0, 0, 0]
        assert [(r["key"], r["value"]) for r in m["co_held_programs"]["rows"]] == [("p1 + p2", 1)]
