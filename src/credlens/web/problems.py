"""A refused dashboard query answered in its filter form: what is wrong, in words, beside the field
to change, with the filters kept and, where one exists, a link that fixes it (never a bare error page).

The `.json` and `.csv` twins keep the `400 invalid_query` of docs/api.md; only the page is answered here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from credlens.domain.query import MAX_BUCKETS, QueryError, TooManyBuckets
from credlens.web.errors import ApiError
from credlens.web.state import INTERVALS, State

LABELS = {"from": "From", "to": "To", "period": "Window", "compare": "Compare with", "kind": "Kind"}
LABELS |= {"interval": "Trend interval", "department": "Department", "groups": "Programs to compare"}
INTERVAL_NAMES = {value: label for value, label in INTERVALS if value}


@dataclass(frozen=True)
class FormProblem:
    """What the form says above its fields; ``field`` is the parameter whose control gets marked."""

    field: str | None
    message: str
    fixes: tuple[tuple[str, str], ...] = ()  # (link text, address of the fixed state)


def form_problem(error: ApiError, state: State, path: str) -> FormProblem:
    """The refusal of ``state`` as the form shows it."""
    cause = error.__cause__
    if isinstance(cause, TooManyBuckets):
        return _too_many_buckets(cause, state, path)
    if isinstance(cause, QueryError):
        swapped = _swapped(state)
        if swapped is not None:
            message = f"From ({state.date_from}) is after To ({state.date_to}): the window would end before it starts."
            return FormProblem("from", message, (("Swap the dates", _address(path, swapped)),))
        return FormProblem(cause.field, f"{LABELS.get(cause.field, cause.field)}: {cause.message}.")
    field = error.details[0].get("field") if error.details and isinstance(error.details[0], dict) else None
    return FormProblem(field, error.message[:1].upper() + error.message[1:] + ".")


def _too_many_buckets(cause: TooManyBuckets, state: State, path: str) -> FormProblem:
    asked = INTERVAL_NAMES.get(state.interval or "", "the automatic interval").lower()
    message = f"By {asked}, this window makes more points than a trend may have ({MAX_BUCKETS})."
    fixes = tuple(
        (f"Show it by {INTERVAL_NAMES[i.value].lower()}", _address(path, replace(state, interval=i.value)))
        for i in cause.fits[:1]  # the finest interval that fits
    )
    if not fixes:
        message += " Choose a shorter window."
    return FormProblem("interval", message, fixes)


def _swapped(state: State) -> State | None:
    """The state with its dates swapped when From is after To, else None."""
    if state.date_from is None or state.date_to is None:
        return None
    try:
        start, end = dt.date.fromisoformat(state.date_from), dt.date.fromisoformat(state.date_to)
    except ValueError:
        return None
    return replace(state, date_from=state.date_to, date_to=state.date_from) if start > end else None


def _address(path: str, state: State) -> str:
    return f"{path}?{urlencode(state.items())}"
