"""bundle_opportunity and pathway: programs held together, and earned one after the other, from the
`co_held_programs` and `program_sequences` rows."""

from __future__ import annotations

from credlens.insights.finding import Candidate, Json, percent
from credlens.insights.registry import MIN_LIFT, MIN_PATHWAY_SHARE
from credlens.insights.statistics import Interval, above_chance
from credlens.metrics.programs import RANKING_MINIMUM
from credlens.metrics.recipients import TOP_PAIRS


def candidates(metrics: Json) -> list[Candidate]:
    return _bundles(metrics) + _pathways(metrics)


def _bundles(metrics: Json) -> list[Candidate]:
    out = []
    for row in (metrics.get("co_held_programs") or {}).get("rows", []):
        both, support, lift = row.get("value"), row.get("support"), row.get("lift")
        if row.get("suppressed") or not both or not support or not lift or both < RANKING_MINIMUM:
            continue
        holders = round(both / support)  # recipients in scope: support = both / recipients
        chance = support / lift  # P(A) × P(B), since lift = support / (P(A) P(B))
        p = above_chance(both, holders, chance)
        a, b = row.get("a_name") or row["a"], row.get("b_name") or row["b"]
        evidence = {
            "value": both,
            "numerator": both,
            "denominator": holders,
            "reference": round(chance * holders, 6),
            "reference_numerator": None,
            "reference_denominator": holders,
            "ci95": Interval(both, holders),
            "p_value": p,
        }
        out.append(
            Candidate(
                kind="bundle_opportunity",
                metric="co_held_programs",
                subject={"programs": [row["a"], row["b"]]},
                direction="above",
                finding=f"{both} recipients hold both {a} and {b}, {lift:.1f}× as many as by chance.",
                recommendation=f"Offer {a} and {b} as a bundle, or suggest each to the other's holders.",
                evidence=evidence,
                impact=round(both - chance * holders, 6),
                meaningful=lift >= MIN_LIFT,
                p_value=p,
            )
        )
    return out


def _pathways(metrics: Json) -> list[Candidate]:
    """A → B when more recipients earned A before B than B before A (the reverse's count is known when
    its row is there, or when fewer than the top rows were returned: then it is 0)."""
    rows = [r for r in (metrics.get("program_sequences") or {}).get("rows", []) if not r.get("suppressed")]
    then = {(r["a"], r["b"]): int(r["value"]) for r in rows}
    out = []
    for row in rows:
        forward = then[(row["a"], row["b"])]
        reverse = then.get((row["b"], row["a"]), 0 if len(rows) < TOP_PAIRS else None)
        if reverse is None or forward < RANKING_MINIMUM:
            continue
        p = above_chance(forward, forward + reverse, 0.5)
        a, b, days = row.get("a_name") or row["a"], row.get("b_name") or row["b"], row["median_days"]
        share = forward / (forward + reverse)
        evidence = {
            "value": round(share, 6),
            "numerator": forward,
            "denominator": forward + reverse,
            "reference": 0.5,
            "reference_numerator": None,
            "reference_denominator": None,
            "ci95": Interval(forward, forward + reverse),
            "p_value": p,
        }
        out.append(
            Candidate(
                kind="pathway",
                metric="program_sequences",
                subject={"programs": [row["a"], row["b"]]},
                direction=None,
                finding=f"{forward} recipients earned {a} and then {b} ({percent(share)} of those holding both "
                f"in one order), a median {days:.0f} days apart.",
                recommendation=f"Offer {b} to holders of {a} around day {days:.0f}.",
                evidence=evidence,
                impact=float(forward - reverse),
                meaningful=round(share, 6) >= MIN_PATHWAY_SHARE,
                p_value=p,
            )
        )
    return out
