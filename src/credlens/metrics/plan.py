"""Planning a window's run: from the query and the asked metric ids to the statements to run.

A pure function of the query's filters, window and funnel and of what each metric of the registry
declares (`Metric.inputs`, `Metric.reads`): no table, no reader, no SQL. The statements are named
as their compiled SQL is cached (metrics/statements.py), built by metrics/inputs.py, run in order by
metrics/runner.py (`read`) on DuckDB or on Spark alike, and their rows finished by metrics/finish.py.

Where a statement runs:
- ASIDE: on a second reader of the issuer, all of them one batch started where the first one
  stands (store/reader.py); they read only the issuer's tables;
- READER: on the window's reader, in order: what reads its temporary tables or views, and what
  must read its snapshot (two statements subtracted one from the other);
- TEMP: into a temporary table of the window's reader, read by several later statements;
- VIEW: the trend buckets, registered on the window's reader.
When no statement needs the window's reader, none runs aside: a second reader would only be waited for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from credlens.domain.periods import Preset
from credlens.domain.query import Filters, Query
from credlens.metrics.cohort import DEFAULT_FUNNEL, day_counted
from credlens.metrics.registry import REGISTRY, Input


class Where(Enum):
    ASIDE = "aside"
    READER = "reader"
    TEMP = "temp"
    VIEW = "view"


@dataclass(frozen=True)
class Statement:
    name: str  # what builds it (inputs.py) and, with the query's shape, its compiled SQL's cache key
    where: Where
    names: frozenset[str] = frozenset()  # the counts (cohort) or metric ids (attributes) it computes


@dataclass(frozen=True)
class Plan:
    """What one window's run computes and the statements it runs, in order."""

    query: Query
    funnel: tuple[str, ...]
    asked: tuple[str, ...]  # the metric ids of the result, in the registry's order
    finished: tuple[str, ...]  # those and the ones they are finished with (`Metric.reads`)
    statements: tuple[Statement, ...]

    @property
    def rolled_up(self) -> bool:
        return rolled_up(self.query)

    def __contains__(self, name: str) -> bool:
        return any(statement.name == name for statement in self.statements)


def rolled_up(query: Query) -> bool:
    """Whether the recipient-level metrics read the fold's recipient rollups (store/portfolios.py),
    which describe the unfiltered scope; a query filtered by program, kind or department counts
    from `credentials` (`enrolled` is per program and serves every query)."""
    return query.filters == Filters()


def plan(
    query: Query, metric_ids: Iterable[str], funnel: tuple[str, ...] = DEFAULT_FUNNEL, *, check: bool = True
) -> Plan:
    """The statements that compute ``metric_ids`` for the query's window. ``check``: the program
    filter is checked against the issuer's programs first (a comparison window's is not: its
    window's run checked it)."""
    wanted = frozenset(metric_ids)
    asked = tuple(m for m in REGISTRY if m in wanted)
    finished = tuple(m for m in REGISTRY if m in wanted or any(m in REGISTRY[a].reads for a in asked))
    inputs = {i for m in finished for i in REGISTRY[m].inputs}
    up = rolled_up(query)
    first: list[Statement] = []
    if check and query.filters.programs:
        first.append(Statement("known_programs", Where.READER))
    aside = _cohort(finished, funnel, up, demographics=Input.DEMOGRAPHICS in inputs)
    aside += [Statement(i.value, Where.ASIDE) for i in INDEPENDENT if i in inputs]
    attributes = frozenset(m for m in finished if Input.ATTRIBUTES in REGISTRY[m].inputs)
    if attributes:
        aside.append(Statement("attributes/" + ",".join(sorted(attributes)), Where.ASIDE, attributes))
    if Input.DEMOGRAPHICS in inputs and not up:
        aside.append(Statement("demographics", Where.ASIDE))
    reader = _reader(query, inputs, up)
    if not reader:  # nothing needs the window's reader: the rest runs there too
        aside = [Statement(s.name, Where.READER, s.names) for s in aside]
    return Plan(query, funnel, asked, finished, tuple(first + aside + reader))


# The inputs each one statement aside of its own, by the input's name, in this order.
INDEPENDENT = (
    Input.STATE,
    Input.NEW_RECIPIENTS,
    Input.ENROLLMENTS,
    Input.PROGRAM_NAMES,
    Input.PER_PROGRAM,
    Input.RENEWALS,
    Input.PROGRAM_RENEWALS,
    Input.DESIGNS,
    Input.DAILY_ACTIVITY,
    Input.CAREER_OUTCOMES,
)
# Statements on the window's reader, by the input's name, after the temporary tables and views.
ON_READER = (
    Input.ACTIVE_CHANGES,
    Input.VERIFICATION_TREND,
    Input.VERIFICATION_BREAKDOWNS,
    Input.SEGMENT_TRENDS,
    Input.EMPLOYERS,
    Input.VERIFICATION_TOTALS,
    Input.PORTFOLIO,
    Input.PAIRS,
)


def _cohort(finished: tuple[str, ...], funnel: tuple[str, ...], up: bool, *, demographics: bool) -> list[Statement]:
    """The cohort's counts the metrics read: those the fold's counters add up per issue day, those
    counted from the cohort's rows, and its recipients (an unfiltered scope counts them from the
    recipient rollups; from the demographics when those are read too: each recipient has one
    country, known or not).

    NOTE: measured on the medium demo, the full cohort aggregate (~50 reductions) costs ~17 ms
    even over a few thousand credentials; the executive page's fixed-window tiles need two of them.
    """
    counts: set[str] = set()
    for metric_id in finished:
        metric = REGISTRY[metric_id]
        if Input.COHORT in metric.inputs:
            counts |= metric.counts(funnel)
    by_day = frozenset(counts & day_counted(funnel))
    recipients = up and "unique_recipients" in counts
    by_row = counts - by_day - ({"unique_recipients"} if recipients else set())
    out = []
    if by_day:
        out.append(Statement("days/" + ",".join(sorted(by_day)), Where.ASIDE, by_day))
    if "median_days_to_open" in by_row:
        by_row -= {"median_days_to_open"}
        out.append(Statement("cohort_median", Where.ASIDE, frozenset({"median_days_to_open"})))
    if by_row:
        out.append(Statement("cohort/" + ",".join(sorted(by_row)), Where.ASIDE, frozenset(by_row)))
    if recipients and not demographics:
        out.append(Statement("cohort_recipients", Where.ASIDE, frozenset({"unique_recipients"})))
    return out


def _reader(query: Query, inputs: set[Input], up: bool) -> list[Statement]:
    """The statements on the window's reader, in order: temporary tables and views before what reads them."""
    out = []
    if Input.DEMOGRAPHICS in inputs and up:
        # Two statements, one subtracted from the other: both in the run's snapshot (a fold committed
        # between them on a second reader made them disagree).
        out += [Statement("demographics", Where.READER), Statement("demographics_unseen", Where.READER)]
    if Input.HOLDINGS in inputs:
        names = ("recounted",) if up else ("holdings", "people")
        out += [Statement(name, Where.TEMP) for name in names]
    if Input.VERIFIED in inputs:  # read by several metrics: the semi-join on the scope runs once
        out.append(Statement("verified", Where.TEMP))
    if Input.BUCKETS in inputs:
        if query.preset is Preset.ALL:  # its trends start at the first issuance in scope
            out.append(Statement("first_issued", Where.READER))
        out.append(Statement("buckets", Where.VIEW))
    out += [Statement(i.value, Where.READER) for i in ON_READER if i in inputs]
    return out
