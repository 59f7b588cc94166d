"""delivery_problem: the issuer's delivery rate below the target, with its failure reasons."""

from __future__ import annotations

from credlens.insights.finding import Candidate, Json, percent
from credlens.insights.registry import DELIVERY_TARGET, recommendation
from credlens.insights.statistics import Interval, at_least
from credlens.metrics.programs import RANKING_MINIMUM
from credlens.privacy.suppression import HIDDEN_CELLS


def candidates(metrics: Json) -> list[Candidate]:
    rate = metrics.get("delivery_rate")
    if not rate or rate.get("denominator") is None or rate["denominator"] < RANKING_MINIMUM:
        return []
    x, n = rate["numerator"], rate["denominator"]
    if x / n >= DELIVERY_TARGET:
        return []
    p = at_least(x, n, DELIVERY_TARGET)
    reasons = [
        f"{r['key']} {r['value']}"
        for r in (metrics.get("delivery_failures_by_reason") or {}).get("rows", [])
        if not r.get("suppressed") and r["key"] != HIDDEN_CELLS and r.get("value")
    ]
    because = f"; failures by reason: {', '.join(reasons)}" if reasons else ""
    evidence = {
        "value": round(x / n, 6),
        "numerator": x,
        "denominator": n,
        "reference": DELIVERY_TARGET,
        "reference_numerator": None,
        "reference_denominator": None,
        "ci95": Interval(x, n),
        "p_value": p,
    }
    return [
        Candidate(
            kind="delivery_problem",
            metric="delivery_rate",
            subject={},
            direction="below",
            finding=f"{percent(x / n)} of credentials were delivered ({x} of {n}), below the "
            f"{percent(DELIVERY_TARGET)} target{because}.",
            recommendation=recommendation("delivery_rate", "below"),
            evidence=evidence,
            impact=round(DELIVERY_TARGET * n - x, 6),  # deliveries short of the target
            p_value=p,
        )
    ]
