"""One tested statement before correction: what every insight family returns to the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from credlens.insights.statistics import Interval

Json = dict[str, Any]


@dataclass
class Candidate:
    kind: str
    metric: str
    subject: Json
    direction: str | None
    finding: str
    recommendation: str
    evidence: Json
    impact: float
    meaningful: bool = True  # the minimum effect holds; a candidate that is not still counts in the correction
    p_value: float = 1.0
    extra: Json = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable across runs of one query: kind, metric and subject (sorted)."""
        parts = [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(self.subject.items())]
        return ":".join([self.kind, self.metric, *parts])


def rate_evidence(x: int, n: int, ref_x: int, ref_n: int, p_value: float) -> Json:
    """Evidence of a rate against a reference rate, with the rate's 95 % Wilson interval."""
    return {
        "value": round(x / n, 6),
        "numerator": x,
        "denominator": n,
        "reference": round(ref_x / ref_n, 6),
        "reference_numerator": ref_x,
        "reference_denominator": ref_n,
        "ci95": Interval(x, n),
        "p_value": p_value,
    }


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"
