"""find(result): every family's candidates, corrected together (Benjamini–Hochberg), kept when
significant and meaningful, in a deterministic order; run_for: the metrics run, then find."""

from __future__ import annotations

from typing import Any

from credlens.domain.issuers import Issuer
from credlens.insights import changes, delivery, designs, market, portfolios, programs, renewals
from credlens.insights.finding import Candidate, Json
from credlens.insights.registry import CHANGE_COUNTS, CHANGE_RATES, Q_LEVEL
from credlens.insights.statistics import adjust
from credlens.metrics import runner
from credlens.store.scope import IssuerTables

# What the families read: a run asks for these alone.
METRICS = frozenset(
    {
        "programs",
        "issued",
        "verifications",
        "view_rate",
        "share_rate",
        "share_rate_linkedin",
        "profile_add_rate",
        "verification_rate",
        "completion_rate",
        "delivery_rate",
        "delivery_failures_by_reason",
        "co_held_programs",
        "program_sequences",
        "verifications_by_industry",
        "verifications_by_country",
        "program_renewals",
        "designs",
    }
)


# What the families read of the comparison window (changes.py, market.py): a run computes those alone there.
COMPARED = frozenset({*CHANGE_RATES, *CHANGE_COUNTS, "programs", *market.AXES.values()})


def find(result: Json) -> list[Json]:
    """The insights of one metrics result (already through the privacy layer)."""
    metrics = result["metrics"]
    found: list[Candidate] = [
        *programs.candidates(metrics),
        *changes.candidates(result),
        *delivery.candidates(metrics),
        *portfolios.candidates(metrics),
        *market.candidates(result),
        *renewals.candidates(metrics),
        *designs.candidates(metrics),
    ]
    q_values = adjust([c.p_value for c in found])  # every test of the run, meaningful or not
    kept = []
    for candidate, q in zip(found, q_values, strict=True):
        if candidate.meaningful and q <= Q_LEVEL:
            kept.append(_shape(candidate, q))
    return sorted(kept, key=lambda i: (-i["impact"], i["id"]))


def _shape(c: Candidate, q: float) -> Json:
    evidence = {**c.evidence, "ci95": c.evidence["ci95"].bounds(), "p_value": _sig(c.p_value), "q_value": _sig(q)}
    return {
        "id": c.id,
        "kind": c.kind,
        "metric": c.metric,
        "subject": c.subject,
        "direction": c.direction,
        "finding": c.finding,
        "recommendation": c.recommendation,
        "evidence": evidence,
        "impact": c.impact,
    }


def _sig(p: float) -> float:
    return float(f"{p:.4g}")


def run_for(issuer: Issuer, tables: IssuerTables, programs: list[str] | None = None, **params: Any) -> Json:
    """The insights JSON of docs/insights.md: the metrics of the query (with the issuer's suppression
    threshold, scoped to ``programs``), then ``find``."""
    result = runner.run_for(issuer, tables, programs=programs, only=METRICS, compared=COMPARED, **params)
    return {"query": result["query"], "insights": find(result)}
