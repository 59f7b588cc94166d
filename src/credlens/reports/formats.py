"""How numbers read on screen; exports keep the raw values."""

from __future__ import annotations

from typing import Any

from credlens.reports.view import Cell

NA = "n/a"
SUPPRESSED = "suppressed"


def count(value: float | None) -> str:
    if value is None:
        return NA
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value * 100:.{digits}f} %"


def number(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value:,.{digits}f}"


def days(value: float | None) -> str:
    """A number of days as whole days ("12 days"; "under a day"): a median of 0.9 days reads as 1 day."""
    if value is None:
        return NA
    whole = int(value + 0.5)  # half up, as a person rounds
    if whole == 0:
        return "under a day"
    return f"{whole:,} day" if whole == 1 else f"{whole:,} days"


def signed_percent(value: float | None) -> str:
    return NA if value is None else f"{value * 100:+.1f} %"


def points(value: float | None) -> str:
    """A difference of two rates, in percentage points."""
    return NA if value is None else f"{value * 100:+.1f} pts"


def cell(result: dict[str, Any], fmt: str = "count", key: str = "value") -> Cell:
    """A cell from a metric result or row: suppressed and null values say so."""
    if result.get("suppressed"):
        return Cell(None, SUPPRESSED, suppressed=True)
    return value_cell(result.get(key), fmt)


def value_cell(value: Any, fmt: str = "count") -> Cell:
    if fmt == "text":
        return Cell(value, "" if value is None else str(value))
    raw = None if value is None else round(float(value), 6)
    if raw is not None and fmt == "count" and raw.is_integer():
        raw = int(raw)
    shown = {"count": count, "percent": percent, "number": number, "days": days}[fmt](raw)
    return Cell(raw, shown)


def change(change: dict[str, Any] | None, rate: bool) -> str:
    """What "Change" means everywhere: a count's is "+4 (+4.9 %)" (its difference, and the difference
    relative to the comparison window's value), a rate's is in percentage points ("+1.5 pts")."""
    if not change:
        return ""
    absolute = change.get("absolute")
    if absolute is None:
        return NA
    if rate:
        return points(absolute)
    shown = f"{absolute:+,.0f}" if float(absolute).is_integer() else f"{absolute:+,.2f}"
    relative = change.get("relative")
    return shown if relative is None else f"{shown} ({signed_percent(relative)})"


def change_text(result: dict[str, Any], rate: bool, label: str) -> str:
    """ "+4 (+4.9 %) vs previous window" for counts, "+1.5 pts vs ..." for rates; empty without comparison."""
    if not result.get("change"):
        return ""
    return f"{change(result['change'], rate)} vs {label}"
