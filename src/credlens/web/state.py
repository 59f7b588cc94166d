"""A dashboard's state, all of it in the URL: window (preset or dates), programs, kind, department,
comparison and interval; the same parameters as `GET /api/v1/stats`, so a dashboard link is an API call."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

DEFAULT_PERIOD = "90d"
DEFAULT_COMPARE = "previous"
ALL = "all"  # the period with nothing before it to compare with
PERIODS = (
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("ytd", "Year to date"),
    ("12mo", "Last 12 months"),
    ("all", "All time"),
)
COMPARES = (("", "No comparison"), ("previous", "Previous window"), ("year", "A year earlier"))
KINDS = (("", "All kinds"), ("certificate", "Certificates"), ("badge", "Badges"))
INTERVALS = (("", "Automatic"), ("day", "Day"), ("week", "Week"), ("month", "Month"))


def present(value: str | None) -> str | None:
    """A query value, or None when it is empty or blank: on every surface an empty parameter is an
    absent one (docs/api.md), as a form's empty field sends it."""
    return value.strip() or None if value is not None else None


@dataclass(frozen=True)
class State:
    period: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    programs: tuple[str, ...] = ()
    kind: str | None = None
    department: str | None = None
    compare: str | None = None
    interval: str | None = None
    departments: tuple[str, ...] = ()  # the comparison view's groups, when comparing departments
    baseline: str | None = None  # the comparison view's group every difference is against (default: the first)
    designs: tuple[str, ...] = ()  # the comparison view's groups, when comparing credential designs

    @property
    def groups(self) -> tuple[str, ...]:
        """The comparison view's groups: departments when several are named, else designs when named,
        else the programs (which, with designs, only scope them)."""
        return self.departments or self.designs or self.programs

    def for_page(self, page: str) -> State:
        """The state a page keeps: designs and the baseline only on the comparison page, and the
        baseline only when it is one of the groups (a group unticked in the form takes its baseline
        with it, back to the first)."""
        state = self if page == "compare" else replace(self, designs=())
        if page != "compare" or state.baseline not in state.groups:
            return replace(state, baseline=None)
        return state

    @property
    def bare(self) -> bool:
        """No window at all: the page redirects to its default state so the URL always holds it."""
        return self.period is None and self.date_from is None and self.date_to is None

    def with_defaults(self, programs: tuple[str, ...] = ()) -> State:
        return replace(self, period=DEFAULT_PERIOD, compare=DEFAULT_COMPARE, programs=self.programs or programs)

    def items(self) -> list[tuple[str, str]]:
        """The URL's query parameters, in a stable order, empty ones left out."""
        pairs: list[tuple[str, str | None]] = [("period", self.period), ("from", self.date_from), ("to", self.date_to)]
        pairs += [("program", p) for p in self.programs]
        pairs += [("kind", self.kind), ("department", self.department)]
        pairs += [("department", d) for d in self.departments]
        pairs += [("design", d) for d in self.designs]
        pairs += [("compare", self.compare), ("interval", self.interval), ("baseline", self.baseline)]
        return [(k, v) for k, v in pairs if v]

    def query_string(self) -> str:
        return urlencode(self.items())

    def run_params(self) -> dict[str, Any]:
        """Keyword arguments of `metrics.runner.run_for` (programs apart: they pass the scope check first)."""
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "period": self.period,
            "kind": self.kind,
            "department": self.department,
            "compare": self.compare,
            "interval": self.interval,
        }


def dashboard_state(
    period: Annotated[str | None, Query(description="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo, all")] = None,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    program: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    department: Annotated[list[str] | None, Query()] = None,
    compare: Annotated[str | None, Query()] = None,
    interval: Annotated[str | None, Query()] = None,
    baseline: Annotated[str | None, Query(description="comparison page: the group differences are against")] = None,
    design: Annotated[list[str] | None, Query(description="comparison page: credential designs to compare")] = None,
    shown: Annotated[str | None, Query(description="the form's dates as it showed them, FROM..TO")] = None,
) -> State:
    """The state as the URL gives it: empty values are absent; a period wins over dates (the filter
    form sends both fields, `period` empty when custom dates are wanted). All time has no window before
    it, so its comparison is dropped (the form disables the control and says why). The form also
    sends ``shown``, the dates it displayed: dates that differ from them were edited, so they are
    custom dates even when the script that switches the period did not run."""
    period = present(period)
    if period and shown and present(date_from) and present(date_to) and shown != f"{date_from}..{date_to}":
        period = None  # dates edited in a form sent without its script: they win over the period shown
    departments = tuple(dict.fromkeys(d for d in (present(x) for x in department or []) if d))
    return State(
        period=period,
        date_from=None if period else present(date_from),
        date_to=None if period else present(date_to),
        programs=tuple(dict.fromkeys(p for p in (present(x) for x in program or []) if p)),
        kind=present(kind),
        department=departments[0] if len(departments) == 1 else None,
        compare=None if period == ALL else present(compare),
        interval=present(interval),
        departments=departments if len(departments) > 1 else (),
        baseline=present(baseline),
        designs=tuple(dict.fromkeys(d for d in (present(x) for x in design or []) if d)),
    )
