"""Accredible's published average rates by industry, stored as data with its source and the date
read (data/published_benchmarks.json); shown labelled as published figures, never mixed with
measured peer values (docs/metrics.md, Benchmarks)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# Our metric beside each published column, and where Accredible's definition differs from ours.
PUBLISHED_METRICS: dict[str, tuple[str, str]] = {
    "view_rate": (
        "visit_rate",
        "Accredible: recipients who click the link in their e-mail to view their credential; ours counts "
        "any view by the owner, however reached.",
    ),
    "share_rate": (
        "share_rate",
        "Accredible: credentials shared to a social network with its own view tools only; ours counts a "
        "credential.shared event on any channel.",
    ),
    "referral_rate": (
        "referral_rate",
        "Both: credentials with a click-through to the issuer's website; Accredible counts its own "
        "credential pages' links, ours every credential.referral_clicked event sent.",
    ),
}


@cache
def table() -> dict[str, Any]:
    text = resources.files("credlens.reports").joinpath("data/published_benchmarks.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def published(industry: str | None, metric: str) -> dict[str, Any] | None:
    """The published figure beside ``metric`` for ``industry``, with source and date, or None."""
    if industry is None or metric not in PUBLISHED_METRICS:
        return None
    data = table()
    row = data["industries"].get(industry)
    if row is None:
        return None
    column, note = PUBLISHED_METRICS[metric]
    return {
        "value": row[data["columns"].index(column)],
        "source": f"{data['source']}, {data['url']}",
        "as_of": data["as_of"],
        "note": note,
    }
