"""program_above_average / program_below_average: each program against the other programs in scope,
pooled, from the `programs` metric's rows (its counts per program)."""

from __future__ import annotations

from credlens.insights.finding import Candidate, Json, percent, rate_evidence
from credlens.insights.registry import LABELS, MIN_EFFECT, PROGRAM_RATES, recommendation
from credlens.insights.statistics import two_proportions
from credlens.metrics.programs import RANKING_MINIMUM


def candidates(metrics: Json) -> list[Candidate]:
    """One candidate per (program, rate) with enough credentials on both sides."""
    rows = [r for r in (metrics.get("programs") or {}).get("rows", []) if not r.get("suppressed")]
    out = []
    for metric, (count, base) in PROGRAM_RATES.items():
        if any(count not in r or base not in r for r in rows):
            continue
        total_x, total_n = sum(int(r[count]) for r in rows), sum(int(r[base]) for r in rows)
        for row in rows:
            x, n = int(row[count]), int(row[base])
            ref_x, ref_n = total_x - x, total_n - n
            if n < RANKING_MINIMUM or ref_n < RANKING_MINIMUM:
                continue
            p = two_proportions(x, n, ref_x, ref_n)
            if p is not None:
                out.append(_candidate(row, metric, (x, n, ref_x, ref_n), p))
    return out


def _candidate(row: Json, metric: str, counts: tuple[int, int, int, int], p: float) -> Candidate:
    x, n, ref_x, ref_n = counts
    evidence = rate_evidence(*counts, p)
    gap = evidence["value"] - evidence["reference"]
    direction = "above" if gap > 0 else "below"
    unit = "enrollments" if metric == "completion_rate" else "credentials"
    name = row.get("name") or row["key"]
    finding = (
        f"{name}'s {LABELS[metric]} is {percent(evidence['value'])} ({x} of {n} {unit}), against "
        f"{percent(evidence['reference'])} ({ref_x} of {ref_n}) for the other programs."
    )
    return Candidate(
        kind=f"program_{direction}_average",
        metric=metric,
        subject={"program": row["key"]},
        direction=direction,
        finding=finding,
        recommendation=recommendation(metric, direction),
        evidence=evidence,
        impact=round(abs(gap) * n, 6),  # credentials that would have moved at the others' rate
        meaningful=round(abs(gap), 6) >= MIN_EFFECT,
        p_value=p,
    )
