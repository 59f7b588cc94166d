"""Planning is a pure function of the query and the asked metric ids (metrics/plan.py): no store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from credlens.domain.query import Query, parse_query
from credlens.metrics.cohort import DEFAULT_FUNNEL, day_counted, reduction_names
from credlens.metrics.inputs import BUILDERS
from credlens.metrics.plan import Plan, Where, plan
from credlens.metrics.registry import REGISTRY, Finish, Input

TODAY = dt.date(2026, 6, 1)


def query(**params: Any) -> Query:
    return parse_query("acme", "Europe/London", today=TODAY, **params)


def names(planned: Plan) -> list[str]:
    return [s.name for s in planned.statements]


def where(planned: Plan) -> dict[str, Where]:
    return {s.name: s.where for s in planned.statements}


def test_every_metric_declares_inputs_that_a_statement_builds_and_a_finish() -> None:
    for metric in REGISTRY.values():
        assert metric.inputs, metric.id
        assert isinstance(metric.finish, Finish)
        assert set(metric.reads) <= REGISTRY.keys()
        if metric.inputs == (Input.COHORT,):  # a cohort count: the cohort's reductions hold its counts
            assert metric.counts(DEFAULT_FUNNEL) <= reduction_names(DEFAULT_FUNNEL), metric.id
    for planned in (plan(query(period="90d"), REGISTRY), plan(query(period="all", kind="badge"), REGISTRY)):
        for statement in planned.statements:
            assert statement.where is Where.VIEW or statement.name.split("/")[0] in BUILDERS


def test_the_full_set_unfiltered_reads_the_rollups_and_runs_aside_what_reads_no_temporary_table() -> None:
    planned = plan(query(period="90d"), REGISTRY)
    assert planned.asked == tuple(REGISTRY)
    found = where(planned)
    assert found["recounted"] is Where.TEMP  # the portfolio rollups, recounting the late awards
    assert "holdings" not in found
    assert found["verified"] is Where.TEMP
    assert found["demographics"] is found["demographics_unseen"] is Where.READER  # one snapshot
    assert "cohort_recipients" not in found  # the cohort's recipients come from the demographics
    for name in ("state", "new_recipients", "enrollments", "programs", "per_program", "career_outcomes"):
        assert found[name] is Where.ASIDE
    attributes = [s for s in planned.statements if s.name.startswith("attributes/")]
    assert len(attributes) == 1  # the five breakdowns of raw events: one statement
    assert attributes[0].names == {m for m, d in REGISTRY.items() if Input.ATTRIBUTES in d.inputs}
    order = names(planned)
    assert order.index("buckets") < order.index("verification_trend")
    assert order.index("verified") < order.index("verification_totals")
    assert "first_issued" not in order  # only `all` starts its trends at the first issuance


def test_a_filtered_scope_counts_from_credentials() -> None:
    found = where(plan(query(period="90d", kind="badge"), REGISTRY))
    assert found["holdings"] is found["people"] is Where.TEMP
    assert "recounted" not in found
    assert found["demographics"] is Where.ASIDE
    assert "demographics_unseen" not in found


def test_the_cohort_counts_split_between_the_day_counters_and_the_rows() -> None:
    planned = plan(query(period="30d"), REGISTRY, ("issued", "delivered", "opened"))
    cohort = [s for s in planned.statements if s.name.startswith(("days/", "cohort/", "cohort_median"))]
    counted = set().union(*(s.names for s in cohort))
    assert counted == reduction_names(("issued", "delivered", "opened")) - {"unique_recipients"}
    (days,) = [s for s in cohort if s.name.startswith("days/")]
    assert days.names <= day_counted(("issued", "delivered", "opened"))


def test_a_few_cohort_numbers_plan_only_their_counts_on_the_window_reader() -> None:
    planned = plan(query(period="30d"), frozenset({"issued", "unique_recipients"}))
    assert names(planned) == ["days/issued", "cohort_recipients"]
    assert all(s.where is Where.READER for s in planned.statements)  # no second reader to wait for
    assert planned.asked == ("issued", "unique_recipients")
    rate = plan(query(period="30d", programs=("p1",)), frozenset({"share_rate"}))
    assert names(rate) == ["known_programs", "days/issued,shared"]


def test_a_metric_is_planned_with_what_it_is_finished_with() -> None:
    planned = plan(query(period="30d"), frozenset({"programs"}))
    assert planned.asked == ("programs",)
    assert {"share_rate", "profile_add_rate", "verification_rate"} <= set(planned.finished)
    assert {"programs", "per_program", "enrollments"} <= set(names(planned))
    assert "verified" not in names(planned)


def test_all_time_trends_start_at_the_first_issuance_and_a_comparison_window_is_not_checked() -> None:
    assert names(plan(query(period="all"), frozenset({"issued_trend"}))) == [
        "first_issued",
        "buckets",
        "active_changes",
    ]
    filtered = query(period="30d", programs=("p1",))
    assert "known_programs" in names(plan(filtered, frozenset({"issued"})))
    assert "known_programs" not in names(plan(filtered, frozenset({"issued"}), check=False))


@pytest.mark.parametrize("metric_id", sorted(REGISTRY))
def test_each_metric_alone_plans_its_declared_inputs(metric_id: str) -> None:
    planned = plan(query(period="90d"), frozenset({metric_id}))
    assert planned.asked == (metric_id,)
    assert planned.statements  # something computes it
    if Input.VERIFIED in REGISTRY[metric_id].inputs:
        assert "verified" in planned
    else:
        assert "verified" not in planned
