"""market_demand: verifier industries and countries whose verifications grew against the comparison
window (two Poisson counts, as changed_since_previous counts)."""

from __future__ import annotations

import datetime as dt

from credlens.insights.finding import Candidate, Json
from credlens.insights.registry import MIN_COUNT_CHANGE
from credlens.insights.statistics import Interval, two_counts
from credlens.metrics.programs import RANKING_MINIMUM
from credlens.privacy.suppression import HIDDEN_CELLS

AXES = {"industry": "verifications_by_industry", "country": "verifications_by_country"}


def candidates(result: Json) -> list[Candidate]:
    comparison = result.get("comparison")
    if comparison is None:
        return []
    days = (_days(result["query"]), _days(comparison["window"]))
    out = []
    for axis, metric in AXES.items():
        before = {r["key"]: r for r in (comparison["metrics"].get(metric) or {}).get("rows", [])}
        if HIDDEN_CELLS in before:  # a key absent there may be hidden in it: its count is unknown
            continue
        for row in (result["metrics"].get(metric) or {}).get("rows", []):
            key, x = row["key"], row.get("value")
            if row.get("suppressed") or key in (HIDDEN_CELLS, "unknown") or x is None or x < RANKING_MINIMUM:
                continue
            prior = before.get(key, {"value": 0})
            if prior.get("suppressed") or prior.get("value") is None:
                continue
            out += _growth(axis, metric, key, x, int(prior["value"]), days)
    return out


def _growth(axis: str, metric: str, key: str, x: int, old: int, days: tuple[int, int]) -> list[Candidate]:
    expected = old * days[0] / days[1]
    if x <= expected:
        return []  # demand that grew: a fall is a change, not an opportunity
    p = two_counts(x, old, *days)
    evidence = {
        "value": x,
        "numerator": x,
        "denominator": None,
        "reference": old,
        "reference_numerator": old,
        "reference_denominator": None,
        "ci95": Interval(x, x + old, days),  # the ratio of daily rates (window / comparison window)
        "p_value": p,
    }
    return [
        Candidate(
            kind="market_demand",
            metric=metric,
            subject={axis: key},
            direction="up",
            finding=f"Verifications by verifiers in {axis} {key} grew to {x}, from {old} in the comparison window.",
            recommendation=f"A credential opportunity: consider a program aimed at {key} ({axis}), and tell "
            "employers there about your credentials.",
            evidence=evidence,
            impact=round(x - expected, 6),
            meaningful=x - expected >= MIN_COUNT_CHANGE * expected,
            p_value=p,
        )
    ]


def _days(window: Json) -> int:
    return (dt.date.fromisoformat(window["to"]) - dt.date.fromisoformat(window["from"])).days + 1
