"""changed_since_previous: the issuer's (and each program's) rates and counts against the comparison
window of the same query (`compare`)."""

from __future__ import annotations

import datetime as dt

from credlens.insights.finding import Candidate, Json, percent, rate_evidence
from credlens.insights.registry import (
    CHANGE_COUNTS,
    CHANGE_RATES,
    LABELS,
    MIN_COUNT_CHANGE,
    MIN_EFFECT,
    PROGRAM_RATES,
    recommendation,
)
from credlens.insights.statistics import Interval, two_counts, two_proportions
from credlens.metrics.programs import RANKING_MINIMUM


def candidates(result: Json) -> list[Candidate]:
    """Every issuer-wide and per-program change with enough volume; none without a comparison."""
    comparison = result.get("comparison")
    if comparison is None:
        return []
    now, before = result["metrics"], comparison["metrics"]
    days = (_days(result["query"]), _days(comparison["window"]))
    out = []
    for metric in CHANGE_RATES:
        a, b = now.get(metric), before.get(metric)
        if a and b and a.get("denominator") is not None and b.get("denominator") is not None:
            counts = (a["numerator"], a["denominator"], b["numerator"], b["denominator"])
            out += _rate(metric, {}, "The issuer", *counts)
    for metric in CHANGE_COUNTS:
        if metric in now and metric in before:
            out += _count(metric, {}, "The issuer", now[metric]["value"], before[metric]["value"], days)
    out += _per_program(now, before, days)
    return out


def _per_program(now: Json, before: Json, days: tuple[int, int]) -> list[Candidate]:
    old = {r["key"]: r for r in (before.get("programs") or {}).get("rows", []) if not r.get("suppressed")}
    out = []
    for row in (now.get("programs") or {}).get("rows", []):
        prior = old.get(row["key"])
        if prior is None or row.get("suppressed"):
            continue
        subject, name = {"program": row["key"]}, row.get("name") or row["key"]
        for metric, (count, base) in PROGRAM_RATES.items():
            if count in row and count in prior:
                out += _rate(metric, subject, name, row[count], row[base], prior[count], prior[base])
        out += _count("issued", subject, name, row["issued"], prior["issued"], days)
    return out


def _rate(metric: str, subject: Json, name: str, x: int, n: int, old_x: int, old_n: int) -> list[Candidate]:
    if n < RANKING_MINIMUM or old_n < RANKING_MINIMUM:
        return []
    p = two_proportions(x, n, old_x, old_n)
    if p is None:
        return []
    evidence = rate_evidence(x, n, old_x, old_n, p)
    gap = evidence["value"] - evidence["reference"]
    direction = "up" if gap > 0 else "down"
    finding = (
        f"{name}'s {LABELS[metric]} went {direction} to {percent(evidence['value'])} ({x} of {n}), from "
        f"{percent(evidence['reference'])} ({old_x} of {old_n}) in the comparison window."
    )
    return [
        Candidate(
            kind="changed_since_previous",
            metric=metric,
            subject=subject,
            direction=direction,
            finding=finding,
            recommendation=recommendation(metric, direction),
            evidence=evidence,
            impact=round(abs(gap) * n, 6),
            meaningful=round(abs(gap), 6) >= MIN_EFFECT,
            p_value=p,
        )
    ]


def _count(metric: str, subject: Json, name: str, x: int, old: int, days: tuple[int, int]) -> list[Candidate]:
    if max(x, old) < RANKING_MINIMUM:
        return []
    expected = old * days[0] / days[1]  # the comparison window's count, per day of this window
    p = two_counts(x, old, *days)
    direction = "up" if x > expected else "down"
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
    finding = f"{name}: {LABELS[metric]} went {direction} to {x}, from {old} in the comparison window."
    return [
        Candidate(
            kind="changed_since_previous",
            metric=metric,
            subject=subject,
            direction=direction,
            finding=finding,
            recommendation="",
            evidence=evidence,
            impact=round(abs(x - expected), 6),
            meaningful=abs(x - expected) >= MIN_COUNT_CHANGE * expected,
            p_value=p,
        )
    ]


def _days(window: Json) -> int:
    return (dt.date.fromisoformat(window["to"]) - dt.date.fromisoformat(window["from"])).days + 1
