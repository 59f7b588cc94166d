"""renewal_risk: a program with many credentials expiring in the next 90 days and a renewal rate below
the issuer's other programs in scope, pooled, from the `program_renewals` metric's rows."""

from __future__ import annotations

from credlens.insights.finding import Candidate, Json, percent, rate_evidence
from credlens.insights.registry import MIN_EFFECT, MIN_EXPIRING, RENEWAL_WINDOW_DAYS, recommendation
from credlens.insights.statistics import two_proportions
from credlens.metrics.programs import RANKING_MINIMUM


def candidates(metrics: Json) -> list[Candidate]:
    """One test per program with enough expiring and due credentials, against the other programs' due
    credentials pooled; only a program below them can be a risk (a program above is tested all the same,
    so that the correction counts it, and is never reported)."""
    rows = [r for r in (metrics.get("program_renewals") or {}).get("rows", []) if not r.get("suppressed")]
    total_x, total_n = sum(int(r["renewed"]) for r in rows), sum(int(r["due_for_renewal"]) for r in rows)
    out = []
    for row in rows:
        x, n, expiring = int(row["renewed"]), int(row["due_for_renewal"]), int(row["expiring_next_90d"])
        ref_x, ref_n = total_x - x, total_n - n
        if expiring < MIN_EXPIRING or n < RANKING_MINIMUM or ref_n < RANKING_MINIMUM:
            continue
        p = two_proportions(x, n, ref_x, ref_n)
        if p is not None:
            out.append(_candidate(row, (x, n, ref_x, ref_n), expiring, p))
    return out


def _candidate(row: Json, counts: tuple[int, int, int, int], expiring: int, p: float) -> Candidate:
    x, n, ref_x, ref_n = counts
    evidence = rate_evidence(*counts, p)
    gap = evidence["reference"] - evidence["value"]  # how far below the others' renewal rate
    name = row.get("name") or row["key"]
    finding = (
        f"{expiring} credentials of {name} expire in the next {RENEWAL_WINDOW_DAYS} days, and its renewal rate "
        f"is {percent(evidence['value'])} ({x} of {n} due), against {percent(evidence['reference'])} "
        f"({ref_x} of {ref_n}) for the other programs."
    )
    return Candidate(
        kind="renewal_risk",
        metric="renewal_rate",
        subject={"program": row["key"]},
        direction="below",
        finding=finding,
        recommendation=recommendation("renewal_rate", "below"),
        evidence=evidence,
        impact=round(max(gap, 0.0) * expiring, 6),  # renewals lost among the expiring at the program's rate
        meaningful=round(gap, 6) >= MIN_EFFECT,
        p_value=p,
    )
