"""Metric results built by hand (the shape metrics.runner.run returns after the privacy layer), and
drawn at random with given rates, for the insight tests and bench/insights.py."""

from __future__ import annotations

from typing import Any

import numpy as np

Json = dict[str, Any]
RATES = {"opened": 0.6, "shared": 0.15, "shared_linkedin": 0.08, "profile_added": 0.1, "verified": 0.2}
COMPLETION = 0.8
RATE_OF = {
    "view_rate": "opened",
    "share_rate": "shared",
    "share_rate_linkedin": "shared_linkedin",
    "profile_add_rate": "profile_added",
    "verification_rate": "verified",
}


def program(key: str, issued: int, enrollments: int = 0, completions: int = 0, **counts: int) -> Json:
    row: Json = {"key": key, "name": key.title(), "value": issued, "issued": issued}
    row |= {count: counts.get(count, 0) for count in RATES}
    return row | {"enrollments": enrollments, "completions": completions}


def metrics(rows: list[Json], **extra: Any) -> Json:
    """The issuer-wide rates and counts the rows add up to, with the rows as the `programs` metric."""
    out: Json = {"programs": {"rows": rows}, "issued": {"value": sum(r["issued"] for r in rows)}}
    issued = out["issued"]["value"]
    for rate, count in RATE_OF.items():
        num = sum(r[count] for r in rows)
        out[rate] = {"value": num / issued if issued else None, "numerator": num, "denominator": issued}
    enrolled, completed = sum(r["enrollments"] for r in rows), sum(r["completions"] for r in rows)
    out["completion_rate"] = {"value": None, "numerator": completed, "denominator": enrolled}
    return out | extra


def result(now: Json, before: Json | None = None, days: int = 30) -> Json:
    """A run's result: the window 2026-01-01 + days, the comparison window just before it."""
    query = {"issuer": "acme", "from": "2026-03-01", "to": f"2026-03-{days:02d}", "program": []}
    out: Json = {"query": query, "metrics": now}
    if before is not None:
        out["comparison"] = {"window": {"from": "2026-01-30", "to": "2026-02-28"}, "metrics": before}
    return out


def drawn(
    rng: np.random.Generator,
    sizes: dict[str, int],
    rates: dict[str, dict[str, float]] | None = None,
    enrollments: int = 100,
) -> Json:
    """Programs drawn with the shared RATES (or per-program overrides), ``enrollments`` each."""
    rows = []
    for key, n in sizes.items():
        own = {**RATES, **(rates or {}).get(key, {})}
        counts = {count: int(rng.binomial(n, p)) for count, p in own.items()}
        rows.append(program(key, n, enrollments, int(rng.binomial(enrollments, COMPLETION)), **counts))
    return metrics(rows, verifications={"value": int(rng.poisson(200))})
